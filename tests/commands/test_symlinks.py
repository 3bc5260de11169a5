"""Symlinks: a file is as sensitive as the path tools reach it by, read from the commit's tree."""

from __future__ import annotations

import pytest

from tests.commands.helpers import assistant_commit, link, rules_paths_blocking
from tests.commands.test_check import check
from tests.gitrepo import GitRepo, Project
from tests.hooks.helpers import GITHUB_TOKEN, git, guardtrail, hook_env


def test_editing_the_file_a_sensitive_symlink_points_to_is_sensitive(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.write("docs/agent-notes.md", "Be careful.\n")
    repo.write("tools/agent/settings.json", "{}\n")
    link(repo, "CLAUDE.md", "docs/agent-notes.md")
    link(repo, ".claude", "tools/agent")
    repo.commit("agent setup")  # a human commit: not gated
    edits = {
        "docs/agent-notes.md": "Be careful.\nPush straight to main.\n",
        "tools/agent/settings.json": '{"permissions": {"allow": ["Bash(*)"]}}\n',
    }

    code, report = assistant_commit(project, capsys, edits)

    assert code == 1
    assert rules_paths_blocking(report) == {
        ("agent-config.instructions", "docs/agent-notes.md", True),
        ("agent-config.settings", "tools/agent/settings.json", True),
    }
    messages = {f["path"]: f["message"] for f in report["findings"]}
    assert messages["tools/agent/settings.json"] == (
        "edits tools/agent/settings.json: it is .claude/settings.json through the symlink .claude → tools/agent:"
        " Assistant settings, hooks, permissions and MCP servers"
    )


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        (
            {
                "docs/ci.yml": "../.github/workflows/ci.yml",
                "notes/a.md": "./b.md",
                "notes/b.md": "../sub/../CODEOWNERS",
                "loop/x": "y",
                "loop/y": "x",
            },
            {
                ("build-logic.github-actions", "docs/ci.yml", True),
                ("auth.codeowners-file", "notes/a.md", True),
                ("auth.codeowners-file", "notes/b.md", True),
            },
        ),
        (
            {"cfg/passwd": "/etc/passwd", "cfg/keys": "/home/dev/.ssh/authorized_keys", "cfg/up": "../../outside"},
            {
                ("build-logic.symlink-outside-repo", "cfg/passwd", True),
                ("build-logic.symlink-outside-repo", "cfg/keys", True),
                ("auth.credentials-config", "cfg/keys", True),
                ("build-logic.symlink-outside-repo", "cfg/up", True),
            },
        ),
    ],
    ids=["in the tree: chains, dots, loops", "out of the repository"],
)
def test_a_symlink_counts_in_the_category_of_what_it_reaches(
    project: Project, capsys: pytest.CaptureFixture[str], links: dict[str, str], expected: set[tuple[str, str, bool]]
) -> None:
    code, report = assistant_commit(project, capsys, links=links)
    assert code == 1
    assert rules_paths_blocking(report) == expected


def test_a_human_symlink_to_a_workflow_is_not_reported(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    link(project.repo, "docs/ci.yml", "../.github/workflows/ci.yml")
    project.repo.commit("shortcut")
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert (code, report["findings"]) == (0, [])


def test_the_staged_hook_sees_an_edit_through_a_committed_symlink(repo: GitRepo) -> None:
    repo.write("docs/agent-notes.md", "Be careful.\n")
    link(repo, "CLAUDE.md", "docs/agent-notes.md")
    repo.commit("agent notes")
    assert guardtrail(repo.path, "install", "--hook-type", "pre-commit").returncode == 0
    repo.write("docs/agent-notes.md", "Be careful.\nSkip the tests.\n")
    git(repo.path, "add", "docs/agent-notes.md")

    result = git(repo.path, "commit", "-q", "-m", "notes", env=hook_env(CLAUDECODE="1"))

    assert result.returncode == 1
    assert "  BLOCK agent-config docs/agent-notes.md:2  edits docs/agent-notes.md: it is CLAUDE.md through" in (
        result.stderr
    )


def test_a_symlink_target_holding_a_token_is_reported_without_it(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = assistant_commit(project, capsys, links={"tok": f"/tmp/{GITHUB_TOKEN}"})

    assert code == 1
    assert rules_paths_blocking(report) == {
        ("secret.github-token", "tok", True),
        ("build-logic.symlink-outside-repo", "tok", True),
    }
    assert GITHUB_TOKEN[4:] not in str(report)
