"""``guardtrail scan``: secrets in the working tree, or in every commit of the history.

The working tree is read file by file (tracked files, or the paths given), within a size limit
and skipping binaries; history is read commit by commit (git's logs and the object database),
scanning only the lines each commit adds, so a secret is reported once, in the commit that
added it.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple, cast

from guardtrail.classify.secrets.scanner import MAX_BINARY_BYTES, SecretScanner
from guardtrail.classify.surfaces import SurfaceScanner
from guardtrail.classify.workers import Task, in_workers, inherited, worker_count
from guardtrail.errors import GuardtrailError
from guardtrail.git.changes import DEFAULT_MAX_FILE_BYTES, as_text, is_lfs_pointer, no_object
from guardtrail.git.repo import LoggedChange, Repository
from guardtrail.git.tags import read_tags, tag_refs
from guardtrail.model import Category, Finding, FindingRow, Severity, Skipped

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Working-tree files larger than this are not read (generated data, archives)."""
PARALLEL_BYTES = 2_000_000
"""Histories whose changed files hold fewer bytes than this are scanned in-process: below it,
starting workers costs more than they save."""
TASK_BYTES = 1 << 20
"""About how many bytes of changed files one worker task reads and scans."""
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


def _read_text(path: Path) -> tuple[str | None, Skipped | None]:
    """The file's text (UTF-16 and UTF-32 decoded), or None when it is missing or not a regular
    file; and why it was not read as text (binary), or that it is a Git LFS pointer. Its size is
    the caller's to check first (:func:`_too_large`)."""
    try:
        if not path.is_file() or path.is_symlink():
            return None, None
        data = path.read_bytes()
    except OSError:
        return None, None
    text = as_text(data)
    if text is None:
        return None, Skipped.BINARY
    return text.decode("utf-8", "replace"), Skipped.LFS_POINTER if is_lfs_pointer(data) else None


def _unread_findings(scanner: SecretScanner, relative: str, path: Path, reason: Skipped | None) -> list[Finding]:
    """What a file the text scan does not read still says: a symlink's target (what git stores
    as the link's content), and the token formats in a binary file's printable runs."""
    try:
        if path.is_symlink():
            return scanner.scan_text("", relative, os.readlink(path))
        if reason is Skipped.BINARY:
            return scanner.scan_binary("", relative, path.read_bytes())
    except OSError:
        pass
    return []


class WorktreeScan(NamedTuple):
    """What :func:`scan_worktree` found, and what it could not read."""

    findings: list[Finding]
    """Findings have ``commit=""``: they belong to no commit yet."""
    too_large: list[str]
    """Files left unread for their size (over the scan's limit), repository-relative."""
    skipped: tuple[tuple[str, Skipped], ...] = ()
    """Files not read as text (binary), or Git LFS pointers, and why."""


def scan_worktree(
    repo_root: Path,
    paths: Sequence[str] = (),
    *,
    scanner: SecretScanner | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    workers: int | None = None,
    threshold: int = PARALLEL_BYTES,
) -> WorktreeScan:
    """Secrets in the working tree's tracked files, or in ``paths`` (files or folders), those
    over ``max_bytes`` left unread.

    When the files hold ``threshold`` bytes or more and there is more than one worker (as for
    :func:`scan_history`), forked workers read and scan them, about :data:`TASK_BYTES` at a
    time; the findings are the same, in the same order."""
    scanner = scanner or SecretScanner()
    relatives = _expand(repo_root, paths)
    count = worker_count(workers)
    tasks = _file_tasks(repo_root, relatives, threshold) if count > 1 else None
    if tasks is None:
        return _worktree_scan(_scan_files(repo_root, scanner, relatives, max_bytes))
    scanner.prepare()  # once, before the fork: every worker shares it
    work = ((_scan_files_task, (repo_root, task)) for task in tasks)
    scanned = _in_workers(Repository(repo_root), scanner, max_bytes, work, count, "scanning the working tree")
    try:
        return _worktree_scan([finding for found in scanned for finding in found.get("", ())])
    finally:
        scanned.close()  # stops and reaps the workers now, however this ends


def _file_tasks(repo_root: Path, relatives: Sequence[str], threshold: int) -> list[list[str]] | None:
    """``relatives`` in consecutive tasks of about :data:`TASK_BYTES` of files each, or None
    when they hold fewer than ``threshold`` bytes (forking would cost more than it saves)."""
    tasks: list[list[str]] = [[]]
    size = total = 0
    for relative in relatives:
        try:
            length = os.lstat(repo_root / relative).st_size
        except OSError:
            length = 0
        tasks[-1].append(relative)
        size, total = size + length + 1, total + length
        if size >= TASK_BYTES:
            tasks.append([])
            size = 0
    return None if total < threshold else [task for task in tasks if task]


