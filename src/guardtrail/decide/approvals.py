"""Signed approvals: which commits an approver's signed ``Approved-by`` commit covers.

Nothing but a verified signature by a base-policy approver's key counts. The trailer must name
that same approver; the approval covers the range's commits it descends from (never a commit
made after it), except commits the approver wrote or co-wrote: nobody approves their own work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from guardtrail.decide.authorship import Signal
from guardtrail.decide.policy import Approver
from guardtrail.decide.signatures import SignatureCheck
from guardtrail.model import Commit, Person

APPROVED_BY = "Approved-by"
ALLOW_SECRET = "Allow-secret"
CO_AUTHORED_BY = "Co-authored-by"
IDENTITY = re.compile(r"^(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s@]+@[^<>\s]+)>$")


def parse_identity(value: str) -> Person | None:
    """``Name <email>`` as a :class:`Person`, or None when malformed."""
    match = IDENTITY.match(value.strip())
    if match is None or not match.group("name").strip():
        return None
    return Person(match.group("name").strip(), match.group("email"))


@dataclass(frozen=True)
class Approval:
    commit: str
    """The approval commit."""
    approver: Approver
    reach: frozenset[str]
    """The approval commit and the range's commits it descends from."""
    covers: frozenset[str]
    """Commits of ``reach`` whose sensitive changes it clears: all but the approver's own."""
    allowed_secrets: frozenset[str]
    """Secret fingerprints acknowledged with ``Allow-secret:`` trailers."""


@dataclass(frozen=True)
class Approvals:
    approvals: tuple[Approval, ...]
    rejected: tuple[str, ...]
    """One line per ``Approved-by`` trailer that did not count, and why."""

    def approver_of(self, sha: str) -> Approval | None:
        """The first approval that clears ``sha``'s sensitive changes."""
        return next((a for a in self.approvals if sha in a.covers), None)

    def approval_at(self, sha: str) -> Approver | None:
        """The approver when ``sha`` is itself a valid approval commit."""
        return next((a.approver for a in self.approvals if a.commit == sha), None)

    def secret_allowed_by(self, sha: str, fingerprint: str | None) -> Approval | None:
        """The first approval that acknowledges this secret of ``sha`` with ``Allow-secret:``:
        only for a commit it covers before it, never one its approver wrote nor itself."""
        if fingerprint is None:
            return None
        return next(
            (a for a in self.approvals if sha in a.covers and sha != a.commit and fingerprint in a.allowed_secrets),
            None,
        )


def _ancestors(start: str, parents: Mapping[str, tuple[str, ...]]) -> set[str]:
    """``start`` and its ancestors, walking only commits of the range."""
    seen = {start}
    stack = [start]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent in parents and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def wrote(approver: Approver, commit: Commit) -> bool:
    """Whether ``approver`` authored or co-authored ``commit``: then their approval cannot cover it."""
    emails = {commit.author.email.lower()}
    for value in commit.trailer_values(CO_AUTHORED_BY):
        person = parse_identity(value)
        if person is not None:
            emails.add(person.email.lower())
    return approver.email.lower() in emails


def _rejection(commit: Commit, check: SignatureCheck, signals: Sequence[Signal]) -> str | None:
    values = commit.trailer_values(APPROVED_BY)
    if any(parse_identity(value) is None for value in values):
        return f"malformed {APPROVED_BY} trailer (expected '{APPROVED_BY}: Name <email>')"
    if not check.verified or check.signer is None:
        return f"not signed by an approver's key ({check.reason})"
    if signals:
        return f"written by an assistant identity ({signals[0].rule}); assistants never approve"
    named = {p.email.lower() for value in values if (p := parse_identity(value)) is not None}
    if check.signer.email.lower() not in named:
        return f"signed by {check.signer}, but the trailer names {', '.join(values)}"
    return None


def find_approvals(
    commits: Sequence[Commit],
    checks: Mapping[str, SignatureCheck],
    signals: Mapping[str, Sequence[Signal]],
) -> Approvals:
    parents = {c.sha: c.parents for c in commits}
    by_sha = {c.sha: c for c in commits}
    approvals: list[Approval] = []
    rejected: list[str] = []
    for commit in commits:
        if not commit.trailer_values(APPROVED_BY):
            continue
        check = checks[commit.sha]
        problem = _rejection(commit, check, signals.get(commit.sha, ()))
        if problem is not None:
            rejected.append(f"{commit.short}: {APPROVED_BY} ignored: {problem}")
            continue
        assert check.signer is not None
        approver = check.signer
        reach = frozenset(_ancestors(commit.sha, parents))
        covers = frozenset(sha for sha in reach if sha == commit.sha or not wrote(approver, by_sha[sha]))
        allowed = frozenset(v.strip() for v in commit.trailer_values(ALLOW_SECRET) if v.strip())
        approvals.append(Approval(commit.sha, approver, reach, covers, allowed))
    return Approvals(tuple(approvals), tuple(rejected))
