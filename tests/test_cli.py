"""What a user sees at the command line: exit codes, one-line errors, help."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from guardtrail.cli import main
from tests.gitrepo import CLAUDE, GitRepo, make_project

README = Path(__file__).resolve().parents[1] / "README.md"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guardtrail", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["check", "--base", "no-such-rev"], "guardtrail: error: unknown revision 'no-such-rev'"),
        (["check", "--base", "main", "--head", "v9.9"], "guardtrail: error: unknown revision 'v9.9'"),
        (["check", "--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(repo: GitRepo, args: list[str], error: str) -> None:
    result = run(*args, cwd=repo.path)
    assert result.returncode == 2
    assert error in result.stderr
    assert "Traceback" not in result.stderr


def test_not_a_repository(tmp_path: Path) -> None:
    result = run("check", "--repo", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"guardtrail: error: {tmp_path}: not a git repository (run inside a repository or pass --repo DIR)"
    ]


def test_malformed_policy_at_base_is_exit_2_naming_the_line(repo: GitRepo) -> None:
    repo.write(".guardtrail.yml", "mode: assistant\napprover: []\n")
    repo.commit("broken policy")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("x.txt", "x\n")
    repo.commit("x")
    result = run("check", "--base", "main", cwd=repo.path)
    assert result.returncode == 2
    assert result.stderr.startswith("guardtrail: error: .guardtrail.yml at ")
    assert ":2: unknown key 'approver' in the policy" in result.stderr


def test_repository_without_commits(tmp_path: Path) -> None:
    GitRepo.create(tmp_path / "empty", initial=False)
    result = run("check", cwd=tmp_path / "empty")
    assert result.returncode == 2
    assert "no commits yet" in result.stderr


def test_no_default_branch_asks_for_base(repo: GitRepo) -> None:
    repo.git("branch", "-m", "trunk")
    result = run("check", cwd=repo.path)
    assert result.returncode == 2
    assert "pass --base REV" in result.stderr


def test_check_does_not_touch_the_working_tree(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.repo.write("Makefile", "all:\n")
    project.repo.commit("build", author=CLAUDE)
    project.repo.write("dirty.txt", "uncommitted\n")
    before = project.repo.git("status", "--porcelain=v1", "-z") + project.repo.head()
    assert run("check", "--base", "main", cwd=project.repo.path).returncode == 1
    assert project.repo.git("status", "--porcelain=v1", "-z") + project.repo.head() == before


def test_output_file_and_unwritable_output(tmp_path: Path, repo: GitRepo) -> None:
    target = tmp_path / "report.json"
    assert main(["check", "--repo", str(repo.path), "--base", "HEAD", "--format", "json", "--output", str(target)]) == 0
    assert '"verdict": "pass"' in target.read_text()
    result = run("check", "--base", "HEAD", "--output", str(tmp_path / "missing" / "r.txt"), cwd=repo.path)
    assert result.returncode == 2
    assert "cannot write" in result.stderr


def test_demo_blocks_then_passes() -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    assert "guardtrail: BLOCK" in result.stdout
    assert "guardtrail: PASS" in result.stdout
    assert result.stdout.rstrip().endswith("Demo complete: blocked without approval, passed with a signed one.")


def test_readme_documents_every_command() -> None:
    help_text = run("--help").stdout
    commands = re.findall(r"^  ([a-z][a-z-]+)\s", help_text.split("Commands:")[1], re.M)
    readme = README.read_text(encoding="utf-8")
    assert commands
    for command in commands:
        assert f"guardtrail {command}" in readme, command


def _drop_object(repo: GitRepo, revision: str) -> str:
    """Delete the loose object ``revision`` names (commits leave loose objects), as a broken
    clone or a disk error would; its sha."""
    sha = repo.git("rev-parse", revision).strip()
    (repo.path / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    return sha


@pytest.mark.parametrize(
    ("missing", "args", "error"),
    [
        ("main:.guardtrail.yml", ["check", "--base", "main"], "cannot read .guardtrail.yml at "),
        ("feature:.guardtrail.yml", ["scan", "--history"], "cannot read .guardtrail.yml at "),
        ("feature~1", ["check", "--base", "main"], "cannot read the commits of "),
        ("feature~1", ["scan", "--history"], "cannot read the history: object not found"),
        ("feature:x.txt", ["check", "--base", "main"], "cannot read what the commits change (git log): "),
    ],
    ids=["policy-at-base", "policy-at-head", "commit-in-range", "commit-in-history", "changed-file"],
)
def test_a_missing_object_is_one_line_naming_it_and_exit_2(
    repo: GitRepo, missing: str, args: list[str], error: str
) -> None:
    repo.write(".guardtrail.yml", "mode: assistant\n")
    repo.commit("policy")
    repo.git("checkout", "-q", "-b", "feature")
    for n in range(2):
        repo.write("x.txt", f"x{n}\n")
        repo.commit(f"x{n}")
    sha = _drop_object(repo, missing)

    result = run(*args, cwd=repo.path)

    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"guardtrail: error: {error}")
    assert sha[:12] in result.stderr and "git fsck" in result.stderr
