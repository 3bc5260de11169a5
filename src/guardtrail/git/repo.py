"""Read commits, diffs and files from the object database with pygit2.

This module is the only place that reads a repository. It never touches the working tree
or HEAD: everything comes from objects, so a scan changes nothing in the user's checkout.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pygit2
from pygit2.enums import DiffFind, DiffOption, FileMode, ObjectType, SortMode

from guardtrail.errors import GuardtrailError
from guardtrail.git.quarantine import expose_quarantine
from guardtrail.git.trailers import parse_trailers
from guardtrail.model import AddedLine, Commit, FileChange, Person

_STATUS = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "T": "typechange",
}

_DEFAULT_BRANCHES = ("main", "master")


@dataclass(frozen=True)
class Range:
    """A resolved ``base..head`` range and how the base was chosen."""

    base: str
    head: str
    base_note: str
    """Why this base: the revision the user gave, or the default that was picked."""


class AddedText(NamedTuple):
    """The lines one commit adds to one file, in one piece (:meth:`Repository.added_text`)."""

    commit: str
    path: str
    text: bytes
    """The added lines joined by ``\\n``, trailing carriage returns removed (as in
    :meth:`Repository.changes`); no newline after the last one."""
    hunks: tuple[tuple[int, int], ...]
    """Per hunk, in order: the index of its first line among the added lines, and that
    line's number in the new file."""


