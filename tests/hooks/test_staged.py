"""The pre-commit hook on real commits: secrets block everyone, sensitive changes block assistants."""

from __future__ import annotations

from tests.gitrepo import GitRepo
from tests.hooks.helpers import ADVICE, GITHUB_TOKEN, git, guardtrail, hook_env

WORKFLOW = ".github/workflows/ci.yml"


def _installed(repo: GitRepo) -> GitRepo:
    result = guardtrail(repo.path, "install", "--hook-type", "pre-commit")
    assert result.returncode == 0, result.stderr
    return repo


def test_a_staged_secret_blocks_the_commit(repo: GitRepo) -> None:
    _installed(repo)
    repo.write("settings.py", f'TOKEN = "{GITHUB_TOKEN}"\n')
    git(repo.path, "add", "settings.py")
    before = repo.head()

    result = git(repo.path, "commit", "-m", "add settings")

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "guardtrail: BLOCK  staged change: 1 staged file, 1 added line (policy: built-in defaults)"
    assert lines[1].startswith("  BLOCK secret       settings.py:1  GitHub token")
    assert lines[-1] == ADVICE
    assert repo.head() == before


def test_a_human_workflow_edit_is_reported_and_committed(repo: GitRepo) -> None:
    _installed(repo)
    repo.write(WORKFLOW, "on: push\n")
    git(repo.path, "add", WORKFLOW)

    result = git(repo.path, "commit", "-q", "-m", "add CI")

    assert result.returncode == 0, result.stderr
    assert "guardtrail: PASS  staged change: 1 staged file, 1 added line (policy: built-in defaults)" in result.stderr
    assert f"  note  build-logic  {WORKFLOW}:1" in result.stderr
    assert git(repo.path, "log", "-1", "--format=%s").stdout == "add CI\n"


def test_commit_all_in_an_agent_session_reads_the_temporary_index(repo: GitRepo) -> None:
    repo.write(WORKFLOW, "on: push\n")
    repo.commit("add CI")
    _installed(repo)
    repo.write(WORKFLOW, "on: push\njobs: {}\n")  # not staged: only `commit -a` stages it
    before = repo.head()

    result = git(repo.path, "commit", "-a", "-m", "tweak CI", env=hook_env(CLAUDECODE="1"))

    assert result.returncode == 1
    assert "guardtrail: BLOCK  staged change: 1 staged file, 1 added line (policy: built-in defaults)" in result.stderr
    assert f"  BLOCK build-logic  {WORKFLOW}:2" in result.stderr
    assert "  assistant-authored: CLAUDECODE=1 (assistant.env.session)" in result.stderr
    assert "    1. review the staged change: git diff --cached" in result.stderr
    assert "runs 'guardtrail approve --base <target branch>' on the branch" in result.stderr
    assert repo.head() == before


def test_commit_path_scans_only_that_path(repo: GitRepo) -> None:
    _installed(repo)
    repo.write("notes.txt", "plain\n")
    repo.write("key.py", f'KEY = "{GITHUB_TOKEN}"\n')
    git(repo.path, "add", "notes.txt", "key.py")

    clean = git(repo.path, "commit", "-q", "-m", "notes only", "notes.txt")
    dirty = git(repo.path, "commit", "-q", "-m", "the key", "key.py")

    assert clean.returncode == 0, clean.stderr
    assert dirty.returncode == 1
    assert "  BLOCK secret       key.py:1" in dirty.stderr
    assert git(repo.path, "log", "-1", "--format=%s").stdout == "notes only\n"


def test_no_verify_skips_the_hook_as_the_advice_says(repo: GitRepo) -> None:
    _installed(repo)
    repo.write("settings.py", f'TOKEN = "{GITHUB_TOKEN}"\n')
    git(repo.path, "add", "settings.py")

    result = git(repo.path, "commit", "-q", "--no-verify", "-m", "skip")

    assert result.returncode == 0
    assert git(repo.path, "log", "-1", "--format=%s").stdout == "skip\n"


def test_a_staged_workflow_is_audited_by_zizmor_in_an_agent_session(repo: GitRepo) -> None:
    _installed(repo)
    repo.write(WORKFLOW, "on: pull_request_target\npermissions: {}\njobs:\n  a: {runs-on: x, steps: [{run: make}]}\n")
    repo.write(".github/workflows/more.yml", "jobs: [\n")
    git(repo.path, "add", ".github")

    result = git(repo.path, "commit", "-m", "run on forks", env=hook_env(CLAUDECODE="1"))

    assert result.returncode == 1
    assert (
        f"  BLOCK build-logic  {WORKFLOW}:1  use of fundamentally insecure workflow trigger:"
        " pull_request_target is almost always used insecurely  [workflow.dangerous-triggers]"
    ) in result.stderr.splitlines()
    assert (
        "  BLOCK build-logic  .github/workflows/more.yml  more.yml was not audited: zizmor cannot read it:"
        " failed to parse input: "
    ) in result.stderr
