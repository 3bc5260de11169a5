"""What guardtrail does differently on a terminal: colour and progress.

Reports stay plain text (``report/`` never knows where its text goes); the CLI colours the
verdict and the marks of a text report only when the stream is a terminal and ``NO_COLOR`` is
not set (https://no-color.org), and shows progress on stderr only when stderr is a terminal,
for long work. A pipe, a file, CI logs and tests of the plain output get exactly the report.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import IO

ProgressCallback = Callable[[int, int], None]
"""Called with (commits done, commits in all) as long work advances."""

_RED, _YELLOW, _GREEN, _BOLD, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[1m", "\x1b[0m"
_MARKS = re.compile(r"(?m)^(guardtrail: )(BLOCK|PASS)\b|^(\s+)(BLOCK|warn |ok   |note )(?= )")
_COLOURS = {"BLOCK": _RED, "PASS": _GREEN, "warn ": _YELLOW, "ok   ": _GREEN, "note ": ""}


def is_terminal(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # a closed stream
        return False


def wants_colour(stream: IO[str] | None, environ: Mapping[str, str]) -> bool:
    """Colour only on a terminal, never when ``NO_COLOR`` is set to anything, nor on a dumb terminal."""
    return is_terminal(stream) and not environ.get("NO_COLOR") and environ.get("TERM") != "dumb"


def colourise(text: str) -> str:
    """``text`` (a text report) with its verdict and each finding's mark coloured. Report text
    never holds an escape sequence of its own (``report.text.printable`` escapes control
    characters), so the only ones on screen are these."""

    def paint(match: re.Match[str]) -> str:
        prefix, mark = (match.group(1), match.group(2)) if match.group(2) else (match.group(3), match.group(4))
        colour = _COLOURS[mark]
        return f"{prefix}{_BOLD}{colour}{mark}{_RESET}" if colour else match.group(0)

    return _MARKS.sub(paint, text)


class Progress:
    """``commits done / total, rate`` on one rewritten stderr line, for work of at least
    :attr:`MIN_TOTAL` commits; redrawn at most every :attr:`INTERVAL` seconds, cleared at the end."""

    MIN_TOTAL = 100
    INTERVAL = 0.1

    def __init__(self, stream: IO[str], what: str) -> None:
        self._stream = stream
        self._what = what
        self._start = time.monotonic()
        self._drawn = 0.0
        self._last = (0, 0)
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.MIN_TOTAL or (done, total) == self._last:
            return
        now = time.monotonic()
        if done < total and now - self._drawn < self.INTERVAL:
            return
        self._drawn, self._last = now, (done, total)
        rate = done / max(now - self._start, 1e-6)
        self._stream.write(f"\r{self._what}: {done}/{total} commits, {rate:.0f} commits/s\x1b[K")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        """Clear the progress line, so the report starts on a clean one."""
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()


@contextlib.contextmanager
def progress_on(stream: IO[str] | None, what: str, *, enabled: bool = True) -> Iterator[Progress | None]:
    """A :class:`Progress` on ``stream`` when it is a terminal (and ``enabled``), else None;
    its line is cleared on the way out, however the work ends."""
    progress = Progress(stream, what) if stream is not None and enabled and is_terminal(stream) else None
    try:
        yield progress
    finally:
        if progress is not None:
            progress.close()
