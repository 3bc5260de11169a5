"""Read commits, diffs and files from the object database with pygit2.

This module is the only place that reads a repository. It never touches the working tree
or HEAD: everything comes from objects, so a scan changes nothing in the user's checkout.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import functools
import itertools
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pygit2

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
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
    """The lines one commit adds to one file, in one piece, as ``git log -p -U0`` shows them."""

    commit: str
    path: str
    text: bytes
    """The added lines joined by ``\\n``, trailing carriage returns removed (as in
    :meth:`Repository.changes`); no newline after the last one."""
    hunks: tuple[tuple[int, int], ...]
    """Per hunk, in order: the index of its first line among the added lines, and that
    line's number in the new file."""


class LogRegion(NamedTuple):
    """Whole records (commit lines and files' ``diff --git`` sections) of the log stream
    :meth:`Repository.history_log` reads, and the commit current where they start."""

    data: bytes
    commit: str


_LOG_FORMAT = "%x00%H"
"""Each commit of the log stream starts with a NUL and its sha: no patch line can start so."""
_HUNK_HEADER = re.compile(rb"@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@[^\n]*\n")
_C_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}
REGION_BYTES = 1 << 20
"""About how much of the log stream :meth:`Repository.history_log` reads into one region
(one worker task of a parallel history scan), and how wide it asks the pipe from git to be."""
SNIFF_BYTES = 8000
"""git's and libgit2's content rule: a NUL byte within a file's first 8000 bytes makes it binary."""
MAX_TEXT_BYTES = 512 * 1024 * 1024
"""Larger files stay binary whatever their content, as git (``core.bigFileThreshold``'s default)
and libgit2 (a diff's ``max_size``) judge them: no huge file is ever read as a text diff."""
_INDEX_LINE = re.compile(rb"^index ([0-9a-f]+)\.\.([0-9a-f]+)", re.MULTILINE)
_RENAME_TO = re.compile(rb"^rename to (.*)$", re.MULTILINE)


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
        """The lines each of ``commits`` adds, file by file, in the order given: the added
        texts of every region :meth:`history_log` reads."""
        for region in self.history_log(commits):
            yield from added_texts(region)

    def history_log(self, commits: Iterable[str], *, region_bytes: int = REGION_BYTES) -> Iterator[LogRegion]:
        """One streaming ``git log -p -U0`` over ``commits``, in the order given, cut into
        regions of whole records of about ``region_bytes``: the whole history in one pass
        instead of a libgit2 tree diff and patch per commit. :func:`added_texts` reads a region.

        Each commit is compared with its first parent (renames found), a root commit with the
        empty tree, as :meth:`changes` does for an ordinary commit; options pin what git's configuration could
        change (diff algorithm, prefixes, path quoting, hunk context). Deleted, binary and
        unchanged files add nothing, and so do merges: :meth:`changes` says what a merge
        introduces itself. git lets attributes call a text file binary: such a file's section
        gets its text diff back (:meth:`_with_text_diffs`), so content alone decides.
        """
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
            "--root",
            "--diff-merges=off",
            "--patch",
            "--unified=0",
            "--inter-hunk-context=0",
            "--find-renames",
            "--diff-algorithm=myers",
            "--no-indent-heuristic",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--no-relative",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--submodule=short",
            "--full-index",  # a binary file's blob ids, to judge its content
            "-O/dev/null",
        ]
        revisions = "".join(f"{sha}\n" for sha in commits).encode()
        if not revisions:
            return  # given no revision, git log would read HEAD
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
            _widen_pipe(process.stdout.fileno())
            try:
                try:  # git reads every revision before it writes a byte: no deadlock
                    process.stdin.write(revisions)
                    process.stdin.close()
                except BrokenPipeError:
                    pass  # git stopped early: its status and message say why
                chunks = iter(functools.partial(process.stdout.read, region_bytes), b"")
                yield from (self._with_text_diffs(region) for region in _regions(chunks))
            finally:
                process.stdout.close()
                status = process.wait()
            if status != 0:
                errors.seek(0)
                detail = errors.read().decode("utf-8", "replace").strip().splitlines()
                raise GuardtrailError(f"git log failed reading the history: {detail[-1] if detail else status}")

    def _with_text_diffs(self, region: LogRegion) -> LogRegion:
        """``region`` with each "Binary files ... differ" line of a file whose content is text
        replaced by that file's -U0 text diff, in git's shape for :func:`added_texts`. A region
        without such a line (one search; patch lines never start so) comes back as it is."""
        data = region.data
        markers = _line_starts(data, b"Binary files ")
        if not markers:
            return region
        sections = _line_starts(data, b"diff --git ")
        pieces: list[bytes] = []
        done = 0
        for marker in markers:
            start = sections[bisect.bisect_right(sections, marker) - 1]
            end = data.index(b"\n", marker) + 1
            text = self._binary_section_as_text(data[start:marker], data[marker:end])
            if text is not None:
                pieces += [data[done:marker], text]
                done = end
        if not pieces:
            return region
        pieces.append(data[done:])
        return region._replace(data=b"".join(pieces))

    def _binary_section_as_text(self, header: bytes, line: bytes) -> bytes | None:
        """What git would print in place of the binary ``line`` of the section whose header lines
        are ``header`` if attributes were ignored: the ``---``/``+++`` lines and the hunks of the
        lines added, or None when the file is deleted or binary by content."""
        ids = _INDEX_LINE.search(header)
        if ids is None:  # pragma: no cover - with --full-index git always writes the index line
            return None
        old_id, new_id = (None if not blob_id.strip(b"0") else blob_id.decode() for blob_id in ids.groups())
        if new_id is None:
            return None
        added = self._text_additions(old_id, new_id)
        if added is None:
            return None
        old_name, new_name = _binary_names(header, line)
        return b"--- %s\n+++ %s\n%s" % (old_name, new_name, _hunks(added))

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
            new = None if new_id is None else self._text_blob(new_id)
            if new_id is not None and new is None:
                return None  # the new file is binary: it adds no text
            old = None if old_id is None else self._text_blob(old_id)
            if new_id is None and old is None:
                return None  # a binary file deleted
            patch = pygit2.Patch.create_from(old, new, flag=DiffOption.FORCE_TEXT, context_lines=0, interhunk_lines=0)
            # read while old and new are referenced here: a patch does not keep its blobs alive
            return [
                (line.new_lineno, line.raw_content) for hunk in patch.hunks for line in hunk.lines if line.origin == "+"
            ]

    def _text_blob(self, blob_id: str) -> pygit2.Blob | None:
        """The blob ``blob_id`` when it is text by content, its size checked before it is read."""
        kind, size = self._repo.odb.read_header(blob_id)
        if kind != ObjectType.BLOB or size > MAX_TEXT_BYTES:
            return None
        blob = self._repo[blob_id]
        return None if not isinstance(blob, pygit2.Blob) or is_binary_content(memoryview(blob)) else blob

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


