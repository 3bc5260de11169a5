"""Text a secret scan would not see as written: escaped, percent-encoded, or inside binary bytes.

A token written as ``\\u0067hp_…`` in JSON, ``\\x67hp_…`` in JavaScript or ``ghp%5F…`` in a URL
is the same token to whatever reads the file. :func:`decoded` gives a line's decoded text and
maps every place in it back to the line as written, so a finding points at the original line
and a redaction hides the encoded form. :func:`printable_runs` gives what ``strings`` would
print of a binary file: runs of printable ASCII and of UTF-16LE text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import NamedTuple

ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|%([0-9a-fA-F]{2})")
"""One escape: JavaScript's ``\\u{…}``, JSON's and JavaScript's ``\\uXXXX``, ``\\xXX``, and
percent-encoding. Percent-encoding of a byte above 0x7f (a piece of a UTF-8 sequence) stays
as written: tokens are ASCII, and a lone byte is no character."""
_SURROGATE_PAIR = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")
ESCAPE_MARKS = ("\\u", "\\x", "%")
"""What every escape starts with: a text holding none of them has nothing to decode, which
``str.__contains__`` tells far faster than the regex."""

MIN_RUN = 8
"""Printable characters in a row that count as a string of a binary file, as ``strings -n 8``."""
_ASCII_RUN = re.compile(rb"[\t\n\r\x20-\x7e]{%d,}" % MIN_RUN)
_UTF16_RUN = re.compile(rb"(?:[\t\n\r\x20-\x7e]\x00){%d,}" % MIN_RUN)


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


def has_escapes(text: str) -> bool:
    """Whether ``text`` may hold an escape at all (cheap; :func:`decoded` says for sure)."""
    return any(mark in text for mark in ESCAPE_MARKS)


def escaped_lines(text: str) -> Iterator[tuple[int, int]]:
    """Where each line of ``text`` (lines joined by newlines) that holds an escape starts and
    ends: one regex search per such line, and lines without one cost nothing in Python."""
    at = 0
    while (match := ESCAPE.search(text, at)) is not None:
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        if end < 0:
            end = len(text)
        yield start, end
        at = end + 1


def decoded(line: str) -> Decoded | None:
    """``line`` with every escape of :data:`ESCAPE` decoded, or None when it holds none.

    UTF-16 surrogate pairs written as two ``\\u`` escapes decode to their one character; an
    escape that names no character (a lone surrogate, a code point past U+10FFFF) stays as
    written."""
    if not has_escapes(line):
        return None
    parts: list[str] = []
    anchors: list[int] = []
    origins: list[tuple[int, int]] = []
    kept = length = 0
    for match in _escapes(line):
        start, end, char = match
        if start < kept:
            continue
        parts.append(line[kept:start])
        length += start - kept
        anchors.append(length)
        origins.append((start, end - start))
        parts.append(char)
        length += 1
        kept = end
    if not anchors:
        return None
    parts.append(line[kept:])
    return Decoded("".join(parts), tuple(anchors), tuple(origins))


def _escapes(line: str) -> list[tuple[int, int, str]]:
    """Each decodable escape of ``line``: its start, its end, and the character it stands for."""
    found: dict[int, tuple[int, int, str]] = {}
    for pair in _SURROGATE_PAIR.finditer(line):
        high, low = int(pair.group(1), 16), int(pair.group(2), 16)
        found[pair.start()] = (pair.start(), pair.end(), chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)))
    for match in ESCAPE.finditer(line):
        if match.start() in found:
            continue
        braced, unicode, hexadecimal, percent = match.groups()
        value = int(braced or unicode or hexadecimal or percent, 16)
        if (percent and value > 0x7F) or 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
            continue
        found[match.start()] = (match.start(), match.end(), chr(value))
    return [found[start] for start in sorted(found)]


def printable_runs(data: bytes) -> list[str]:
    """The strings of a binary file, as ``strings -n 8 -e S`` and ``-e l`` print them: runs of
    printable ASCII (tabs and line ends included, so a PEM block stays one run), then runs
    of UTF-16LE text, which Windows binaries and resources store."""
    runs = [match.group().decode("ascii") for match in _ASCII_RUN.finditer(data)]
    runs += [match.group().decode("utf-16-le") for match in _UTF16_RUN.finditer(data)]
    return runs
