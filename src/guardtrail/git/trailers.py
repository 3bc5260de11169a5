"""Parse commit-message trailers the way ``git interpret-trailers`` finds them.

Only the last paragraph of a message can hold trailers, and only when it looks like a
trailer block: every line a trailer (or a continuation), or at least a quarter of them with a
git-generated ``Signed-off-by:`` among them. A ``Key: value`` line in the body is not a trailer.
"""

from __future__ import annotations

import re

TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*?)\s*$")
_GIT_GENERATED = ("signed-off-by", "(cherry picked from commit ")
_COMMENT = re.compile(r"^#")


def _last_paragraph(message: str) -> list[str]:
    lines = [line for line in message.replace("\r\n", "\n").split("\n") if not _COMMENT.match(line)]
    while lines and not lines[-1].strip():
        lines.pop()
    start = len(lines)
    while start > 0 and lines[start - 1].strip():
        start -= 1
    if start == 0:
        return []  # the subject paragraph is never a trailer block
    return lines[start:]


def parse_trailers(message: str) -> tuple[tuple[str, str], ...]:
    """The ``(key, value)`` trailers of ``message``, continuation lines folded in."""
    block = _last_paragraph(message)
    trailers: list[list[str]] = []
    non_trailer = 0
    generated = False
    for line in block:
        if line[:1] in (" ", "\t") and trailers:
            trailers[-1][1] = f"{trailers[-1][1]} {line.strip()}"
            continue
        match = TRAILER.match(line)
        if match:
            trailers.append([match.group(1), match.group(2)])
            generated = generated or match.group(1).lower() in _GIT_GENERATED
        else:
            non_trailer += 1
            generated = generated or line.startswith(_GIT_GENERATED[1])
    if not trailers:
        return ()
    if non_trailer and not (generated and len(trailers) * 3 >= non_trailer):
        return ()
    return tuple((key, value) for key, value in trailers)
