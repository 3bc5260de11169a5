"""Every secret rule proves itself: each ``match`` example yields a finding of that rule, each
``no-match`` example yields no secret finding at all (ours or detect-secrets')."""

from __future__ import annotations

import pytest

from guardtrail.classify.secrets.scanner import PATH_SCOPES, SecretScanner
from guardtrail.model import AddedLine, Finding
from guardtrail.rule_files import load_rules
from guardtrail.rules import Rule

SCANNER = SecretScanner()


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
    assert [(f.rule, f.line) for f in _scan(text, rule)] == []


def test_every_secret_rule_is_described_and_has_examples_both_ways() -> None:
    for rule in load_rules("secrets"):
        assert rule.id.startswith("secret.") and rule.category is not None and rule.category.value == "secret"
        assert rule.description and rule.examples.match and rule.examples.no_match, rule.id
