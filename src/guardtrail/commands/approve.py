"""``guardtrail approve``: an approver signs off the gated changes of the range.

Creates an empty commit on HEAD, signed with the approver's configured git signing key, whose
message lists what it approves and ends with ``Approved-by: Name <email>``. It refuses early,
with the fix, when the user is not a listed approver or has no usable signing key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from guardtrail.commands.check import check_range
from guardtrail.decide.approvals import ALLOW_SECRET, APPROVED_BY, wrote
from guardtrail.decide.gate import Decision
from guardtrail.decide.policy import SSH_KEY_TYPES, Approver, Policy
from guardtrail.errors import GuardtrailError
from guardtrail.git.porcelain import commit_empty_signed
from guardtrail.git.repo import Repository
from guardtrail.model import Category


@dataclass(frozen=True)
class ApproveOptions:
    repo: Path = Path(".")
    base: str | None = None
    allow_secrets: tuple[str, ...] = ()


def _approver(repo: Repository, policy: Policy) -> Approver:
    email = repo.config("user.email")
    if not email:
        raise GuardtrailError("git has no user.email: run 'git config user.email YOU@EXAMPLE.COM'")
    approver = policy.approver_by_email(email)
    if approver is None:
        raise GuardtrailError(f"{email} is not an approver in {policy.source}: an approver listed there must run this")
    return approver


def _configured_ssh_key(repo: Repository, key_setting: str) -> str | None:
    """``<type> <base64>`` of the SSH key git will sign with, when it can be read."""
    if key_setting.startswith("key::"):
        text = key_setting.removeprefix("key::")
    else:
        path = Path(key_setting).expanduser()
        public = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
        try:
            text = public.read_text(encoding="utf-8")
        except OSError:
            return None
    parts = text.split()
    return f"{parts[0]} {parts[1]}" if len(parts) >= 2 and parts[0].startswith(SSH_KEY_TYPES) else None


def _check_signing_key(repo: Repository, approver: Approver) -> None:
    key_setting = repo.config("user.signingkey")
    fmt = (repo.config("gpg.format") or "openpgp").lower()
    if fmt == "ssh":
        if not key_setting:
            raise GuardtrailError("no signing key configured: run 'git config user.signingkey ~/.ssh/id_ed25519.pub'")
        key = _configured_ssh_key(repo, key_setting)
        if key is not None and key not in approver.ssh_keys:
            raise GuardtrailError(
                f"your signing key ({key_setting}) is not one of {approver.email}'s keys in the base policy"
            )
    elif fmt == "openpgp":
        if not approver.pgp_fingerprints and not approver.pgp_armored:
            raise GuardtrailError(
                "no SSH signing configured and the policy lists no OpenPGP key for you: run "
                "'git config gpg.format ssh' and 'git config user.signingkey ~/.ssh/id_ed25519.pub'"
            )
    else:
        raise GuardtrailError(f"gpg.format {fmt} is not supported for approvals: use ssh or openpgp")


def approval_message(decision: Decision, approver: Approver, allow_secrets: Sequence[str]) -> str:
    """The approval commit message: what it covers, then the trailers."""
    pending = [e for e in decision.commits if e.gated and not wrote(approver, e.commit)]
    lines = [f"Approve {len(pending)} gated commit{'s' if len(pending) != 1 else ''}", ""]
    for entry in pending:
        categories = sorted(
            {f.category.value for f in decision.findings if f.commit == entry.commit.sha} - {Category.SECRET.value}
        )
        lines.append(f"- {entry.commit.short} {entry.commit.subject[:60]} ({', '.join(categories) or 'no findings'})")
    lines.append("")
    lines += [f"{ALLOW_SECRET}: {fingerprint}" for fingerprint in allow_secrets]
    lines.append(f"{APPROVED_BY}: {approver.name} <{approver.email}>")
    return "\n".join(lines) + "\n"


def refuse_what_it_cannot_clear(decision: Decision, allow_secrets: Sequence[str]) -> None:
    """Stop before signing an approval that would change nothing, with what to do instead: a
    range that passes already, or one that only secrets block (an approval never clears a
    secret; only its removal, or ``--allow-secret`` for a false positive, does)."""
    if allow_secrets:
        return
    blocking = decision.blocking
    if not blocking:
        why = "no gated commits" if not any(entry.gated for entry in decision.commits) else "nothing blocks"
        raise GuardtrailError(f"nothing in the range needs approval: {why}; the check passes as it is")
    secrets = [f for f in blocking if f.category is Category.SECRET]
    if len(secrets) == len(blocking):
        fingerprints = ", ".join(dict.fromkeys(f.fingerprint or "?" for f in secrets))
        raise GuardtrailError(
            f"the range is blocked only by {len(secrets)} secret{'s' if len(secrets) != 1 else ''}, which no"
            " approval clears: remove each from the commit that adds it (rewrite the branch, e.g."
            " 'git rebase -i', and rotate the secret: it has leaked), or, for a false positive,"
            f" run approve again with --allow-secret FINGERPRINT ({fingerprints})"
        )


def run_approve(options: ApproveOptions) -> str:
    """Create the signed approval commit; return its sha."""
    repo = Repository(options.repo)
    if repo.workdir is None:
        raise GuardtrailError("approve needs a working tree (a bare repository cannot commit)")
    span = repo.resolve_range(options.base, None)
    decision = check_range(repo, span, span.base)
    approver = _approver(repo, decision.policy)
    _check_signing_key(repo, approver)
    refuse_what_it_cannot_clear(decision, options.allow_secrets)
    return commit_empty_signed(repo.workdir, approval_message(decision, approver, options.allow_secrets))
