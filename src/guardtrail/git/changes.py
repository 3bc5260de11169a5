"""git's diff output turned into the project's change records: the one reader every entry point uses.

Pure: bytes in, records out. Nothing here starts a process or reads an object; ``repo.py`` (the
logs and the object database) and ``index.py`` (the staged diff) feed it what git writes, so a
case handled here (a status, a path's bytes, a hunk's shape, a file's encoding) is handled alike
in ``check``, ``ci``, ``pre-push``, ``pre-receive``, ``scan --history`` and ``staged``.

git is always asked for ``-z`` raw entries (``:MODE MODE ID ID STATUS``, then the path or a
rename's two paths, each NUL-terminated, bytes as they are) and ``-U0`` patches pinned against
configuration (myers, no indent heuristic, ``a/`` and ``b/`` prefixes, full blob ids); merges
come as dense combined diffs (``--cc``), whose ``++`` lines are the lines no parent had.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from guardtrail.errors import GuardtrailError
from guardtrail.model import DEFAULT_MAX_FILE_BYTES, AddedLine, FileChange, Skipped, display_path

__all__ = ["DEFAULT_MAX_FILE_BYTES"]  # the readers' limit, re-exported where they are

STATUS = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "C": "copied", "T": "typechange"}
"""git's status letters as :attr:`FileChange.status` spells them."""
GITLINK_MODE = 0o160000
"""A submodule's entry: its id names a commit of another repository, not a file."""
SNIFF_BYTES = 8000
"""git's and libgit2's content rule: a NUL byte within a file's first 8000 bytes makes it binary."""
_OBJECT_ID = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")
_HUNK_HEADER = re.compile(rb"@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@[^\n]*\n")
_COMBINED_HEADER = re.compile(rb"(@@@+) (?:-\d+(?:,\d+)? )+\+(\d+)(?:,(\d+))? @@@+[^\n]*\n")
_LFS_POINTER = re.compile(rb"version https://git-lfs\.github\.com/spec/v1\n(?:[a-z0-9.-]+ [^\n]*\n){1,8}\Z")


class LoggedChange(NamedTuple):
    """One file one commit changes, as a raw ``-z`` entry lists it: against the commit's first
    parent (renames found), a root commit against the empty tree, a merge against every parent."""

    commit: str
    status: str
    """git's letter: ``A`` added, ``M`` modified, ``T`` type changed, ``R`` renamed, ``C`` copied,
    ``D`` deleted."""
    old_mode: int
    new_mode: int
    old_id: str
    """All zeros where the file did not exist before the commit."""
    new_id: str
    """All zeros where the commit deletes the file."""
    path: str
    """The path after the change; bytes that are not UTF-8 kept as surrogate escapes."""
    patch: bytes | None = None
    """For an edit (``M`` or ``R``), or any file of a merge: git's -U0 patch of the file."""
    old_path: str | None = None
    """A rename's or copy's path before the change."""


class AddedText(NamedTuple):
    """The lines one commit adds to one file, in one piece."""

    commit: str
    path: str
    text: bytes
    """The added lines joined by ``\\n``, trailing carriage returns removed; no newline after
    the last one."""
    hunks: tuple[tuple[int, int], ...]
    """Per hunk, in order: the index of its first line among the added lines, and that
    line's number in the new file."""


def decode_path(raw: bytes) -> str:
    """A path as git wrote it (``-z``: its bytes as they are). Bytes that are not UTF-8 stay
    surrogate escapes, so the path names the same file when it goes back to git; reports show
    them as ``\\xNN`` (``report.jsontext.printable``)."""
    return raw.decode("utf-8", "surrogateescape")


def decode_line(raw: bytes) -> str:
    """An added line's text for the analysers: UTF-8, undecodable bytes replaced."""
    return raw.decode("utf-8", "replace")


def no_object(object_id: str) -> bool:
    """Whether a raw entry's id is git's all-zero "no file on this side"."""
    return not object_id.strip("0")


# -- file content ------------------------------------------------------------------------------


def is_binary_content(data: bytes) -> bool:
    """Whether a file is binary by git's own rule, attributes aside (:data:`SNIFF_BYTES`)."""
    return data.find(b"\0", 0, SNIFF_BYTES) >= 0


