"""Read commits, diffs and files from the object database with pygit2.

This module is the only place that reads a repository. It never touches the working tree
or HEAD: everything comes from objects, so a scan changes nothing in the user's checkout.
"""

from __future__ import annotations

import contextlib
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
from pygit2.enums import DiffFind, SortMode

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
        """Every commit reachable from any branch, tag or remote ref (or HEAD), oldest first."""
        raw = self._repo
        if raw.head_is_unborn and not list(raw.references):
            return
        walker = raw.walk(None, SortMode.TOPOLOGICAL | SortMode.REVERSE)
        tips = {raw.head.target} if not raw.head_is_unborn else set()
        for name in raw.references:
            if name.startswith(("refs/heads/", "refs/tags/", "refs/remotes/")):
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
        introduces itself.
        """
        command = [
            "git",
            "--no-pager",
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
                yield from _regions(iter(functools.partial(process.stdout.read, region_bytes), b""))
            finally:
                process.stdout.close()
                status = process.wait()
            if status != 0:
                errors.seek(0)
                detail = errors.read().decode("utf-8", "replace").strip().splitlines()
                raise GuardtrailError(f"git log failed reading the history: {detail[-1] if detail else status}")

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
            return list(changes_from_diff(sha, diff))
        first = self._diff(parents[0].tree, commit.tree)
        if len(parents) == 1:
            return list(changes_from_diff(sha, first))
        return self._merge_changes(sha, commit, first)

    def _diff(self, old: pygit2.Tree, new: pygit2.Tree) -> pygit2.Diff:
        diff = old.diff_to_tree(new, context_lines=0, interhunk_lines=0)
        diff.find_similar(DiffFind.FIND_RENAMES)
        return diff

    def _merge_changes(self, sha: str, commit: pygit2.Commit, first: pygit2.Diff) -> list[FileChange]:
        others = commit.parents[1:]
        merge_tree = commit.tree
        result = []
        for change in changes_from_diff(sha, first):
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
        binary = bool(delta.is_binary)
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
