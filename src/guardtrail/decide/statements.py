"""Approvals bound to content: a signed statement of exactly which changes an approver approves.

``guardtrail approve`` signs, besides its commit, a short statement: for every gated sensitive
path the digest of the range's net change to it (the removed and added lines in order, or the
blob for a binary file), the policy it was judged by (the policy file's blob id) and the
approver. The signature is an SSHSIG in a namespace of its own, so no commit signature and no
other SSH signature can pass for one. The statement sits in the approval commit's message
between two marker lines and authenticates itself: it is found anywhere in any message of the
range (GitHub's squash-merge nests it in a ``* `` list where no trailer parser sees it), it
survives rebases that keep the approved lines, and it clears nothing whose net change differs
from what it names (an extra line in a conflict resolution, an extra file, other content).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from guardtrail.decide.signatures import SignatureCheck, SignatureVerifier
from guardtrail.model import Commit

if TYPE_CHECKING:  # the hook judges statements without reading them: pygit2 (40 ms) stays unloaded
    from guardtrail.git.repo import LineChange

NAMESPACE = "guardtrail-approval@v1"
"""The SSHSIG namespace of statements (``ssh-keygen -Y sign -n``): never git's ``git``."""
BEGIN = "-----BEGIN GUARDTRAIL APPROVAL-----"
END = "-----END GUARDTRAIL APPROVAL-----"
_SIG_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_SIG_END = "-----END SSH SIGNATURE-----"
_HEADER = NAMESPACE
_QUOTING = re.compile(r"^[\s>*]+")
"""What mail quoting, indentation and GitHub's squash list put before a line of the block."""
_CHANGE = re.compile(r"^change ([0-9a-f]{64}) (\".*\")$")
_APPROVER = re.compile(r"^approver (\S[^<>]*? <[^<>\s@]+@[^<>\s]+>)$")
NO_POLICY = "none"


@dataclass(frozen=True)
class Statement:
    """What one approver approves, exactly; the text of it is what they signed."""

    approver: str
    """``Name <email>`` of the approver who signs it."""
    policy: str
    """The blob id of the policy file the change was judged by (``none`` without one)."""
    changes: tuple[tuple[str, str], ...]
    """``(path, digest)`` per approved path, sorted by path (:func:`change_digest`)."""
    allowed_secrets: tuple[str, ...] = ()
    """Fingerprints of false-positive secrets acknowledged, as ``Allow-secret:`` does."""

    @property
    def text(self) -> str:
        """The canonical text that is signed, one field a line."""
        lines = [_HEADER, f"approver {self.approver}", f"policy {self.policy}"]
        lines += [f"change {digest} {json.dumps(path)}" for path, digest in self.changes]
        lines += [f"allow-secret {fingerprint}" for fingerprint in self.allowed_secrets]
        return "\n".join(lines) + "\n"


def parse_statement(text: str) -> Statement | None:
    """The statement a signed text states, or None when it is not one (then it approves nothing)."""
    lines = text.rstrip("\n").split("\n")
    approver = _APPROVER.match(lines[1]) if len(lines) >= 3 else None
    if approver is None or lines[0] != _HEADER or not lines[2].startswith("policy "):
        return None
    changes: list[tuple[str, str]] = []
    allowed: list[str] = []
    for line in lines[3:]:
        match = _CHANGE.match(line)
        if match is not None:
            try:
                path = json.loads(match.group(2))
            except ValueError:
                return None
            if not isinstance(path, str):
                return None
            changes.append((path, match.group(1)))
        elif line.startswith("allow-secret ") and line.split(" ", 1)[1].strip():
            allowed.append(line.split(" ", 1)[1].strip())
        else:
            return None
    statement = Statement(approver.group(1), lines[2].removeprefix("policy "), tuple(changes), tuple(allowed))
    return statement if statement.text == text else None


def change_digest(change: LineChange | None) -> str:
    """SHA-256 of a path's net change: its removed and added lines in order (line endings kept),
    the resulting blob for a binary file, and the resulting file mode; ``absent`` unchanged."""
    digest = hashlib.sha256(b"guardtrail-change-v1\0")
    if change is None:
        digest.update(b"unchanged")
        return digest.hexdigest()
    digest.update(b"mode %o\0" % change.new_mode)
    if change.binary:
        digest.update(b"binary %s\0" % (change.new_id or "").encode("ascii"))
    for line in change.lines:
        digest.update(b"%d\0" % len(line))
        digest.update(line)
    return digest.hexdigest()


def policy_id(data: bytes | None) -> str:
    """The git blob id of the policy file's content (``none`` when there is no file): names the
    policy a statement was judged by, and stays the same when the base moves without changing it."""
    if data is None:
        return NO_POLICY
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def approval_block(statement: Statement, signature: str) -> str:
    """The statement and its armored SSH signature, between the marker lines, for a message."""
    return f"{BEGIN}\n{statement.text}{signature.strip()}\n{END}\n"


def find_blocks(message: str) -> list[tuple[str, bytes]]:
    """Every ``(statement text, armored signature)`` between marker lines anywhere in ``message``,
    each line freed of quoting, indentation or a squash list's ``* ``."""
    blocks: list[tuple[str, bytes]] = []
    if BEGIN not in message:
        return blocks
    current: list[str] | None = None
    for raw in message.replace("\r\n", "\n").split("\n"):
        line = _QUOTING.sub("", raw).rstrip()
        if line == BEGIN:
            current = []
        elif line == END and current is not None:
            if _SIG_BEGIN in current and current[-1:] == [_SIG_END]:
                split = current.index(_SIG_BEGIN)
                text = "\n".join(current[:split]) + "\n"
                blocks.append((text, ("\n".join(current[split:]) + "\n").encode("ascii", "replace")))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


@dataclass(frozen=True)
class StatementCheck:
    """One statement found in a commit's message, and what its signature proves."""

    commit: str
    """The commit whose message carries it."""
    statement: Statement | None
    """None when the signed text is not a statement guardtrail reads."""
    signature: SignatureCheck
    problem: str | None
    """Why it approves nothing (bad signature, another policy, another approver); None when it counts."""


def _problem(statement: Statement | None, check: SignatureCheck, current_policy: str) -> str | None:
    if statement is None:
        return "not a statement guardtrail reads"
    if not check.verified or check.signer is None:
        return f"not signed by an approver's key ({check.reason})"
    named = statement.approver.rsplit("<", 1)[-1].rstrip(">").strip().lower()
    if named != check.signer.email.lower():
        return f"signed by {check.signer}, but the statement names {statement.approver}"
    if statement.policy != current_policy:
        return f"made under another policy ({statement.policy[:10]}, not {current_policy[:10]}): approve again"
    return None


def check_statements(commit: Commit, verifier: SignatureVerifier, current_policy: str) -> list[StatementCheck]:
    """The statements in ``commit``'s message, each verified against the approvers' keys."""
    results = []
    for text, signature in find_blocks(commit.message):
        check = verifier.verify_ssh(signature, text.encode("utf-8"), NAMESPACE)
        statement = parse_statement(text)
        results.append(StatementCheck(commit.sha, statement, check, _problem(statement, check, current_policy)))
    return results


def net_digests(paths: Iterable[str], changes: Mapping[str, LineChange]) -> dict[str, str]:
    """The digest of each path's net change over a range (from :meth:`Repository.line_changes`),
    sorted by path: what a statement approves, and what the check compares it with."""
    return {path: change_digest(changes.get(path)) for path in sorted(set(paths))}
