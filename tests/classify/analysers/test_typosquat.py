"""The typosquat check and the examples shipped with ``rules/popular-packages.yaml``."""

from __future__ import annotations

import pytest
import yaml

from guardtrail.classify.analysers.typosquat import lookalike, one_edit_apart
from guardtrail.rule_files import rules_dir

_EXAMPLES = yaml.safe_load((rules_dir() / "popular-packages.yaml").read_text(encoding="utf-8"))["examples"]


@pytest.mark.parametrize(
    ("ecosystem", "name"), [(eco, name) for eco, cases in _EXAMPLES.items() for name in cases["match"]]
)
def test_shipped_lookalikes_are_caught(ecosystem: str, name: str) -> None:
    assert lookalike(ecosystem, name) is not None


@pytest.mark.parametrize(
    ("ecosystem", "name"), [(eco, name) for eco, cases in _EXAMPLES.items() for name in cases["no-match"]]
)
def test_popular_short_and_unrelated_names_are_not(ecosystem: str, name: str) -> None:
    assert lookalike(ecosystem, name) is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("requests", "reqeusts", True),  # swap
        ("requests", "request", True),  # deletion
        ("requests", "requestss", True),  # insertion
        ("requests", "requexts", True),  # substitution
        ("requests", "requests", False),
        ("requests", "reqeustz", False),  # two edits
        ("abcd", "badc", False),
    ],
)
def test_one_edit_apart(a: str, b: str, expected: bool) -> None:
    assert one_edit_apart(a, b) is expected
    assert one_edit_apart(b, a) is expected
