"""The few git operations that write: they go through git itself (via GitPython), so the
user's signing configuration, hooks and identity apply exactly as with ``git commit``."""

from __future__ import annotations

from pathlib import Path

from guardtrail.errors import GuardtrailError


def commit_empty_signed(workdir: Path, message: str) -> str:
    """Create an empty commit on HEAD signed with the user's configured key; its sha."""
    import git

    try:
        repo = git.Repo(workdir)
        repo.git.commit("--allow-empty", "--gpg-sign", "--no-verify", "--cleanup=strip", "-m", message)
        return str(repo.head.commit.hexsha)
    except git.GitCommandError as exc:
        detail = (exc.stderr or "").strip().splitlines()
        reason = detail[-1].removeprefix("stderr: ").strip(" '") if detail else str(exc)
        raise GuardtrailError(f"git could not create the signed approval commit: {reason}") from None
