"""The hooks as pre-commit users get them: manifest, try-repo, and installed commit/push hooks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gitrepo import CLAUDE, CLAUDE_TRAILER, GitRepo
from tests.hooks.helpers import GITHUB_TOKEN, REPO_ROOT, git, hook_env, run

PRE_COMMIT = shutil.which("pre-commit")
pytestmark = pytest.mark.skipif(PRE_COMMIT is None, reason="needs the pre-commit tool")
LOCAL_CONFIG = """repos:
  - repo: local
    hooks:
      - id: guardtrail
        name: guardtrail
        entry: guardtrail staged
        language: system
        pass_filenames: false
        always_run: true
      - id: guardtrail-pre-push
        name: guardtrail-pre-push
        entry: guardtrail pre-push
        language: system
        pass_filenames: false
        always_run: true
        stages: [pre-push]
"""


def _env(home: Path) -> dict[str, str]:
    return hook_env(PRE_COMMIT_HOME=str(home / "pre-commit-cache"))


def test_manifest_is_valid() -> None:
    result = run(REPO_ROOT, "pre-commit", "validate-manifest", ".pre-commit-hooks.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_try_repo_installs_the_package_and_blocks_a_staged_secret(repo: GitRepo, sealed_env: Path) -> None:
    repo.write("settings.py", f'TOKEN = "{GITHUB_TOKEN}"\n')
    git(repo.path, "add", "settings.py")

    result = run(repo.path, "pre-commit", "try-repo", str(REPO_ROOT), "guardtrail", env=_env(sealed_env))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "guardtrail (staged change)" in result.stdout
    assert "  BLOCK secret       settings.py:1  GitHub token" in result.stdout


def test_installed_hooks_stop_a_commit_and_a_push(tmp_path: Path, repo: GitRepo, sealed_env: Path) -> None:
    env = _env(sealed_env)
    repo.write(".pre-commit-config.yaml", LOCAL_CONFIG)
    repo.commit("use pre-commit")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo.path, "remote", "add", "origin", str(remote))
    git(repo.path, "push", "-q", "origin", "main")
    installed = run(repo.path, "pre-commit", "install", "--hook-type", "pre-commit", "--hook-type", "pre-push", env=env)
    assert installed.returncode == 0, installed.stderr

    repo.write("settings.py", f'TOKEN = "{GITHUB_TOKEN}"\n')
    git(repo.path, "add", "settings.py")
    blocked = git(repo.path, "commit", "-m", "add token", env=env)
    assert blocked.returncode == 1
    assert "  BLOCK secret       settings.py:1" in blocked.stderr
    git(repo.path, "rm", "-q", "--cached", "settings.py")

    repo.write(".github/workflows/ci.yml", "on: push\n")
    git(repo.path, "add", ".github/workflows/ci.yml")
    landed = git(
        repo.path,
        "-c",
        "user.name=Claude",
        "-c",
        "user.email=noreply@anthropic.com",
        "commit",
        "-q",
        "-m",
        f"add CI\n\n{CLAUDE_TRAILER}",
        env={**env, "GIT_AUTHOR_NAME": "Claude", "GIT_AUTHOR_EMAIL": "noreply@anthropic.com"},
    )
    assert landed.returncode == 0, landed.stderr
    assert git(repo.path, "log", "-1", "--format=%an <%ae>").stdout.strip() == CLAUDE

    pushed = git(repo.path, "push", "origin", "main", env=env)

    assert pushed.returncode == 1
    assert "guardtrail: push of refs/heads/main blocked\n" in pushed.stdout, pushed.stdout
    assert "  BLOCK build-logic  .github/workflows/ci.yml:1" in pushed.stdout
    assert git(remote, "log", "-1", "--format=%s", "main").stdout == "use pre-commit\n"
