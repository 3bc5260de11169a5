"""The versioned, deterministic JSON report (no timestamps, stable order)."""

from __future__ import annotations

from typing import Any

from guardtrail.decide.approvals import Approval
from guardtrail.decide.gate import CommitDecision, Decision
from guardtrail.model import Finding, Verdict
from guardtrail.report.jsontext import dumps

SCHEMA_VERSION = 1


def finding_dict(finding: Finding, verdict: Verdict) -> dict[str, Any]:
    result: dict[str, Any] = {
        "commit": finding.commit,
        "path": finding.path,
        "line": finding.line,
        "category": finding.category.value,
        "rule": finding.rule,
        "message": finding.message,
        "severity": finding.severity.value,
        "blocking": verdict.blocking,
        "approved_by": verdict.approved_by,
    }
    if finding.fingerprint:
        result["fingerprint"] = finding.fingerprint
    if finding.details:
        result["details"] = list(finding.details)
    if finding.confidence is not None:
        result["confidence"] = finding.confidence.value
    return result


def approval_dict(approval: Approval) -> dict[str, Any]:
    """One approval that counted: whose, which kind, the authenticator flags its signature carried."""
    result: dict[str, Any] = {
        "commit": approval.commit,
        "approver": str(approval.approver),
        "kind": approval.kind,
        "flags": list(approval.flags),
    }
    if approval.changes is not None:
        result["paths"] = sorted(approval.changes)
    return result


def _signature_dict(entry: CommitDecision) -> dict[str, Any]:
    result: dict[str, Any] = {
        "verified": entry.signature.verified,
        "signer": str(entry.signature.signer) if entry.signature.signer else None,
        "kind": entry.signature.kind,
        "reason": entry.signature.reason,
    }
    if entry.signature.sk_flags is not None:  # a FIDO key: say what its authenticator signed
        result["flags"] = list(entry.signature.flags)
    return result


def commit_dict(entry: CommitDecision) -> dict[str, Any]:
    return {
        "sha": entry.commit.sha,
        "author": str(entry.commit.author),
        "subject": entry.commit.subject,
        "assistant": entry.assistant,
        "assistant_signals": [signal.rule for signal in entry.signals],
        "gated": entry.gated,
        "approved_by": str(entry.approved_by) if entry.approved_by else None,
        "approval_of": str(entry.approval_of) if entry.approval_of else None,
        "signature": _signature_dict(entry),
    }


def decision_dict(decision: Decision) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "verdict": decision.verdict,
        "base": decision.base,
        "head": decision.head,
        "base_note": decision.base_note,
        "policy": {"source": decision.policy.source, "mode": decision.policy.mode},
        "commits": [commit_dict(entry) for entry in decision.commits],
        "findings": [finding_dict(finding, verdict) for finding, verdict in decision.judged],
        "notes": list(decision.notes),
        "suppressed": decision.suppressed,
        **({"approvals": [approval_dict(a) for a in decision.approvals]} if decision.approvals else {}),
    }


def render_json(decision: Decision) -> str:
    """Indented, with one commit and one finding a line."""
    return dumps(decision_dict(decision), records=("commits", "findings"))
