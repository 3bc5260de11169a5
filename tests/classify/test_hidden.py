"""Hidden text: what is flagged, what legitimate Unicode is left alone."""

from __future__ import annotations

import pytest

from guardtrail.classify.hidden import analyse_hidden_text, hidden_characters
from guardtrail.model import AddedLine, Confidence, FileChange


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("if user != 'admin\u202e':", ["\u202e"]),  # Trojan Source
        ("a\u2066b\u2069", ["\u2066", "\u2069"]),
        ("zero\u200bwidth", ["\u200b"]),
        ("tag\U000e0041\U000e0042", ["\U000e0041", "\U000e0042"]),  # ASCII smuggling
        ("selector\U000e0100", ["\U000e0100"]),
        ("soft\u00adhyphen", ["\u00ad"]),
        ("bell\x07", ["\x07"]),
        ("private\ue000use", ["\ue000"]),
        ("word\u2028break", ["\u2028"]),
        ("x\ufeffy", ["\ufeff"]),  # a BOM inside a line
    ],
)
def test_hidden_characters_are_flagged(text: str, flagged: list[str]) -> None:
    assert hidden_characters(text) == flagged


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii\tand tab",
        "naïve café, 日本語, עברית, العربية",
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # flag of Scotland
        "\u2764\ufe0f",  # red heart, emoji presentation
        "#\ufe0f\u20e3 1\ufe0f\u20e3",  # keycaps
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family: emoji ZWJ sequence
    ],
)
def test_legitimate_text_is_left_alone(text: str) -> None:
    assert hidden_characters(text) == []


def test_bom_at_file_start_is_allowed() -> None:
    assert hidden_characters("\ufeffimport os", at_file_start=True) == []


def _change(lines: list[str]) -> FileChange:
    added = tuple(AddedLine(n, text) for n, text in enumerate(lines, start=1))
    return FileChange("c0ffee", "rules.md", None, "added", None, "1", added=added)


def test_findings_name_the_code_points_and_cap_per_file() -> None:
    lines = [f"line {n}\u200b" for n in range(25)]
    found = list(analyse_hidden_text(_change(lines), blobs=None))  # type: ignore[arg-type]
    assert len(found) == 21
    assert found[0].message == "hidden characters in added line: U+200B ZERO WIDTH SPACE"
    assert (found[0].path, found[0].line) == ("rules.md", 1)
    assert found[-1].message == "5 more added lines with hidden characters"
    assert (found[-1].rule, found[-1].line) == ("hidden-text.invisible-characters", 21)


def test_trojan_source_and_smuggled_tags_are_high_confidence_rules_of_their_own() -> None:
    flag = "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f"  # flag of Wales
    lines = [
        "ok = user != 'admin\u202e \u2066// later\u2069'\u200b",
        f"see {flag}",
        "say\U000e0068\U000e0069",
        "mark\u200fonly",
    ]
    found = list(analyse_hidden_text(_change(lines), blobs=None))  # type: ignore[arg-type]
    assert {(f.rule, f.line, f.confidence) for f in found} == {
        ("hidden-text.bidi-control", 1, Confidence.HIGH),
        ("hidden-text.invisible-characters", 1, Confidence.MEDIUM),
        ("hidden-text.tag-characters", 3, Confidence.HIGH),
        ("hidden-text.invisible-characters", 4, Confidence.MEDIUM),
    }
    bidi = next(f for f in found if f.rule == "hidden-text.bidi-control")
    assert bidi.message == (
        "bidi control characters (Trojan Source) in added line: U+202E RIGHT-TO-LEFT OVERRIDE,"
        " U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE"
    )
    tags = next(f for f in found if f.rule == "hidden-text.tag-characters")
    assert tags.details == ('tag characters spell: "hi"',)
