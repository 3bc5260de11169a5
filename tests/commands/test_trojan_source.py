"""Trojan Source blocks whoever wrote it until an approver signs; zero-width text only warns."""

from __future__ import annotations

import pytest

from tests.commands.test_check import check
from tests.gitrepo import GitRepo, Project
from tests.hooks.helpers import git, guardtrail

TROJAN = "access = 'user' # \u202e \u2066if admin\u2069 \u2066\n"


def test_a_human_commit_with_a_bidi_override_blocks_until_an_approver_signs(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.write("src/access.py", "x = 1\n" + TROJAN)
    project.repo.commit("access check")  # a human commit: not gated

    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert {(f["rule"], f["path"], f["line"], f["blocking"]) for f in report["findings"]} == {
        ("hidden-text.bidi-control", "src/access.py", 2, True)
    }

    project.approve()
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 0
    assert {(f["rule"], f["blocking"], f["approved_by"]) for f in report["findings"]} == {
        ("hidden-text.bidi-control", False, "Alice Example <alice@example.com>")
    }


def test_a_zero_width_space_in_a_human_commit_only_warns(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.repo.write("docs/guide.md", "intro\nzero\u200bwidth\n")
    project.repo.commit("docs")
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 0
    assert {(f["rule"], f["path"], f["line"], f["blocking"], f["severity"]) for f in report["findings"]} == {
        ("hidden-text.invisible-characters", "docs/guide.md", 2, False, "warning")
    }


def test_the_staged_hook_blocks_a_bidi_override_and_lets_a_zero_width_space_through(repo: GitRepo) -> None:
    assert guardtrail(repo.path, "install", "--hook-type", "pre-commit").returncode == 0
    repo.write("src/access.py", TROJAN)
    git(repo.path, "add", "src/access.py")
    before = repo.head()
    blocked = git(repo.path, "commit", "-q", "-m", "access check")
    assert blocked.returncode == 1
    assert "  BLOCK hidden-text  src/access.py:1  bidi control characters (Trojan Source)" in blocked.stderr
    assert repo.head() == before

    git(repo.path, "reset", "-q")
    repo.write("src/access.py", "zero\u200bwidth = 1\n")
    git(repo.path, "add", "src/access.py")
    passed = git(repo.path, "commit", "-q", "-m", "names")
    assert passed.returncode == 0, passed.stderr
    assert "  warn  hidden-text  src/access.py:1  hidden characters in added line: U+200B" in passed.stderr
    assert repo.head() != before
