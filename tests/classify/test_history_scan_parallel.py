"""``scan_history`` in worker processes: the same findings, in the same order, as in one process."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection

import pytest

from guardtrail.classify.secrets.scan import all_commits, scan_history
from guardtrail.classify.secrets.scanner import SecretScanner
from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import Repository
from tests.classify.test_history_scan import GITHUB, GITHUB_2, GITLAB, NPM, STRIPE, history
from tests.gitrepo import GitRepo

__all__ = ["history"]  # the fixture, reused

SECRETS = (GITHUB, GITHUB_2, GITLAB, NPM, STRIPE)
COMMITS = 48
TASK = 256
"""Bytes of changed files per worker task: small, so that this history makes many tasks."""

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="workers are forked; elsewhere the scan stays in-process",
)


@pytest.fixture
def long_history(history: GitRepo) -> GitRepo:
    """The two branches, tag and merge of ``history``, then enough commits on two more branches
    for many worker tasks: a secret in most of them, renames, non-ASCII paths, a second
    merge with its own change."""
    for n in range(COMMITS):
        branch = "main" if n % 3 else "side"
        history.git("checkout", "-q", *(["-b"] if n == 0 else []), branch)
        folder = "données" if n % 2 else "src"
        if n % 7 == 6:  # a file of this branch's previous commit, renamed
            renamed = history.path / folder / f"renamed_{n}.py"
            history.git("mv", f"{'src' if n % 2 else 'données'}/mod_{n - 3}.py", str(renamed))
            history.write(f"{folder}/renamed_{n}.py", renamed.read_text() + f"EXTRA = '{GITHUB_2}'\n")
        history.write(f"{folder}/mod_{n}.py", f"VALUE = {n}\nKEY_{n} = '{SECRETS[n % len(SECRETS)]}'\n" * (n % 3 + 1))
        history.commit(f"commit {n}")
    history.git("checkout", "-q", "main")
    history.git("merge", "-q", "--no-commit", "--no-ff", "side")
    history.write("naïve/merged.env", f"TOKEN={GITLAB}\n")
    history.commit("merge side")
    history.git("tag", "v2")
    return history


def test_two_workers_report_exactly_what_one_process_reports(long_history: GitRepo) -> None:
    repo = Repository(long_history.path)

    sequential = scan_history(repo, scanner=SecretScanner(), workers=1)
    parallel = scan_history(repo, scanner=SecretScanner(), workers=2, threshold=0, task_bytes=TASK)

    assert parallel == sequential  # every field of every finding, in the same order
    assert scan_history(repo, scanner=SecretScanner(), workers=1, task_bytes=TASK) == sequential
    sizes = [repo.added_size(change) for change in repo.history_changes(all_commits(repo))]
    assert sum(sizes) > TASK * 8  # many tasks
    assert len({finding.commit for finding in sequential}) > COMMITS * 2 // 3
    assert any(finding.path == "naïve/merged.env" for finding in sequential)  # the merge's own change
    assert any(finding.path.startswith("données/renamed_") for finding in sequential)
    assert any(finding.allowlisted for finding in sequential)
    assert not multiprocessing.active_children()


def _live_children() -> list[multiprocessing.process.BaseProcess]:
    """Child processes still running. ``active_children()`` alone can list a worker that has exited:
    when the pool's own thread reaps it first, the main thread's poll never learns it is gone;
    its sentinel says whether it runs."""
    left = multiprocessing.active_children()
    ended = multiprocessing.connection.wait([process.sentinel for process in left], timeout=1)
    return [process for process in left if process.sentinel not in ended]


@pytest.mark.parametrize(
    ("revision", "message", "detail"),
    [
        # an ordinary commit's file, on main just before the merge: read in the last task
        (
            f"main^:données/mod_{COMMITS - 1}.py",
            f"cannot read 'données/mod_{COMMITS - 1}.py' in commit ",
            "object {} is missing",
        ),
        # a file only the last merge adds: git's log of that merge, read by a worker, fails
        (
            "main:naïve/merged.env",
            "cannot read what the commits change (git log): object ",
            "object '{}' is not a blob",
        ),
    ],
    ids=["log", "merge"],
)
def test_a_missing_object_is_the_error_the_sequential_scan_raises(
    long_history: GitRepo, revision: str, message: str, detail: str
) -> None:
    blob = long_history.git("rev-parse", revision).strip()
    (long_history.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # commits leave loose objects

    with pytest.raises(GuardtrailError) as sequential:
        scan_history(Repository(long_history.path), scanner=SecretScanner(), workers=1)
    with pytest.raises(GuardtrailError) as parallel:
        scan_history(Repository(long_history.path), scanner=SecretScanner(), workers=2, threshold=0, task_bytes=TASK)

    assert str(parallel.value) == str(sequential.value)
    assert str(parallel.value).startswith(message)
    assert str(parallel.value).endswith(f"{detail.format(blob)}: run `git fsck`")  # the object, what to do
    assert not _live_children()


def test_a_history_below_the_threshold_is_scanned_in_this_process(history: GitRepo) -> None:
    found = scan_history(Repository(history.path), scanner=SecretScanner(), workers=2)

    assert found == scan_history(Repository(history.path), scanner=SecretScanner(), workers=1)
    assert not multiprocessing.active_children()
