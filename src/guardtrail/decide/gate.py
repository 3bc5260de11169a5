"""The decision: which findings block, which an approval clears, and the verdict.

Pure: it takes what the earlier stages read and found, and returns a :class:`Decision` that
every report renders the same way. Rules of the decision:

- A commit is *gated* when an assistant wrote it, and in mode ``unsigned`` also when no
  approver's key signed it. Sensitive findings in gated commits block until a signed
  approval covers the commit; in other commits they are not reported.
- A secret blocks whoever wrote it. Only the base baseline, an inline allowlist comment in a
  commit that is not gated, or an approver's ``Allow-secret:`` for that exact fingerprint
  clears it; an ordinary approval never does.
- Text planted to mislead a reviewer or steer the next assistant (Trojan Source characters,
  high-confidence injection bait) blocks whoever wrote it, like a secret, but a signed approval
  covering its commit clears it. Lower-confidence hidden text and bait in a commit that is not
  gated is reported as a warning.
- A finding its detector marks fail-closed blocks whoever wrote it; a signed approval covering
  its commit clears it (a secret's, as above, only its own acknowledgement).

The findings say what was found; the decision gives each a :class:`~guardtrail.model.Verdict`
(blocks, or cleared by whom), and reports read the two together.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from guardtrail.decide.approvals import Approval, Approvals, find_approvals
from guardtrail.decide.authorship import Signal
from guardtrail.decide.signatures import SignatureCheck
from guardtrail.model import Category, Commit, Confidence, Finding, Severity, Verdict
from guardtrail.policy import Approver, Policy

if TYPE_CHECKING:
    from guardtrail.decide.statements import StatementCheck

Judged = tuple[Finding, Verdict]
"""A finding as the decision left it, and its verdict."""


class SecretBaseline(Protocol):
    """Known, accepted secrets (a detect-secrets baseline read from the base revision)."""

    def allows(self, finding: Finding) -> bool: ...


@dataclass(frozen=True)
class CommitDecision:
    """What the gate concluded about one commit."""

    commit: Commit
    signals: tuple[Signal, ...]
    signature: SignatureCheck
    gated: bool
    approved_by: Approver | None
    """For a gated commit: the approver whose signed approval covers it."""
    approval_of: Approver | None = None
    """When this commit is itself a valid signed approval: whose."""

    @property
    def assistant(self) -> bool:
        return bool(self.signals)


@dataclass(frozen=True)
class Decision:
    base: str
    head: str
    base_note: str
    policy: Policy
    commits: tuple[CommitDecision, ...]
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()
    """Lines a reader needs to trust the verdict: defaults in force, rejected approvals."""
    suppressed: int = 0
    """Secrets cleared by the baseline or an inline allowlist."""
    approvals: tuple[Approval, ...] = ()
    """Every approval that counted: by whom, of which kind, with which authenticator flags."""
    verdicts: tuple[Verdict, ...] = ()
    """One per finding, in the same order: whether it blocks, and who cleared it."""

    def __post_init__(self) -> None:
        if len(self.verdicts) != len(self.findings):
            raise ValueError(f"{len(self.findings)} findings but {len(self.verdicts)} verdicts: one each")

    @functools.cached_property
    def judged(self) -> tuple[Judged, ...]:
        """Each finding with its verdict, in order."""
        return tuple(zip(self.findings, self.verdicts, strict=True))

    @functools.cached_property
    def blocking(self) -> tuple[Finding, ...]:
        """Asked by every report, of findings that never change: counted once."""
        return tuple(finding for finding, verdict in self.judged if verdict.blocking)

    def with_judged(self, judged: Iterable[Judged]) -> Decision:
        """This decision with ``judged`` as its findings and their verdicts."""
        pairs = tuple(judged)
        return replace(self, findings=tuple(f for f, _ in pairs), verdicts=tuple(v for _, v in pairs))

    @property
    def verdict(self) -> str:
        return "block" if self.blocking else "pass"

    def with_notes(self, notes: Sequence[str]) -> Decision:
        """This decision with ``notes`` after its own (files that were not scanned, say)."""
        return replace(self, notes=(*self.notes, *notes)) if notes else self

    @property
    def exit_code(self) -> int:
        return 1 if self.blocking else 0


def is_gated(policy: Policy, signals: Sequence[Signal], signature: SignatureCheck) -> bool:
    """Assistant commits are always gated; mode ``unsigned`` also gates every commit no approver
    signed. A signature never exempts an assistant commit: an agent in the approver's shell can
    reach their ssh-agent, but it still writes its trailers."""
    if signals:
        return True
    return policy.mode == "unsigned" and not signature.verified


@dataclass(frozen=True)
class Clearance:
    """What can clear a gated finding: the approvals, the range's net change per path (which an
    approval bound to content must match) and how many distinct approvers a category needs."""

    approvals: Approvals
    digests: Mapping[str, str]
    policy_changes: int = 1
    """Distinct approvers needed for a finding of category ``policy``."""

    def apply(self, finding: Finding) -> Judged:
        """The finding, blocking until enough distinct approvers' approvals clear it."""
        found = self.approvals.clearing(finding.commit, finding.path, self.digests)
        approvers = list({a.approver.email.lower(): a.approver for a in found}.values())
        need = self.policy_changes if finding.category is Category.POLICY else 1
        named = ", ".join(str(a) for a in approvers) or None
        if len(approvers) >= need:
            return finding, Verdict(blocking=False, approved_by=named)
        if not approvers:
            return replace(finding, details=(*finding.details, *self._mismatches(finding))), Verdict(blocking=True)
        note = f"needs {need} distinct approvers (approvals.policy_changes); approved so far by {named}"
        return replace(finding, details=(*finding.details, note)), Verdict(blocking=True)

    def _mismatches(self, finding: Finding) -> list[str]:
        """Why statements that name this path do not clear it: they approve another change."""
        return [
            f"a signed statement by {a.approver} in {a.commit[:10]} approves a different change to this path:"
            " approve again"
            for a in self.approvals.approvals
            if a.changes is not None and finding.commit in a.covers and finding.path in a.changes
        ]


