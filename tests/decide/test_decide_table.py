"""The decision by table: one row per rule of ``decide()``, on commits and findings built by hand.

``decide()`` is pure: it takes what the earlier stages read (commits, their signals and what
their signatures proved) and found, and returns a verdict per finding. Each row names one
finding, the commit it stands in (a human's, or gated: an assistant's), the signed approvals of
the range, and what the decision makes of it: every finding it reports with its verdict, and
the range's verdict. Signatures are given as what verification concluded; the commands' tests
make and verify real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from guardtrail.classify.secrets.baseline import Baseline
from guardtrail.decide.authorship import Signal
from guardtrail.decide.gate import decide, scan_verdict
from guardtrail.decide.signatures import UNSIGNED, SignatureCheck
from guardtrail.model import Category, Commit, Confidence, Finding, Person, Severity, Verdict
from guardtrail.policy import ApprovalRules, Approver, Policy

ALICE = Approver("Alice", "alice@example.com", ssh_keys=("ssh-ed25519 AAAAalice",))
BOB = Approver("Bob", "bob@example.com", ssh_keys=("ssh-ed25519 AAAAbob",))
DEV = Person("Dev", "dev@example.com")
WORK = Commit("1" * 40, ("0" * 40,), DEV, DEV, "edit\n", ())
ASSISTANT = Signal("assistant.test", "Co-authored-by: test")
FINGERPRINT = "f" * 16


@dataclass(frozen=True)
class Row:
    finding: Finding
    gated: bool = False
    """Whether an assistant wrote the commit (its signal is given)."""
    approvers: tuple[Approver, ...] = ()
    """Each signs an ``Approved-by`` commit on top of the work."""
    allow_secret: bool = False
    """The first approval also acknowledges the secret's fingerprint (``Allow-secret:``)."""
    mode: str = "assistant"
    signed_by: Approver | None = None
    """Whose key signed the work commit itself, when one did."""
    baseline: Baseline | None = None
    policy_changes: int = 1


def _found(category: Category, confidence: Confidence | None = None, **fields: Any) -> Finding:
    return Finding(WORK.sha, "a.py", 3, category, f"{category.value}.row", "row", confidence=confidence, **fields)


SECRET = _found(
    Category.SECRET, severity=Severity.ERROR, fingerprint=FINGERPRINT, secret_hash="h" * 40, fail_closed=True
)
ALLOWLISTED = _found(Category.SECRET, fingerprint=FINGERPRINT, secret_hash="h" * 40, fail_closed=True, allowlisted=True)


def _approval(number: int, approver: Approver, *, allow_secret: bool) -> Commit:
    trailers = [("Approved-by", str(approver.person))]
    if allow_secret:
        trailers.append(("Allow-secret", FINGERPRINT))
    message = "Approve\n\n" + "".join(f"{key}: {value}\n" for key, value in trailers)
    return Commit(str(number + 2) * 40, (WORK.sha,), approver.person, approver.person, message, tuple(trailers))


def _signed(approver: Approver) -> SignatureCheck:
    return SignatureCheck(True, approver, "ssh", f"good ssh signature by {approver.name}")


def _judge(row: Row) -> tuple[set[tuple[str, str]], str]:
    """Each reported finding's rule and outcome (``blocks``, ``warns``, ``approved by ...``),
    and the range's verdict."""
    approvals = [_approval(n, a, allow_secret=row.allow_secret and n == 0) for n, a in enumerate(row.approvers)]
    commits = [WORK, *approvals]
    checks = {WORK.sha: _signed(row.signed_by) if row.signed_by else UNSIGNED}
    checks.update({c.sha: _signed(a) for c, a in zip(approvals, row.approvers, strict=True)})
    decision = decide(
        base="0" * 40,
        head=commits[-1].sha,
        base_note="given",
        policy=Policy(
            mode=row.mode,
            approvers=(ALICE, BOB),
            source=".guardtrail.yml at base",
            approvals=ApprovalRules(policy_changes=row.policy_changes),
        ),
        commits=commits,
        findings=[row.finding],
        signals={WORK.sha: (ASSISTANT,) if row.gated else ()},
        checks=checks,
        baseline=row.baseline,
    )
    outcomes = {(finding.rule, _outcome(verdict)) for finding, verdict in decision.judged}
    return outcomes, decision.verdict


def _outcome(verdict: Verdict) -> str:
    if verdict.blocking:
        return "blocks"
    return f"approved by {verdict.approved_by}" if verdict.approved_by else "warns"


