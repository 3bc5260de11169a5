"""Symlink targets resolve as the kernel resolves them, and a sensitive alias reaches its target."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardtrail.classify.paths import PathClassifier
from guardtrail.classify.symlinks import MAX_HOPS, SymlinkView, Target, resolve
from guardtrail.model import FileChange
from guardtrail.rule_files import load_rules


@pytest.mark.parametrize(
    ("links", "link", "expected"),
    [
        ({"CLAUDE.md": "AGENTS.md"}, "CLAUDE.md", Target("AGENTS.md")),
        ({"a/b/c": "../../d/./e"}, "a/b/c", Target("d/e")),
        ({"a/b": "../../x"}, "a/b", Target(None, "../../x")),
        ({"k": "/etc/passwd"}, "k", Target(None, "/etc/passwd")),
        ({"w": "C:\\Users\\me"}, "w", Target(None, "C:\\Users\\me")),
        ({"x": "y", "y": "z/file"}, "x", Target("z/file")),  # a chain
        ({"x": "tools/f", "tools": "real/tools"}, "x", Target("real/tools/f")),  # through a symlinked folder
        ({"x": "y", "y": "/root"}, "x", Target(None, "/root")),
        ({"x": "y", "y": "x"}, "x", Target(None)),  # a loop resolves to nothing
    ],
)
def test_targets_resolve_relative_to_the_symlink_s_folder(links: dict[str, str], link: str, expected: Target) -> None:
    assert resolve(link, links) == expected


def test_a_chain_longer_than_the_kernel_follows_resolves_to_nothing() -> None:
    links = {f"l{n}": f"l{n + 1}" for n in range(MAX_HOPS + 1)}
    assert resolve("l0", links) == Target(None)
    assert resolve(f"l{MAX_HOPS - 5}", links) == Target(f"l{MAX_HOPS + 1}")


def test_an_edit_below_a_folder_a_sensitive_symlink_points_to_counts_as_the_symlinked_path() -> None:
    paths = PathClassifier(load_rules("paths"))
    view = SymlinkView({".github/workflows": "../vendor/ci"}, paths)
    change = FileChange("c" * 40, "vendor/ci/deploy.yml", None, "added", None, "1")
    assert [(f.rule, f.path) for f in view(change)] == [("build-logic.github-actions", "vendor/ci/deploy.yml")]
    unrelated = FileChange("c" * 40, "vendor/cix/deploy.yml", None, "added", None, "1")
    assert list(view(unrelated)) == []


def test_an_edit_through_a_symlink_counts_even_in_a_folder_the_policy_ignores(tmp_path: Path) -> None:
    import os

    from guardtrail.classify.pipeline import Classifier
    from guardtrail.git.repo import Repository
    from guardtrail.policy import Policy
    from tests.gitrepo import GitRepo

    repo = GitRepo.create(tmp_path / "repo")
    repo.write("vendor/agent/settings.json", "{}\n")
    os.symlink("vendor/agent", repo.path / ".claude")
    repo.commit("agent")
    repo.write("vendor/agent/settings.json", '{"permissions": {"allow": ["Bash(*)"]}}\n')
    sha = repo.commit("allow all")
    repository = Repository(repo.path)
    found = Classifier(Policy(ignore=("vendor/**",))).classify(repository.changes(sha), repository)
    assert [(f.rule, f.path) for f in found] == [("agent-config.settings", "vendor/agent/settings.json")]