def _judge(finding: Finding, *, gated: bool, clearance: Clearance, baseline: SecretBaseline | None) -> list[Judged]:
    """The finding as it stands after the decision (empty when cleared or not reported)."""
    if finding.category is Category.SECRET:
        if baseline is not None and baseline.allows(finding):
            return []
        if finding.allowlisted and not gated:
            return []
        extra = []
        if finding.allowlisted:  # a policy change like any other: the commit's approval covers it
            comment = replace(
                finding,
                category=Category.POLICY,
                rule="policy.inline-allowlist",
                message="an allowlist comment added by a gated commit clears nothing",
                fingerprint=None,
                secret_hash=None,
                allowlisted=False,
            )
            extra.append(clearance.apply(comment))
        acknowledged = clearance.approvals.secret_allowed_by(finding.commit, finding.fingerprint)
        if acknowledged is not None:
            return [*extra, (finding, Verdict(blocking=False, approved_by=str(acknowledged.approver)))]
        return [*extra, (replace(finding, severity=Severity.ERROR), Verdict(blocking=True))]
    if gated or finding.fail_closed or blocks_whoever_wrote_it(finding):
        return [clearance.apply(finding)]
    if finding.category in _WARNED_WHOEVER_WROTE_IT:
        return [(replace(finding, severity=Severity.WARNING), Verdict(blocking=False))]
    return []


_WARNED_WHOEVER_WROTE_IT = (Category.HIDDEN_TEXT, Category.INJECTION)
"""Categories about text a reader is shown: reported in every commit, not only gated ones."""


def blocks_whoever_wrote_it(finding: Finding) -> bool:
    """Planted text blocks in any commit until an approval covers it: whoever wrote it, it
    misleads the reviewer (Trojan Source) or steers the next assistant (injection bait)."""
    return finding.category in _WARNED_WHOEVER_WROTE_IT and finding.confidence is Confidence.HIGH


def scan_verdict(finding: Finding) -> Verdict:
    """The verdict on a finding of a scan (a working tree, a history), which has no commit to
    gate and no approval to read: it blocks when its detector fails closed (a secret the
    baseline and allowlist comments left), and a note never does."""
    return Verdict(blocking=finding.fail_closed)


def _policy_notes(policy: Policy) -> list[str]:
    if policy.source == Policy().source:
        return [
            "no .guardtrail.yml at the base revision: built-in rules and no approvers, so no sensitive "
            "assistant change can pass; add a policy that lists approvers"
        ]
    if not policy.approvers:
        return [f"{policy.source} lists no approvers: no sensitive gated change can pass"]
    return []


def decide(
    *,
    base: str,
    head: str,
    base_note: str,
    policy: Policy,
    commits: Sequence[Commit],
    findings: Sequence[Finding],
    signals: Mapping[str, tuple[Signal, ...]],
    checks: Mapping[str, SignatureCheck],
    baseline: SecretBaseline | None = None,
    statements: Sequence[StatementCheck] = (),
    digests: Mapping[str, str] | None = None,
) -> Decision:
    """``statements`` are the signed approval statements found in the range's messages, and
    ``digests`` the range's net change per path of the findings, which they must match."""
    approvals = find_approvals(commits, checks, signals, policy.approvals, statements)
    clearance = Clearance(approvals, digests or {}, policy.approvals.policy_changes)
    gated = {c.sha: is_gated(policy, signals.get(c.sha, ()), checks[c.sha]) for c in commits}
    judged: list[Judged] = []
    suppressed = 0
    for finding in findings:
        # A finding on an object that is no commit of the range (a pushed tag's message) has no
        # author to judge: gated, so that no allowlist comment in it clears anything.
        outcome = _judge(finding, gated=gated.get(finding.commit, True), clearance=clearance, baseline=baseline)
        suppressed += finding.category is Category.SECRET and not outcome
        judged.extend(outcome)
    commit_decisions = tuple(
        CommitDecision(
            commit=c,
            signals=signals.get(c.sha, ()),
            signature=checks[c.sha],
            gated=gated[c.sha],
            approved_by=_commit_approver(c.sha, gated[c.sha], clearance, judged),
            approval_of=approvals.approval_at(c.sha),
        )
        for c in commits
    )
    notes = _policy_notes(policy) if any(gated.values()) else []
    notes += approvals.rejected
    return Decision(
        base=base,
        head=head,
        base_note=base_note,
        policy=policy,
        commits=commit_decisions,
        findings=(),
        notes=tuple(notes),
        suppressed=suppressed,
        approvals=approvals.approvals,
    ).with_judged(judged)


def _commit_approver(sha: str, gated: bool, clearance: Clearance, judged: Sequence[Judged]) -> Approver | None:
    """For a gated commit: who approved it, by a signed approval commit covering it, or by
    approvals bound to content that clear every finding it has."""
    mine = [(f, v) for f, v in judged if f.commit == sha and f.category is not Category.SECRET]
    own = [f for f, _ in mine]
    if not gated or any(v.blocking for _, v in mine):
        return None
    approval = clearance.approvals.approver_of(sha)
    if approval is not None:
        return approval.approver
    if not own:
        return None
    found = clearance.approvals.clearing(sha, own[0].path, clearance.digests)
    return found[0].approver if found else None
