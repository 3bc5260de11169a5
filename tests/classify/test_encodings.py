"""Escapes decoded with every place mapped back to the line as written; binaries' strings."""

from __future__ import annotations

import io
import zipfile

import pytest

from guardtrail.classify import encodings
from guardtrail.classify.encodings import ESCAPE_KEYWORDS, binary_strings, decoded, runs_at


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ('"\\u0067hp_"', '"ghp_"'),
        ("'\\x67\\x68p_'", "'ghp_'"),
        ("a%5Fb%2fc", "a_b/c"),
        ("`\\u{67}h`", "`gh`"),
    ],
)
def test_escapes_decode_to_the_characters_they_stand_for(line: str, text: str) -> None:
    view = decoded(line)
    assert view is not None
    assert view.text == text


@pytest.mark.parametrize(
    "line", ["plain text", "100% sure", "%zz", "caf%C3%A9", "\\u00e9t\\u00e9", "b'\\x00\\x01'", "a%0Ab", "\\u{110000}"]
)
def test_text_with_no_escape_of_a_printable_ascii_character_has_no_decoded_view(line: str) -> None:
    assert decoded(line) is None


def test_a_value_found_decoded_maps_to_its_span_as_written() -> None:
    line = 'x = "\\u0067h\\x70_tok%65n" # end'
    view = decoded(line)
    assert view is not None and view.text == 'x = "ghp_token" # end'
    start, end = view.original_span("ghp_token") or (0, 0)
    assert line[start:end] == "\\u0067h\\x70_tok%65n"
    start, end = view.original_span("token") or (0, 0)
    assert line[start:end] == "tok%65n"
    assert view.original_span("absent") is None


def test_the_keyword_pass_marks_every_escape_the_decoder_reads() -> None:
    """The scan decodes only lines its keyword pass marks: every decodable escape, in either
    case of its hex digits, must start with one of the marks (in lower case, as searched)."""
    forms = ["\\u{:04x}", "\\u{:04X}", "\\u{{{:x}}}", "\\x{:02x}", "\\x{:02X}", "%{:02x}", "%{:02X}"]
    for code in range(0x20, 0x7F):
        for form in forms:
            written = form.format(code)
            view = decoded(written)
            assert view is not None and view.text == chr(code), written
            assert written.lower().startswith(ESCAPE_KEYWORDS), written


def _everywhere(data: bytes) -> list[int]:
    """Every offset: what the runs of a binary file are, wherever a search would look."""
    return list(range(len(data)))


def test_runs_are_ascii_and_utf16le_strings_of_eight_or_more() -> None:
    data = b"\x00short\x00" + b"long enough run\n2nd line" + b"\x01" + "wide string".encode("utf-16-le") + b"\xff"
    assert runs_at(data, _everywhere(data)) == ["long enough run\n2nd line", "wide string"]


def _zip(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_archive_is_read_unpacked_within_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _zip(("a.xml", b"<t>first member text</t>"), ("b.xml", b"x" * 64 + b"<t>second member</t>"))
    assert {"<t>first member text</t>"} <= set(binary_strings(data, _everywhere))
    assert any("second member" in run for run in binary_strings(data, _everywhere))

    monkeypatch.setattr(encodings, "MAX_UNPACKED_BYTES", 30)  # room for the first member only
    assert not any("second member" in run for run in binary_strings(data, _everywhere))


def test_a_damaged_archive_is_read_as_its_bytes() -> None:
    data = b"PK\x03\x04" + b"\x00" * 8 + b"visible in the raw bytes" + b"\xff" * 16
    assert binary_strings(data, _everywhere) == ["visible in the raw bytes"]


def test_runs_at_gives_the_printable_run_around_each_place_once() -> None:
    wide = "key: ghp_wide".encode("utf-16-le")
    data = b"\x00\x01junk\xff-----BEGIN RSA PRIVATE KEY-----\nMIIE\x00\x02" + wide + b"\x00\x00ab\x00"
    header = data.index(b"PRIVATE")
    inside = data.index("ghp_".encode("utf-16-le"))
    assert runs_at(data, [header, header + 3, inside, data.index(b"ab")]) == [
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE",
        "key: ghp_wide",
    ]  # the run around "ab" is too short
