"""``guardtrail scan``: secrets in the working tree, or in every commit of the history.

The working tree is read file by file (tracked files, or the paths given), within a size limit
and skipping binaries; history is read commit by commit (git's logs and the object database),
scanning only the lines each commit adds, so a secret is reported once, in the commit that
added it.
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, NamedTuple

from guardtrail.classify.secrets import MAX_BINARY_BYTES, SecretScanner
from guardtrail.classify.surfaces import SurfaceScanner
from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import LoggedChange, Repository, is_binary_content
from guardtrail.git.tags import read_tags, tag_refs
from guardtrail.model import Finding, FindingRow

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Working-tree files larger than this are not read (generated data, archives)."""
_BINARY_SNIFF = 8000
"""Like git: a NUL byte in the first 8000 bytes makes a file binary."""
MAX_WORKERS = 2
"""History scans use at most this many worker processes (fewer on fewer cores)."""
PARALLEL_BYTES = 2_000_000
"""Histories whose changed files hold fewer bytes than this are scanned in-process: below it,
starting workers costs more than they save."""
TASK_BYTES = 1 << 20
"""About how many bytes of changed files one worker task reads and scans."""
IN_FLIGHT = 2
"""Tasks waiting or running per worker: enough to keep each busy, few enough to bound memory."""
MERGE_BATCH = 16
"""Merges per worker task."""
_NEW_PATHS = ("A", "R", "C")
"""The raw log's statuses whose path a commit writes for the first time."""
_FILE_MODES = (0o100644, 0o100755)
"""Regular files: a symlink's target is text, a submodule's entry no object of this repository."""


def tracked_paths(repo_root: Path) -> list[str]:
    """Paths in the index of the repository at ``repo_root``, repository-relative, sorted."""
    return Repository(repo_root).tracked_paths()


def _expand(repo_root: Path, paths: Sequence[str]) -> list[str]:
    """Tracked files when ``paths`` is empty; else the given files and tracked files under given folders."""
    tracked = tracked_paths(repo_root)
    if not paths:
        return tracked
    chosen: dict[str, None] = {}
    for given in paths:
        relative = Path(os.path.relpath(Path(given).resolve(), repo_root.resolve())).as_posix()
        if relative == ".." or relative.startswith("../"):
            raise GuardtrailError(f"{given}: outside the repository {repo_root}")
        target = repo_root / relative
        if target.is_dir():
            prefix = "" if relative == "." else f"{relative}/"
            chosen.update(dict.fromkeys(path for path in tracked if path.startswith(prefix)))
        elif target.exists() or target.is_symlink():
            chosen[relative] = None
        else:
            raise GuardtrailError(f"{given}: no such file or folder in the working tree")
    return list(chosen)


def _read_file(path: Path) -> bytes | None:
    """The regular file's bytes, or None when it is missing or no regular file."""
    try:
        if not path.is_file() or path.is_symlink():
            return None
        return path.read_bytes()
    except OSError:
        return None


def _scan_file(scanner: SecretScanner, relative: str, path: Path) -> list[Finding]:
    """Findings in one working-tree file: its path, and its text, the printable runs of a
    binary, or a symlink's target (what git stores as the link's content)."""
    findings = SurfaceScanner(scanner).path("", relative)
    if path.is_symlink():
        try:
            return findings + scanner.scan_text("", relative, os.readlink(path))
        except OSError:
            return findings
    data = _read_file(path)
    if data is None:
        return findings
    if b"\0" in data[:_BINARY_SNIFF]:
        return findings + scanner.scan_binary("", relative, data)
    return findings + scanner.scan_text("", relative, data.decode("utf-8", "replace"))


class WorktreeScan(NamedTuple):
    """What :func:`scan_worktree` found, and what it could not read."""

    findings: list[Finding]
    """Findings have ``commit=""``: they belong to no commit yet."""
    too_large: list[str]
    """Files left unread for their size (over :data:`MAX_FILE_BYTES`), repository-relative."""


