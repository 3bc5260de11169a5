"""The audit log: one JSON line per commit decision and one for the range, appended, chained.

Each record carries ``prev``, the SHA-256 of the record before it in canonical JSON (sorted
keys, no spaces, UTF-8), the first one :data:`GENESIS`. Editing, removing or reordering any
record breaks the chain at the next line; removing records from the end leaves a shorter but
intact chain, which is why ``ci`` prints the last hash for safekeeping elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from guardtrail.decide.gate import Decision
from guardtrail.errors import GuardtrailError
from guardtrail.report.json import approval_dict, commit_dict, finding_dict

GENESIS = "0" * 64
"""The ``prev`` of a log's first record."""


def canonical(record: Mapping[str, Any]) -> bytes:
    """The one byte form a record is hashed in, however its line was spaced."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def record_hash(record: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def _records(decision: Decision, stamp: str) -> list[dict[str, Any]]:
    """Why each commit passed or blocked: signals, signature, findings, approval, policy."""
    policy = {"source": decision.policy.source, "mode": decision.policy.mode}
    records: list[dict[str, Any]] = []
    for entry in decision.commits:
        findings = [(f, v) for f, v in decision.judged if f.commit == entry.commit.sha]
        records.append(
            {
                "time": stamp,
                "event": "commit",
                **commit_dict(entry),
                "signal_evidence": [{"rule": s.rule, "evidence": s.evidence} for s in entry.signals],
                "findings": [finding_dict(f, v) for f, v in findings],
                "verdict": "block" if any(v.blocking for _, v in findings) else "pass",
                "policy": policy,
            }
        )
    listed = {entry.commit.sha for entry in decision.commits}
    for sha in dict.fromkeys(f.commit for f in decision.findings if f.commit not in listed):
        findings = [(f, v) for f, v in decision.judged if f.commit == sha]  # a pushed tag, a ref's name
        records.append(
            {
                "time": stamp,
                "event": "object",
                "sha": sha,
                "findings": [finding_dict(f, v) for f, v in findings],
                "verdict": "block" if any(v.blocking for _, v in findings) else "pass",
                "policy": policy,
            }
        )
    records.append(
        {
            "time": stamp,
            "event": "range",
            "base": decision.base,
            "head": decision.head,
            "verdict": decision.verdict,
            "commits": len(decision.commits),
            "blocking": len(decision.blocking),
            "notes": list(decision.notes),
            "approvals": [approval_dict(a) for a in decision.approvals],
            "policy": policy,
        }
    )
    return records


def audit_lines(decision: Decision, now: datetime, prev: str = GENESIS) -> list[str]:
    """The decision's records as lines, chained on from ``prev`` (the log's last record hash)."""
    lines = []
    for record in _records(decision, now.isoformat(timespec="seconds")):
        record["prev"] = prev
        prev = record_hash(record)
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    return lines


@dataclass(frozen=True)
class ChainCheck:
    """What ``audit verify`` found."""

    records: int
    """Records read before the first bad one (all of them when intact)."""
    last: str
    """The hash of the last good record (:data:`GENESIS` for an empty log)."""
    bad_line: int | None = None
    """The 1-based line where the chain breaks; None when intact."""
    problem: str = ""


def _parsed(line: str) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def verify_chain(lines: Iterable[str]) -> ChainCheck:
    """Walk the chain; stop at the first record that is not JSON or does not follow its predecessor."""
    prev, count = GENESIS, 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        record = _parsed(line)
        if record is None:
            return ChainCheck(count, prev, number, "not a JSON record")
        if "prev" not in record:
            return ChainCheck(count, prev, number, "a record without a chain hash ('prev')")
        if record["prev"] != prev:
            return ChainCheck(count, prev, number, "does not follow the record before it: edited, removed or reordered")
        prev, count = record_hash(record), count + 1
    return ChainCheck(count, prev)


def last_record_hash(line: str, source: str) -> str:
    """The hash a new record chains on from, given the log's last line."""
    record = _parsed(line)
    if record is None:
        raise GuardtrailError(f"{source}: its last line is not an audit record: run 'guardtrail audit verify {source}'")
    return record_hash(record)


def render_audit_hash(path: str, digest: str) -> str:
    """The job summary's line that lets the log's end be proven later."""
    return (
        f"\nAudit log `{path}`: last record hash `{digest}`. Keep it elsewhere; "
        f"`guardtrail audit verify {path} --expect {digest}` proves the log later.\n"
    )
