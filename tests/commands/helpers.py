"""What the gate says about one assistant commit of a real repository."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pytest

from tests.commands.test_check import check
from tests.gitrepo import CLAUDE, GitRepo, Project


def link(repo: GitRepo, path: str, target: str) -> None:
    """A real symlink at ``path`` holding ``target``, folders made as needed."""
    where = repo.path / path
    where.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, where)


def assistant_commit(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    files: Mapping[str, str | bytes] = {},
    links: Mapping[str, str] = {},
) -> tuple[int, dict[str, Any]]:
    """Write ``files`` and ``links``, commit them as an assistant, and check ``main..HEAD``."""
    for path, content in files.items():
        project.repo.write(path, content)
    for path, target in links.items():
        link(project.repo, path, target)
    project.repo.commit("change", author=CLAUDE)
    return check(capsys, project.repo.path, "--base", "main")


def rules_paths_blocking(report: dict[str, Any]) -> set[tuple[str, str, bool]]:
    """(rule, path, blocking) of every finding."""
    return {(f["rule"], f["path"], f["blocking"]) for f in report["findings"]}
