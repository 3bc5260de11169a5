"""``guardtrail approve``: an approver signs off the gated changes of the range.

Creates an empty commit on HEAD, signed with the approver's configured git signing key, whose
message lists what it approves and ends with ``Approved-by: Name <email>``. With an SSH key it
also signs a statement of exactly which changes it approves (:mod:`guardtrail.decide.statements`)
and puts it in the message, so the approval survives a rebase or a squash-merge of the same
changes. It refuses early, with the fix, when the user is not a listed approver or has no usable
signing key.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from guardtrail.commands.check import check_range, policy_revision
from guardtrail.decide.approvals import ALLOW_SECRET, APPROVED_BY, wrote, wrote_any_part
from guardtrail.decide.gate import Decision
from guardtrail.decide.statements import NAMESPACE, Statement, approval_block, net_digests, policy_id
from guardtrail.errors import GuardtrailError
from guardtrail.git.porcelain import commit_empty_signed
from guardtrail.git.repo import Range, Repository
from guardtrail.model import Category
from guardtrail.policy import POLICY_FILE, SSH_KEY_TYPES, Approver, Policy


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


def _check_signing_key(repo: Repository, approver: Approver, policy: Policy) -> None:
    key_setting = repo.config("user.signingkey")
    fmt = (repo.config("gpg.format") or "openpgp").lower()
    require = policy.approvals.require
    if fmt == "ssh":
        if not key_setting:
            raise GuardtrailError("no signing key configured: run 'git config user.signingkey ~/.ssh/id_ed25519.pub'")
        key = _configured_ssh_key(repo, key_setting)
        if key is not None and key not in approver.ssh_keys:
            raise GuardtrailError(
                f"your signing key ({key_setting}) is not one of {approver.email}'s keys in the base policy"
            )
        if require != "none" and key is not None and not key.startswith("sk-"):
            raise GuardtrailError(
                f"approvals.require: {require} in {policy.source} counts only FIDO security keys: "
                "sign with an sk- key ('ssh-keygen -t ed25519-sk') listed for you there"
            )
    elif require != "none":
        raise GuardtrailError(
            f"approvals.require: {require} in {policy.source} counts only FIDO security keys: "
            "run 'git config gpg.format ssh' and sign with an sk- key listed for you there"
        )
    elif fmt == "openpgp":
        if not approver.pgp_fingerprints and not approver.pgp_armored:
            raise GuardtrailError(
                "no SSH signing configured and the policy lists no OpenPGP key for you: run "
                "'git config gpg.format ssh' and 'git config user.signingkey ~/.ssh/id_ed25519.pub'"
            )
    else:
        raise GuardtrailError(f"gpg.format {fmt} is not supported for approvals: use ssh or openpgp")


def approval_message(
    decision: Decision, approver: Approver, allow_secrets: Sequence[str], statement_block: str = ""
) -> str:
    """The approval commit message: what it covers, the signed statement, then the trailers."""
    pending = [e for e in decision.commits if e.gated and not wrote(approver, e.commit)]
    lines = [f"Approve {len(pending)} gated commit{'s' if len(pending) != 1 else ''}", ""]
    for entry in pending:
        categories = sorted(
            {f.category.value for f in decision.findings if f.commit == entry.commit.sha} - {Category.SECRET.value}
        )
        lines.append(f"- {entry.commit.short} {entry.commit.subject[:60]} ({', '.join(categories) or 'no findings'})")
    lines.append("")
    if statement_block:
        lines += [statement_block.rstrip("\n"), ""]
    lines += [f"{ALLOW_SECRET}: {fingerprint}" for fingerprint in allow_secrets]
    lines.append(f"{APPROVED_BY}: {approver.name} <{approver.email}>")
    return "\n".join(lines) + "\n"


def approved_paths(decision: Decision, approver: Approver) -> list[str]:
    """The sensitive paths a statement approves: those with findings in commits the approver did
    not write, unless the approver also wrote a change to them (then the net change holds their
    own lines, which only ``self_approval: with-presence`` lets them approve)."""
    own_ok = decision.policy.approvals.self_approval == "with-presence"
    by_sha = {entry.commit.sha: entry.commit for entry in decision.commits}
    sensitive = [f for f in decision.findings if f.category is not Category.SECRET]
    theirs = {f.path for f in sensitive if not own_ok and wrote_any_part(approver, by_sha[f.commit])}
    return sorted({f.path for f in sensitive} - theirs)


def _sign_statement(repo: Repository, text: str) -> str:
    """``text`` signed as ``ssh-keygen -Y sign`` (or git's ``gpg.ssh.program``) signs in the
    statement namespace, with the key git signs commits with; the armored signature."""
    program = repo.config("gpg.ssh.program") or "ssh-keygen"
    key_setting = repo.config("user.signingkey") or ""
    with tempfile.TemporaryDirectory(prefix="gt-approve-") as tmp:
        folder = Path(tmp)
        data = folder / "statement"
        data.write_text(text, encoding="utf-8")
        literal = key_setting.removeprefix("key::") if key_setting.startswith(("key::", *SSH_KEY_TYPES)) else None
        if literal is not None:
            key_file = folder / "key.pub"
            key_file.write_text(literal + "\n", encoding="utf-8")
            extra = ["-U"]
        else:
            key_file, extra = Path(key_setting).expanduser(), []
        command = [program, "-Y", "sign", "-n", NAMESPACE, "-f", str(key_file), *extra, str(data)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise GuardtrailError(f"cannot run {program} to sign the approval statement: {exc.strerror}") from None
        signature = folder / "statement.sig"
        if result.returncode != 0 or not signature.exists():
            reason = (result.stderr.strip().splitlines() or ["no signature written"])[-1]
            raise GuardtrailError(f"{program} could not sign the approval statement: {reason}")
        return signature.read_text(encoding="utf-8")


def _statement_block(
    repo: Repository, span: Range, policy_rev: str, decision: Decision, options: ApproveOptions, approver: Approver
) -> str:
    """The signed statement of what this approval covers, for the message; empty with OpenPGP."""
    if (repo.config("gpg.format") or "openpgp").lower() != "ssh":
        return ""
    paths = approved_paths(decision, approver)
    changes = net_digests(paths, repo.line_changes(span.base, span.head, paths))
    statement = Statement(
        str(approver),
        policy_id(repo.file_at(policy_rev, POLICY_FILE)),
        tuple(changes.items()),
        tuple(options.allow_secrets),
    )
    return approval_block(statement, _sign_statement(repo, statement.text))


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
    policy_rev = policy_revision(repo, span, options.base, None)
    decision = check_range(repo, span, policy_rev)
    approver = _approver(repo, decision.policy)
    _check_signing_key(repo, approver, decision.policy)
    refuse_what_it_cannot_clear(decision, options.allow_secrets)
    block = _statement_block(repo, span, policy_rev, decision, options, approver)
    return commit_empty_signed(repo.workdir, approval_message(decision, approver, options.allow_secrets, block))
