"""Text a secret scan would not see as written: escaped, percent-encoded, or inside binary bytes.

A token written as ``\\u0067hp_…`` in JSON, ``\\x67hp_…`` in JavaScript or ``ghp%5F…`` in a URL
is the same token to whatever reads the file. :func:`decoded` gives a line's decoded text and
maps every place in it back to the line as written, so a finding points at the original line
and a redaction hides the encoded form. :func:`binary_strings` gives what ``strings`` would
print of a binary file around the places a search found: runs of printable ASCII and of
UTF-16LE text.
"""

from __future__ import annotations

import bisect
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from typing import NamedTuple

ESCAPE = re.compile(r"\\u\{0*([2-7][0-9a-fA-F])\}|\\u00([2-7][0-9a-fA-F])|\\x([2-7][0-9a-fA-F])|%([2-7][0-9a-fA-F])")
"""One escape of a printable ASCII character (0x20 to 0x7e; 0x7f, DEL, is left out after the
match): JavaScript's ``\\u{…}``, JSON's and JavaScript's ``\\uXXXX``, ``\\xXX``, and
percent-encoding. Tokens, keys' headers and assignments are written in those characters, and
the escapes files hold most (accented letters and symbols in translations, ``\\x00`` in byte
strings, ``%0A``) stand for none of them: a line holding only such escapes is not even
looked at twice."""
ESCAPE_KEYWORDS = ("\\u00", "\\u{", *(f"{mark}{digit}" for mark in ("\\x", "%") for digit in "234567"))
"""What every escape of :data:`ESCAPE` starts with, in lower case: the secret scan's keyword
pass finds the lines worth decoding with them, at no cost of its own."""


MIN_RUN = 8
"""Printable characters in a row that count as a string of a binary file, as ``strings -n 8``."""


class Decoded(NamedTuple):
    """A line with its escapes decoded, and where each decoded escape stood in the original."""

    text: str
    anchors: tuple[int, ...]
    """Offsets in ``text`` of the decoded escapes, ascending."""
    origins: tuple[tuple[int, int], ...]
    """For each anchor: the escape's offset in the original line and its length there."""

    def original(self, offset: int) -> int:
        """Where the character at ``offset`` of ``text`` (or its end, ``len(text)``) starts in
        the original line."""
        at = bisect.bisect_right(self.anchors, offset) - 1
        if at < 0:
            return offset
        start, length = self.origins[at]
        anchor = self.anchors[at]
        return start if offset == anchor else start + length + offset - anchor - 1

    def original_span(self, value: str) -> tuple[int, int] | None:
        """Where ``value``, found in ``text``, was written in the original line."""
        at = self.text.find(value)
        if at < 0:
            return None
        return self.original(at), self.original(at + len(value))


def decoded(line: str) -> Decoded | None:
    """``line`` with every escape of :data:`ESCAPE` decoded, or None when it holds none."""
    parts: list[str] = []
    anchors: list[int] = []
    origins: list[tuple[int, int]] = []
    kept = length = 0
    for match in ESCAPE.finditer(line):
        value = int(next(group for group in match.groups() if group), 16)
        if value == _DELETE:
            continue
        start = match.start()
        parts.append(line[kept:start])
        length += start - kept
        anchors.append(length)
        origins.append((start, match.end() - start))
        parts.append(chr(value))
        length += 1
        kept = match.end()
    if not anchors:
        return None
    parts.append(line[kept:])
    return Decoded("".join(parts), tuple(anchors), tuple(origins))


_DELETE = 0x7F


MAX_UNPACKED_BYTES = 32 * 1024 * 1024
"""Bytes read out of one archive's members at most: a zip bomb costs no more than this."""
_ZIP_MAGIC = b"PK\x03\x04"


def binary_strings(data: bytes, find: Callable[[bytes], Iterable[int]]) -> list[str]:
    """The strings of a binary file that hold a place ``find`` gives (where a string worth
    reading may stand: :func:`runs_at`), and those of the members of a zip archive (``.docx``,
    ``.xlsx``, ``.jar``, ``.whl`` …), which store most members deflated: they are unpacked, one
    level deep, up to :data:`MAX_UNPACKED_BYTES` in all (an archive that cannot be unpacked is
    read as its bytes alone)."""
    pieces = [data, *zip_members(data)] if data.startswith(_ZIP_MAGIC) else [data]
    return [run for piece in pieces for run in runs_at(piece, find(piece))]


MAX_BACK = 256
"""Bytes a run is followed back from a place found in it: a token's prefix starts it, a key's
header comes a few characters after ``-----BEGIN``."""
MAX_FORWARD = 64 * 1024
"""Bytes a run is followed on from a place found in it: a whole private key block fits."""
_PRINTABLE = frozenset(b"\t\n\r" + bytes(range(0x20, 0x7F)))
_ASCII_TAIL = re.compile(rb"[\t\n\r\x20-\x7e]*")
_WIDE_TAIL = re.compile(rb"(?:[\t\n\r\x20-\x7e]\x00)*")


def runs_at(data: bytes, offsets: Iterable[int]) -> list[str]:
    """The printable run holding each of ``offsets``, each run once: UTF-16LE where a NUL follows
    the character there, else ASCII; :data:`MIN_RUN` characters or more, followed at most
    :data:`MAX_BACK` bytes back and :data:`MAX_FORWARD` on: the strings of a binary file,
    as ``strings -n 8`` prints them (``-e S`` and ``-e l``), for the places a search found,
    without a regex over every byte of the file."""
    runs: dict[str, None] = {}
    covered = -1
    for offset in sorted(offsets):
        if offset < covered:
            continue
        wide = offset + 1 < len(data) and data[offset + 1] == 0
        step = 2 if wide else 1
        start, floor = offset, max(0, offset - MAX_BACK)
        while start - step >= floor and data[start - step] in _PRINTABLE and (not wide or data[start - step + 1] == 0):
            start -= step
        tail = (_WIDE_TAIL if wide else _ASCII_TAIL).match(data, offset)  # matches, if only the empty run
        end = min(tail.end() if tail else offset, offset + MAX_FORWARD)
        if (end - start) // step >= MIN_RUN:
            runs[data[start:end].decode("utf-16-le" if wide else "ascii")] = None
        covered = end
    return list(runs)


def zip_members(data: bytes) -> list[bytes]:
    """The contents of the members of the zip archive ``data``, within the unpacking budget."""
    members: list[bytes] = []
    budget = MAX_UNPACKED_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if budget <= 0:
                    break
                if info.is_dir():
                    continue
                with archive.open(info) as member:
                    content = member.read(budget)  # a member's declared size can lie: read no more
                budget -= len(content)
                members.append(content)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError):
        pass  # encrypted, damaged or of an unknown method: its raw bytes were read all the same
    return members
