"""pre-commit habits, with the real pre-commit tool and guardtrail's own hooks manifest, from a
clone of this repository at a commit sha (``rev:``), as a user's ``.pre-commit-config.yaml``
names it: ``pre-commit run --all-files`` and ``--files`` scan what they are given, a commit
still scans its staged change, and every run says what it scanned."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo
from tests.hooks.helpers import REPO_ROOT, git, hook_env, run

PRE_COMMIT = shutil.which("pre-commit")
pytestmark = pytest.mark.skipif(PRE_COMMIT is None, reason="needs the pre-commit tool")
AWS_KEY = "AKIAZ3MHQ7LVNJ4XRTKW"  # pragma: allowlist secret
SHIPPED = ("src", "rules", "hooks", "ci", "pyproject.toml", "README.md", "CHANGELOG.md", ".pre-commit-hooks.yaml")


@pytest.fixture(scope="module")
def guardtrail_clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout as a repository pre-commit can clone: its files as they stand now (like
    ``pre-commit try-repo``), committed; returns the clone and the commit's full sha."""
    clone = tmp_path_factory.mktemp("guardtrail-clone") / "guardtrail"
    clone.mkdir()
    for name in SHIPPED:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, clone / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, clone / name)
    identity = ["-c", "user.name=guardtrail developers", "-c", "user.email=dev@guardtrail.invalid"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], [*identity, "commit", "-q", "-m", "release"]):
        subprocess.run(["git", *args], cwd=clone, check=True, capture_output=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, check=True, capture_output=True, text=True)
    return clone, sha.stdout.strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module: guardtrail's environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def readme_config() -> str:
    """The ``.pre-commit-config.yaml`` the README shows, exactly as written there."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", readme, re.S)
    assert match is not None, "the README shows no .pre-commit-config.yaml"
    return match.group(1)


def _user_repo(repo: GitRepo, clone: Path, sha: str) -> None:
    """``repo`` with the README's config, its repository and commit sha filled in as the README says."""
    config = readme_config()
    assert "rev: FULL_COMMIT_SHA" in config and "https://github.com/OWNER/guardtrail" in config
    config = config.replace("https://github.com/OWNER/guardtrail", str(clone)).replace("FULL_COMMIT_SHA", sha)
    repo.write(".pre-commit-config.yaml", config)
    repo.commit("use pre-commit")


def _with_a_committed_key(repo: GitRepo, clone: Path, sha: str) -> None:
    """The user's repository with an AWS key committed long ago (no staged change holds it)."""
    _user_repo(repo, clone, sha)
    repo.write("deploy/settings.py", f'REGION = "eu-west-1"\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    repo.write("notes.txt", "nothing here\n")
    repo.commit("settings")


def _pre_commit(repo: GitRepo, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(repo.path, "pre-commit", *args, env=hook_env(PRE_COMMIT_HOME=str(home)))


def test_run_all_files_fails_on_a_committed_aws_key(
    repo: GitRepo, guardtrail_clone: tuple[Path, str], pre_commit_home: Path
) -> None:
    _with_a_committed_key(repo, *guardtrail_clone)

    result = _pre_commit(repo, pre_commit_home, "run", "--all-files", "guardtrail")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "guardtrail (staged change)" in result.stdout
    assert "Failed" in result.stdout
    assert "staged change: 0 staged files, 0 added lines; 4 files of the working tree" in result.stdout
    assert "  BLOCK secret       deploy/settings.py:2  AWS access key" in result.stdout
    assert AWS_KEY not in result.stdout


def test_run_files_scans_just_the_files_given(
    repo: GitRepo, guardtrail_clone: tuple[Path, str], pre_commit_home: Path
) -> None:
    _with_a_committed_key(repo, *guardtrail_clone)

    clean = _pre_commit(repo, pre_commit_home, "run", "guardtrail", "--files", "notes.txt")
    dirty = _pre_commit(repo, pre_commit_home, "run", "guardtrail", "--files", "deploy/settings.py")

    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "guardtrail: PASS  staged change: 0 staged files, 0 added lines; 1 file of the working tree" in clean.stdout
    assert dirty.returncode == 1, dirty.stdout
    assert "  BLOCK secret       deploy/settings.py:2  AWS access key" in dirty.stdout


def test_a_commit_still_scans_its_staged_change_and_says_so(
    repo: GitRepo, guardtrail_clone: tuple[Path, str], pre_commit_home: Path
) -> None:
    _user_repo(repo, *guardtrail_clone)
    repo.write("old.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    repo.commit("an old key, already in history")
    env = hook_env(PRE_COMMIT_HOME=str(pre_commit_home))
    assert run(repo.path, "pre-commit", "install", env=env).returncode == 0

    repo.write("app.py", "def main():\n    return 1\n")
    git(repo.path, "add", "app.py")
    passed = git(repo.path, "commit", "-m", "app", env=env)

    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "guardtrail: PASS  staged change: 1 staged file, 2 added lines\n" in passed.stderr  # not the old key

    repo.write("keys.py", f'KEY = "{AWS_KEY}"\n')
    git(repo.path, "add", "keys.py")
    blocked = git(repo.path, "commit", "-m", "keys", env=env)

    assert blocked.returncode == 1
    assert "  BLOCK secret       keys.py:1  AWS access key" in blocked.stderr
    assert "old.py" not in blocked.stderr


def test_a_passing_push_says_how_many_commits_it_checked(
    tmp_path: Path, repo: GitRepo, guardtrail_clone: tuple[Path, str], pre_commit_home: Path
) -> None:
    _user_repo(repo, *guardtrail_clone)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo.path, "remote", "add", "origin", str(remote))
    git(repo.path, "push", "-q", "origin", "main")
    env = hook_env(PRE_COMMIT_HOME=str(pre_commit_home))
    assert run(repo.path, "pre-commit", "install", "--hook-type", "pre-push", env=env).returncode == 0
    repo.write("docs.md", "one\n")
    repo.commit("docs")
    repo.write("docs.md", "two\n")
    repo.commit("more docs")

    pushed = git(repo.path, "push", "origin", "main", env=env)

    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "guardtrail: PASS  push of refs/heads/main: 2 commits checked\n" in pushed.stdout