def is_binary_content(data: bytes | memoryview) -> bool:
    """Whether a file is binary by git's own rule, attributes aside (:data:`SNIFF_BYTES`)."""
    return b"\0" in bytes(data[:SNIFF_BYTES])


def _binary_names(header: bytes, line: bytes) -> tuple[bytes, bytes]:
    """The old and new names, as git quotes them, of git's ``Binary files OLD and NEW differ``
    ``line`` in the section with ``header``: a new file's old name is /dev/null, a rename names
    its new path in the header, and otherwise both name one path (``a/P and b/P``), whatever
    the path holds."""
    names = line.removeprefix(b"Binary files ").removesuffix(b" differ\n")
    if names.startswith(b"/dev/null and "):
        return b"/dev/null", names.removeprefix(b"/dev/null and ")
    renamed = _RENAME_TO.search(header)
    if renamed is None:
        new_name = names[(len(names) + len(b" and ")) // 2 :]
    else:
        path = renamed.group(1)
        new_name = b'"b/' + path[1:] if path.startswith(b'"') else b"b/" + path
    return names[: len(names) - len(new_name) - len(b" and ")], new_name


def _hunks(added: Iterable[tuple[int, bytes]]) -> bytes:
    """-U0 hunks adding ``added`` (numbered lines), one per run of consecutive numbers."""
    runs: list[tuple[int, list[bytes]]] = []
    for number, line in added:
        if not runs or runs[-1][0] + len(runs[-1][1]) != number:
            runs.append((number, []))
        runs[-1][1].append(b"+" + (line if line.endswith(b"\n") else line + b"\n"))
    return b"".join(b"@@ -0,0 +%d,%d @@\n%s" % (first, len(lines), b"".join(lines)) for first, lines in runs)


def _widen_pipe(fd: int) -> None:
    """Let git write a whole read ahead while the scan works on the last one (Linux; else a no-op).

    With the default 64 KiB pipe, git stalls whenever Python is busy; with 1 MiB it keeps going."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if setsize is not None:
        with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size: keep the default
            fcntl.fcntl(fd, setsize, REGION_BYTES)


def _regions(chunks: Iterable[bytes]) -> Iterator[LogRegion]:
    """Cut a ``git log -p -U0`` stream (of :meth:`Repository.history_log`) as it arrives, after
    the last complete record of what has arrived. Patch lines start with ``+``, ``-``, ``\\``
    or a space, so a line starting with NUL or ``diff --git `` can only begin a record."""
    buffer = bytearray()
    sha = ""
    for chunk in chunks:
        searched = max(0, len(buffer) - 16)
        buffer += chunk
        cut = max(buffer.rfind(b"\n\x00", searched), buffer.rfind(b"\ndiff --git ", searched))
        if cut < 0:
            continue
        region = LogRegion(bytes(buffer[: cut + 1]), sha)
        del buffer[: cut + 1]
        yield region
        sha = _last_commit(region)
    if buffer:
        yield LogRegion(bytes(buffer), sha)


def _last_commit(region: LogRegion) -> str:
    """The commit current at the end of ``region``."""
    data = region.data
    at = data.rfind(b"\n\x00") + 1
    if at == 0 and not data.startswith(b"\x00"):
        return region.commit  # no commit line: the region continues the previous commit
    return _commit_line(data, at)


def _commit_line(data: bytes, at: int) -> str:
    """The sha of the commit line (NUL, sha) starting at ``at``."""
    return data[at + 1 : data.index(b"\n", at)].decode()


def added_texts(region: LogRegion) -> Iterator[AddedText]:
    """The lines each file of ``region`` adds (files that add none are left out)."""
    data, sha = region
    starts = _line_starts(data, b"\x00") + _line_starts(data, b"diff --git ")
    starts.sort()
    starts.append(len(data))
    for start, end in itertools.pairwise(starts):
        if data[start] == 0:
            sha = _commit_line(data, start)
            continue
        added = _file_added(sha, data, start, end)
        if added is not None:
            yield added


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


def _file_added(sha: str, region: bytes, start: int, end: int) -> AddedText | None:
    """The file whose ``diff --git`` section is ``region[start:end]`` and the text it adds, or
    None when it adds nothing."""
    headers = _line_starts(region, b"@@ -", start, end)
    new_name = region.find(b"\n+++ ", start, headers[0]) if headers else -1
    if new_name < 0:
        return None  # binary, mode change, pure rename, empty file
    name = region[new_name + 5 : region.index(b"\n", new_name + 5)]
    if name == b"/dev/null":
        return None
    path = _unquote(name).removeprefix(b"b/").decode("utf-8", "surrogateescape")
    pieces: list[bytes] = []
    hunks: list[tuple[int, int]] = []
    lines = 0
    headers.append(end)
    for at, following in itertools.pairwise(headers):
        header = _HUNK_HEADER.match(region, at)
        if header is None:  # pragma: no cover - git always writes a well-formed header
            raise GuardtrailError(f"git log: unreadable hunk header in {path!r} of {sha}")
        count = 1 if header.group(2) is None else int(header.group(2))
        if count == 0:
            continue
        first = int(header.group(1))
        block = _added_block(region, header.end(), following, count)
        if block is None:  # not the removed-then-added shape of -U0: read line by line
            for number, line in _added_lines(region[header.end() : following], first):
                hunks.append((lines, number))
                pieces.append(line + b"\n")
                lines += 1
            continue
        hunks.append((lines, first))
        pieces.append(block)
        lines += count
    if not pieces:
        return None
    text = b"".join(pieces)
    while b"\r\n" in text:  # trailing carriage returns, however many
        text = text.replace(b"\r\n", b"\n")
    return AddedText(sha, path, text[:-1], tuple(hunks))


def _added_block(region: bytes, start: int, end: int, count: int) -> bytes | None:
    """The ``count`` added lines of the -U0 hunk ``region[start:end]`` without their ``+``, each
    ending in a newline; None unless the hunk is removed lines, then exactly ``count`` added."""
    if region.startswith(b"+", start, end):
        first = start
    else:
        first = region.find(b"\n+", start, end) + 1
        if first == 0:
            return None
    last = region.rfind(b"\n", first, end - 1) + 1 or first
    if region.startswith(b"\\", last, end):  # "\ No newline at end of file"
        end = last
    if region.count(b"\n", first, end) != count:  # git counts the "+" lines: any other line shows
        return None
    return region[first + 1 : end].replace(b"\n+", b"\n")


def _added_lines(hunk: bytes, number: int) -> Iterator[tuple[int, bytes]]:
    """The added lines of any hunk with their numbers, context lines counted."""
    for line in hunk.split(b"\n"):
        kind = line[:1]
        if kind == b"+":
            yield number, line[1:]
            number += 1
        elif kind == b" ":
            number += 1


def _unquote(name: bytes) -> bytes:
    """A path as git prints it in a patch header: C-quoted when it holds special characters,
    else as is with a tab appended when it holds a space."""
    if not name.startswith(b'"'):
        return name.removesuffix(b"\t")
    out = bytearray()
    raw = name[1 : name.rindex(b'"')]
    i = 0
    while i < len(raw):
        char = raw[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
        elif raw[i + 1 : i + 2].isdigit():
            out.append(int(raw[i + 1 : i + 4], 8))
            i += 4
        else:
            out.append(_C_ESCAPES[raw[i + 1 : i + 2]])
            i += 2
    return bytes(out)


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
        detail = exc.args[0] if exc.args else type(exc).__name__
        reason = detail if isinstance(exc, pygit2.GitError) else f"object {detail} is missing"
        raise GuardtrailError(f"cannot read {what}: {reason}: run `git fsck`") from None


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