BLOCKS = "block"
PASSES = "pass"
BY_ALICE = "approved by Alice <alice@example.com>"


@pytest.mark.parametrize(
    ("row", "outcomes", "verdict"),
    [
        # Secrets block whoever wrote them, and an ordinary approval never launders one.
        pytest.param(Row(SECRET), {("secret.row", "blocks")}, BLOCKS, id="secret-by-a-human-blocks"),
        pytest.param(Row(SECRET, gated=True), {("secret.row", "blocks")}, BLOCKS, id="secret-by-an-assistant-blocks"),
        pytest.param(
            Row(SECRET, gated=True, approvers=(ALICE,)),
            {("secret.row", "blocks")},
            BLOCKS,
            id="an-approval-never-clears-a-secret",
        ),
        pytest.param(
            Row(SECRET, gated=True, approvers=(ALICE,), allow_secret=True),
            {("secret.row", BY_ALICE)},
            PASSES,
            id="only-allow-secret-of-its-fingerprint-clears-it",
        ),
        pytest.param(
            Row(SECRET, baseline=Baseline("base", frozenset({("a.py", "h" * 40)}))),
            set(),
            PASSES,
            id="the-base-baseline-clears-a-secret",
        ),
        pytest.param(
            Row(SECRET, baseline=Baseline("base", frozenset({("a.py", "0" * 40)}))),
            {("secret.row", "blocks")},
            BLOCKS,
            id="a-baseline-of-other-secrets-clears-nothing",
        ),
        pytest.param(Row(ALLOWLISTED), set(), PASSES, id="an-allowlist-comment-by-a-human-clears-it"),
        pytest.param(
            Row(ALLOWLISTED, gated=True),
            {("secret.row", "blocks"), ("policy.inline-allowlist", "blocks")},
            BLOCKS,
            id="an-allowlist-comment-in-a-gated-commit-is-a-policy-change-and-clears-nothing",
        ),
        pytest.param(
            Row(ALLOWLISTED, gated=True, approvers=(ALICE,)),
            {("secret.row", "blocks"), ("policy.inline-allowlist", BY_ALICE)},
            BLOCKS,
            id="approving-the-allowlist-comment-still-leaves-the-secret",
        ),
        # Sensitive paths and content matter in gated commits only, until an approval covers them.
        pytest.param(
            Row(_found(Category.BUILD_LOGIC)), set(), PASSES, id="a-humans-sensitive-change-passes-unreported"
        ),
        pytest.param(
            Row(_found(Category.BUILD_LOGIC), gated=True),
            {("build-logic.row", "blocks")},
            BLOCKS,
            id="an-assistants-sensitive-change-needs-approval",
        ),
        pytest.param(
            Row(_found(Category.AUTH), gated=True, approvers=(ALICE,)),
            {("auth.row", BY_ALICE)},
            PASSES,
            id="a-signed-approval-clears-a-sensitive-change",
        ),
        pytest.param(
            Row(_found(Category.POLICY), gated=True, approvers=(ALICE,), policy_changes=2),
            {("policy.row", "blocks")},
            BLOCKS,
            id="a-policy-change-needs-as-many-approvers-as-the-policy-says",
        ),
        pytest.param(
            Row(_found(Category.POLICY), gated=True, approvers=(ALICE, BOB), policy_changes=2),
            {("policy.row", "approved by Alice <alice@example.com>, Bob <bob@example.com>")},
            PASSES,
            id="two-distinct-approvers-clear-a-policy-change",
        ),
        # Mode unsigned gates every commit no approver signed.
        pytest.param(
            Row(_found(Category.DEPENDENCY), mode="unsigned"),
            {("dependency.row", "blocks")},
            BLOCKS,
            id="unsigned-mode-gates-an-unsigned-human-commit",
        ),
        pytest.param(
            Row(_found(Category.DEPENDENCY), mode="unsigned", signed_by=ALICE),
            set(),
            PASSES,
            id="unsigned-mode-passes-a-commit-an-approver-signed",
        ),
        pytest.param(
            Row(_found(Category.DEPENDENCY), gated=True, mode="unsigned", signed_by=ALICE),
            {("dependency.row", "blocks")},
            BLOCKS,
            id="a-signature-never-exempts-an-assistant-commit",
        ),
        # Planted text: high confidence blocks whoever wrote it (approvable), medium warns humans.
        pytest.param(
            Row(_found(Category.HIDDEN_TEXT, Confidence.HIGH)),
            {("hidden-text.row", "blocks")},
            BLOCKS,
            id="trojan-source-blocks-a-human-commit",
        ),
        pytest.param(
            Row(_found(Category.HIDDEN_TEXT, Confidence.HIGH), approvers=(ALICE,)),
            {("hidden-text.row", BY_ALICE)},
            PASSES,
            id="trojan-source-is-approvable",
        ),
        pytest.param(
            Row(_found(Category.INJECTION, Confidence.HIGH)),
            {("injection.row", "blocks")},
            BLOCKS,
            id="high-confidence-bait-blocks-a-human-commit",
        ),
        pytest.param(
            Row(_found(Category.INJECTION, Confidence.HIGH), approvers=(ALICE,)),
            {("injection.row", BY_ALICE)},
            PASSES,
            id="high-confidence-bait-is-approvable",
        ),
        pytest.param(
            Row(_found(Category.HIDDEN_TEXT, Confidence.MEDIUM)),
            {("hidden-text.row", "warns")},
            PASSES,
            id="medium-hidden-text-warns-a-human",
        ),
        pytest.param(
            Row(_found(Category.INJECTION, Confidence.MEDIUM)),
            {("injection.row", "warns")},
            PASSES,
            id="medium-bait-warns-a-human",
        ),
        pytest.param(
            Row(_found(Category.INJECTION, Confidence.LOW), gated=True),
            {("injection.row", "blocks")},
            BLOCKS,
            id="any-bait-blocks-a-gated-commit",
        ),
        # A detector that fails closed blocks whoever wrote it, until an approval covers it.
        pytest.param(
            Row(_found(Category.BUILD_LOGIC, fail_closed=True)),
            {("build-logic.row", "blocks")},
            BLOCKS,
            id="a-fail-closed-finding-blocks-a-human-commit",
        ),
        pytest.param(
            Row(_found(Category.BUILD_LOGIC, fail_closed=True), approvers=(ALICE,)),
            {("build-logic.row", BY_ALICE)},
            PASSES,
            id="a-fail-closed-finding-is-approvable",
        ),
    ],
)
def test_decision_table(row: Row, outcomes: set[tuple[str, str]], verdict: str) -> None:
    assert _judge(row) == (outcomes, verdict)


