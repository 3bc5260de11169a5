"""Without ``--base``, the policy and keys come from the target branch as it stands now.

The range stays merge-base..head; only the judge moves: an approver removed on main no longer
approves a branch that left main before the removal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from guardtrail.cli import main
from tests.gitrepo import ALICE, CLAUDE, GitRepo, SshKey, git, policy_text

ROOT = Path(__file__).resolve().parents[2]
BOB = ("Bob Builder", "bob@example.com")


@pytest.fixture
def repo(tmp_path: Path) -> tuple[GitRepo, SshKey, str]:
    """Bob approved a branch; main has since removed Bob from the approvers. Returns the repo,
    Bob's key and the merge-base."""
    alice = SshKey.generate(tmp_path / "keys", "alice")
    bob = SshKey.generate(tmp_path / "keys", "bob")
    repo = GitRepo.create(tmp_path / "repo")
    repo.write(".guardtrail.yml", policy_text((*ALICE, alice.public_line), (*BOB, bob.public_line)))
    fork = repo.commit("policy: Alice and Bob approve")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("Makefile", "all:\n")
    repo.commit("build", author=CLAUDE)
    who = f"{BOB[0]} <{BOB[1]}>"
    repo.commit(f"Approve\n\nApproved-by: {who}", author=who, sign_with=bob, allow_empty=True)
    repo.git("checkout", "-q", "main")
    repo.write(".guardtrail.yml", policy_text((*ALICE, alice.public_line)))
    repo.commit("policy: Bob left")
    repo.git("checkout", "-q", "feature")
    return repo, bob, fork


def _check(capsys: pytest.CaptureFixture[str], repo: GitRepo, *args: str) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    code = main(["check", "--repo", str(repo.path), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_without_a_base_the_target_branch_tip_judges_and_a_removed_approver_no_longer_counts(
    repo: tuple[GitRepo, SshKey, str], capsys: pytest.CaptureFixture[str]
) -> None:
    git_repo, _, fork = repo
    tip = git_repo.git("rev-parse", "main").strip()
    code, report = _check(capsys, git_repo)
    assert code == 1
    assert report["base"] == fork  # the range is still merge-base..head
    assert report["policy"] == {"source": f".guardtrail.yml at {tip[:10]}", "mode": "assistant"}
    assert [(f["path"], f["blocking"]) for f in report["findings"]] == [("Makefile", True)]


def test_an_explicit_base_still_judges_by_that_base(
    repo: tuple[GitRepo, SshKey, str], capsys: pytest.CaptureFixture[str]
) -> None:
    git_repo, _, fork = repo
    code, report = _check(capsys, git_repo, "--base", fork)
    assert code == 0
    assert report["policy"] == {"source": f".guardtrail.yml at {fork[:10]}", "mode": "assistant"}


def test_approve_without_a_base_refuses_an_approver_the_target_branch_removed(
    repo: tuple[GitRepo, SshKey, str], capsys: pytest.CaptureFixture[str]
) -> None:
    git_repo, bob, _ = repo
    git_repo.git("config", "user.email", BOB[1])
    git_repo.git("config", "gpg.format", "ssh")
    git_repo.git("config", "user.signingkey", str(bob.private))
    tip = git_repo.git("rev-parse", "main").strip()
    assert main(["approve", "--repo", str(git_repo.path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"guardtrail: error: {BOB[1]} is not an approver in .guardtrail.yml at {tip[:10]}:"
        " an approver listed there must run this"
    )


def test_the_gitlab_template_reads_the_policy_from_the_target_branch(
    repo: tuple[GitRepo, SshKey, str], tmp_path: Path
) -> None:
    git_repo, _, fork = repo
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(git_repo.path), str(remote))
    checkout = tmp_path / "mr"
    git(tmp_path, "clone", "-q", "--no-checkout", str(remote), str(checkout))
    head = git_repo.git("rev-parse", "feature").strip()
    git(checkout, "update-ref", "-d", "refs/remotes/origin/main")  # GitLab fetches the MR ref only
    git(checkout, "checkout", "-q", "--detach", head)
    job = yaml.safe_load((ROOT / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8"))["guardtrail"]
    env = {
        **os.environ,
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": fork,
        "CI_COMMIT_SHA": head,
    }
    codes = []
    for line in job["script"]:
        command = line.replace("guardtrail check", f"{sys.executable} -m guardtrail check", 1)
        codes.append(subprocess.run(command, shell=True, cwd=checkout, env=env, capture_output=True).returncode)
    assert codes == [0, 1]
    record = json.loads((checkout / "guardtrail-audit.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    tip = git_repo.git("rev-parse", "main").strip()
    assert (record["verdict"], record["policy"]["source"]) == ("block", f".guardtrail.yml at {tip[:10]}")
