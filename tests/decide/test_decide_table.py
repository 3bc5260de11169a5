"""The decision by table: one row per rule of ``decide()``, on findings built by hand.

Each row names a finding (category, confidence), whether its commit is gated (an assistant wrote
it), and the outcome the decision gives it: dropped, a warning, or blocking.
"""

from __future__ import annotations

import pytest

from guardtrail.decide.authorship import Signal
from guardtrail.decide.gate import decide
from guardtrail.decide.signatures import UNSIGNED
from guardtrail.model import Category, Commit, Confidence, Finding, Person
from guardtrail.policy import Policy

HUMAN = Commit("a" * 40, (), Person("Dev", "dev@example.com"), Person("Dev", "dev@example.com"), "edit\n", ())
ASSISTANT_SIGNAL = Signal("assistant.test", "Co-authored-by: test")


def _outcome(category: Category, confidence: Confidence | None, *, gated: bool) -> str:
    finding = Finding(HUMAN.sha, "README.md", 3, category, f"{category.value}.row", "row", confidence=confidence)
    decision = decide(
        base="0" * 40,
        head=HUMAN.sha,
        base_note="given",
        policy=Policy(),
        commits=[HUMAN],
        findings=[finding],
        signals={HUMAN.sha: (ASSISTANT_SIGNAL,) if gated else ()},
        checks={HUMAN.sha: UNSIGNED},
    )
    if not decision.findings:
        return "dropped"
    return "blocks" if decision.findings[0].blocking else "warns"


@pytest.mark.parametrize(
    ("category", "confidence", "gated", "expected"),
    [
        (Category.BUILD_LOGIC, None, False, "dropped"),  # sensitive paths matter only in gated commits
        (Category.BUILD_LOGIC, None, True, "blocks"),
        (Category.HIDDEN_TEXT, Confidence.MEDIUM, False, "warns"),  # zero-width: a warning for humans
        (Category.HIDDEN_TEXT, Confidence.HIGH, False, "blocks"),  # Trojan Source blocks whoever wrote it
        (Category.HIDDEN_TEXT, None, True, "blocks"),
        (Category.INJECTION, Confidence.MEDIUM, False, "warns"),
        (Category.INJECTION, Confidence.HIGH, False, "blocks"),  # planted bait steers the next assistant
        (Category.INJECTION, Confidence.LOW, True, "blocks"),
        (Category.SECRET, None, False, "blocks"),  # secrets block whoever wrote them
    ],
)
def test_decision_table(category: Category, confidence: Confidence | None, gated: bool, expected: str) -> None:
    assert _outcome(category, confidence, gated=gated) == expected
