"""Every shipped rule proves itself: each example must (or must not) match."""

from __future__ import annotations

import pytest

from guardtrail.classify.injection_rules import ASK_PREFIX, rule_match
from guardtrail.classify.paths import PathClassifier
from guardtrail.model import Category
from guardtrail.rule_files import load_rules
from guardtrail.rules import Rule


def _examples(name: str) -> list[tuple[Rule, str, bool]]:
    cases = []
    for rule in load_rules(name):
        cases += [(rule, text, True) for text in rule.examples.match]
        cases += [(rule, text, False) for text in rule.examples.no_match]
    return cases


def _id(case: object) -> str:
    return str(case)[:60]


@pytest.mark.parametrize(("rule", "path", "should_match"), _examples("paths"), ids=_id)
def test_path_rule_examples(rule: Rule, path: str, should_match: bool) -> None:
    matched = PathClassifier([rule]).match(path)
    assert (rule in matched) is should_match


@pytest.mark.parametrize(("rule", "text", "should_match"), _examples("assistants"), ids=_id)
def test_assistant_rule_examples(rule: Rule, text: str, should_match: bool) -> None:
    assert bool(rule.regex.search(text)) is should_match


@pytest.mark.parametrize(("rule", "text", "should_match"), _examples("injection"), ids=_id)
def test_injection_rule_examples(rule: Rule, text: str, should_match: bool) -> None:
    assert (rule_match(rule, text) is not None) is should_match


def test_injection_rules_say_their_part_and_what_they_ask() -> None:
    """Every rule names its part of the bait; every match example of an address or override rule
    holds one of its keywords (they are the analyser's prefilter); an ask reads as one."""
    for rule in load_rules("injection"):
        assert rule.field in {"address", "override", "conceal", "ask", "mention"}, rule.id
        assert rule.category is Category.INJECTION and rule.keywords, rule.id
        for text in rule.examples.match:
            assert any(word in " ".join(text.lower().split()) for word in rule.keywords), (rule.id, text)
        assert rule.description.startswith(ASK_PREFIX) is (rule.field == "ask"), rule.id


@pytest.mark.parametrize("name", ["paths", "assistants", "injection"])
def test_every_rule_has_examples_both_ways(name: str) -> None:
    for rule in load_rules(name):
        assert rule.examples.match and rule.examples.no_match, rule.id
        assert rule.description, rule.id


def test_every_path_category_has_rules() -> None:
    categories = {rule.category for rule in load_rules("paths")}
    expected = {Category.BUILD_LOGIC, Category.AUTH, Category.DEPENDENCY, Category.AGENT_CONFIG, Category.POLICY}
    assert categories == expected


def test_policy_globs_extend_the_shipped_rules() -> None:
    classifier = PathClassifier(load_rules("paths"), extra={Category.AUTH: ["src/security/**"]})
    assert [r.id for r in classifier.match("src/security/tokens.py")] == ["auth.policy-paths"]
    assert [r.category for r in classifier.match("Dockerfile")] == [Category.BUILD_LOGIC]
