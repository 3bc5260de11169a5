"""A policy on the base branch built to crash the gate: it must be a named error, exit 2."""

from __future__ import annotations

import pytest

from guardtrail.cli import main
from tests.gitrepo import CLAUDE, GitRepo


@pytest.mark.parametrize(
    "nesting", ["[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000], ids=["lists", "mappings"]
)
def test_a_policy_nested_thousands_deep_is_refused_by_name_not_a_recursion_crash(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], nesting: str
) -> None:
    repo.write(".guardtrail.yml", f"mode: assistant\nignore: {nesting}\n")
    repo.commit("policy")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("README.md", "changed\n")
    repo.commit("edit", author=CLAUDE)
    code = main(["check", "--repo", str(repo.path), "--base", "main"])
    err = capsys.readouterr().err
    assert code == 2
    assert "internal error" not in err
    assert ".guardtrail.yml" in err and ":2: nested deeper than 20 levels" in err
