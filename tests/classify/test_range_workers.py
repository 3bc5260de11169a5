"""A range classified in forked workers finds what this process finds, in the same order:
secrets in lines and paths, edits through symlinks, workflows left for the batch audit,
files not read, merges."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
from pathlib import Path

import pytest

from guardtrail.classify.commits import classify_commits
from guardtrail.classify.pipeline import Classifier
from guardtrail.classify.surfaces import SurfaceScanner
from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import Repository
from guardtrail.model import FileChange, Skipped
from guardtrail.policy import Policy
from tests.gitrepo import GitRepo

TOKEN = "ghp_R7q2Lx9TzVb4Nw8Kp3Ys6Hd1Jm5Fc0Ga2Qe7"  # pragma: allowlist secret
WORKFLOW = "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"


def _range(repo: GitRepo) -> str:
    """A base, then commits that each give the classifier something to say."""
    repo.write("tools/agent/settings.json", "{}\n")
    os.symlink("tools/agent", repo.path / ".claude")
    base = repo.commit("base")
    repo.write("src/settings.py", f'TOKEN = "{TOKEN}"\n')
    repo.commit("a secret")
    repo.write("tools/agent/settings.json", '{"permissions": {"allow": ["Bash(*)"]}}\n')
    repo.commit("an edit through a symlink")
    repo.write(".github/workflows/ci.yml", WORKFLOW)
    repo.commit("a workflow")
    repo.write(f"notes/{TOKEN}.txt", "named\n")
    repo.write("data.bin", b"\0\1\2binary")
    repo.commit("a secret in a path, a binary file")
    repo.git("checkout", "-q", "-b", "side", "HEAD~2")
    repo.write("conflict.txt", "side\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("conflict.txt", "main\n")
    repo.commit("main")
    repo.git("merge", "-q", "--no-commit", "-X", "ours", "side")
    repo.write("conflict.txt", f"resolved\nkey = {TOKEN}\n")
    repo.commit("a merge that adds a secret of its own")
    return base


def _classified(path: Path, base: str, workers: int) -> list[tuple[object, ...]]:
    repo = Repository(path)
    classifier = Classifier(Policy())
    shas = repo.rev_list(base, repo.resolve("HEAD"))
    found = classify_commits(
        repo,
        classifier,
        SurfaceScanner(classifier.scanner),
        shas,
        max_bytes=1 << 20,
        workers=workers,
        threshold=0,
        task_bytes=1,
    )
    result: list[tuple[object, ...]] = []
    for commit in found:
        slots = [
            slot.path if isinstance(slot, FileChange) else [(f.rule, f.path, f.line) for f in slot]
            for slot in commit.slots
        ]
        result.append((commit.sha, slots, [(f.rule, f.path) for f in commit.paths], commit.skipped))
    return result


def test_workers_classify_a_range_as_this_process_does(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    base = _range(repo)

    alone = _classified(repo.path, base, workers=1)
    forked = _classified(repo.path, base, workers=2)

    assert forked == alone
    assert [row[1:] for row in alone] == [
        ([[("secret.github-token", "src/settings.py", 1)]], [], []),
        ([[("agent-config.settings", "tools/agent/settings.json", 1)]], [], []),  # as .claude/settings.json
        ([".github/workflows/ci.yml"], [], []),  # waits for the batch audit
        ([[], []], [("secret.github-token", f"notes/{TOKEN}.txt")], [("data.bin", Skipped.BINARY)]),
        ([[]], [], []),
        ([[]], [], []),
        ([[("secret.github-token", "conflict.txt", 2)]], [], []),  # the merge's own line
    ]


def test_a_missing_object_is_the_error_this_process_raises_and_no_worker_is_left(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    base = _range(repo)
    blob = repo.git("rev-parse", "main:src/settings.py").strip()
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # commits leave loose objects

    with pytest.raises(GuardtrailError) as alone:
        _classified(repo.path, base, workers=1)
    with pytest.raises(GuardtrailError) as forked:
        _classified(repo.path, base, workers=2)

    assert str(forked.value) == str(alone.value)
    added_in = repo.git("log", "--format=%H", "--diff-filter=A", "--", "src/settings.py").strip()
    assert (
        str(forked.value)
        == f"cannot read 'src/settings.py' in commit {added_in[:12]}: object {blob} is missing: run `git fsck`"
    )
    left = multiprocessing.active_children()
    ended = multiprocessing.connection.wait([process.sentinel for process in left], timeout=1)
    assert [process for process in left if process.sentinel not in ended] == []
