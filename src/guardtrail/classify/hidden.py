"""Hidden text: invisible or direction-changing characters in added lines.

They hide instructions from reviewers ("Rules File Backdoor", ASCII smuggling with Unicode tag
characters) or make code read differently from how it runs (Trojan Source, CVE-2021-42574).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from guardtrail.classify.base import Blobs
from guardtrail.model import Category, FileChange, Finding, Severity

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
_FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_EMOJI_WITH_PRESENTATION = re.compile(
    "([\u00a9\u00ae\u203c-\u3299\U0001f000-\U0001faff])[\ufe0e\ufe0f]|([0-9#*])\ufe0f(?=\u20e3)"
)
_ZWJ_IN_EMOJI = re.compile(
    "(?<=[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f])\u200d(?=[\U0001f000-\U0001faff\u2600-\u27bf])"
)
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
    """One finding per added line with hidden characters, at most ``MAX_PER_FILE`` per file."""
    del blobs
    if not HIDDEN.search("\n".join(line.text for line in change.added)):
        return
    hits = [
        (line, chars)
        for line in change.added
        if (chars := hidden_characters(line.text, at_file_start=line.number == 1))
    ]
    for line, chars in hits[:MAX_PER_FILE]:
        names = ", ".join(describe(c) for c in chars[:3]) + (" …" if len(chars) > 3 else "")
        smuggled = decoded_tags(line.text)
        details = (f'tag characters spell: "{smuggled[:120]}"',) if smuggled else ()
        yield Finding(
            commit=change.commit,
            path=change.path,
            line=line.number,
            category=Category.HIDDEN_TEXT,
            rule="hidden-text.invisible-characters",
            message=f"hidden characters in added line: {names}",
            severity=Severity.ERROR,
            details=details,
        )
    if len(hits) > MAX_PER_FILE:
        yield Finding(
            commit=change.commit,
            path=change.path,
            line=hits[MAX_PER_FILE][0].number,
            category=Category.HIDDEN_TEXT,
            rule="hidden-text.invisible-characters",
            message=f"{len(hits) - MAX_PER_FILE} more added lines with hidden characters",
            severity=Severity.ERROR,
        )
