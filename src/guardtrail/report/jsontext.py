"""JSON text for the reports: indented by two spaces, long lists of records one record a line.

A history scan can report tens of thousands of findings. ``json.dumps(indent=2)`` writes them
in pure Python (CPython's C encoder knows no indentation before 3.14), four times slower than
the compact C encoder, and spreads each over a dozen lines. Here the envelope is indented as
``json.dumps(indent=2)`` would write it, and each item of a list held under one of the given
``records`` keys is written compactly, by the C encoder, on a line of its own: one finding a
line, which ``grep`` and ``diff`` read well.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

_COMPACT = json.JSONEncoder(ensure_ascii=False)
"""Compact JSON with the default separators (``", "``, ``": "``), non-ASCII text kept as is."""


def dumps(document: Any, *, records: Collection[str] = ()) -> str:
    """``document`` as JSON text ending in a newline; without ``records``, exactly
    ``json.dumps(document, indent=2, ensure_ascii=False)`` and a newline."""
    out: list[str] = []
    _write(document, "", records, out, flat=False)
    out.append("\n")
    return "".join(out)


def _write(value: Any, indent: str, records: Collection[str], out: list[str], *, flat: bool) -> None:
    """Append ``value`` indented at ``indent``; ``flat``: a list whose items go on one line each."""
    if isinstance(value, dict) and value:
        inner = indent + "  "
        separator = "{\n"
        for key, item in value.items():
            out += (separator, inner, _COMPACT.encode(key), ": ")
            _write(item, inner, records, out, flat=key in records)
            separator = ",\n"
        out += ("\n", indent, "}")
    elif isinstance(value, list) and value:
        inner = indent + "  "
        separator = "[\n"
        for item in value:
            out += (separator, inner)
            if flat:
                out.append(_COMPACT.encode(item))
            else:
                _write(item, inner, records, out, flat=False)
            separator = ",\n"
        out += ("\n", indent, "]")
    else:
        out.append(_COMPACT.encode(value))
