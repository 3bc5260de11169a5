"""Escapes decoded with every place mapped back to the line as written; binaries' strings."""

from __future__ import annotations

import pytest

from guardtrail.classify.encodings import decoded, escaped_lines, printable_runs


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ('"\\u0067hp_"', '"ghp_"'),
        ("'\\x67\\x68p_'", "'ghp_'"),
        ("a%5Fb%2fc", "a_b/c"),
        ("`\\u{67}h`", "`gh`"),
        ('"\\ud83d\\ude00!"', '"\U0001f600!"'),  # a surrogate pair is one character
    ],
)
def test_escapes_decode_to_the_characters_they_stand_for(line: str, text: str) -> None:
    view = decoded(line)
    assert view is not None
    assert view.text == text


@pytest.mark.parametrize("line", ["plain text", "100% sure", "%zz", "\\ud800 alone", "caf%C3%A9", "\\u{110000}"])
def test_text_with_nothing_decodable_has_no_decoded_view(line: str) -> None:
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


def test_escaped_lines_are_found_without_walking_the_others() -> None:
    text = "one\ntwo %41\nthree\n\\u0041 four\nfive"
    assert [text[start:end] for start, end in escaped_lines(text)] == ["two %41", "\\u0041 four"]


def test_printable_runs_are_ascii_and_utf16le_strings_of_eight_or_more() -> None:
    data = b"\x00short\x00" + b"long enough run\n2nd line" + b"\x01" + "wide string".encode("utf-16-le") + b"\xff"
    assert printable_runs(data) == ["long enough run\n2nd line", "wide string"]
