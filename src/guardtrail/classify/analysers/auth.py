"""Who may do what: CODEOWNERS, SSH authorized keys, Kubernetes RBAC and IAM policies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from guardtrail.classify.analysers._common import (
    Malformed,
    Reporter,
    Sides,
    has_new_text,
    introduced_lines,
    line_of,
    mapping,
    mappings_in,
    parse_json,
    parse_old,
    parse_yaml_all,
    read_sides,
    sequence,
    word_line,
)
from guardtrail.classify.analysers.dispatch import auth_kind
from guardtrail.classify.base import Blobs
from guardtrail.model import Category, FileChange, Finding, Severity

_KEY = re.compile(r"(?:^|\s)((?:ssh|ecdsa|sk)-[\w@.-]+)\s+([A-Za-z0-9+/=]{16,})(?:\s+(.*))?$")
_WILDCARD_VALUE = re.compile(r"""["'][^"'\s]*\*["']""")
_ADMIN_ROLES = frozenset({"cluster-admin", "admin"})


def analyse_auth(change: FileChange, blobs: Blobs) -> Iterator[Finding]:
    """Findings for CODEOWNERS, authorized_keys and access policies; nothing for other files."""
    kind = auth_kind(change.path)
    report = Reporter(change, Category.AUTH)
    if kind == "codeowners":
        yield from _codeowners(report, read_sides(change, blobs))
    elif kind is None or not has_new_text(change):
        return
    elif kind == "authorized-keys":
        yield from _authorized_keys(report, change, read_sides(change, blobs))
    else:
        yield from _policies(report, change.path.endswith(".json"), read_sides(change, blobs))


# -- CODEOWNERS ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owners:
    owners: tuple[str, ...]
    line: int


def _owner_rules(text: str) -> dict[str, _Owners]:
    rules: dict[str, _Owners] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if words and not raw.lstrip().startswith("["):
            rules[words[0]] = _Owners(tuple(words[1:]), number)
    return rules


def _codeowners(report: Reporter, sides: Sides) -> Iterator[Finding]:
    if report.change.new_id is None:
        yield report("auth.codeowners", "CODEOWNERS deleted: no path requires an owner's review", None, Severity.ERROR)
        return
    old, new = _owner_rules(sides.old), _owner_rules(sides.new)
    for pattern, before in old.items():
        after = new.get(pattern)
        was = " ".join(before.owners) or "no owners"
        if after is None:
            severity = Severity.ERROR if pattern == "*" else Severity.WARNING
            yield report("auth.codeowners", f"rule for {pattern} removed (was {was})", None, severity)
        elif pattern == "*" and after.owners != before.owners:
            message = f"catch-all rule * changed: {was} → {' '.join(after.owners) or 'no owners'}"
            yield report("auth.codeowners", message, after.line, Severity.ERROR)
        elif not after.owners and before.owners:
            message = f"{pattern} no longer needs an owner's review (was {was})"
            yield report("auth.codeowners", message, after.line, Severity.ERROR)
        elif removed := [owner for owner in before.owners if owner not in after.owners]:
            message = f"owners removed from {pattern}: {' '.join(removed)}"
            yield report("auth.codeowners", message, after.line)
    for pattern, after in new.items():
        if pattern not in old:
            owners = " ".join(after.owners)
            if owners:
                message = f"new rule {pattern} → {owners} (overrides earlier rules for those paths)"
                yield report("auth.codeowners", message, after.line, Severity.NOTE)
            else:
                message = f"new rule {pattern} with no owners: those paths need no owner's review"
                yield report("auth.codeowners", message, after.line)


# -- authorized_keys -----------------------------------------------------------------------


def _authorized_keys(report: Reporter, change: FileChange, sides: Sides) -> Iterator[Finding]:
    for line in introduced_lines(change, sides.old):
        match = _KEY.search(line.text)
        if match is None:
            continue
        kind, blob, comment = match.groups()
        options = line.text[: match.start(1)].strip()
        label = f' "{comment.strip()}"' if comment else ""
        details = (f"options: {options}",) if options else ()
        message = f"new authorized key {kind} …{blob.rstrip('=')[-8:]}{label}"
        yield report("auth.authorized-key", message, line.number, Severity.ERROR, details)


# -- IAM and RBAC --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Grant:
    """One broad grant, with what identifies it across versions and where to find it."""

    key: str
    message: str
    anchor: str | None
    rule: str = "auth.wildcard-policy"


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def _iam_grants(document: Any) -> Iterator[_Grant]:
    for holder in mappings_in(document):
        statements = holder.get("Statement")
        for statement in statements if isinstance(statements, list) else [statements]:
            if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
                continue
            actions = _as_list(statement.get("Action")) + [f"not {a}" for a in _as_list(statement.get("NotAction"))]
            resources = _as_list(statement.get("Resource"))
            broad = [a for a in actions if a == "*" or a.endswith(":*") or a.startswith("not ")]
            if broad or "*" in resources:
                sid = statement.get("Sid")
                label = f'IAM statement "{sid}"' if sid else "IAM statement"
                what = ", ".join(actions) or "(no action)"
                message = f"{label} allows {what} on {', '.join(resources) or '(no resource)'}"
                yield _Grant(f"iam {sorted(actions)} {sorted(resources)}", message, str(sid) if sid else None)


def _rbac_grants(document: Any) -> Iterator[_Grant]:
    if not isinstance(document, dict):
        return
    kind = document.get("kind")
    kind = kind if isinstance(kind, str) else ""
    name = str(mapping(document.get("metadata")).get("name", ""))
    if kind in {"Role", "ClusterRole"}:
        for rule in sequence(document.get("rules")):
            if not isinstance(rule, dict):
                continue
            parts = {field: _as_list(rule.get(field)) for field in ("verbs", "resources", "apiGroups")}
            wild = [f"{field} *" for field, values in parts.items() if "*" in values]
            if wild:
                message = f'{kind} "{name}" grants {" and ".join(wild)}'
                yield _Grant(f"{kind} {name} {sorted(parts.items())}", message, name)
    elif kind in {"RoleBinding", "ClusterRoleBinding"}:
        role = str(mapping(document.get("roleRef")).get("name", ""))
        if role in _ADMIN_ROLES:
            subjects = ", ".join(str(s.get("name")) for s in sequence(document.get("subjects")) if isinstance(s, dict))
            message = f'{kind} "{name}" gives {role} to {subjects or "(no subjects)"}'
            yield _Grant(f"{kind} {name} {role} {subjects}", message, name, "auth.admin-binding")


def _grants(documents: list[Any]) -> list[_Grant]:
    return [grant for document in documents for grant in (*_iam_grants(document), *_rbac_grants(document))]


def _policies(report: Reporter, is_json: bool, sides: Sides) -> Iterator[Finding]:
    def parse(text: str) -> list[Any]:
        return [parse_json(text)] if is_json else parse_yaml_all(text)

    try:
        new = _grants(parse(sides.new))
    except Malformed as error:
        yield report.malformed("auth", error)
        return
    known = {grant.key for grant in _grants(parse_old(parse, sides.old, []))}
    for grant in new:
        if grant.key not in known:
            start = (word_line(sides.new, grant.anchor) if grant.anchor else None) or 1
            line = line_of(sides.new, _WILDCARD_VALUE, start=start) if grant.rule == "auth.wildcard-policy" else start
            yield report(grant.rule, grant.message, line, Severity.ERROR)
