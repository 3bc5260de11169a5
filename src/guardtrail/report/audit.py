"""The audit log: one JSON line per commit decision and one for the range, appended."""

from __future__ import annotations

import json
from datetime import datetime

from guardtrail.decide.gate import Decision
from guardtrail.report.json import commit_dict, finding_dict


def audit_lines(decision: Decision, now: datetime) -> list[str]:
    """Why each commit passed or blocked: signals, signature, findings, approval, policy."""
    stamp = now.isoformat(timespec="seconds")
    policy = {"source": decision.policy.source, "mode": decision.policy.mode}
    lines = []
    for entry in decision.commits:
        findings = [f for f in decision.findings if f.commit == entry.commit.sha]
        record = {
            "time": stamp,
            "event": "commit",
            **commit_dict(entry),
            "signal_evidence": [{"rule": s.rule, "evidence": s.evidence} for s in entry.signals],
            "findings": [finding_dict(f) for f in findings],
            "verdict": "block" if any(f.blocking for f in findings) else "pass",
            "policy": policy,
        }
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    listed = {entry.commit.sha for entry in decision.commits}
    for sha in dict.fromkeys(f.commit for f in decision.findings if f.commit not in listed):
        findings = [f for f in decision.findings if f.commit == sha]  # a pushed tag, a ref's name
        record = {
            "time": stamp,
            "event": "object",
            "sha": sha,
            "findings": [finding_dict(f) for f in findings],
            "verdict": "block" if any(f.blocking for f in findings) else "pass",
            "policy": policy,
        }
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    summary = {
        "time": stamp,
        "event": "range",
        "base": decision.base,
        "head": decision.head,
        "verdict": decision.verdict,
        "commits": len(decision.commits),
        "blocking": len(decision.blocking),
        "notes": list(decision.notes),
        "policy": policy,
    }
    lines.append(json.dumps(summary, ensure_ascii=False, sort_keys=True))
    return lines