class LoggedChange(NamedTuple):
    """One file one ordinary commit changes, as ``git log --raw`` lists it: against the commit's
    first parent (renames found), a root commit against the empty tree."""

    commit: str
    status: str
    """git's letter: ``A`` added, ``M`` modified, ``T`` type changed, ``R`` renamed, ``D`` deleted."""
    old_mode: int
    new_mode: int
    old_id: str
    """All zeros where the file did not exist before the commit."""
    new_id: str
    """All zeros where the commit deletes the file."""
    path: str
    patch: bytes | None = None
    """For an edit (``M`` or ``R``): git's -U0 patch of the file, from the log of edits beside
    the raw log (:meth:`Repository.history_changes`)."""


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
GITLINK_MODE = 0o160000
"""A submodule's entry: its id names a commit of another repository, not a file."""
_HUNK_HEADER = re.compile(rb"@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@[^\n]*\n")
SNIFF_BYTES = 8000
"""git's and libgit2's content rule: a NUL byte within a file's first 8000 bytes makes it binary."""
MAX_TEXT_BYTES = 512 * 1024 * 1024
"""Larger files stay binary whatever their content, as git (``core.bigFileThreshold``'s default)
and libgit2 (a diff's ``max_size``) judge them: no huge file is ever read as a text diff."""


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
        """Commits in ``base..head``, oldest first (parents before children)."""
        with _reading(f"the commits of {base[:12]}..{head[:12]}"):
            walker = self._repo.walk(head, SortMode.TOPOLOGICAL | SortMode.REVERSE)
            walker.hide(base)
            return [str(commit.id) for commit in walker]

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
            for tip in tips:
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

    def blob(self, blob_id: str) -> bytes:
        with _reading(f"file object {blob_id[:12]}"):
            data = self._repo[blob_id]
        if not isinstance(data, pygit2.Blob):  # pragma: no cover - ids come from diffs
            raise GuardtrailError(f"{blob_id}: not a file object")
        return bytes(data.data)

    # -- changes ---------------------------------------------------------------------------

    def is_merge(self, sha: str) -> bool:
        return len(self._commit(sha).parent_ids) > 1

    def history_patches(self, commits: Iterable[str]) -> Iterator[AddedText]:
        """The lines each of ``commits`` adds, file by file, in the order given."""
        for change in self.history_changes(commits):
            added = self.added_text(change)
            if added is not None:
                yield added

    def history_changes(self, commits: Iterable[str]) -> Iterator[LoggedChange]:
        """Every file each of ``commits`` changes, in the order given: the file changes of a
        whole history in two streaming passes of git beside each other. ``git log --raw``
        lists them all; a second ``git log -p -U0`` writes the patches of edits alone (files
        modified or renamed), which git reads and diffs faster than libgit2, and each edit
        comes with its patch. New files are not written out by git: :meth:`added_text` reads
        them from the object database, in whichever process scans them. Merges list nothing
        here: :meth:`changes` says what a merge introduces itself. Options pin what git's
        configuration could change (renames, prefixes, quoting, relative paths, hunk
        context, diff algorithm, file order); ``-z`` gives every path as it is.
        """
        chosen = list(commits)
        if not chosen:
            return  # given no revision, git log would read HEAD
        raw = _logged_changes(_nul_fields(self._log(chosen, _RAW_OPTIONS)))
        edits = _sections(self._log(chosen, _EDIT_OPTIONS))
        for change in raw:
            if change.status in _EDITS:
                change = change._replace(patch=_patch_of(change, next(edits, None)))
            yield change
        if next(edits, None) is not None:  # pragma: no cover - both logs list the same edits
            raise GuardtrailError("git log: the patches of the history outnumber its edits")

    def _log(self, commits: Sequence[str], options: Sequence[str]) -> Iterator[bytes]:
        """The output of ``git log OPTIONS`` over ``commits`` (in that order, no walk), read
        as it comes; git's last line of error when it fails."""
        command = [
            "git",
            "--no-pager",
            "--no-replace-objects",  # refs/replace would show another commit in place of one
            "-c",
            "core.quotePath=false",
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
            "--diff-merges=off",
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
            try:
                try:  # git reads every revision before it writes a byte: no deadlock
                    process.stdin.write(revisions)
                    process.stdin.close()
                except BrokenPipeError:
                    pass  # git stopped early: its status and message say why
                yield from iter(functools.partial(process.stdout.read, _CHUNK_BYTES), b"")
            finally:
                process.stdout.close()
                status = process.wait()
            if status != 0:
                errors.seek(0)
                detail = errors.read().decode("utf-8", "replace").strip().splitlines()
                raise GuardtrailError(f"git log failed reading the history: {detail[-1] if detail else status}")

    def added_text(self, change: LoggedChange) -> AddedText | None:
        """The lines ``change`` adds, or None when it adds none: a deletion, a submodule, a pure
        rename or mode change, an empty file, or one binary by content (attributes aside, so
        that whoever writes ``.gitattributes`` cannot hide a file). A new file, or one whose
        old side is no text (binary, a submodule, another type of entry), adds every line;
        otherwise libgit2's diff of the two files says which lines are new."""
        if _no_object(change.new_id) or change.new_mode == GITLINK_MODE or change.new_id == change.old_id:
            return None
        try:  # not ``_reading``: its message would be built for every file of the history
            added = self._additions(change)
        except (KeyError, pygit2.GitError) as exc:
            raise _unreadable(f"{change.path!r} in commit {change.commit[:12]}", exc) from None
        return None if added is None else AddedText(change.commit, change.path, *added)

    def _additions(self, change: LoggedChange) -> tuple[bytes, tuple[tuple[int, int], ...]] | None:
        if change.patch is not None and _usable_patch(change.patch):
            return _patch_additions(change.patch, change.path)
        new = self._text_data(change.new_id)
        if new is None:
            return None
        old = None
        if change.status not in ("A", "T") and not _no_object(change.old_id) and change.old_mode != GITLINK_MODE:
            old = self._text_data(change.old_id)
        if old is None:
            whole = _whole_text(new)
            return None if whole is None else (whole, ((0, 1),))
        patch = pygit2.Patch.create_from(old, new, flag=DiffOption.FORCE_TEXT, context_lines=0, interhunk_lines=0)
        return _patch_additions(patch.data, change.path)  # read while old and new are referenced

    def added_size(self, change: LoggedChange) -> int:
        """About how much scanning ``change`` costs, in bytes: an edit's patch, a new file's
        size (0 for no file, or for an object that cannot be read, which :meth:`added_text`
        then names)."""
        if change.patch is not None:
            return len(change.patch)
        if _no_object(change.new_id) or change.new_mode == GITLINK_MODE:
            return 0
        try:
            return int(self._repo.odb.read_header(change.new_id)[1])
        except (KeyError, ValueError, pygit2.GitError):
            return 0

    def judged_by_content(self, change: FileChange) -> FileChange:
        """``change`` as the diff engine gave it, unless the engine called binary a file whose
        content is text: then that change as text, with the lines it adds.

        git and libgit2 let attributes (``-diff``, ``binary``, a ``diff`` driver configured
        binary) from ``.gitattributes``, ``info/attributes`` or a global file overrule content,
        and whoever writes files can write those: a secret must be found whoever wrote it.
        """
        if not change.binary:
            return change
        added = self._text_additions(change.old_id, change.new_id)
        if added is None:
            return change
        lines = tuple(AddedLine(number, raw.decode("utf-8", "replace").rstrip("\r\n")) for number, raw in added)
        return dataclasses.replace(change, binary=False, added=lines)

    def _text_additions(self, old_id: str | None, new_id: str | None) -> list[tuple[int, bytes]] | None:
        """The lines a change from blob ``old_id`` to ``new_id`` (None: no file on that side)
        adds, each with its number in the new file and its line end, when the file is text by
        content (:func:`is_binary_content`; a deleted file by its old side), else None.

        An old side that is binary counts as no file: every line of the text replacing it is
        new, or a binary placeholder could hide the secret its successor brings. Only files a
        diff engine called binary come here: text files cost nothing."""
        with _reading(f"file object {(new_id or old_id or '')[:12]}"):
            new = None if new_id is None else self._text_data(new_id)
            if new_id is not None and new is None:
                return None  # the new file is binary: it adds no text
            old = None if old_id is None else self._text_data(old_id)
            if new_id is None and old is None:
                return None  # a binary file deleted
            patch = pygit2.Patch.create_from(old, new, flag=DiffOption.FORCE_TEXT, context_lines=0, interhunk_lines=0)
            # read while old and new are referenced here: a patch does not keep its buffers alive
            return [
                (line.new_lineno, line.raw_content) for hunk in patch.hunks for line in hunk.lines if line.origin == "+"
            ]

    def _text_data(self, blob_id: str) -> bytes | None:
        """The content of blob ``blob_id`` when it is text by content, its size checked before
        it is read (straight from the object database: a third faster than a ``Blob``'s data)."""
        odb = self._repo.odb
        kind, size = odb.read_header(blob_id)
        if kind != ObjectType.BLOB or size > MAX_TEXT_BYTES:
            return None
        data: bytes = odb.read(blob_id)[1]
        return None if is_binary_content(data) else data

    def changes(self, sha: str) -> list[FileChange]:
        """The files ``sha`` changes and the lines it adds itself.

        A root commit is compared with the empty tree, an ordinary commit with its parent.
        A merge counts only what it introduces itself: files that differ from every parent,
        and in them the lines found in no parent (conflict resolutions, "evil" merges).
        """
        with _reading(f"what commit {sha[:12]} changes"):
            return self._changes(sha)

    def _changes(self, sha: str) -> list[FileChange]:
        commit = self._commit(sha)
        parents = commit.parents
        if not parents:
            diff = commit.tree.diff_to_tree(swap=True, context_lines=0, interhunk_lines=0)
            return self._file_changes(sha, diff)
        first = self._diff(parents[0].tree, commit.tree)
        if len(parents) == 1:
            return self._file_changes(sha, first)
        return self._merge_changes(sha, commit, first)

    def _file_changes(self, sha: str, diff: pygit2.Diff) -> list[FileChange]:
        """The changes of ``diff``, binary only where content says so (:meth:`judged_by_content`)."""
        return [self.judged_by_content(change) for change in changes_from_diff(sha, diff)]

    def _diff(self, old: pygit2.Tree, new: pygit2.Tree) -> pygit2.Diff:
        diff = old.diff_to_tree(new, context_lines=0, interhunk_lines=0)
        diff.find_similar(DiffFind.FIND_RENAMES)
        return diff

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

    def _merge_changes(self, sha: str, commit: pygit2.Commit, first: pygit2.Diff) -> list[FileChange]:
        others = commit.parents[1:]
        merge_tree = commit.tree
        result = []
        for change in self._file_changes(sha, first):
            new_entry_id = _entry_id(merge_tree, change.path)
            other_ids = [_entry_id(parent.tree, change.path) for parent in others]
            if new_entry_id in other_ids:
                continue  # taken unchanged from another parent: that parent's commits carry it
            seen: set[str] = set()
            for other_id in other_ids:
                if other_id is not None:
                    seen.update(_text_lines(self._repo[other_id]))
            own = tuple(line for line in change.added if line.text not in seen)
            result.append(FileChange(**{**change.__dict__, "added": own}))
        return result


def is_binary_content(data: bytes) -> bool:
    """Whether a file is binary by git's own rule, attributes aside (:data:`SNIFF_BYTES`)."""
    return data.find(b"\0", 0, SNIFF_BYTES) >= 0


_CHUNK_BYTES = 1 << 16
"""How much of a log is read at a time."""
_RAW_OPTIONS = ("--raw", "-z", "--no-abbrev")
_EDITS = ("M", "R")
"""The raw log's statuses whose patch the log of edits writes: a type change is the removal of
one entry and the addition of another, which git writes as two patches."""
_EDIT_OPTIONS = (
    "--diff-filter=MR",
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


def _records(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A ``git log -p`` stream cut, as it arrives, after the last complete record (a commit's
    line or a file's ``diff --git`` section). Patch lines start with ``+``, ``-``, ``\\`` or a
    space, so a line starting with NUL or ``diff --git `` can only begin a record."""
    buffer = bytearray()
    for chunk in chunks:
        searched = max(0, len(buffer) - 16)
        buffer += chunk
        cut = max(buffer.rfind(b"\n\x00", searched), buffer.rfind(b"\ndiff --git ", searched))
        if cut >= 0:
            yield bytes(buffer[: cut + 1])
            del buffer[: cut + 1]
    if buffer:
        yield bytes(buffer)


def _sections(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Each file's ``diff --git`` section of a ``git log -p`` stream, in order."""
    for records in _records(chunks):
        starts = sorted(_line_starts(records, b"\x00") + _line_starts(records, b"diff --git "))
        starts.append(len(records))
        for start, end in itertools.pairwise(starts):
            if records.startswith(b"diff --git ", start):
                yield records[start:end]


def _patch_of(change: LoggedChange, section: bytes | None) -> bytes:
    """``section``, the next patch of the log of edits, checked to be ``change``'s by the blob
    ids of its ``index`` line (an unchanged file's, a pure rename's or mode change's, has none)."""
    if section is None:  # pragma: no cover - both logs list the same edits
        raise GuardtrailError(f"git log: no patch for {change.path!r} in commit {change.commit[:12]}")
    if change.old_id != change.new_id:
        index = section.find(b"\nindex ")
        ids = section[index + 7 : section.find(b"\n", index + 1)].split(b" ")[0] if index >= 0 else b""
        if ids != f"{change.old_id}..{change.new_id}".encode():  # pragma: no cover - same order in both logs
            raise GuardtrailError(
                f"git log: the patch of {change.path!r} in commit {change.commit[:12]} is not its own"
            )
    return section


def _usable_patch(patch: bytes) -> bool:
    """Whether git wrote ``patch`` as text: not a "Binary files" section, which attributes can
    make of a text file (libgit2 then reads it by content). Attributes that make git write a
    binary file as text make libgit2 do so too: every reader sees those lines alike."""
    return b"\nBinary files " not in patch


def _no_object(object_id: str) -> bool:
    """Whether a raw log entry's id is git's all-zero "no file on this side"."""
    return not object_id.strip("0")


def _nul_fields(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The NUL-terminated fields of a ``-z`` stream arriving in ``chunks``."""
    rest = b""
    for chunk in chunks:
        fields = (rest + chunk).split(b"\0")
        rest = fields.pop()
        yield from fields
    if rest:
        yield rest


def _logged_changes(fields: Iterator[bytes]) -> Iterator[LoggedChange]:
    """The file changes of a ``git log --raw -z`` stream (:meth:`Repository.history_changes`),
    field by field: an empty field, then a commit's sha; or an entry
    (``:MODE MODE ID ID STATUS``, the first after a newline), then its path, a rename's or
    copy's old path first."""
    sha = ""
    for field in fields:
        if not field:
            sha = next(fields, b"").decode()
            continue
        entry = field.lstrip(b"\n")
        try:
            old_mode, new_mode, old_id, new_id, status = entry[1:].decode().split(" ")
            path = next(fields)
            if status[:1] in ("R", "C"):
                path = next(fields)
            yield LoggedChange(
                sha,
                status[:1],
                int(old_mode, 8),
                int(new_mode, 8),
                old_id,
                new_id,
                path.decode("utf-8", "surrogateescape"),
            )
        except (ValueError, StopIteration):  # pragma: no cover - git writes every entry whole
            raise GuardtrailError(f"git log: unreadable entry {entry[:80]!r} in commit {sha}") from None


def _whole_text(data: bytes) -> bytes | None:
    """A new file's lines joined by newlines, trailing carriage returns removed and no newline
    after the last one (as :class:`AddedText` holds them), or None for an empty file."""
    if not data:
        return None
    return _joined(data if data.endswith(b"\n") else data + b"\n")


def _joined(lines: bytes) -> bytes:
    """``lines``, each ending in a newline, as :class:`AddedText` holds them: trailing carriage
    returns removed, however many, and no newline after the last line."""
    while b"\r\n" in lines:
        lines = lines.replace(b"\r\n", b"\n")
    return lines[:-1]


def _line_starts(data: bytes, prefix: bytes, start: int = 0, end: int | None = None) -> list[int]:
    """Where lines starting with ``prefix`` start in ``data[start:end]`` (memchr speed, no regex)."""
    end = len(data) if end is None else end
    found = [start] if data.startswith(prefix, start, end) else []
    marker = b"\n" + prefix
    at = data.find(marker, start, end)
    while at >= 0:
        found.append(at + 1)
        at = data.find(marker, at + 1, end)
    return found


def _patch_additions(patch: bytes, path: str) -> tuple[bytes, tuple[tuple[int, int], ...]] | None:
    """The lines a -U0 ``patch`` of one file (``path``) adds, joined as :class:`AddedText`
    holds them, and its hunks; None when it adds none."""
    headers = _line_starts(patch, b"@@ -")
    pieces: list[bytes] = []
    hunks: list[tuple[int, int]] = []
    lines = 0
    headers.append(len(patch))
    for at, following in itertools.pairwise(headers):
        header = _HUNK_HEADER.match(patch, at)
        if header is None:  # pragma: no cover - libgit2 always writes a well-formed header
            raise GuardtrailError(f"unreadable hunk header in the diff of {path!r}")
        count = 1 if header.group(2) is None else int(header.group(2))
        if count == 0:
            continue
        first = int(header.group(1))
        block = _added_block(patch, header.end(), following, count)
        if block is None:  # not the removed-then-added shape of -U0: read line by line
            for number, line in _added_lines(patch[header.end() : following], first):
                hunks.append((lines, number))
                pieces.append(line + b"\n")
                lines += 1
            continue
        hunks.append((lines, first))
        pieces.append(block)
        lines += count
    if not pieces:
        return None
    return _joined(b"".join(pieces)), tuple(hunks)


def _added_block(patch: bytes, start: int, end: int, count: int) -> bytes | None:
    """The ``count`` added lines of the -U0 hunk ``patch[start:end]`` without their ``+``, each
    ending in a newline; None unless the hunk is removed lines, then exactly ``count`` added."""
    if patch.startswith(b"+", start, end):
        first = start
    else:
        first = patch.find(b"\n+", start, end) + 1
        if first == 0:
            return None
    last = patch.rfind(b"\n", first, end - 1) + 1 or first
    if patch.startswith(b"\\", last, end):  # "\ No newline at end of file"
        end = last
    if patch.count(b"\n", first, end) != count:  # git counts the "+" lines: any other line shows
        return None
    return patch[first + 1 : end].replace(b"\n+", b"\n")


def _added_lines(hunk: bytes, number: int) -> Iterator[tuple[int, bytes]]:
    """The added lines of any hunk with their numbers, context lines counted."""
    for line in hunk.split(b"\n"):
        kind = line[:1]
        if kind == b"+":
            yield number, line[1:]
            number += 1
        elif kind == b" ":
            number += 1


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


def _text_lines(obj: pygit2.Object) -> list[str]:
    if not isinstance(obj, pygit2.Blob) or obj.is_binary:
        return []
    return obj.data.decode("utf-8", "replace").splitlines()


def changes_from_diff(sha: str, diff: pygit2.Diff) -> Iterator[FileChange]:
    """The file changes of a libgit2 diff, attributed to commit ``sha``."""
    for patch in diff:
        if patch is None:  # pragma: no cover - unchanged entries
            continue
        delta = patch.delta
        status = _STATUS.get(delta.status_char(), "modified")
        old_path = None if status == "added" else delta.old_file.path
        path = delta.old_file.path if status == "deleted" else delta.new_file.path
        # a submodule is never binary: libgit2 calls one so under a -diff attribute, git never does
        binary = bool(delta.is_binary) and FileMode.COMMIT not in (delta.old_file.mode, delta.new_file.mode)
        added: tuple[AddedLine, ...] = ()
        if not binary and status != "deleted":
            added = tuple(
                AddedLine(line.new_lineno, line.content.rstrip("\r\n"))
                for hunk in patch.hunks
                for line in hunk.lines
                if line.origin == "+"
            )
        yield FileChange(
            commit=sha,
            path=path,
            old_path=old_path,
            status=status,
            old_id=None if status == "added" else str(delta.old_file.id),
            new_id=None if status == "deleted" else str(delta.new_file.id),
            binary=binary,
            added=added,
        )
