"""A range's commits read and classified, commit by commit, in forked workers when the range is
large enough to pay for them.

The check reads its range through the one reader (:meth:`Repository.range_logged`: git's logs);
each change listed is read (its added lines), classified (:meth:`Classifier.classify_now`), and
the paths it writes scanned (:meth:`SurfaceScanner.paths`). That is most of a check's time, and
a commit's share of it needs nothing of the other commits but the symlinks its tree holds, which
this process keeps from the raw entries (:meth:`Repository.symlinks`) and hands on with the
commit. So workers, forked as the history scan forks them (:mod:`workers`), take batches of
whole commits, and the results come back in the order of the range, the same as this process
would make them. A change a batch analyser handles (a workflow) comes back as it is, for
:meth:`Classifier.classify_waiting` to classify with the others once every commit is read.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple, cast

from guardtrail.classify.base import Blobs
from guardtrail.classify.pipeline import Classifier
from guardtrail.classify.surfaces import SurfaceScanner
from guardtrail.classify.symlinks import SymlinkView
from guardtrail.classify.workers import in_workers, inherited, worker_count
from guardtrail.git.repo import LoggedChange, Repository
from guardtrail.model import FileChange, Finding, FindingRow, Skipped

PARALLEL_BYTES = 1_000_000
"""Ranges whose changes hold fewer bytes than this are classified in this process: below it,
starting workers costs more than they save (a worker costs about what classifying 0.2 MB does)."""
TASK_BYTES = 1 << 18
"""About how many bytes of changes one worker task reads and classifies."""


class Classified(NamedTuple):
    """One commit of the range, read and classified."""

    sha: str
    slots: list[list[Finding] | FileChange]
    """Per change, in order: its findings, or the change itself when a batch analyser waits for it."""
    paths: list[Finding]
    """What the paths it writes say (:meth:`SurfaceScanner.paths`)."""
    skipped: list[tuple[str, Skipped]]
    """The files it changes that were not read as text, and why."""


_Commit = tuple[str, Mapping[str, str] | None, list[LoggedChange]]
"""A commit for a worker: its sha, the symlinks of its tree (None when it changes no file), its raw entries."""


def classify_commits(
    repo: Repository,
    classifier: Classifier,
    surfaces: SurfaceScanner,
    shas: Sequence[str],
    *,
    max_bytes: int,
    workers: int | None = None,
    threshold: int = PARALLEL_BYTES,
    task_bytes: int = TASK_BYTES,
) -> Iterator[Classified]:
    """Each of ``shas`` read and classified, in order. When their changes hold ``threshold``
    bytes or more and there is more than one worker (:func:`workers.worker_count`), forked
    workers do it, about ``task_bytes`` at a time; the results are the same."""
    logged = repo.range_logged(shas, max_bytes=max_bytes)
    count = worker_count(workers)
    if count > 1:
        batches = _batches(repo, logged, task_bytes)
        ahead: list[list[_Commit]] = []
        size = 0
        while size < threshold:
            batch = next(batches, None)
            if batch is None:
                break
            ahead.append(batch[0])
            size += batch[1]
        if size >= threshold:
            yield from _in_workers(repo, classifier, max_bytes, itertools.chain(ahead, (b for b, _ in batches)), count)
            return
        logged = ((sha, changes) for batch in ahead for sha, _, changes in batch)
    views: dict[str, SymlinkView] = {}
    for sha, changes in logged:
        yield _classified(repo, repo, classifier, surfaces, sha, changes, max_bytes, views)


def _classified(
    repo: Repository,
    blobs: Blobs,
    classifier: Classifier,
    surfaces: SurfaceScanner,
    sha: str,
    logged: Iterable[LoggedChange],
    max_bytes: int,
    views: dict[str, SymlinkView],
) -> Classified:
    changes = [record for change in logged for record in repo.file_changes(change, max_bytes=max_bytes)]
    return Classified(
        sha,
        [classifier.classify_now(change, blobs, views) for change in changes],
        surfaces.paths(changes),
        [(change.path, change.skipped) for change in changes if change.skipped is not None],
    )


class _SentLinks:
    """What a worker's analysers read: blobs from the repository, symlinks as the parent sent them."""

    def __init__(self, repo: Repository, links: Mapping[str, Mapping[str, str]]) -> None:
        self._repo = repo
        self._links = links

    def blob(self, blob_id: str) -> bytes:
        return self._repo.blob(blob_id)

    def symlinks(self, commit: str) -> Mapping[str, str]:
        return self._links[commit]


def _batches(
    repo: Repository, logged: Iterable[tuple[str, list[LoggedChange]]], task_bytes: int
) -> Iterator[tuple[list[_Commit], int]]:
    """Whole commits in consecutive batches of about ``task_bytes`` of changes each
    (:meth:`Repository.added_size`), with the symlinks of each commit that changes a file."""
    batch: list[_Commit] = []
    size = 0
    for sha, changes in logged:
        batch.append((sha, repo.symlinks(sha) if changes else None, changes))
        size += sum(repo.added_size(change) + 1 for change in changes) + 1
        if size >= task_bytes:
            yield batch, size
            batch, size = [], 0
    if batch:
        yield batch, size


_Rows = tuple[str, list[list[FindingRow] | FileChange], list[FindingRow], list[tuple[str, Skipped]]]
"""A :class:`Classified` as it crosses from a worker: findings as rows (:meth:`Finding.as_row`)."""


def _in_workers(
    repo: Repository, classifier: Classifier, max_bytes: int, batches: Iterable[list[_Commit]], count: int
) -> Iterator[Classified]:
    classifier.prepare()  # once, before the fork: every worker shares it
    tasks = ((_classify_task, batch) for batch in batches)
    results = in_workers(tasks, count, (repo, classifier, max_bytes), "checking the commits")
    try:
        for rows in results:
            for sha, slots, paths, skipped in rows:
                yield Classified(sha, [_from_slot(slot) for slot in slots], _from_rows(paths), skipped)
    finally:
        results.close()  # stops and reaps the workers now, however this ends


def _classify_task(batch: list[_Commit]) -> list[_Rows]:
    """In a worker: :func:`_classified` of each commit of ``batch``."""
    repo, classifier, max_bytes = cast(tuple[Repository, Classifier, int], inherited())
    blobs = _SentLinks(repo, {sha: links for sha, links, _ in batch if links is not None})
    surfaces = SurfaceScanner(classifier.scanner)
    views: dict[str, SymlinkView] = {}
    found = (_classified(repo, blobs, classifier, surfaces, sha, logged, max_bytes, views) for sha, _, logged in batch)
    return [(c.sha, [_as_slot(slot) for slot in c.slots], _as_rows(c.paths), c.skipped) for c in found]


def _as_slot(slot: list[Finding] | FileChange) -> list[FindingRow] | FileChange:
    return slot if isinstance(slot, FileChange) else _as_rows(slot)


def _from_slot(slot: list[FindingRow] | FileChange) -> list[Finding] | FileChange:
    return slot if isinstance(slot, FileChange) else _from_rows(slot)


def _as_rows(findings: Sequence[Finding]) -> list[FindingRow]:
    return [finding.as_row() for finding in findings]


def _from_rows(rows: Sequence[FindingRow]) -> list[Finding]:
    return [Finding.from_row(row) for row in rows]
