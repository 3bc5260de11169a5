"""Signed approvals: which commits and changes an approver's signature covers.

Nothing but a verified signature by a base-policy approver's key counts. Two kinds:

- a signed ``Approved-by`` commit, whose trailer must name that same approver, covers the
  range's commits it descends from (never a commit made after it);
- a signed statement (:mod:`guardtrail.decide.statements`), found in any message, covers exactly
  the net changes it names, wherever rebase or squash put them.

Neither covers commits the approver wrote or co-wrote (unless the policy's ``self_approval``
allows it with a touch), and under ``approvals.require`` only signatures by a FIDO key with the
required flags count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from guardtrail.decide.authorship import Signal
from guardtrail.decide.signatures import USER_PRESENT, USER_VERIFIED, SignatureCheck
from guardtrail.model import Commit, Person
from guardtrail.policy import ApprovalRules, Approver

if TYPE_CHECKING:  # statements are read and checked where signatures are verified, not in a hook
    from guardtrail.decide.statements import StatementCheck

APPROVED_BY = "Approved-by"
ALLOW_SECRET = "Allow-secret"
CO_AUTHORED_BY = "Co-authored-by"
IDENTITY = re.compile(r"^(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s@]+@[^<>\s]+)>$")
_CO_AUTHOR_LINE = re.compile(r"^[\s>*]*co-authored-by[ \t]*:[ \t]*(?P<value>.*?)\s*$", re.IGNORECASE)
SQUASH_RULE = "---------"
"""The line after which GitHub's squash-merge message lists the other authors of the PR's commits."""


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
    flags: tuple[str, ...] = ()
    """The flags its signature's FIDO authenticator signed (``user-presence``, ...); empty for
    other keys."""
    changes: Mapping[str, str] | None = None
    """For an approval bound to content: the digest of each approved path's net change; None for
    a signed approval commit."""

    @property
    def kind(self) -> str:
        """``commit`` (a signed ``Approved-by`` commit) or ``content`` (a signed statement)."""
        return "commit" if self.changes is None else "content"

    def clears(self, sha: str, path: str, digests: Mapping[str, str]) -> bool:
        """Whether it clears a finding on ``path`` in commit ``sha``; ``digests`` are the net
        changes of the range per path, which a statement must match exactly."""
        if sha not in self.covers:
            return False
        return self.changes is None or (path in self.changes and digests.get(path) == self.changes[path])


@dataclass(frozen=True)
class Approvals:
    approvals: tuple[Approval, ...]
    rejected: tuple[str, ...]
    """One line per ``Approved-by`` trailer that did not count, and why."""

    def approver_of(self, sha: str) -> Approval | None:
        """The first signed approval commit that clears all of ``sha``'s sensitive changes."""
        return next((a for a in self.approvals if a.changes is None and sha in a.covers), None)

    def clearing(self, sha: str, path: str, digests: Mapping[str, str]) -> tuple[Approval, ...]:
        """Every approval that clears a finding on ``path`` in commit ``sha``."""
        return tuple(a for a in self.approvals if a.clears(sha, path, digests))

    def approval_at(self, sha: str) -> Approver | None:
        """The approver when ``sha`` is itself a valid signed approval commit."""
        return next((a.approver for a in self.approvals if a.commit == sha and a.changes is None), None)

    def secret_allowed_by(self, sha: str, fingerprint: str | None) -> Approval | None:
        """The first approval that acknowledges this secret of ``sha`` with ``Allow-secret:``:
        only for a commit it covers before it, never one its approver wrote nor itself."""
        if fingerprint is None:
            return None
        return next(
            (
                a
                for a in self.approvals
                if sha in a.covers and (sha != a.commit or a.changes is not None) and fingerprint in a.allowed_secrets
            ),
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


def wrote_any_part(approver: Approver, commit: Commit) -> bool:
    """Whether ``approver`` authored ``commit`` or is named co-author on any line of its message,
    as a statement's coverage is judged: a squash-merge copies each commit's ``Co-authored-by:``
    lines into its body, where no trailer parser looks. The lines GitHub appends after a
    ``---------`` line are left out: they name the authors of the squashed commits, and the
    approver is among them for having written the approval commit itself."""
    if commit.author.email.lower() == approver.email.lower():
        return True
    lines = commit.message.replace("\r\n", "\n").split("\n")
    if SQUASH_RULE in lines:
        lines = lines[: len(lines) - lines[::-1].index(SQUASH_RULE) - 1]
    for line in lines:
        match = _CO_AUTHOR_LINE.match(line)
        person = parse_identity(match.group("value")) if match else None
        if person is not None and person.email.lower() == approver.email.lower():
            return True
    return False


def flags_problem(rules: ApprovalRules, check: SignatureCheck) -> str | None:
    """Why a verified signature lacks the flags ``approvals.require`` asks for; None when it has them."""
    if rules.require == "none":
        return None
    if check.sk_flags is None:
        return f"signed by a key that is not a FIDO security key (approvals.require: {rules.require})"
    needed = USER_PRESENT | (USER_VERIFIED if rules.require == "verification" else 0)
    if check.sk_flags & needed != needed:
        what = "a touch" if rules.require == "presence" else "a touch and a PIN"
        return f"signed without {what} on the security key (approvals.require: {rules.require})"
    return None


def _may_self_approve(rules: ApprovalRules, check: SignatureCheck) -> bool:
    return rules.self_approval == "with-presence" and check.sk_flags is not None and bool(check.sk_flags & USER_PRESENT)


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


DEFAULT_RULES = ApprovalRules()


def _content_approval(
    found: StatementCheck, commits: Sequence[Commit], rules: ApprovalRules
) -> tuple[Approval | None, str | None]:
    """The approval a signed statement gives, or why it gives none."""
    problem = found.problem or flags_problem(rules, found.signature)
    if problem is not None or found.statement is None or found.signature.signer is None:
        return None, problem or "not a statement guardtrail reads"
    approver = found.signature.signer
    every = frozenset(c.sha for c in commits)
    own = _may_self_approve(rules, found.signature)
    covers = frozenset(c.sha for c in commits if own or not wrote_any_part(approver, c))
    statement = found.statement
    approval = Approval(
        found.commit,
        approver,
        every,
        covers,
        frozenset(statement.allowed_secrets),
        found.signature.flags,
        dict(statement.changes),
    )
    return approval, None


def find_approvals(
    commits: Sequence[Commit],
    checks: Mapping[str, SignatureCheck],
    signals: Mapping[str, Sequence[Signal]],
    rules: ApprovalRules = DEFAULT_RULES,
    statements: Sequence[StatementCheck] = (),
) -> Approvals:
    parents = {c.sha: c.parents for c in commits}
    by_sha = {c.sha: c for c in commits}
    approvals: list[Approval] = []
    rejected: list[str] = []
    for commit in commits:
        if not commit.trailer_values(APPROVED_BY):
            continue
        check = checks[commit.sha]
        problem = _rejection(commit, check, signals.get(commit.sha, ())) or flags_problem(rules, check)
        if problem is not None:
            rejected.append(f"{commit.short}: {APPROVED_BY} ignored: {problem}")
            continue
        assert check.signer is not None
        approver = check.signer
        reach = frozenset(_ancestors(commit.sha, parents))
        own = _may_self_approve(rules, check)
        covers = frozenset(sha for sha in reach if sha == commit.sha or own or not wrote(approver, by_sha[sha]))
        allowed = frozenset(v.strip() for v in commit.trailer_values(ALLOW_SECRET) if v.strip())
        approvals.append(Approval(commit.sha, approver, reach, covers, allowed, check.flags))
    for found in statements:
        approval, problem = _content_approval(found, commits, rules)
        if approval is not None:
            approvals.append(approval)
        else:
            rejected.append(f"{found.commit[:10]}: approval statement ignored: {problem}")
    return Approvals(tuple(approvals), tuple(rejected))