def is_lfs_pointer(data: bytes) -> bool:
    """Whether ``data`` is a Git LFS pointer: the file itself lives outside the repository."""
    return len(data) < 1024 and _LFS_POINTER.match(data) is not None


def pointer_skip(additions: Additions | None) -> Skipped | None:
    """:attr:`Skipped.LFS_POINTER` when the lines a change adds are a whole Git LFS pointer."""
    if additions is None or not additions[0].startswith(b"version https://git-lfs"):
        return None
    return Skipped.LFS_POINTER if is_lfs_pointer(additions[0] + b"\n") else None


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
"""UTF-32's little-endian mark starts with UTF-16's: the longer is tried first."""


def wide_encoding(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 encoding ``data`` is written in, by its byte-order mark or, without
    one, by the NUL pattern of ASCII text in it (every other byte NUL, or three of four); else None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    sample = data[:SNIFF_BYTES]
    if len(sample) < 4 or b"\0" not in sample:
        return None
    for width, encoding, at in (
        (4, "utf-32-le", 0),
        (4, "utf-32-be", 3),
        (2, "utf-16-le", 0),
        (2, "utf-16-be", 1),
    ):
        size = len(sample) - len(sample) % width
        units = sample[at:size:width]
        nuls = sample[:size].count(b"\0")
        if b"\0" not in units and nuls == size - len(units) and units.isascii():
            return encoding
    return None


def as_text(data: bytes) -> bytes | None:
    """``data`` as UTF-8 text when it is text: as it is when it has no NUL (git's rule), else
    decoded from UTF-16 or UTF-32 (:func:`wide_encoding`); None when it is binary."""
    if not is_binary_content(data):
        return data
    encoding = wide_encoding(data)
    if encoding is None:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return text.removeprefix("\ufeff").encode("utf-8", "surrogatepass")


# -- raw entries -------------------------------------------------------------------------------


def nul_fields(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The NUL-terminated fields of a ``-z`` stream arriving in ``chunks``."""
    rest = b""
    for chunk in chunks:
        fields = (rest + chunk).split(b"\0")
        rest = fields.pop()
        yield from fields
    if rest:
        yield rest


def raw_entry(commit: str, meta: bytes, fields: Iterator[bytes]) -> LoggedChange:
    """The entry whose ``:MODE MODE ID ID STATUS`` field is ``meta`` (a merge's ``::`` form
    lists a mode and an id per parent: the first parent's that has the file are kept), its paths read from
    ``fields``: a rename's or copy's old path first."""
    try:
        colons = len(meta) - len(meta.lstrip(b":"))
        parts = meta[colons:].decode("ascii").split(" ")
        modes, ids, status = parts[: colons + 1], parts[colons + 1 : 2 * colons + 2], parts[-1]
        path = next(fields)
        old_path = None
        if status[:1] in ("R", "C"):
            old_path, path = path, next(fields)
        letter, parent = status[:1], 0
        if colons > 1:  # a merge's file: new where no parent had it, else an edit of the first that did
            parent = next((at for at, known in enumerate(ids[:-1]) if not no_object(known)), 0)
            letter = "D" if no_object(ids[-1]) else "A" if no_object(ids[parent]) else "M"
        return LoggedChange(
            commit,
            letter,
            int(modes[parent], 8),
            int(modes[-1], 8),
            ids[parent],
            ids[-1],
            decode_path(path),
            old_path=None if old_path is None else decode_path(old_path),
        )
    except (ValueError, IndexError, StopIteration):
        raise GuardtrailError(f"git: unreadable diff entry {meta[:80]!r} in commit {commit[:12]}") from None


def logged_changes(fields: Iterator[bytes]) -> Iterator[LoggedChange]:
    """The file changes of a ``git log --raw -z --format=%x00%H`` stream, field by field: an empty
    field, then a commit's sha; or an entry (the first after a newline), then its path(s)."""
    sha = ""
    for field in fields:
        if not field:
            sha = next(fields, b"").decode()
            continue
        entry = field.lstrip(b"\n")
        if not entry.startswith(b":"):
            raise GuardtrailError(f"git: unreadable diff entry {entry[:80]!r} in commit {sha[:12]}")
        yield raw_entry(sha, entry, fields)


def merge_changes_of(fields: Iterator[bytes]) -> Iterator[LoggedChange]:
    """The file changes of a ``git log --diff-merges=dense-combined --raw -z -p`` stream of
    merges, each with its combined patch: per merge its sha, its ``::`` entries (the files that
    differ from every parent), then one field of patch text. A file the dense combined patch
    leaves out took each hunk from one parent or another: it gets an empty patch (no lines)."""
    sha = ""
    entries: list[LoggedChange] = []
    for field in fields:
        if field.startswith(b"diff --"):
            yield from _with_patches(entries, field)
            entries = []
        elif field.lstrip(b"\n").startswith(b":"):
            entries.append(raw_entry(sha, field.lstrip(b"\n"), fields))
        elif _OBJECT_ID.fullmatch(field):
            yield from _with_patches(entries, b"")
            entries, sha = [], field.decode()
        elif field.strip(b"\n"):
            raise GuardtrailError(f"git log: unreadable merge output {field[:80]!r} in commit {sha[:12]}")
    yield from _with_patches(entries, b"")


def _with_patches(entries: list[LoggedChange], patch: bytes) -> Iterator[LoggedChange]:
    """``entries`` of one merge with their sections of its combined ``patch``, matched by the
    resulting blob id of each section's ``index`` line (``--full-index``)."""
    by_result: dict[bytes, list[bytes]] = {}
    for section in sections([patch]) if patch else ():
        index = section.find(b"\nindex ")
        line = section[index + 7 : section.find(b"\n", index + 1)] if index >= 0 else b""
        by_result.setdefault(line.split(b"..")[-1].split(b" ")[0], []).append(section)
    for entry in entries:
        found = by_result.get(entry.new_id.encode())
        empty = b"diff --cc " + entry.path.encode("utf-8", "surrogateescape")
        yield entry._replace(patch=found.pop(0) if found else empty)


# -- patches -----------------------------------------------------------------------------------


def records(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A ``git log -p`` stream cut, as it arrives, after the last complete record (a commit's
    line or a file's ``diff`` section). Patch lines start with ``+``, ``-``, ``\\`` or a space,
    so a line starting with NUL or ``diff --`` can only begin a record."""
    buffer = bytearray()
    for chunk in chunks:
        searched = max(0, len(buffer) - 16)
        buffer += chunk
        cut = max(buffer.rfind(b"\n\x00", searched), buffer.rfind(b"\ndiff --", searched))
        if cut >= 0:
            yield bytes(buffer[: cut + 1])
            del buffer[: cut + 1]
    if buffer:
        yield bytes(buffer)


def sections(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Each file's ``diff --git`` (or a merge's ``diff --cc``) section of a patch stream, in order."""
    for piece in records(chunks):
        yield from sections_of(piece)


def sections_of(piece: bytes) -> Iterator[bytes]:
    """Each file's section of patch text held whole (:func:`sections` of one record)."""
    starts = sorted(line_starts(piece, b"\x00") + line_starts(piece, b"diff --"))
    starts.append(len(piece))
    for start, end in itertools.pairwise(starts):
        if piece.startswith(b"diff --", start):
            yield piece[start:end] if start or end != len(piece) else piece


def patch_of(change: LoggedChange, section: bytes | None) -> bytes:
    """``section``, the next patch of a log of edits, checked to be ``change``'s by the blob ids
    of its ``index`` line (an unchanged file's, a pure rename's or mode change's, has none)."""
    if section is None:
        raise GuardtrailError(f"git log: no patch for {change.path!r} in commit {change.commit[:12]}")
    if change.old_id != change.new_id:
        index = section.find(b"\nindex ")
        ids = section[index + 7 : section.find(b"\n", index + 1)].split(b" ")[0] if index >= 0 else b""
        if not ids.startswith(change.old_id.encode()) or not ids.endswith(change.new_id.encode()):
            raise GuardtrailError(
                f"git log: the patch of {change.path!r} in commit {change.commit[:12]} is not its own"
            )
    return section


def usable_patch(patch: bytes) -> bool:
    """Whether git wrote ``patch`` as text: not a "Binary files" section, which attributes (or
    a file over the size limit) make of a file; its reader then judges it by content."""
    return b"\nBinary files " not in patch


def whole_text(data: bytes) -> bytes | None:
    """A new file's lines joined by newlines, trailing carriage returns removed and no newline
    after the last one (as :class:`AddedText` holds them), or None for an empty file."""
    if not data:
        return None
    return joined(data if data.endswith(b"\n") else data + b"\n")


def joined(lines: bytes) -> bytes:
    """``lines``, each ending in a newline, as :class:`AddedText` holds them: trailing carriage
    returns removed, however many, and no newline after the last line."""
    while b"\r\n" in lines:
        lines = lines.replace(b"\r\n", b"\n")
    return lines[:-1]


def line_starts(data: bytes, prefix: bytes, start: int = 0, end: int | None = None) -> list[int]:
    """Where lines starting with ``prefix`` start in ``data[start:end]`` (memchr speed, no regex)."""
    end = len(data) if end is None else end
    found = [start] if data.startswith(prefix, start, end) else []
    marker = b"\n" + prefix
    at = data.find(marker, start, end)
    while at >= 0:
        found.append(at + 1)
        at = data.find(marker, at + 1, end)
    return found


Additions = tuple[bytes, tuple[tuple[int, int], ...]]
"""Added lines joined as :class:`AddedText` holds them, and its hunks."""


def patch_additions(patch: bytes, path: str) -> Additions | None:
    """The lines a -U0 ``patch`` of one file (``path``) adds, and its hunks; None when it adds
    none. A merge's combined patch (``diff --cc``) adds the lines no parent had."""
    if patch.startswith(b"diff --cc "):
        return _combined_additions(patch, path)
    headers = line_starts(patch, b"@@ -")
    pieces: list[bytes] = []
    hunks: list[tuple[int, int]] = []
    lines = 0
    headers.append(len(patch))
    for at, following in itertools.pairwise(headers):
        header = _HUNK_HEADER.match(patch, at)
        if header is None:
            raise GuardtrailError(f"git: unreadable hunk header in the diff of {path!r}")
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
    return joined(b"".join(pieces)), tuple(hunks)


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


def _combined_additions(patch: bytes, path: str) -> Additions | None:
    """The lines a merge's dense combined -U0 patch adds that no parent had (``+`` in every
    column), numbered in the merge's file: every line without a ``-`` column is in it."""
    pieces: list[bytes] = []
    hunks: list[tuple[int, int]] = []
    headers = line_starts(patch, b"@@@")
    headers.append(len(patch))
    for at, following in itertools.pairwise(headers):
        header = _COMBINED_HEADER.match(patch, at)
        if header is None:
            raise GuardtrailError(f"git: unreadable combined hunk header in the diff of {path!r}")
        columns = len(header.group(1)) - 1
        own = b"+" * columns
        number = int(header.group(2))
        previous = -2
        for line in patch[header.end() : following].split(b"\n"):
            marks = line[:columns]
            if len(marks) < columns or marks.startswith(b"\\"):
                continue
            if marks == own:
                if number != previous + 1:
                    hunks.append((len(pieces), number))
                pieces.append(line[columns:] + b"\n")
                previous = number
            if b"-" not in marks:
                number += 1
    if not pieces:
        return None
    return joined(b"".join(pieces)), tuple(hunks)


def added_lines(text: bytes, hunks: tuple[tuple[int, int], ...]) -> tuple[AddedLine, ...]:
    """Joined added lines and their hunks (as :class:`AddedText` holds them) as numbered lines.
    Decoded in one piece, then split: a newline is never part of a UTF-8 sequence, so each line
    decodes as it would alone, several times faster on a large file."""
    lines = decode_line(text).split("\n")
    bounds = [*(first for first, _ in hunks[1:]), len(lines)]
    found: list[AddedLine] = []
    for (first, number), end in zip(hunks, bounds, strict=True):
        found += map(AddedLine, range(number, number + end - first), lines[first:end])
    return tuple(found)


# -- change records ----------------------------------------------------------------------------


def file_changes(
    change: LoggedChange,
    added: tuple[AddedLine, ...] = (),
    *,
    binary: bool = False,
    skipped: Skipped | None = None,
) -> list[FileChange]:
    """The change records of one raw entry and the lines it adds. A type change (a file become a
    symlink or a submodule) is the removal of one entry and the addition of another: the
    addition first, which holds the lines. A submodule adds no lines."""
    old_id = None if no_object(change.old_id) else change.old_id
    new_id = None if no_object(change.new_id) else change.new_id
    if change.status == "T":
        created = change._replace(status="A", old_id="0" * len(change.old_id))
        removed = change._replace(status="D", new_id="0" * len(change.new_id))
        return [*file_changes(created, added, binary=binary, skipped=skipped), *file_changes(removed)]
    status = STATUS.get(change.status, "modified")
    if change.new_mode == GITLINK_MODE:
        added = ()  # a submodule's "Subproject commit" line is git's, not a file's
    old_path = None if status == "added" else (change.old_path or change.path)
    return [
        FileChange(
            commit=change.commit,
            path=old_path or change.path if status == "deleted" else change.path,
            old_path=old_path,
            status=status,
            old_id=None if status == "added" else old_id,
            new_id=None if status == "deleted" else new_id,
            binary=binary,
            added=() if binary or status == "deleted" else added,
            skipped=skipped,
            old_mode=None if status == "added" else change.old_mode,
            new_mode=None if status == "deleted" else change.new_mode,
        )
    ]


# -- the staged diff: ``git diff -z --raw --numstat --patch`` ----------------------------------


def parse_diff(commit: str, output: bytes) -> Iterator[tuple[LoggedChange, bool, bytes | None]]:
    """The entries of ``git diff -z --raw --numstat --patch`` output (``--raw`` records, as many
    ``--numstat`` records, a NUL, then the patch text), each with whether git counts it binary
    (``-`` for its line counts: both sides are read, so a binary file only renamed or made
    executable counts too) and its patch: a type change's is the new entry's (git writes the
    removal's first, then the addition's)."""
    position = 0

    def field() -> bytes:
        nonlocal position
        end = output.find(b"\0", position)
        if end < 0:
            raise _unexpected("a record without its NUL")
        value, position = output[position:end], end + 1
        return value

    if not output:
        return
    fields = iter(field, None)  # the fields before the patch, read one by one: the patch is never split
    entries: list[LoggedChange] = []
    value = field()
    while value.startswith(b":"):
        entries.append(raw_entry(commit, value, fields))
        value = field()
    binary: list[bool] = []
    for entry in entries:
        counts = value.split(b"\t", 2)
        if len(counts) != 3:
            raise _unexpected("a --numstat record without its counts")
        path = counts[2]
        if not path:  # a rename: "added\tdeleted\t\0old\0new\0"
            field()
            path = field()
        if decode_path(path) != entry.path:
            raise _unexpected(f"--numstat names {decode_path(path)!r} where --raw names {entry.path!r}")
        binary.append(counts[0] == b"-")
        value = field() if position < len(output) else b""
    if value:
        raise _unexpected("no NUL before the patch")
    patches = sections_of(output[position:])
    for entry, is_binary in zip(entries, binary, strict=True):
        section = next(patches, None)
        if entry.status == "T":
            section = next(patches, None)
        if section is None:
            raise _unexpected(f"no patch for {entry.path!r}")
        yield entry, is_binary or not usable_patch(section), section
    if next(patches, None) is not None:
        raise _unexpected("more patches than files")


def _unexpected(what: str) -> GuardtrailError:
    return GuardtrailError(f"unexpected output from git diff: {what}")


def skipped_note(skipped: Iterable[FileChange | tuple[str, Skipped]]) -> tuple[str, ...]:
    """Notes naming the files whose content was not read, and why, if any (changes, or
    ``(path, reason)`` pairs): the same words in every report of every entry point."""
    reasons: dict[Skipped, dict[str, None]] = {reason: {} for reason in Skipped}
    for item in skipped:
        path, reason = (item.path, item.skipped) if isinstance(item, FileChange) else item
        if reason is not None:
            reasons[reason][path] = None
    notes = []
    for reason, found in reasons.items():
        if found:
            paths = list(found)
            shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
            notes.append(f"not scanned ({reason.describe}): {display_path(shown)}")
    return tuple(notes)
