"""``guardtrail audit verify``: prove an audit log's records are the ones guardtrail wrote.

Exit 0 when the chain is intact (and ends at ``--expect`` when given), 1 when a record was
edited, removed or reordered (naming the first bad line), 2 when the log cannot be read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from guardtrail.errors import GuardtrailError
from guardtrail.report.audit import verify_chain

_TAIL_BYTES = 1 << 16


@dataclass(frozen=True)
class VerifyOptions:
    path: Path
    expect: str | None = None
    """The last record hash kept elsewhere (``ci`` prints it): records removed from the end of the
    log leave an intact but shorter chain, which only this catches."""


def last_line(path: str | os.PathLike[str]) -> str | None:
    """The log's last non-empty line, read from its end; None when there is no log yet."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            tail = b""
            while size > 0 and tail.strip().count(b"\n") < 1:
                step = min(_TAIL_BYTES, size)
                size -= step
                handle.seek(size)
                tail = handle.read(step) + tail
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise GuardtrailError(f"cannot read audit log {path}: {exc.strerror}") from None
    lines = tail.strip().splitlines()
    return lines[-1].decode("utf-8", "replace") if lines else None


def run_verify(options: VerifyOptions) -> tuple[int, str]:
    """The exit code and the one line that says why."""
    try:
        with open(options.path, encoding="utf-8", errors="surrogateescape") as handle:
            result = verify_chain(raw.rstrip("\n") for raw in handle)
    except OSError as exc:
        raise GuardtrailError(f"cannot read audit log {options.path}: {exc.strerror}") from None
    if result.bad_line is not None:
        return 1, f"{options.path}:{result.bad_line}: TAMPERED: {result.problem}"
    if options.expect is not None and options.expect.lower() != result.last:
        return 1, (
            f"{options.path}: TAMPERED: the log ends at {result.last}, not at {options.expect}: records were removed"
            " from its end"
        )
    return 0, f"{options.path}: intact: {result.records} records, last hash {result.last}"