def _scan_files(repo_root: Path, scanner: SecretScanner, relatives: Iterable[str], max_bytes: int) -> list[Finding]:
    """Findings in the files ``relatives`` of the working tree, and a :func:`skipped_finding`
    note for each file not read as text (:data:`Skipped.TOO_LARGE` for one over ``max_bytes``)."""
    findings: list[Finding] = []
    surfaces = SurfaceScanner(scanner)
    for relative in relatives:
        path = repo_root / relative
        findings.extend(surfaces.path("", relative))
        if _too_large(path, max_bytes):
            findings.append(skipped_finding("", relative, Skipped.TOO_LARGE))
            continue
        text, reason = _read_text(path)
        if reason is not None:
            findings.append(skipped_finding("", relative, reason))
        if text is not None:
            findings.extend(scanner.scan_text("", relative, text))
        else:
            findings.extend(_unread_findings(scanner, relative, path, reason))
    return findings


def _worktree_scan(found: Sequence[Finding]) -> WorktreeScan:
    """What :func:`_scan_files` found, its notes of files not read taken out."""
    unread: list[tuple[str, Skipped]] = []
    findings = _without_skipped(found, unread)
    too_large = [path for path, reason in unread if reason is Skipped.TOO_LARGE]
    skipped = tuple((path, reason) for path, reason in unread if reason is not Skipped.TOO_LARGE)
    return WorktreeScan(findings, too_large, skipped)


def _too_large(path: Path, max_bytes: int) -> bool:
    """Whether ``path`` is a regular file over ``max_bytes``, which is not read."""
    try:
        return path.is_file() and not path.is_symlink() and path.stat().st_size > max_bytes
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
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    skipped: list[tuple[str, Skipped]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Finding]:
    """Secrets in the lines every commit of the history adds, each in the commit that added it.

    The files ordinary commits change, and the patches of their edits, come from git
    (``Repository.history_changes``); a new file's lines are read from the object database
    (``Repository.added_text``); merges count only what they introduce themselves
    (``Repository.changes``). Findings come in the order of ``all_commits``.

    When the changed files hold ``threshold`` bytes or more and there is more than one
    worker (by default one per core, at most :data:`workers.MAX_WORKERS`), forked worker processes
    read and scan them, about ``task_bytes`` at a time, and the merges, while this process
    reads the log; the findings are the same, in the same order. Where ``fork`` is
    unavailable the scan stays in this process. The files not read as text, and why (over
    ``max_bytes``, binary, a Git LFS pointer), are added to ``skipped`` when it is given.

    ``progress`` hears (commits read, ordinary commits in all) as git's log streams in.
    """
    scanner = scanner or SecretScanner()
    commits = list(repo.all_commits())
    merges = [sha for sha in commits if repo.is_merge(sha)]
    merge_set = set(merges)
    ordinary = [sha for sha in commits if sha not in merge_set]
    count = worker_count(workers)
    changes: Iterable[LoggedChange] = repo.history_changes(ordinary, max_bytes=max_bytes)
    if progress is not None:
        changes = _counted(changes, len(ordinary), progress)
    if count > 1:
        batches = _batches(repo, changes, task_bytes)
        ahead, size = _read_ahead(batches, threshold)
        if size >= threshold:
            scanner.prepare()  # once, before the fork: every worker shares it
            tasks: Iterable[_Task] = itertools.chain(
                ((_scan_merges_task, merges[at : at + MERGE_BATCH]) for at in range(0, len(merges), MERGE_BATCH)),
                ((_scan_changes_task, batch) for batch in itertools.chain(ahead, (batch for batch, _ in batches))),
            )
            surfaces = (_scan_surfaces(repo, scanner, commits) for _ in range(1))  # while the last tasks run
            scanned = _in_workers(repo, scanner, max_bytes, tasks, count)
            try:
                return _without_skipped(_in_order(commits, itertools.chain(scanned, surfaces)), skipped)
            finally:
                scanned.close()  # stops and reaps the workers now, however this ends, not when collected
        changes = itertools.chain.from_iterable(ahead)
    scans = [_scan_merges(repo, scanner, merges, max_bytes), _scan_changes(repo, scanner, changes, max_bytes)]
    return _without_skipped(_in_order(commits, [*scans, _scan_surfaces(repo, scanner, commits)]), skipped)


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
    repo: Repository, scanner: SecretScanner, changes: Iterable[LoggedChange], max_bytes: int
) -> dict[str, list[Finding]]:
    """Findings per commit in the lines ``changes`` add, and a :data:`SKIPPED_RULE` note for
    each file not read as text."""
    by_commit: dict[str, list[Finding]] = {}
    surfaces = SurfaceScanner(scanner)
    for change in changes:
        if change.status in _NEW_PATHS:
            named = surfaces.path(change.commit, change.path)
            if named:
                by_commit.setdefault(change.commit, []).extend(named)
        added, skipped = repo.read_added(change, max_bytes=max_bytes)
        if skipped is not None:
            by_commit.setdefault(change.commit, []).append(skipped_finding(change.commit, change.path, skipped))
        if added is None:
            binary = _binary_findings(repo, scanner, change) if skipped is Skipped.BINARY else []
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
    """:meth:`SecretScanner.scan_binary` of a binary file ``change`` adds or rewrites (one
    :meth:`Repository.read_added` reads no lines of), within the size cap."""
    if change.new_mode not in _FILE_MODES or no_object(change.new_id) or change.new_id == change.old_id:
        return []
    if repo.added_size(change) > MAX_BINARY_BYTES:
        return []
    data = repo.blob(change.new_id)
    old = None if change.old_mode not in _FILE_MODES or no_object(change.old_id) else repo.blob(change.old_id)
    return scanner.scan_binary(change.commit, change.path, data, old)


