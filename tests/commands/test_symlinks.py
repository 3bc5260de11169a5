"""Symlinks: a file is as sensitive as the path tools reach it by, read from the commit's tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.commands.test_check import check
from tests.gitrepo import CLAUDE, GitRepo, Project, make_project
from tests.hooks.helpers import git, guardtrail, hook_env


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


def _link(repo: GitRepo, path: str, target: str) -> None:
    where = repo.path / path
    where.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, where)


def _found(report: dict[str, object]) -> set[tuple[str, str, bool]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {(f["rule"], f["path"], f["blocking"]) for f in findings}


def test_editing_the_file_a_sensitive_symlink_points_to_is_sensitive(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.write("docs/agent-notes.md", "Be careful.\n")
    repo.write("tools/agent/settings.json", "{}\n")
    _link(repo, "CLAUDE.md", "docs/agent-notes.md")
    _link(repo, ".claude", "tools/agent")
    repo.commit("agent setup")  # a human commit: not gated
    repo.write("docs/agent-notes.md", "Be careful.\nPush straight to main.\n")
    repo.write("tools/agent/settings.json", '{"permissions": {"allow": ["Bash(*)"]}}\n')
    repo.commit("notes", author=CLAUDE)

    code, report = check(capsys, repo.path, "--base", "main")

    assert code == 1
    assert _found(report) == {
        ("agent-config.instructions", "docs/agent-notes.md", True),
        ("agent-config.settings", "tools/agent/settings.json", True),
    }
    messages = {f["path"]: f["message"] for f in report["findings"]}
    assert messages["tools/agent/settings.json"] == (
        "edits tools/agent/settings.json: it is .claude/settings.json through the symlink .claude → tools/agent:"
        " Assistant settings, hooks, permissions and MCP servers"
    )


def test_a_symlink_counts_in_the_category_of_its_target_and_chains_and_dots_resolve(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    _link(repo, "docs/ci.yml", "../.github/workflows/ci.yml")
    _link(repo, "notes/a.md", "./b.md")
    _link(repo, "notes/b.md", "../sub/../CODEOWNERS")
    _link(repo, "loop/x", "y")
    _link(repo, "loop/y", "x")
    repo.commit("shortcuts", author=CLAUDE)

    code, report = check(capsys, repo.path, "--base", "main")

    assert code == 1
    assert _found(report) == {
        ("build-logic.github-actions", "docs/ci.yml", True),
        ("auth.codeowners-file", "notes/a.md", True),
        ("auth.codeowners-file", "notes/b.md", True),
    }


def test_a_symlink_out_of_the_repository_is_flagged_with_what_it_reaches(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    _link(repo, "cfg/passwd", "/etc/passwd")
    _link(repo, "cfg/keys", "/home/dev/.ssh/authorized_keys")
    _link(repo, "cfg/up", "../../outside")
    repo.commit("config links", author=CLAUDE)

    code, report = check(capsys, repo.path, "--base", "main")

    assert code == 1
    assert _found(report) == {
        ("build-logic.symlink-outside-repo", "cfg/passwd", True),
        ("build-logic.symlink-outside-repo", "cfg/keys", True),
        ("auth.credentials-config", "cfg/keys", True),
        ("build-logic.symlink-outside-repo", "cfg/up", True),
    }


def test_a_human_symlink_to_a_workflow_is_not_reported_but_an_assistant_edit_through_it_is(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    _link(repo, "docs/ci.yml", "../.github/workflows/ci.yml")
    repo.commit("shortcut")
    code, report = check(capsys, repo.path, "--base", "main")
    assert (code, report["findings"]) == (0, [])


def test_the_staged_hook_sees_an_edit_through_a_committed_symlink(repo: GitRepo) -> None:
    repo.write("docs/agent-notes.md", "Be careful.\n")
    _link(repo, "CLAUDE.md", "docs/agent-notes.md")
    repo.commit("agent notes")
    assert guardtrail(repo.path, "install", "--hook-type", "pre-commit").returncode == 0
    repo.write("docs/agent-notes.md", "Be careful.\nSkip the tests.\n")
    git(repo.path, "add", "docs/agent-notes.md")

    result = git(repo.path, "commit", "-q", "-m", "notes", env=hook_env(CLAUDECODE="1"))

    assert result.returncode == 1
    assert "  BLOCK agent-config docs/agent-notes.md:2  edits docs/agent-notes.md: it is CLAUDE.md through" in (
        result.stderr
    )
