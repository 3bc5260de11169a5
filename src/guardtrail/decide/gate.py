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
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from guardtrail.decide.approvals import Approvals, find_approvals
from guardtrail.decide.authorship import Signal
from guardtrail.decide.policy import Approver, Policy
from guardtrail.decide.signatures import SignatureCheck
from guardtrail.model import Category, Commit, Confidence, Finding, Severity


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

    @functools.cached_property
    def blocking(self) -> tuple[Finding, ...]:
        """Asked by every report, of findings that never change: counted once."""
        return tuple(f for f in self.findings if f.blocking)

    @property
    def verdict(self) -> str:
        return "block" if self.blocking else "pass"

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


def _judge(finding: Finding, *, gated: bool, approvals: Approvals, baseline: SecretBaseline | None) -> list[Finding]:
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
            extra.append(_gated(comment, approvals))
        acknowledged = approvals.secret_allowed_by(finding.commit, finding.fingerprint)
        if acknowledged is not None:
            return [*extra, replace(finding, blocking=False, approved_by=str(acknowledged.approver))]
        return [*extra, replace(finding, blocking=True, severity=Severity.ERROR)]
    if gated or blocks_whoever_wrote_it(finding):
        return [_gated(finding, approvals)]
    if finding.category in _WARNED_WHOEVER_WROTE_IT:
        return [replace(finding, blocking=False, severity=Severity.WARNING)]
    return []


_WARNED_WHOEVER_WROTE_IT = (Category.HIDDEN_TEXT, Category.INJECTION)
"""Categories about text a reader is shown: reported in every commit, not only gated ones."""


def blocks_whoever_wrote_it(finding: Finding) -> bool:
    """Planted text blocks in any commit until an approval covers it: whoever wrote it, it
    misleads the reviewer (Trojan Source) or steers the next assistant (injection bait)."""
    return finding.category in _WARNED_WHOEVER_WROTE_IT and finding.confidence is Confidence.HIGH


def _gated(finding: Finding, approvals: Approvals) -> Finding:
    """A gated commit's sensitive finding: blocking until a signed approval covers its commit."""
    approval = approvals.approver_of(finding.commit)
    return replace(finding, blocking=approval is None, approved_by=str(approval.approver) if approval else None)


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
) -> Decision:
    approvals = find_approvals(commits, checks, signals)
    gated = {c.sha: is_gated(policy, signals.get(c.sha, ()), checks[c.sha]) for c in commits}
    judged: list[Finding] = []
    suppressed = 0
    for finding in findings:
        # A finding on an object that is no commit of the range (a pushed tag's message) has no
        # author to judge: gated, so that no allowlist comment in it clears anything.
        outcome = _judge(finding, gated=gated.get(finding.commit, True), approvals=approvals, baseline=baseline)
        suppressed += finding.category is Category.SECRET and not outcome
        judged.extend(outcome)
    commit_decisions = tuple(
        CommitDecision(
            commit=c,
            signals=signals.get(c.sha, ()),
            signature=checks[c.sha],
            gated=gated[c.sha],
            approved_by=a.approver if gated[c.sha] and (a := approvals.approver_of(c.sha)) else None,
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
        findings=tuple(judged),
        notes=tuple(notes),
        suppressed=suppressed,
    )
