"""commit-msg through real git, and install/uninstall keeping the user's own hooks."""

from __future__ import annotations

from pathlib import Path

from guardtrail.commands.commit_msg import CommitMsgOptions, run_commit_msg
from tests.gitrepo import CLAUDE_TRAILER, GitRepo
from tests.hooks.helpers import git, guardtrail


def test_a_malformed_approval_trailer_is_rejected_with_the_expected_form(repo: GitRepo) -> None:
    assert guardtrail(repo.path, "install", "--hook-type", "commit-msg").returncode == 0
    before = repo.head()

    result = git(repo.path, "commit", "--allow-empty", "-m", "Approve\n\nApproved-by: Alice")

    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "guardtrail: BLOCK  commit message",
        "  malformed trailer 'Approved-by: Alice': expected 'Approved-by: Name <email>'",
    ]
    assert repo.head() == before


def test_assistant_message_on_a_workflow_change_is_blocked(repo: GitRepo) -> None:
    assert guardtrail(repo.path, "install", "--hook-type", "commit-msg").returncode == 0
    repo.write(".github/workflows/ci.yml", "on: push\n")
    git(repo.path, "add", ".github/workflows/ci.yml")

    result = git(repo.path, "commit", "-m", f"add CI\n\n{CLAUDE_TRAILER}")

    assert result.returncode == 1
    assert "  BLOCK build-logic  .github/workflows/ci.yml:1" in result.stderr
    assert "  assistant-authored: Co-Authored-By: Claude <noreply@anthropic.com>" in result.stderr


def test_agent_session_gets_an_assisted_by_trailer(repo: GitRepo, tmp_path: Path) -> None:
    message = tmp_path / "MSG"
    message.write_text("Fix typo\n# Please enter the commit message\n", encoding="utf-8")

    result = run_commit_msg(
        CommitMsgOptions(message, repo.path, {"CLAUDECODE": "1"}, repo.path, attribute_assistant=True)
    )

    assert (result.exit_code, result.added_trailer) == (0, "Assisted-by: Claude Code")
    assert (
        message.read_text(encoding="utf-8")
        == "Fix typo\n\nAssisted-by: Claude Code\n\n# Please enter the commit message\n"
    )


def test_policy_at_head_asks_for_attribution(repo: GitRepo, tmp_path: Path) -> None:
    repo.write(".guardtrail.yml", "hooks:\n  attribute-assistant: true\n")
    repo.commit("policy")
    message = tmp_path / "MSG"
    message.write_text("Fix typo\n", encoding="utf-8")

    agent = run_commit_msg(CommitMsgOptions(message, repo.path, {"CODEX_CI": "1"}, repo.path))
    assert (agent.exit_code, agent.added_trailer) == (0, "Assisted-by: Codex")

    human = tmp_path / "HUMAN"
    human.write_text("Fix typo\n", encoding="utf-8")
    assert run_commit_msg(CommitMsgOptions(human, repo.path, {}, repo.path)).added_trailer is None
    assert human.read_text(encoding="utf-8") == "Fix typo\n"


def test_install_chains_an_existing_hook_and_uninstall_restores_it(repo: GitRepo) -> None:
    hooks = repo.path / ".git" / "hooks"
    own = hooks / "pre-commit"
    own.write_text("#!/bin/sh\necho mine\n", encoding="utf-8")
    own.chmod(0o700)

    installed = guardtrail(repo.path, "install", "--hook-type", "pre-commit")
    committed = git(repo.path, "commit", "--allow-empty", "-q", "-m", "empty")
    removed = guardtrail(repo.path, "uninstall")

    assert installed.stdout.splitlines()[0] == (f"installed {own} (your hook moved to pre-commit.local and runs first)")
    assert committed.returncode == 0
    assert committed.stderr == "mine\nguardtrail: PASS  staged change: 0 staged files, 0 added lines\n"
    assert removed.stdout.splitlines() == ["removed guardtrail's pre-commit; restored your hook from pre-commit.local"]
    assert own.read_text(encoding="utf-8") == "#!/bin/sh\necho mine\n"
    assert own.stat().st_mode & 0o777 == 0o700
    assert not (hooks / "pre-commit.local").exists()
