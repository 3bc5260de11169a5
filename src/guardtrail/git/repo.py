"""Read commits, diffs and files from the object database: pygit2 and git's logs.

This module is the only place that reads a repository. It never touches the working tree
or HEAD: everything comes from objects, so a scan changes nothing in the user's checkout.
What git's logs write is read by ``git/changes.py``, the one parser of every entry point.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

import pygit2
from pygit2.enums import DiffOption, FileMode, ObjectType, SortMode

from guardtrail.errors import GuardtrailError
from guardtrail.git.changes import (
    DEFAULT_MAX_FILE_BYTES,
    GITLINK_MODE,
    SNIFF_BYTES,
    AddedText,
    Additions,
    LoggedChange,
    added_lines,
    as_text,
    decode_line,
    file_changes,
    is_binary_content,
    logged_changes,
    merge_changes_of,
    no_object,
    nul_fields,
    patch_additions,
    patch_of,
    pointer_skip,
    sections,
    usable_patch,
    whole_text,
)
from guardtrail.git.quarantine import expose_quarantine
from guardtrail.git.trailers import parse_trailers
from guardtrail.model import AddedLine, Commit, FileChange, Person, Skipped

__all__ = [
    "GITLINK_MODE",
    "SNIFF_BYTES",
    "AddedText",
    "LineChange",
    "LoggedChange",
    "Range",
    "Repository",
    "is_binary_content",
]

_DEFAULT_BRANCHES = ("main", "master")


@dataclass(frozen=True)
class Range:
    """A resolved ``base..head`` range and how the base was chosen."""

    base: str
    head: str
    base_note: str
    """Why this base: the revision the user gave, or the default that was picked."""


class LineChange(NamedTuple):
    """How one path differs between two revisions, line by line (:meth:`Repository.line_changes`)."""

    path: str
    lines: tuple[bytes, ...]
    """The removed (``-``) and added (``+``) lines in diff order, each with its origin byte
    first and its line ending kept; empty for a binary file."""
    new_id: str | None
    """The blob id after the change; None when the path is gone."""
    new_mode: int
    """The file mode after the change (0 when gone)."""
    binary: bool


_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_LOG_FORMAT = "%x00%H"
"""Each commit of the raw log starts with a NUL, its sha and a NUL: no file entry can be empty."""


class Repository:
    """A repository opened for reading objects."""

    def __init__(self, path: str | os.PathLike[str] = ".", *, environ: Mapping[str, str] | None = None) -> None:
        """Open the repository at or above ``path``.

        ``environ`` is a hook's environment: in ``pre-receive`` the pushed objects sit in a
        quarantine directory it names, which libgit2 would not see on its own.
        """
        try:
            found = pygit2.discover_repository(str(path))
        except pygit2.GitError as exc:  # pragma: no cover - libgit2 reports odd paths this way
            raise GuardtrailError(f"{path}: not a git repository ({exc})") from exc
        if found is None:
            raise GuardtrailError(f"{path}: not a git repository (run inside a repository or pass --repo DIR)")
        self._repo = pygit2.Repository(found)
        self._symlink_memo: dict[pygit2.Oid, tuple[tuple[str, str], ...]] = {}
        """The symlinks under each tree read so far, by tree id (:meth:`symlinks`)."""
        self._links: collections.OrderedDict[str, Mapping[str, str]] = collections.OrderedDict()
        """The symlinks of the last :data:`_KEPT_LINK_SETS` commits asked for, by commit (:meth:`symlinks`)."""
        self._link_steps: dict[str, _LinkStep] = {}
        """How each commit :meth:`range_changes` read changes its first parent's symlinks."""
        if environ is not None:
            expose_quarantine(self._repo.odb, environ)

    @property
    def git_dir(self) -> Path:
        return Path(self._repo.path)

    @property
    def workdir(self) -> Path | None:
        return Path(self._repo.workdir) if self._repo.workdir else None

    def config(self, name: str) -> str | None:
        """A git configuration value as git would read it for this repository."""
        try:
            return str(self._repo.config[name])
        except KeyError:
            return None

    # -- revisions -------------------------------------------------------------------------

    def resolve(self, rev: str) -> str:
        """The full sha of the commit ``rev`` names, or a one-line error."""
        try:
            obj = self._repo.revparse_single(rev)
            commit = obj.peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            raise GuardtrailError(f"unknown revision {rev!r}: check the name or fetch it first") from None
        return str(commit.id)

    def is_empty(self) -> bool:
        return bool(self._repo.head_is_unborn)

    def head_branch_ref(self) -> str | None:
        """The branch HEAD names when it exists (a bare server repository's default branch)."""
        head = self._repo.references.get("HEAD")
        target = head.target if head is not None else None
        return target if isinstance(target, str) and target in self._repo.references else None

    def default_branch_ref(self) -> str | None:
        """The remote default branch (``origin/HEAD``), else origin's or the local main/master."""
        refs = self._repo.references
        if "refs/remotes/origin/HEAD" in refs:
            target = refs["refs/remotes/origin/HEAD"].target
            if isinstance(target, str):
                return target
        candidates = [f"refs/remotes/origin/{name}" for name in _DEFAULT_BRANCHES]
        candidates += [f"refs/heads/{name}" for name in _DEFAULT_BRANCHES]
        return next((ref for ref in candidates if ref in refs), None)

    def resolve_range(self, base: str | None, head: str | None) -> Range:
        """Resolve the user's ``--base``/``--head``, defaulting as ``check`` documents."""
        if self.is_empty() and head is None:
            raise GuardtrailError("the repository has no commits yet: commit something, then run the check")
        head_sha = self.resolve(head or "HEAD")
        if base is not None:
            return Range(self.resolve(base), head_sha, f"base {base} (given)")
        ref = self.default_branch_ref()
        if ref is None:
            raise GuardtrailError("no default branch found (no origin/HEAD, main or master): pass --base REV")
        short_ref = ref.removeprefix("refs/remotes/").removeprefix("refs/heads/")
        merge_base = self._repo.merge_base(self._repo.references[ref].peel(pygit2.Commit).id, head_sha)
        if merge_base is None:
            raise GuardtrailError(f"HEAD shares no history with {short_ref}: pass --base REV")
        return Range(str(merge_base), head_sha, f"base {str(merge_base)[:10]} (merge-base with {short_ref})")

    def rev_list(self, base: str, head: str) -> list[str]:
        """Commits in ``base..head``, oldest first (parents before children), each with the
        parents it is diffed against at hand: a commit whose parents a shallow clone cut off,
        or a missing parent, is a one-line error naming it, never a commit read against nothing."""
        with _reading(f"the commits of {base[:12]}..{head[:12]}"):
            walker = self._repo.walk(head, SortMode.TOPOLOGICAL | SortMode.REVERSE)
            walker.hide(base)
            commits = list(walker)
            return self._readable(base, head, commits)

    def _readable(self, base: str, head: str, commits: list[pygit2.Commit]) -> list[str]:
        """The ids of ``commits``, once each is known to have its parents at hand."""
        cut = self._shallow_commits()
        for commit in commits:
            sha = str(commit.id)
            if sha in cut:
                raise GuardtrailError(
                    f"commit {sha[:12]} of {base[:10]}..{head[:10]} is a shallow clone's boundary: its parents"
                    " were not fetched, so what it changes cannot be read; run `git fetch --unshallow`"
                    " (or fetch deeper), then check again"
                )
            missing = next((str(parent) for parent in commit.parent_ids if parent not in self._repo), None)
            if missing is not None:
                raise GuardtrailError(
                    f"commit {sha[:12]} of {base[:10]}..{head[:10]}: its parent {missing[:12]} is missing,"
                    " so what it changes cannot be read; fetch it (or run `git fsck`), then check again"
                )
        return [str(commit.id) for commit in commits]

    def _shallow_commits(self) -> set[str]:
        """The commits a shallow clone holds without their parents (``.git/shallow``)."""
        common = self.git_dir / "commondir"
        folders = [self.git_dir]
        if common.is_file():  # a linked worktree: the shallow file is the main repository's
            folders.append(self.git_dir / common.read_text(encoding="utf-8").strip())
        for folder in folders:
            shallow = folder / "shallow"
            if shallow.is_file():
                return set(shallow.read_text(encoding="ascii").split())
        return set()

    def is_swapped(self, base: str, head: str) -> bool:
        """Whether ``base`` comes after ``head`` (a descendant of it): a range given the wrong
        way round, which would read as no commits. ``base == head`` is an empty range."""
        with _reading(f"the commits of {base[:12]}..{head[:12]}"):
            return base != head and bool(self._repo.descendant_of(base, head))

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return ancestor == descendant or bool(self._repo.descendant_of(descendant, ancestor))

    def unpushed_base(self, local: str, remote: str) -> str | None:
        """The newest commit of ``local``'s history already on ``remote`` (a remote-tracking ref
        reaches it), as ``git rev-list LOCAL --not --remotes=REMOTE`` draws the line; None when the
        whole history is new to the remote."""
        walker = self._repo.walk(self._repo.revparse_single(local).peel(pygit2.Commit).id)
        prefix = f"refs/remotes/{remote}/"
        for name in self._repo.references:
            if name.startswith(prefix):
                walker.hide(self._repo.references[name].resolve().target)
        unpushed = {commit.id: commit for commit in walker}
        boundary = [p for c in unpushed.values() for p in c.parent_ids if p not in unpushed]
        return str(boundary[0]) if boundary else None

    def is_shallow(self) -> bool:
        return bool(self._repo.is_shallow)

    def all_commits(self) -> Iterator[str]:
        """Every commit reachable from any ref or HEAD, as ``git log --all`` reads them, oldest
        first: branches, tags and remote branches, and also stashes, notes, the backups
        ``git filter-branch`` keeps in ``refs/original``, and fetched pull requests."""
        raw = self._repo
        if raw.head_is_unborn and not list(raw.references):
            return
        walker = raw.walk(None, SortMode.TOPOLOGICAL | SortMode.REVERSE)
        tips = {raw.head.target} if not raw.head_is_unborn else set()
        for name in raw.references:
            try:
                tips.add(raw.references[name].peel(pygit2.Commit).id)
            except (pygit2.InvalidSpecError, ValueError, KeyError):
                continue  # a tag of a tree or blob, or a dangling symbolic ref
        with _reading("the history"):
            for tip in sorted(tips, key=str):  # a set's order changes from run to run, and the walk's with it
                walker.push(tip)
            for commit in walker:
                yield str(commit.id)

    def tracked_paths(self) -> list[str]:
        """Paths in the index, repository-relative, sorted."""
        try:
            index = self._repo.index
        except pygit2.GitError as exc:
            raise GuardtrailError(f"{self.workdir or self.git_dir}: cannot read the index ({exc})") from None
        return sorted(entry.path for entry in index)

    # -- objects ---------------------------------------------------------------------------

    def _commit(self, sha: str) -> pygit2.Commit:
        with _reading(f"commit {sha[:12]}"):
            return self._repo[sha].peel(pygit2.Commit)

    def commit(self, sha: str) -> Commit:
        """A :class:`Commit` view of ``sha``."""
        raw = self._commit(sha)
        signature, signed_data = raw.gpg_signature
        message = raw.message
        return Commit(
            sha=str(raw.id),
            parents=tuple(str(pid) for pid in raw.parent_ids),
            author=Person(raw.author.name, raw.author.email),
            committer=Person(raw.committer.name, raw.committer.email),
            message=message,
            trailers=parse_trailers(message),
            signature=signature,
            signed_data=signed_data,
        )

    def file_at(self, rev: str, path: str) -> bytes | None:
        """The content of ``path`` at commit ``rev``, or None when it has no such file."""
        commit = self._commit(rev)
        with _reading(f"{path} at {rev[:12]}"):
            entry_id = _entry_id(commit.tree, path)
            blob = self._repo[entry_id] if entry_id is not None else None
        return blob.data if isinstance(blob, pygit2.Blob) else None

    def symlinks(self, sha: str) -> Mapping[str, str]:
        """Every symlink in the tree of commit ``sha``: its path and the target it holds. The
        mapping is shared: a commit that changes no symlink gets its parent's, the same object.

        A commit :meth:`range_changes` has read is its first parent's symlinks updated by the
        symlinks its raw entries add, change and remove: a range walks one tree, its base's,
        not one per commit. Any other commit (a merge, one read otherwise) is read tree by
        tree, each remembered by id: consecutive commits share most trees."""
        pending: list[_LinkStep] = []
        at: str | None = sha
        while at is not None and at not in self._links and at in self._link_steps:
            pending.append(self._link_steps[at])
            at = pending[-1].parent
        known = None if at is None else self._links.get(at)
        links: Mapping[str, str] = {} if at is None else self._tree_links(at) if known is None else known
        for step in reversed(pending):
            links = self._stepped(links, step)
            self._remember_links(step.commit, links)
            del self._link_steps[step.commit]  # read once; gone from the kept sets, the tree says
        return links

    def _tree_links(self, sha: str) -> Mapping[str, str]:
        with _reading(f"the symlinks of commit {sha[:12]}"):
            tree = self._commit(sha).tree
            known = self._symlink_memo.get(tree.id)
            links = dict(self._tree_symlinks(tree) if known is None else known)
        self._remember_links(sha, links)
        return links

    def _remember_links(self, sha: str, links: Mapping[str, str]) -> None:
        self._links[sha] = links
        self._links.move_to_end(sha)
        if len(self._links) > _KEPT_LINK_SETS:
            self._links.popitem(last=False)

    def _stepped(self, links: Mapping[str, str], step: _LinkStep) -> Mapping[str, str]:
        """``links`` as ``step``'s commit leaves them: removals first, then the symlinks it
        writes (a commit may delete one symlink and rename another onto its path)."""
        if not step.removed and not step.written:
            return links
        with _reading(f"the symlinks of commit {step.commit[:12]}"):
            stepped = {path: target for path, target in links.items() if path not in step.removed}
            for path, blob_id in step.written:
                stepped[path] = os.fsdecode(self._repo[blob_id].peel(pygit2.Blob).data)
        return stepped

    def _record_link_step(self, sha: str, parent: str | None, logged: Sequence[LoggedChange]) -> None:
        """What ordinary commit ``sha``'s raw entries (against ``parent``) do to its symlinks."""
        removed = frozenset(c.old_path or c.path for c in logged if c.old_mode == _LINK_MODE)
        written = tuple((c.path, c.new_id) for c in logged if c.new_mode == _LINK_MODE and not no_object(c.new_id))
        self._link_steps[sha] = _LinkStep(sha, parent, removed, written)

    def _tree_symlinks(self, tree: pygit2.Tree) -> tuple[tuple[str, str], ...]:
        found: list[tuple[str, str]] = []
        for entry in tree:
            kind = entry.type  # an int: cheaper than the file mode, an enum made on each call
            if kind == ObjectType.TREE:
                below = self._symlink_memo.get(entry.id)  # looked up before the tree is loaded
                if below is None:
                    below = self._tree_symlinks(entry.peel(pygit2.Tree))
                found += ((f"{entry.name}/{path}", target) for path, target in below)
            elif kind == ObjectType.BLOB and entry.filemode == FileMode.LINK:
                found.append((entry.name or "", os.fsdecode(self._repo[entry.id].peel(pygit2.Blob).data)))
        self._symlink_memo[tree.id] = result = tuple(found)
        return result

    def blob(self, blob_id: str) -> bytes:
        with _reading(f"file object {blob_id[:12]}"):
            data = self._repo[blob_id]
        if not isinstance(data, pygit2.Blob):  # pragma: no cover - ids come from diffs
            raise GuardtrailError(f"{blob_id}: not a file object")
        return bytes(data.data)

    # -- changes ---------------------------------------------------------------------------

    def is_merge(self, sha: str) -> bool:
        return len(self._commit(sha).parent_ids) > 1

    def range_changes(
        self, commits: Iterable[str], *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
    ) -> Iterator[tuple[str, list[FileChange]]]:
        """Each of ``commits`` in the order given, with the files it changes and the lines it adds
        itself: the reader of ``check`` and every command built on it, streaming as
        :meth:`history_changes` does for the history scan (the same logs, the same parser).

        A root commit is compared with the empty tree, an ordinary commit with its first parent.
        A merge counts only what it introduces itself (:meth:`merge_changes`, one log for all
        the merges of the range, beside the others). Files over ``max_bytes`` are named as
        skipped, not read."""
        for sha, logged in self.range_logged(commits, max_bytes=max_bytes):
            yield sha, [record for change in logged for record in self.file_changes(change, max_bytes=max_bytes)]

    def range_logged(
        self, commits: Iterable[str], *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
    ) -> Iterator[tuple[str, list[LoggedChange]]]:
        """Each of ``commits`` in the order given, with its raw entries as the log lists them,
        not yet read (:meth:`range_changes` reads them; a worker process may, given these)."""
        chosen = list(commits)
        parents = {sha: self._commit(sha).parent_ids for sha in chosen}
        merges = {sha for sha in chosen if len(parents[sha]) > 1}
        ordinary = self.history_changes([sha for sha in chosen if sha not in merges], max_bytes=max_bytes)
        merged = self.merge_changes([sha for sha in chosen if sha in merges], max_bytes=max_bytes)
        pending, pending_merge = next(ordinary, None), next(merged, None)
        for sha in chosen:
            logged: list[LoggedChange] = []
            while pending_merge is not None and pending_merge.commit == sha:
                logged.append(pending_merge)
                pending_merge = next(merged, None)
            while pending is not None and pending.commit == sha:
                logged.append(pending)
                pending = next(ordinary, None)
            if sha not in merges:
                self._record_link_step(sha, str(parents[sha][0]) if parents[sha] else None, logged)
            yield sha, logged
        stray = pending or pending_merge
        if stray is not None:  # pragma: no cover - git log lists the commits it is given, in order
            raise GuardtrailError(f"git log: commit {stray.commit[:12]} is not one of those asked for")

    def changes(self, sha: str, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> list[FileChange]:
        """The files ``sha`` changes and the lines it adds itself (:meth:`range_changes`)."""
        return next(self.range_changes([sha], max_bytes=max_bytes))[1]

    def file_changes(self, change: LoggedChange, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> list[FileChange]:
        """The change records of one logged change, with the lines it adds read as text."""
        added, skipped = self.read_added(change, max_bytes=max_bytes)
        lines = () if added is None else added_lines(added.text, added.hunks)
        binary = skipped in (Skipped.BINARY, Skipped.TOO_LARGE)
        return file_changes(change, lines, binary=binary, skipped=skipped)

    def history_patches(
        self, commits: Iterable[str], *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
    ) -> Iterator[AddedText]:
        """The lines each of ``commits`` adds, file by file, in the order given."""
        for change in self.history_changes(commits, max_bytes=max_bytes):
            added = self.added_text(change, max_bytes=max_bytes)
            if added is not None:
                yield added

    def history_changes(
        self, commits: Iterable[str], *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
    ) -> Iterator[LoggedChange]:
        """Every file each of ``commits`` changes, in the order given: the file changes of a
        whole history in two streaming passes of git beside each other. ``git log --raw``
        lists them all; a second ``git log -p -U0`` writes the patches of edits alone (files
        modified or renamed), which git reads and diffs faster than libgit2, and each edit
        comes with its patch. New files are not written out by git: :meth:`added_text` reads
        them from the object database, in whichever process scans them. Merges list nothing
        here: :meth:`merge_changes` says what a merge introduces itself. Options pin what git's
        configuration could change (renames, prefixes, quoting, relative paths, hunk
        context, diff algorithm, file order); ``-z`` gives every path as it is.
        """
        chosen = list(commits)
        if not chosen:
            return  # given no revision, git log would read HEAD
        raw = logged_changes(nul_fields(self._log(chosen, _RAW_OPTIONS, max_bytes)))
        edit_log = self._log(chosen, _EDIT_OPTIONS, max_bytes)
        next(edit_log)  # git starts diffing now, while the raw log is read, not at the first edit
        edits = sections(edit_log)
        for change in raw:
            if change.status in _EDITS:
                change = change._replace(patch=patch_of(change, next(edits, None)))
            yield change
        if next(edits, None) is not None:  # pragma: no cover - both logs list the same edits
            raise GuardtrailError("git log: the patches of the history outnumber its edits")

    def merge_changes(
        self, merges: Iterable[str], *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
    ) -> Iterator[LoggedChange]:
        """The files each of ``merges`` changes against every parent, each with git's dense
        combined patch (``--cc``): whose ``++`` lines are the lines no parent had (conflict
        resolutions, "evil" merges). A file taken unchanged from one parent is not listed: that
        parent's commits carry it."""
        chosen = list(merges)
        if chosen:
            yield from merge_changes_of(nul_fields(self._log(chosen, _MERGE_OPTIONS, max_bytes)))

    def _log(self, commits: Sequence[str], options: Sequence[str], max_bytes: int) -> Iterator[bytes]:
        """The output of ``git log OPTIONS`` over ``commits`` (in that order, no walk), read
        as it comes; git's last line of error when it fails. Files over ``max_bytes`` are
        binary to git (``core.bigFileThreshold``): it writes no patch of them."""
        command = [
            "git",
            "--no-pager",
            "--no-replace-objects",  # refs/replace would show another commit in place of one
            "-c",
            "core.quotePath=false",
            "-c",
            f"core.bigFileThreshold={max_bytes}",
            "-c",
            f"core.deltaBaseCacheLimit={_DELTA_BASE_CACHE}",
            f"--git-dir={self.git_dir}",
            *([f"--work-tree={self.workdir}"] if self.workdir else []),
            "log",
            "--stdin",
            "--no-walk=unsorted",
            f"--format={_LOG_FORMAT}",
            "--no-show-signature",
            "--no-notes",
            "--no-color",
            "--root",
            "--find-renames",
            "--no-relative",
            "-O/dev/null",
            *options,
        ]
        revisions = "".join(f"{sha}\n" for sha in commits).encode()
        with tempfile.TemporaryFile() as errors:
            try:
                process = subprocess.Popen(
                    command,
                    cwd=self.workdir or self.git_dir,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                )
            except OSError as exc:
                raise GuardtrailError(f"cannot run git to read the history: {exc}") from None
            assert process.stdin is not None and process.stdout is not None
            _widen(process.stdout)
            try:
                try:  # git reads every revision before it writes a byte: no deadlock
                    process.stdin.write(revisions)
                    process.stdin.close()  # before any worker forks: one holding it open would stall git
                except BrokenPipeError:
                    pass  # git stopped early: its status and message say why
                yield b""  # started: a caller may start git ahead of reading it (history_changes)
                yield from iter(functools.partial(process.stdout.read, _CHUNK_BYTES), b"")
            finally:
                process.stdout.close()
                if process.poll() is None:
                    process.terminate()  # left before the end (an error, a signal): git stops too
                status = process.wait()
            if status != 0:
                errors.seek(0)
                detail = errors.read().decode("utf-8", "replace").strip().splitlines()
                reason = detail[-1].removeprefix("fatal: ").rstrip("!") if detail else f"exit code {status}"
                raise GuardtrailError(f"cannot read what the commits change (git log): {reason}: run `git fsck`")

    def added_text(self, change: LoggedChange, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> AddedText | None:
        """The lines ``change`` adds, or None when it adds none (:meth:`read_added`)."""
        return self.read_added(change, max_bytes=max_bytes)[0]

    def read_added(
        self, change: LoggedChange, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
    ) -> tuple[AddedText | None, Skipped | None]:
        """The lines ``change`` adds, or None when it adds none: a deletion, a submodule, a pure
        rename or mode change, an empty file, or one binary by content (attributes aside, so
        that whoever writes ``.gitattributes`` cannot hide a file); and why a file was not read
        as text, when it was not (binary, over ``max_bytes``), or is a Git LFS pointer. A new
        file, or one whose old side is no text (binary, a submodule, another type of entry),
        adds every line; otherwise git's patch (libgit2's diff where git wrote none) says
        which lines are new. UTF-16 and UTF-32 text is read as text."""
        if no_object(change.new_id) or change.new_mode == GITLINK_MODE:
            return None, None
        if change.new_id == change.old_id:  # a pure rename or mode change adds nothing; a binary is still named
            return None, self._kind(change)
        try:  # not ``_reading``: its message would be built for every file of the history
            added, skipped = self._additions(change, max_bytes)
        except (KeyError, pygit2.GitError) as exc:
            raise _unreadable(f"{change.path!r} in commit {change.commit[:12]}", exc) from None
        if added is None:
            return None, skipped
        return AddedText(change.commit, change.path, *added), pointer_skip(added) or skipped

    def _kind(self, change: LoggedChange) -> Skipped | None:
        """Why an unchanged file's content would not be read (a binary renamed, say), if it would not."""
        try:
            kind, size = self._repo.odb.read_header(change.new_id)
            return None if kind != ObjectType.BLOB else self._text_data(change.new_id, max(size, 1))[1]
        except (KeyError, ValueError, pygit2.GitError):
            return None

    def _additions(self, change: LoggedChange, max_bytes: int) -> tuple[Additions | None, Skipped | None]:
        if change.patch is not None and usable_patch(change.patch):
            return patch_additions(change.patch, change.path), None
        new, skipped = self._text_data(change.new_id, max_bytes)
        if new is None:
            return None, skipped
        old = None
        if change.status not in ("A", "T") and not no_object(change.old_id) and change.old_mode != GITLINK_MODE:
            old = self._text_data(change.old_id, max_bytes)[0]
        if old is None:
            whole = whole_text(new)
            return (None if whole is None else (whole, ((0, 1),))), None
        patch = pygit2.Patch.create_from(old, new, flag=DiffOption.FORCE_TEXT, context_lines=0, interhunk_lines=0)
        return patch_additions(patch.data, change.path), None  # read while old and new are referenced

    def added_size(self, change: LoggedChange) -> int:
        """About how much scanning ``change`` costs, in bytes: an edit's patch, a new file's
        size (0 for no file, or for an object that cannot be read, which :meth:`added_text`
        then names)."""
        if change.patch is not None:
            return len(change.patch)
        if no_object(change.new_id) or change.new_mode == GITLINK_MODE:
            return 0
        try:
            return int(self._repo.odb.read_header(change.new_id)[1])
        except (KeyError, ValueError, pygit2.GitError):
            return 0

    def judged_by_content(self, change: FileChange, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> FileChange:
        """``change`` as git's diff gave it, unless git called binary a file whose content is
        text: then that change as text, with the lines it adds; or, for a file not read, why.

        git lets attributes (``-diff``, ``binary``, a ``diff`` driver configured binary) from
        ``.gitattributes``, ``info/attributes`` or a global file overrule content, and whoever
        writes files can write those: a secret must be found whoever wrote it. git also calls
        UTF-16 text and files over ``max_bytes`` binary.
        """
        if not change.binary:
            return change
        added, skipped = self._text_additions(change.old_id, change.new_id, max_bytes)
        if added is None:
            return dataclasses.replace(change, skipped=skipped if change.status != "deleted" else None)
        lines = tuple(AddedLine(number, decode_line(raw).rstrip("\r\n")) for number, raw in added)
        return dataclasses.replace(change, binary=False, added=lines, skipped=None)

    def _text_additions(
        self, old_id: str | None, new_id: str | None, max_bytes: int
    ) -> tuple[list[tuple[int, bytes]] | None, Skipped | None]:
        """The lines a change from blob ``old_id`` to ``new_id`` (None: no file on that side)
        adds, each with its number in the new file and its line end, when the file is text by
        content (:func:`as_text`; a deleted file by its old side), else None and why.

        An old side that is binary counts as no file: every line of the text replacing it is
        new, or a binary placeholder could hide the secret its successor brings. Only files git
        called binary come here: text files cost nothing."""
        with _reading(f"file object {(new_id or old_id or '')[:12]}"):
            new, skipped = (None, None) if new_id is None else self._text_data(new_id, max_bytes)
            if new_id is not None and new is None:
                return None, skipped  # the new file is binary or too large: it adds no text
            old = None if old_id is None else self._text_data(old_id, max_bytes)[0]
            if new_id is None and old is None:
                return None, Skipped.BINARY  # a binary file deleted
            patch = pygit2.Patch.create_from(old, new, flag=DiffOption.FORCE_TEXT, context_lines=0, interhunk_lines=0)
            # read while old and new are referenced here: a patch does not keep its buffers alive
            lines = [
                (line.new_lineno, line.raw_content) for hunk in patch.hunks for line in hunk.lines if line.origin == "+"
            ]
            return lines, None

    def line_changes(self, old: str, new: str, paths: Iterable[str]) -> dict[str, LineChange]:
        """How each of ``paths`` differs from ``old`` to ``new`` (no rename detection: both sides
        of a rename are paths of their own); a path that does not differ is left out.

        What an approval bound to content signs and the check compares: the net change of a
        range per path, the same however the range's commits were rebased or squashed.
        """
        wanted = set(paths)
        result: dict[str, LineChange] = {}
        if not wanted:
            return result
        with _reading(f"the changes of {old[:12]}..{new[:12]}"):
            diff = self._commit(old).tree.diff_to_tree(self._commit(new).tree, context_lines=0, interhunk_lines=0)
            for patch in diff:
                if patch is None:  # pragma: no cover - unchanged entries
                    continue
                delta = patch.delta
                gone = delta.status_char() == "D"
                path = delta.old_file.path if gone else delta.new_file.path
                if path not in wanted:
                    continue
                binary = bool(delta.is_binary)
                lines = (
                    ()
                    if binary
                    else tuple(
                        line.origin.encode("ascii") + line.raw_content
                        for hunk in patch.hunks
                        for line in hunk.lines
                        if line.origin in ("+", "-")
                    )
                )
                new_id = None if gone else str(delta.new_file.id)
                result[path] = LineChange(path, lines, new_id, 0 if gone else int(delta.new_file.mode), binary)
        return result

    def _text_data(self, blob_id: str, max_bytes: int) -> tuple[bytes | None, Skipped | None]:
        """The content of blob ``blob_id`` as UTF-8 text when it is text by content
        (:func:`as_text`), its size checked before it is read (straight from the object
        database: a third faster than a ``Blob``'s data); else None and why."""
        odb = self._repo.odb
        kind, size = odb.read_header(blob_id)
        if kind != ObjectType.BLOB:
            return None, None
        if size > max_bytes:
            return None, Skipped.TOO_LARGE
        text = as_text(odb.read(blob_id)[1])
        return (None, Skipped.BINARY) if text is None else (text, None)


class _LinkStep(NamedTuple):
    """How an ordinary commit changes its first parent's symlinks (:meth:`Repository.symlinks`)."""

    commit: str
    parent: str | None
    """The first parent; None for a root commit, whose parent's tree is the empty one."""
    removed: frozenset[str]
    """The paths whose symlink the commit deletes, renames away or makes another kind of entry."""
    written: tuple[tuple[str, str], ...]
    """The symlinks it adds or changes: the path and the blob id holding the target."""


_LINK_MODE = 0o120000
_KEPT_LINK_SETS = 64
"""Commits whose symlinks :meth:`Repository.symlinks` keeps: enough for the branches of a range
in flight; a commit read further back is read from its tree again."""
_DELTA_BASE_CACHE = "8m"
"""The objects git's log keeps inflated to rebuild others from: its default, 96 MB, would be most
of a check's memory on a large repository, for no speed a walk in order needs."""
_CHUNK_BYTES = 1 << 16
"""How much of a log is read at a time."""
_PIPE_BYTES = 1 << 20
"""How much a log's git may write before its reader reads it: enough for git's patches to run
ahead of the raw log, whose entries they follow (Linux's default pipe holds 64 KiB)."""
_RAW_OPTIONS = ("--diff-merges=off", "--raw", "-z", "--no-abbrev")
_EDITS = ("M", "R")
"""The raw log's statuses whose patch the log of edits writes: a type change is the removal of
one entry and the addition of another, which git writes as two patches."""
_PATCH_OPTIONS = (
    "--patch",
    "--unified=0",
    "--inter-hunk-context=0",
    "--diff-algorithm=myers",
    "--no-indent-heuristic",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--no-ext-diff",
    "--no-textconv",
    "--submodule=short",
    "--full-index",  # the blob ids, to check each patch against its entry of the raw log
)
_EDIT_OPTIONS = ("--diff-merges=off", "--diff-filter=MR", *_PATCH_OPTIONS)
_MERGE_OPTIONS = ("--diff-merges=dense-combined", "--raw", "-z", "--no-abbrev", *_PATCH_OPTIONS)


def _widen(pipe: IO[bytes]) -> None:
    """Let git write up to :data:`_PIPE_BYTES` ahead of its reader (Linux; elsewhere, as it is)."""
    with contextlib.suppress(ImportError, AttributeError, OSError):  # no fcntl, no such call, over the limit
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


def _entry_id(tree: pygit2.Tree, path: str) -> str | None:
    """The id of ``path`` in ``tree``, None when the tree has no such entry."""
    try:
        return str(tree[path].id)
    except pygit2.GitError:  # a missing subtree object (NotFoundError is a KeyError too)
        raise
    except KeyError:
        return None


@contextlib.contextmanager
def _reading(what: str) -> Iterator[None]:
    """Objects read inside are ``what``: a missing or corrupt one (a damaged or partial clone)
    becomes a one-line error naming it, not a traceback."""
    try:
        yield
    except (KeyError, pygit2.GitError) as exc:
        raise _unreadable(what, exc) from None


def _unreadable(what: str, exc: KeyError | pygit2.GitError) -> GuardtrailError:
    """The one-line error for ``what``, which libgit2 could not read (``exc``)."""
    detail = exc.args[0] if exc.args else type(exc).__name__
    bare_id = isinstance(detail, str) and _OBJECT_ID.fullmatch(detail) is not None  # a lookup's KeyError
    reason = f"object {detail} is missing" if bare_id else detail
    return GuardtrailError(f"cannot read {what}: {reason}: run `git fsck`")
