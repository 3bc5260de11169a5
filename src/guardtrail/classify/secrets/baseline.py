"""The secrets baseline: known, accepted secrets a detect-secrets ``.secrets.baseline`` records.

The policy names the file (``baseline:``), read from the revision a command judges by; its
entries clear the secrets they list, by path and hashed value. ``scan --write-baseline``
writes one in the form detect-secrets' own tools read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from guardtrail.classify.secrets import engine as secret_engine
from guardtrail.errors import GuardtrailError
from guardtrail.model import Finding
from guardtrail.policy import FileReader, Policy


@dataclass(frozen=True)
class Baseline:
    """Secrets a detect-secrets baseline already records, by (path, hashed secret)."""

    source: str
    entries: frozenset[tuple[str, str]]

    def allows(self, finding: Finding) -> bool:
        return finding.secret_hash is not None and (finding.path, finding.secret_hash) in self.entries


def render_baseline(findings: Iterable[Finding], types: Mapping[str, str]) -> str:
    """A detect-secrets baseline (``.secrets.baseline``) listing the secrets of ``findings``: one
    entry per path and hashed value, at its first line, ``type`` from ``types`` by rule. It is
    what :func:`parse_baseline` reads back, and what detect-secrets' own tools read: their plugins
    and filters as ``detect-secrets scan`` lists them, and no timestamp, so that writing it again
    changes only what the scan found changed."""
    entries: dict[str, dict[str, dict[str, Any]]] = {}
    for finding in findings:
        if finding.secret_hash is None:
            continue
        entries.setdefault(finding.path, {}).setdefault(
            finding.secret_hash,
            {
                "type": types[finding.rule],
                "filename": finding.path,
                "hashed_secret": finding.secret_hash,
                "is_verified": False,
                "line_number": finding.line,
            },
        )
    results = {
        path: sorted(by_hash.values(), key=lambda entry: (entry["line_number"], entry["hashed_secret"]))
        for path, by_hash in sorted(entries.items())
    }
    document = {**secret_engine.baseline_header(), "results": results}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def parse_baseline(data: bytes, source: str) -> Baseline:
    """Parse a detect-secrets ``.secrets.baseline``; ``source`` names it in errors."""
    try:
        document: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GuardtrailError(f"{source}: not a detect-secrets baseline (invalid JSON: {exc})") from None
    except RecursionError:
        raise GuardtrailError(f"{source}: not a detect-secrets baseline (nested too deep)") from None
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, dict):
        raise GuardtrailError(f"{source}: not a detect-secrets baseline (no 'results' mapping)")
    entries: set[tuple[str, str]] = set()
    for path, secrets in results.items():
        if not isinstance(secrets, list):
            raise GuardtrailError(f"{source}: results for {path!r} should be a list")
        for secret in secrets:
            hashed = secret.get("hashed_secret") if isinstance(secret, dict) else None
            if not isinstance(hashed, str):
                raise GuardtrailError(f"{source}: an entry for {path!r} has no 'hashed_secret'")
            entries.add((path, hashed))
    return Baseline(source, frozenset(entries))


def load_baseline(read: FileReader, where: str, policy: Policy, *, must_exist: bool = True) -> Baseline | None:
    """The policy's secrets baseline from ``read``, or None when there is none. A baseline the
    policy names (``baseline:``) must be there (unless ``must_exist`` is off, when a scan is
    about to write it): a typo in its path would silently clear nothing."""
    data = read(policy.baseline)
    if data is None:
        if policy.baseline_line is not None and must_exist:
            raise GuardtrailError(
                f"{policy.source}:{policy.baseline_line}: baseline {policy.baseline} does not exist {where}:"
                " fix the path, or remove 'baseline:'"
            )
        return None
    return parse_baseline(data, f"{policy.baseline} {where}")
