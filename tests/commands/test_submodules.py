"""Submodules: adding, bumping, re-pointing or removing one is a pinned dependency's change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands.test_check import check
from tests.gitrepo import CLAUDE, GitRepo, Project
from tests.hooks.helpers import git, guardtrail, hook_env

ALLOW_FILE = ("-c", "protocol.file.allow=always")


@pytest.fixture
def library(tmp_path: Path) -> GitRepo:
    lib = GitRepo.create(tmp_path / "lib")
    lib.write("lib.py", "VERSION = 1\n")
    lib.commit("lib v1")
    return lib


@pytest.fixture
def vendored(project: Project, library: GitRepo) -> str:
    """The library added as submodule ``vendor/lib`` by a human commit, whose sha this is."""
    project.repo.git(*ALLOW_FILE, "submodule", "add", "-q", str(library.path), "vendor/lib")
    return project.repo.commit("vendor lib")


def _found(report: dict[str, object]) -> set[tuple[str, str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {(f["rule"], f["path"], f["message"]) for f in findings}


def test_adding_bumping_and_removing_a_submodule_say_which_commit_it_was_and_is(
    project: Project, library: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    first = library.head()
    repo.git(*ALLOW_FILE, "submodule", "add", "-q", str(library.path), "vendor/lib")
    repo.commit("vendor lib", author=CLAUDE)
    code, report = check(capsys, repo.path, "--base", "main")
    assert code == 1
    assert _found(report) == {
        ("dependency.submodule", "vendor/lib", f"adds submodule vendor/lib at commit {first[:12]}"),
        (
            "dependency.other-ecosystems",
            ".gitmodules",
            "adds .gitmodules: Go, Rust, Ruby, PHP, Java, .NET, Swift, Dart, Elixir and Haskell dependency files",
        ),
        ("dependency.submodule-url", ".gitmodules", f'submodule "vendor/lib" is fetched from {library.path}'),
    }

    project.approve()
    library.write("lib.py", "VERSION = 2\n")
    second = library.commit("lib v2")
    git(repo.path / "vendor/lib", "pull", "-q", "origin", "main")
    repo.commit("bump lib", author=CLAUDE)
    bumped = repo.head()
    code, report = check(capsys, repo.path, "--base", bumped + "~1")
    assert code == 1
    assert _found(report) == {
        ("dependency.submodule", "vendor/lib", f"bumps submodule vendor/lib: commit {first[:12]} → {second[:12]}")
    }

    repo.git("rm", "-q", "vendor/lib")
    repo.commit("drop lib", author=CLAUDE)
    code, report = check(capsys, repo.path, "--base", bumped)
    assert {(rule, path) for rule, path, _ in _found(report)} == {
        ("dependency.submodule", "vendor/lib"),
        ("dependency.other-ecosystems", ".gitmodules"),
    }
    assert f"removes submodule vendor/lib (was at commit {second[:12]})" in {m for _, _, m in _found(report)}


def test_a_changed_submodule_url_is_an_error_level_dependency_source(
    project: Project, library: GitRepo, vendored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    text = (repo.path / ".gitmodules").read_text(encoding="utf-8")
    repo.write(".gitmodules", text.replace(str(library.path), "https://git.example.invalid/lib.git"))
    repo.commit("mirror", author=CLAUDE)

    code, report = check(capsys, repo.path, "--base", vendored)

    assert code == 1
    (moved,) = [f for f in report["findings"] if f["rule"] == "dependency.submodule-url"]
    assert (moved["line"], moved["severity"]) == (3, "error")
    assert moved["message"] == (
        f'submodule "vendor/lib" is now fetched from https://git.example.invalid/lib.git (was {library.path})'
    )


def test_the_staged_hook_blocks_an_assistant_adding_a_submodule(repo: GitRepo, library: GitRepo) -> None:
    assert guardtrail(repo.path, "install", "--hook-type", "pre-commit").returncode == 0
    assert git(repo.path, *ALLOW_FILE, "submodule", "add", "-q", str(library.path), "vendor/lib").returncode == 0

    result = git(repo.path, "commit", "-q", "-m", "vendor", env=hook_env(CLAUDECODE="1"))

    assert result.returncode == 1
    assert f"  BLOCK dependency   vendor/lib  adds submodule vendor/lib at commit {library.head()[:12]}" in (
        result.stderr
    )


def test_moving_a_submodule_is_a_dependency_change_named_as_a_move(
    project: Project, library: GitRepo, vendored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    (repo.path / "third").mkdir()
    repo.git("mv", "vendor/lib", "third/lib")
    repo.commit("move lib", author=CLAUDE)

    code, report = check(capsys, repo.path, "--base", vendored)

    assert code == 1  # git's rename detection pairs the two gitlinks: one record, both paths
    assert {(rule, path, message) for rule, path, message in _found(report) if rule == "dependency.submodule"} == {
        ("dependency.submodule", "third/lib", "moves submodule vendor/lib → third/lib"),
    }
