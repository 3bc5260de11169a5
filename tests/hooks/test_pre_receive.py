"""The server hook on a real bare repository: an assistant's CI edit is rejected until an approver signs."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.gitrepo import CLAUDE, CLAUDE_TRAILER, make_project
from tests.hooks.helpers import REPO_ROOT, git, hook_env, pre_receive_server


def test_assistant_workflow_change_is_rejected_until_a_signed_approval(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    repo = project.repo
    server = pre_receive_server(tmp_path)
    git(repo.path, "remote", "add", "origin", str(server))
    assert git(repo.path, "push", "-q", "origin", "main").returncode == 0
    repo.write(".github/workflows/ci.yml", "on: push\njobs: {}\n# faster\n")
    assistant = repo.commit(f"Speed up CI\n\n{CLAUDE_TRAILER}", author=CLAUDE)

    rejected = git(repo.path, "push", "origin", "feature")

    assert rejected.returncode == 1
    assert "remote: refs/heads/feature: block" in rejected.stderr
    assert "remote:   BLOCK build-logic  .github/workflows/ci.yml:3" in rejected.stderr
    assert "remote: guardtrail: push rejected (see above); nothing was updated." in rejected.stderr
    assert " ! [remote rejected] feature -> feature (pre-receive hook declined)" in rejected.stderr
    assert git(server, "rev-parse", "--verify", "-q", "refs/heads/feature").returncode == 1

    approval = project.approve()
    accepted = git(repo.path, "push", "origin", "feature")

    assert accepted.returncode == 0, accepted.stderr
    assert "remote: refs/heads/feature: pass (2 commits checked)" in accepted.stderr
    assert git(server, "rev-parse", "refs/heads/feature").stdout.strip() == approval
    assert git(server, "merge-base", "--is-ancestor", assistant, "feature").returncode == 0


def test_deleting_a_branch_is_allowed_and_a_broken_policy_rejects(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    repo = project.repo
    server = pre_receive_server(tmp_path)
    git(repo.path, "remote", "add", "origin", str(server))
    assert git(repo.path, "push", "-q", "origin", "main", "feature").returncode == 0

    deleted = git(repo.path, "push", "origin", ":feature")

    assert deleted.returncode == 0, deleted.stderr
    assert "remote: refs/heads/feature: deletion allowed" in deleted.stderr

    repo.git("checkout", "-q", "main")
    repo.write(".guardtrail.yml", "mode: [broken\n")
    repo.commit("break the policy")
    assert git(repo.path, "push", "-q", "origin", "main").returncode == 0  # judged by the old policy
    repo.write("README.md", "more\n")
    repo.commit("later change")
    failed = git(repo.path, "push", "origin", "main")

    assert failed.returncode == 1
    assert "remote: guardtrail: push rejected: the gate could not run: .guardtrail.yml at" in failed.stderr


def test_the_enterprise_server_hook_rejects_a_push_too_large_for_its_budget(tmp_path: Path) -> None:
    """ci/ghes/pre-receive.sh as GitHub Enterprise Server runs it: a push over its commit limit
    is rejected with the fix before the server's 5-second budget would cut it off."""
    project = make_project(tmp_path)
    repo = project.repo
    server = tmp_path / "server.git"
    assert git(tmp_path, "init", "-q", "--bare", "-b", "main", str(server)).returncode == 0
    shutil.copy(REPO_ROOT / "ci" / "ghes" / "pre-receive.sh", server / "hooks" / "pre-receive")
    git(repo.path, "remote", "add", "origin", str(server))
    env = hook_env(GUARDTRAIL_BIN=str(Path(sys.executable).parent / "guardtrail"), GUARDTRAIL_MAX_COMMITS="3")
    assert git(repo.path, "push", "-q", "origin", "main", env=env).returncode == 0
    for number in range(4):
        repo.write(f"notes/{number}.md", f"note {number}\n")
        repo.commit(f"note {number}")

    rejected = git(repo.path, "push", "origin", "feature", env=env)
    git(repo.path, "push", "-q", "origin", "feature~1:refs/heads/feature", env=env)
    accepted = git(repo.path, "push", "origin", "feature", env=env)

    assert rejected.returncode == 1
    assert (
        "remote: guardtrail: push rejected: 4 new commits, more than this server checks in one push (3):"
        " push them in parts of at most 3 commits" in rejected.stderr
    )
    assert accepted.returncode == 0, accepted.stderr
    assert "remote: refs/heads/feature: pass" in accepted.stderr
