"""Run real git with the installed hooks and see what the user sees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
GITHUB_TOKEN = "ghp_R7q2Lx9TzVb4Nw8Kp3Ys6Hd1Jm5Fc0Ga2Qe7"  # pragma: allowlist secret
ADVICE = "Client hooks are advice: 'git commit --no-verify' skips them; the CI check or the server hook enforces."


def hook_env(**extra: str) -> dict[str, str]:
    """The environment with this interpreter's scripts (the guardtrail CLI) first on PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return {**os.environ, "PATH": path, **extra}


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, env=env or hook_env(), input=stdin, capture_output=True, text=True, check=False
    )


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run(cwd, "git", *args, env=env)


def guardtrail(
    cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run(cwd, sys.executable, "-m", "guardtrail", *args, env=env, stdin=stdin)


def pre_receive_server(folder: Path) -> Path:
    """A bare repository ``folder/server.git`` that runs guardtrail's shipped pre-receive hook."""
    import shutil

    bare = folder / "server.git"
    assert git(folder, "init", "-q", "--bare", "-b", "main", str(bare)).returncode == 0
    shutil.copy(REPO_ROOT / "hooks" / "pre-receive", bare / "hooks" / "pre-receive")
    return bare
