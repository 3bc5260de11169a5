"""Reports render a :class:`~guardtrail.decide.gate.Decision`; they never change it."""

from __future__ import annotations

import enum

from guardtrail.decide.gate import Decision


class Format(str, enum.Enum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


def render(decision: Decision, fmt: Format) -> str:
    """The decision as text in ``fmt``; every format says the same verdict."""
    if fmt is Format.TEXT:
        from guardtrail.report.text import render_text

        return render_text(decision)
    if fmt is Format.JSON:
        from guardtrail.report.json import render_json

        return render_json(decision)
    if fmt is Format.SARIF:
        from guardtrail.report.sarif import render_sarif

        return render_sarif(decision)
    if fmt is Format.GITHUB:
        from guardtrail.report.github import render_annotations

        return render_annotations(decision)
    raise AssertionError(f"unhandled format {fmt}")  # pragma: no cover - test_formats_exhaustive