def scan_worktree(repo_root: Path, paths: Sequence[str] = (), *, scanner: SecretScanner | None = None) -> WorktreeScan:
    """Secrets in the working tree's tracked files, or in ``paths`` (files or folders)."""
    scanner = scanner or SecretScanner()
    result = WorktreeScan([], [])
    for relative in _expand(repo_root, paths):
        path = repo_root / relative
        if _too_large(path):
            result.too_large.append(relative)
            continue
        result.findings.extend(_scan_file(scanner, relative, path))
    return result


def _too_large(path: Path) -> bool:
    """Whether ``path`` is a regular file over :data:`MAX_FILE_BYTES`, which is not read."""
    try:
        return path.is_file() and not path.is_symlink() and path.stat().st_size > MAX_FILE_BYTES
    except OSError:
        return False


def all_commits(repo: Repository) -> Iterator[str]:
    """Every commit reachable from any ref (or HEAD), oldest first (:meth:`Repository.all_commits`)."""
    return repo.all_commits()


def scan_history(
    repo: Repository,
    *,
    scanner: SecretScanner | None = None,
    workers: int | None = None,
    threshold: int = PARALLEL_BYTES,
    task_bytes: int = TASK_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> list[Finding]:
    """Secrets in the lines every commit of the history adds, each in the commit that added it.

    The files ordinary commits change, and the patches of their edits, come from git
    (``Repository.history_changes``); a new file's lines are read from the object database
    (``Repository.added_text``); merges count only what they introduce themselves
    (``Repository.changes``). Findings come in the order of ``all_commits``.

    When the changed files hold ``threshold`` bytes or more and there is more than one
    worker (by default one per core, at most :data:`MAX_WORKERS`), forked worker processes
    read and scan them, about ``task_bytes`` at a time, and the merges, while this process
    reads the log; the findings are the same, in the same order. Where ``fork`` is
    unavailable the scan stays in this process.

    ``progress`` hears (commits read, ordinary commits in all) as git's log streams in.
    """
    scanner = scanner or SecretScanner()
    commits = list(repo.all_commits())
    merges = [sha for sha in commits if repo.is_merge(sha)]
    merge_set = set(merges)
    ordinary = [sha for sha in commits if sha not in merge_set]
    count = min(MAX_WORKERS, os.cpu_count() or 1) if workers is None else workers
    changes: Iterable[LoggedChange] = repo.history_changes(ordinary)
    if progress is not None:
        changes = _counted(changes, len(ordinary), progress)
    if count > 1 and "fork" in multiprocessing.get_all_start_methods():
        batches = _batches(repo, changes, task_bytes)
        ahead, size = _read_ahead(batches, threshold)
        if size >= threshold:
            scanner.prepare()  # once, before the fork: every worker shares it
            tasks: Iterable[_Task] = itertools.chain(
                ((_scan_merges_task, merges[at : at + MERGE_BATCH]) for at in range(0, len(merges), MERGE_BATCH)),
                ((_scan_changes_task, batch) for batch in itertools.chain(ahead, (batch for batch, _ in batches))),
            )
            surfaces = (_scan_surfaces(repo, scanner, commits) for _ in range(1))  # while the last tasks run
            return _in_order(commits, itertools.chain(_in_workers(repo, scanner, tasks, count), surfaces))
        changes = itertools.chain.from_iterable(ahead)
    results = [_scan_merges(repo, scanner, merges), _scan_changes(repo, scanner, changes)]
    return _in_order(commits, [*results, _scan_surfaces(repo, scanner, commits)])


def _scan_surfaces(repo: Repository, scanner: SecretScanner, commits: Iterable[str]) -> dict[str, list[Finding]]:
    """Findings per commit in its message, author and committer (:class:`SurfaceScanner`)."""
    surfaces = SurfaceScanner(scanner)
    found: dict[str, list[Finding]] = {}
    for sha in commits:
        findings = surfaces.commit(repo.commit(sha))
        if findings:
            found[sha] = findings
    return found


def scan_tags(repo: Repository, scanner: SecretScanner) -> list[Finding]:
    """Findings in the message and tagger of every annotated tag ``refs/tags/*`` names."""
    surfaces = SurfaceScanner(scanner)
    tags = read_tags(repo.git_dir, tag_refs(repo.git_dir))
    return [finding for tag in tags for finding in surfaces.tag(tag.sha, tag.tagger, tag.message)]


def _counted(
    changes: Iterable[LoggedChange], total: int, progress: Callable[[int, int], None]
) -> Iterator[LoggedChange]:
    """``changes`` as they are, telling ``progress`` each time the log reaches another commit."""
    done, last = 0, ""
    for change in changes:
        if change.commit != last:
            done, last = done + 1, change.commit
            progress(done, total)
        yield change
    progress(total, total)


def _in_order(commits: Sequence[str], results: Iterable[dict[str, list[Finding]]]) -> list[Finding]:
    """The findings of ``results`` (per commit, in pieces), commit by commit as in ``commits``."""
    by_commit: dict[str, list[Finding]] = {}
    for result in results:  # a commit's files may span tasks: their findings join in order
        for sha, found in result.items():
            by_commit.setdefault(sha, []).extend(found)
    return [finding for sha in commits for finding in by_commit.get(sha, ())]


_Batch = tuple[list[LoggedChange], int]
"""Changes for one worker task, and about how many bytes of files they hold."""


def _batches(repo: Repository, changes: Iterable[LoggedChange], task_bytes: int) -> Iterator[_Batch]:
    """``changes`` in consecutive batches of about ``task_bytes`` of files each, sized by
    :meth:`Repository.added_size`; the last may be smaller."""
    batch: list[LoggedChange] = []
    size = 0
    for change in changes:
        batch.append(change)
        size += repo.added_size(change) + 1  # a file of nothing still costs a look
        if size >= task_bytes:
            yield batch, size
            batch, size = [], 0
    if batch:
        yield batch, size


def _read_ahead(batches: Iterator[_Batch], threshold: int) -> tuple[list[list[LoggedChange]], int]:
    """The first batches, until they hold ``threshold`` bytes or the log ends, and their size."""
    ahead: list[list[LoggedChange]] = []
    size = 0
    while size < threshold or not ahead:
        batch = next(batches, None)
        if batch is None:
            break
        ahead.append(batch[0])
        size += batch[1]
    return ahead, size


def _scan_changes(
    repo: Repository, scanner: SecretScanner, changes: Iterable[LoggedChange]
) -> dict[str, list[Finding]]:
    """Findings per commit in the lines ``changes`` add."""
    by_commit: dict[str, list[Finding]] = {}
    surfaces = SurfaceScanner(scanner)
    for change in changes:
        if change.status in _NEW_PATHS:
            named = surfaces.path(change.commit, change.path)
            if named:
                by_commit.setdefault(change.commit, []).extend(named)
        added = repo.added_text(change)
        if added is None:
            binary = _binary_findings(repo, scanner, change)
            if binary:
                by_commit.setdefault(change.commit, []).extend(binary)
            continue

        def content(sha: str = added.commit, path: str = added.path) -> str | None:
            data = repo.file_at(sha, path)
            return None if data is None else data.decode("utf-8", "replace")

        text = added.text.decode("utf-8", "replace")
        found = scanner.scan_added(added.commit, added.path, text, added.hunks, content)
        if found:
            by_commit.setdefault(added.commit, []).extend(found)
    return by_commit


def _binary_findings(repo: Repository, scanner: SecretScanner, change: LoggedChange) -> list[Finding]:
    """:meth:`SecretScanner.scan_binary` of a file ``change`` adds or rewrites when it is a
    binary one (what :meth:`Repository.added_text` reads no lines of), within the size cap."""
    if change.new_mode not in _FILE_MODES or _absent(change.new_id) or change.new_id == change.old_id:
        return []
    if repo.added_size(change) > MAX_BINARY_BYTES:
        return []
    data = repo.blob(change.new_id)
    if not is_binary_content(data):
        return []  # an empty file, or text that adds no line
    old = None if change.old_mode not in _FILE_MODES or _absent(change.old_id) else repo.blob(change.old_id)
    return scanner.scan_binary(change.commit, change.path, data, old)


def _absent(object_id: str) -> bool:
    return not object_id.strip("0")


def _scan_merges(repo: Repository, scanner: SecretScanner, merges: Iterable[str]) -> dict[str, list[Finding]]:
    """Findings per merge in the lines each merge introduces itself, and in the paths it
    introduces."""
    surfaces = SurfaceScanner(scanner)
    found: dict[str, list[Finding]] = {}
    for sha in merges:
        changes = repo.changes(sha)
        found[sha] = [finding for change in changes for finding in scanner(change, repo)] + surfaces.paths(changes)
    return found


_Task = tuple[Callable[[Any], dict[str, list[FindingRow]]], Any]


def _in_workers(
    repo: Repository, scanner: SecretScanner, tasks: Iterable[_Task], count: int
) -> Iterator[dict[str, list[Finding]]]:
    """The results of ``tasks`` (a function and its argument) run in ``count`` forked
    processes, in the order of the tasks.

    Tasks are submitted as they are read (the raw log as git writes it), with at most
    :data:`IN_FLIGHT` per worker pending, so memory stays bounded on any history. The workers
    inherit ``repo`` and ``scanner`` through ``fork`` (nothing is pickled or re-imported but
    the tasks and their results). An error in a worker is raised here, as the sequential scan
    would raise it; the pool is shut down and its processes reaped on every way out.
    """
    pool = ProcessPoolExecutor(
        count, mp_context=multiprocessing.get_context("fork"), initializer=_adopt, initargs=(repo, scanner)
    )
    pending: collections.deque[Future[dict[str, list[FindingRow]]]] = collections.deque()
    try:
        for function, argument in tasks:
            pending.append(pool.submit(function, argument))
            if len(pending) >= count * IN_FLIGHT:
                yield _from_rows(pending.popleft().result())
        while pending:
            yield _from_rows(pending.popleft().result())
    except BrokenProcessPool:
        raise GuardtrailError("a process scanning the history stopped unexpectedly: run the scan again") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_worker: tuple[Repository, SecretScanner] | None = None
"""In a worker process only: the repository and scanner inherited from the parent."""


def _adopt(repo: Repository, scanner: SecretScanner) -> None:
    global _worker
    _worker = (repo, scanner)


def _inherited() -> tuple[Repository, SecretScanner]:
    assert _worker is not None, "called outside a worker started by _scan_in_workers"
    return _worker


def _scan_changes_task(changes: Sequence[LoggedChange]) -> dict[str, list[FindingRow]]:
    repo, scanner = _inherited()
    return _as_rows(_scan_changes(repo, scanner, changes))


def _scan_merges_task(merges: Sequence[str]) -> dict[str, list[FindingRow]]:
    repo, scanner = _inherited()
    return _as_rows(_scan_merges(repo, scanner, merges))


def _as_rows(found: dict[str, list[Finding]]) -> dict[str, list[FindingRow]]:
    """A worker's findings as they cross to the parent (:meth:`Finding.as_row`)."""
    return {sha: [finding.as_row() for finding in findings] for sha, findings in found.items()}


def _from_rows(found: dict[str, list[FindingRow]]) -> dict[str, list[Finding]]:
    return {sha: [Finding.from_row(row) for row in rows] for sha, rows in found.items()}
