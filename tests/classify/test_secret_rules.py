"""Every secret rule proves itself: each ``match`` example yields a finding of that rule, each
``no-match`` example yields no secret finding at all (ours or detect-secrets').

One exception, by design: a provider rule's no-match example may hold a random value under a
``*_TOKEN`` name, the wrong shape for that provider. The generic fallback rules exist to catch
exactly such a value, so on those examples only a fallback rule may answer, never the provider
rule itself nor another provider's."""

from __future__ import annotations

import pytest

from guardtrail.classify.secrets.scanner import PATH_SCOPES, SecretScanner
from guardtrail.model import AddedLine, Finding
from guardtrail.rule_files import load_rules
from guardtrail.rules import Rule

SCANNER = SecretScanner()


FALLBACK_IDS = frozenset(rule.id for rule in load_rules("secrets") if rule.fallback)

SCOPED_PATHS = {"secret.rails-master-key": "config/master.key"}
"""A file each rule of ``PATH_SCOPES`` holds in, where its examples are read."""


def _scan(text: str, rule: Rule) -> list[Finding]:
    lines = [AddedLine(number, line) for number, line in enumerate(text.split("\n"), start=1)]
    return SCANNER.scan_lines("0" * 40, SCOPED_PATHS.get(rule.id, "settings.cfg"), lines, content=text)


def test_every_path_scoped_rule_has_a_file_to_read_its_examples_in() -> None:
    assert set(SCOPED_PATHS) == set(PATH_SCOPES)
    assert all(PATH_SCOPES[rule].search(path) for rule, path in SCOPED_PATHS.items())


def _examples(should_match: bool) -> list[tuple[Rule, str]]:
    return [
        (rule, text)
        for rule in load_rules("secrets")
        for text in (rule.examples.match if should_match else rule.examples.no_match)
    ]


def _id(case: object) -> str:
    return str(case)[:60]


@pytest.mark.parametrize(("rule", "text"), _examples(True), ids=_id)
def test_match_example_is_found_by_its_rule(rule: Rule, text: str) -> None:
    assert rule.id in {finding.rule for finding in _scan(text, rule)}


@pytest.mark.parametrize(("rule", "text"), _examples(False), ids=_id)
def test_no_match_example_raises_nothing(rule: Rule, text: str) -> None:
    found = [(f.rule, f.line) for f in _scan(text, rule)]
    if not rule.fallback:
        found = [(rule_id, line) for rule_id, line in found if rule_id not in FALLBACK_IDS]
    assert found == []


def test_fallbacks_answer_only_for_values_a_person_would_call_a_secret() -> None:
    """The exception above stays narrow: a fallback answers on few provider no-match examples."""
    answered = [
        text
        for rule, text in _examples(False)
        if not rule.fallback and {f.rule for f in _scan(text, rule)} & FALLBACK_IDS
    ]
    assert len(answered) <= 40, answered


def test_every_secret_rule_is_described_and_has_examples_both_ways() -> None:
    for rule in load_rules("secrets"):
        assert rule.id.startswith("secret.") and rule.category is not None and rule.category.value == "secret"
        assert rule.description and rule.examples.match and rule.examples.no_match, rule.id