def _scan_merges(
    repo: Repository, scanner: SecretScanner, merges: Sequence[str], max_bytes: int
) -> dict[str, list[Finding]]:
    """Findings per merge in the lines each merge introduces itself (``Repository.merge_changes``)."""
    return _scan_changes(repo, scanner, repo.merge_changes(merges, max_bytes=max_bytes), max_bytes)


SKIPPED_RULE = "scan.skipped-file"
"""The rule of a note that a file was not read as text (``model.Skipped`` says why)."""


def skipped_finding(commit: str, path: str, skipped: Skipped) -> Finding:
    """A note, never blocking, that ``path`` in ``commit`` was not scanned, and why."""
    return Finding(
        commit=commit,
        path=path,
        line=None,
        category=Category.SECRET,
        rule=SKIPPED_RULE,
        message=skipped.value,
        severity=Severity.NOTE,
    )


def _without_skipped(findings: Sequence[Finding], skipped: list[tuple[str, Skipped]] | None) -> list[Finding]:
    """``findings`` without the :func:`skipped_finding` notes, whose (path, reason) go to ``skipped``."""
    if skipped is not None:
        skipped += ((f.path, Skipped(f.message)) for f in findings if f.rule == SKIPPED_RULE)
    return [finding for finding in findings if finding.rule != SKIPPED_RULE]


_Task = Task[dict[str, list[FindingRow]]]


def _in_workers(
    repo: Repository,
    scanner: SecretScanner,
    max_bytes: int,
    tasks: Iterable[_Task],
    count: int,
    what: str = "scanning the history",
) -> Generator[dict[str, list[Finding]], None, None]:
    """The results of ``tasks`` run in ``count`` forked processes (:func:`workers.in_workers`),
    in the order of the tasks; the workers inherit ``repo``, ``scanner`` and ``max_bytes``.
    ``what`` names the work in the error shown when a worker dies."""
    scanned = in_workers(tasks, count, (repo, scanner, max_bytes), what)
    try:
        for found in scanned:
            yield _from_rows(found)
    finally:
        scanned.close()  # stops and reaps the workers now, however this ends


def _inherited() -> tuple[Repository, SecretScanner, int]:
    return cast(tuple[Repository, SecretScanner, int], inherited())  # what _in_workers passed


def _scan_changes_task(changes: Sequence[LoggedChange]) -> dict[str, list[FindingRow]]:
    repo, scanner, max_bytes = _inherited()
    return _as_rows(_scan_changes(repo, scanner, changes, max_bytes))


def _scan_files_task(files: tuple[Path, Sequence[str]]) -> dict[str, list[FindingRow]]:
    _, scanner, max_bytes = _inherited()
    repo_root, relatives = files
    return _as_rows({"": _scan_files(repo_root, scanner, relatives, max_bytes)})


def _scan_merges_task(merges: Sequence[str]) -> dict[str, list[FindingRow]]:
    repo, scanner, max_bytes = _inherited()
    return _as_rows(_scan_merges(repo, scanner, merges, max_bytes))


def _as_rows(found: dict[str, list[Finding]]) -> dict[str, list[FindingRow]]:
    """A worker's findings as they cross to the parent (:meth:`Finding.as_row`)."""
    return {sha: [finding.as_row() for finding in findings] for sha, findings in found.items()}


def _from_rows(found: dict[str, list[FindingRow]]) -> dict[str, list[Finding]]:
    return {sha: [Finding.from_row(row) for row in rows] for sha, rows in found.items()}
