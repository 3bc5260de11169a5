"""The reports' JSON layout: the standard library's indentation, records one a line."""

from __future__ import annotations

import json
from typing import Any

from guardtrail.report.jsontext import dumps

DOCUMENT: dict[str, Any] = {
    "version": 1,
    "empty": {},
    "none": [],
    "nested": {"list": [1, 2.5, None, True, False, "ü…", {"a": []}], "x": {"y": {"z": '\t"\\\n'}}},
    "findings": [{"path": "a b.py", "line": 3, "details": ["one", "two"]}, {"path": "ß", "line": 4}],
    "after": "end",
}


def test_without_records_it_writes_what_json_dumps_indent_2_writes() -> None:
    assert dumps(DOCUMENT) == json.dumps(DOCUMENT, indent=2, ensure_ascii=False) + "\n"


def test_each_record_stands_compact_on_a_line_of_its_own() -> None:
    text = dumps(DOCUMENT, records=("findings",))
    assert json.loads(text) == DOCUMENT
    assert '    {"path": "a b.py", "line": 3, "details": ["one", "two"]},\n' in text
    assert '    {"path": "ß", "line": 4}\n  ],\n' in text
    assert '  "nested": {\n    "list": [\n      1,\n' in text  # other lists stay indented


def test_a_record_key_deeper_down_and_an_empty_record_list() -> None:
    document = {"runs": [{"results": [{"id": 1}, {"id": 2}], "rules": []}]}
    text = dumps(document, records=("results",))
    assert json.loads(text) == document
    assert '        {"id": 1},\n        {"id": 2}\n' in text
    assert '"rules": []' in text


def test_a_record_reads_as_json_dumps_writes_it_whatever_it_holds() -> None:
    """Records are written by one C encoder built once: the text is ``json.dumps``'s."""
    records = [
        {"text": 'quote " backslash \\ tab \t newline \n bell \x07 nul \x00', "é": "ü… 中文 \u2028 \U0001f600"},
        {"numbers": [0, -1, 2**70, 1.5, 1e-7, 1e300], "flags": [True, False, None]},
        {"nested": {"deeper": [{"x": []}, {}], "empty": ""}},
        [],
        "a bare string",
    ]
    text = dumps({"records": records}, records=("records",))
    lines = text.split("\n")[2:-3]  # not splitlines(): it would cut at U+2028 too
    assert [line.strip().rstrip(",") for line in lines] == [json.dumps(r, ensure_ascii=False) for r in records]
