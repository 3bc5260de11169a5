"""Hidden text: invisible or direction-changing characters in added lines.

They hide instructions from reviewers ("Rules File Backdoor", ASCII smuggling with Unicode tag
characters) or make code read differently from how it runs (Trojan Source, CVE-2021-42574).

Each line gets one finding per kind, with its own rule id and confidence. Trojan Source
characters have no honest use in a source line (rustc rejects bidi controls by default) and are
``Confidence.HIGH``, which the decision stage blocks in any commit, like a secret, until a
signed approval covers it: bidi embedding, override and isolate controls
(``hidden-text.bidi-control``) and Unicode tag characters outside emoji flag sequences
(``hidden-text.tag-characters``). Everything else (zero-width and other invisible characters,
bidi marks, variation selectors, private use, controls) has honest uses too and stays
``Confidence.MEDIUM``: a warning in commits that are not gated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

from guardtrail.classify.base import Blobs
from guardtrail.model import Category, Confidence, FileChange, Finding, Severity

_RANGES = (
    "\U000e0000-\U000e007f"  # Unicode tags (ASCII smuggling)
    "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"  # bidi controls
    "\U000e0100-\U000e01ef\ufe00-\ufe0f"  # variation selectors
    "\u200b-\u200d\u2060-\u2064\ufeff\u00ad\u180e\u034f\u115f\u1160\u3164\uffa0"  # invisible
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"  # private use
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0/C1 controls except tab, LF, CR
    "\u2028\u2029"  # line and paragraph separators
)
HIDDEN = re.compile(f"[{_RANGES}]")

_ASCII_HIDDEN = re.compile("[" + "".join(re.escape(chr(code)) for code in range(128) if HIDDEN.match(chr(code))) + "]")
"""The ASCII characters of :data:`HIDDEN` (control characters): what it can find in ASCII text,
found several times faster there than by its full set, whose ranges every character is tested
against."""


def has_hidden(text: str) -> bool:
    """Whether ``text`` holds a character of :data:`HIDDEN`."""
    return (_ASCII_HIDDEN if text.isascii() else HIDDEN).search(text) is not None


_FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_EMOJI_WITH_PRESENTATION = re.compile(
    "([\u00a9\u00ae\u203c-\u3299\U0001f000-\U0001faff])[\ufe0e\ufe0f]|([0-9#*])\ufe0f(?=\u20e3)"
)
_ZWJ_IN_EMOJI = re.compile(
    "(?<=[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f])\u200d(?=[\U0001f000-\U0001faff\u2600-\u27bf])"
)
_TROJAN_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Bidi embeddings, overrides and isolates: they reorder how a line is shown (Trojan Source)."""
_TAG = re.compile("[\U000e0000-\U000e007f]")


class Kind(NamedTuple):
    """One kind of hidden character: the rule that reports it and how sure that rule is."""

    rule: str
    confidence: Confidence
    what: str
    """The message's words for the kind."""


BIDI_CONTROL = Kind("hidden-text.bidi-control", Confidence.HIGH, "bidi control characters (Trojan Source)")
TAG_CHARACTERS = Kind("hidden-text.tag-characters", Confidence.HIGH, "Unicode tag characters (ASCII smuggling)")
INVISIBLE = Kind("hidden-text.invisible-characters", Confidence.MEDIUM, "hidden characters")
KINDS = (BIDI_CONTROL, TAG_CHARACTERS, INVISIBLE)
"""Every kind of character, in the order a line's findings are reported."""
CONFUSABLE_PATH = Kind("hidden-text.confusable-path", Confidence.HIGH, "look-alike or invisible characters")
"""A path imitating a sensitive one (:meth:`guardtrail.classify.paths.PathClassifier.imitated`)."""


def kind_of(char: str) -> Kind:
    """The kind of one character :func:`hidden_characters` found (flags already stripped)."""
    if _TROJAN_BIDI.match(char):
        return BIDI_CONTROL
    if _TAG.match(char):
        return TAG_CHARACTERS
    return INVISIBLE


MAX_PER_FILE = 20
"""Lines reported per file before the rest is summarised."""


def _strip_allowed(text: str, *, at_file_start: bool) -> str:
    """Remove the uses that are legitimate: emoji flags, emoji presentation, emoji ZWJ, BOM."""
    text = _FLAG.sub("", text)
    text = _EMOJI_WITH_PRESENTATION.sub(r"\1\2", text)
    text = _ZWJ_IN_EMOJI.sub("", text)
    if at_file_start and text.startswith("\ufeff"):
        text = text[1:]
    return text


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: how a reviewer can look the character up."""
    name = unicodedata.name(char, "")
    if not name and 0xE0000 <= ord(char) <= 0xE007F:
        name = "TAG"
    return f"U+{ord(char):04X}{' ' + name if name else ''}"


def described(chars: list[str], *, most: int = 3) -> str:
    """The first ``most`` of ``chars`` as :func:`describe` names them, "…" when there are more."""
    return ", ".join(describe(c) for c in chars[:most]) + (" …" if len(chars) > most else "")


def hidden_characters(text: str, *, at_file_start: bool = False) -> list[str]:
    """The distinct hidden characters in ``text``, in order of first appearance."""
    if text.isascii() and not HIDDEN.search(text):
        return []
    found = HIDDEN.findall(_strip_allowed(text, at_file_start=at_file_start))
    return list(dict.fromkeys(found))


def decoded_tags(text: str) -> str:
    """What Unicode tag characters spell out, for the reviewer (ASCII smuggling)."""
    return "".join(chr(ord(c) - 0xE0000) for c in text if 0xE0020 <= ord(c) <= 0xE007E)


def analyse_hidden_text(change: FileChange, blobs: Blobs) -> Iterable[Finding]:
    """Per added line with hidden characters, one finding per kind of them, for at most
    ``MAX_PER_FILE`` lines per file; the rest is summarised per kind."""
    del blobs
    if not has_hidden("\n".join(line.text for line in change.added)):
        return
    hits = [
        (line, chars)
        for line in change.added
        if (chars := hidden_characters(line.text, at_file_start=line.number == 1))
    ]
    for line, chars in hits[:MAX_PER_FILE]:
        for kind in KINDS:
            mine = [c for c in chars if kind_of(c) is kind]
            if mine:
                yield finding(change, line.number, kind, _line_message(kind, mine), _details(kind, line.text))
    rest = hits[MAX_PER_FILE:]
    for kind in KINDS:
        lines = [line for line, chars in rest if any(kind_of(c) is kind for c in chars)]
        if lines:
            yield finding(change, lines[0].number, kind, f"{len(lines)} more added lines with {kind.what}")


def _line_message(kind: Kind, chars: list[str]) -> str:
    return f"{kind.what} in added line: {described(chars)}"


def _details(kind: Kind, text: str) -> tuple[str, ...]:
    smuggled = decoded_tags(text) if kind is TAG_CHARACTERS else ""
    return (f'tag characters spell: "{smuggled[:120]}"',) if smuggled else ()


def finding(change: FileChange, line: int | None, kind: Kind, message: str, details: tuple[str, ...] = ()) -> Finding:
    """A hidden-text finding of ``kind`` on ``change``."""
    return Finding(
        commit=change.commit,
        path=change.path,
        line=line,
        category=Category.HIDDEN_TEXT,
        rule=kind.rule,
        message=message,
        severity=Severity.ERROR,
        details=details,
        confidence=kind.confidence,
    )
