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
from collections.abc import Callable, Collection
from typing import Any

_COMPACT = json.JSONEncoder(ensure_ascii=False)
"""Compact JSON with the default separators (``", "``, ``": "``), non-ASCII text kept as is."""


def _record_encoder() -> Callable[[Any], str]:
    """``_COMPACT.encode``, but for one record at a time: ``JSONEncoder.encode`` builds a new
    C encoder on every call, which for 45,000 findings costs as much as the encoding. Where
    CPython's C encoder is at hand, one is built once (the same one ``json`` builds, so the
    text is the same, checked here); else ``_COMPACT.encode`` itself."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - an interpreter without the C accelerator
        return _COMPACT.encode
    try:
        chunks = make(None, _COMPACT.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)
        sample = {"a": [1, None, True, "é\n"], "b": 1.5}

        def encode(value: Any) -> str:
            return "".join(chunks(value, 0))

        if encode(sample) == _COMPACT.encode(sample):
            return encode
    except (TypeError, ValueError):  # pragma: no cover - another C encoder signature
        pass
    return _COMPACT.encode  # pragma: no cover


_encode_record = _record_encoder()


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
                out.append(_encode_record(item))
            else:
                _write(item, inner, records, out, flat=False)
            separator = ",\n"
        out += ("\n", indent, "]")
    else:
        out.append(_COMPACT.encode(value))
