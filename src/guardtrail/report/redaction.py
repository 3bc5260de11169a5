"""The one step that takes every secret out of a decision before anything shows it.

Findings never carry a secret's value, but a decision also carries text read from the commits:
paths, subjects and messages, author and committer identities, the evidence of assistant
signals, notes that quote trailers. Any of them may hold a secret (the surfaces module finds
it there). :func:`redact_decision` returns the decision with each such text redacted by the
scanner that judged it, so that every report (text, JSON, SARIF, GitHub annotations and
summary, the audit log, a hook's standard error) receives already-redacted values and none of
them has to remember to redact. Commands call it once, where they make the decision.
"""

from __future__ import annotations

from dataclasses import replace

from guardtrail.classify.secrets.redaction import Redactor
from guardtrail.decide.approvals import Approval
from guardtrail.decide.authorship import Signal
from guardtrail.decide.gate import CommitDecision, Decision


def redact_signal(redactor: Redactor, signal: Signal) -> Signal:
    evidence = redactor(signal.evidence)
    return signal if evidence == signal.evidence else replace(signal, evidence=evidence)


def redact_approval(redactor: Redactor, approval: Approval) -> Approval:
    """``approval`` with the paths it binds to redacted (their digests stay as they are)."""
    if not approval.changes:
        return approval
    changes = {redactor.path(path): digest for path, digest in approval.changes.items()}
    return approval if changes == dict(approval.changes) else replace(approval, changes=changes)


def _redact_entry(redactor: Redactor, entry: CommitDecision) -> CommitDecision:
    return replace(
        entry,
        commit=redactor.commit(entry.commit),
        signals=tuple(redact_signal(redactor, signal) for signal in entry.signals),
        signature=replace(entry.signature, reason=redactor(entry.signature.reason)),
    )


def redact_decision(decision: Decision, redactor: Redactor) -> Decision:
    """``decision`` with every text read from the repository redacted (:class:`Redactor`); the
    verdict, the findings' rules, lines and fingerprints stay as they are."""
    return replace(
        decision,
        base_note=redactor(decision.base_note),
        commits=tuple(_redact_entry(redactor, entry) for entry in decision.commits),
        findings=tuple(redactor.finding(finding) for finding in decision.findings),
        notes=tuple(redactor(note) for note in decision.notes),
        approvals=tuple(redact_approval(redactor, approval) for approval in decision.approvals),
    )