def test_an_approver_never_clears_their_own_commit() -> None:
    own = Commit(WORK.sha, WORK.parents, ALICE.person, ALICE.person, WORK.message, ())
    approval = _approval(0, ALICE, allow_secret=False)
    decision = decide(
        base="0" * 40,
        head=approval.sha,
        base_note="given",
        policy=Policy(approvers=(ALICE,), source=".guardtrail.yml at base"),
        commits=[own, approval],
        findings=[_found(Category.BUILD_LOGIC)],
        signals={own.sha: (ASSISTANT,)},
        checks={own.sha: UNSIGNED, approval.sha: _signed(ALICE)},
    )
    assert [(f.rule, v) for f, v in decision.judged] == [("build-logic.row", Verdict(blocking=True))]


def test_an_approval_by_an_assistant_identity_does_not_count() -> None:
    approval = _approval(0, ALICE, allow_secret=False)
    decision = decide(
        base="0" * 40,
        head=approval.sha,
        base_note="given",
        policy=Policy(approvers=(ALICE,), source=".guardtrail.yml at base"),
        commits=[WORK, approval],
        findings=[_found(Category.BUILD_LOGIC)],
        signals={WORK.sha: (ASSISTANT,), approval.sha: (ASSISTANT,)},
        checks={WORK.sha: UNSIGNED, approval.sha: _signed(ALICE)},
    )
    assert [(f.rule, v) for f, v in decision.judged] == [("build-logic.row", Verdict(blocking=True))]
    assert any("assistants never approve" in note for note in decision.notes)


@pytest.mark.parametrize(
    ("finding", "blocking"),
    [(SECRET, True), (_found(Category.SECRET, severity=Severity.NOTE), False)],
    ids=["a-scanned-secret-blocks", "a-scan-note-never-blocks"],
)
def test_a_scan_has_no_commit_to_gate_so_the_detector_says(finding: Finding, blocking: bool) -> None:
    assert scan_verdict(finding) == Verdict(blocking=blocking)


def test_a_finding_never_carries_its_verdict() -> None:
    """What was found and what it means are apart: the detector cannot pass anything."""
    assert not {"blocking", "approved_by"} & set(Finding.__dataclass_fields__)
