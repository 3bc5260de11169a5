"""Helpers every content analyser shares: reading both sides, locating lines, building findings."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any

import yaml

from guardtrail.classify.base import Blobs
from guardtrail.model import AddedLine, Category, FileChange, Finding, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PIPE_TO_SHELL = re.compile(
    r"\b(?:curl|wget|iwr|Invoke-WebRequest)\b[^|;\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?"
    r"(?:ba|z|da|k|fi)?sh\b|\b(?:curl|wget)\b[^|;\n]*\|\s*(?:sudo\s+)?python[0-9.]*\b|\biex\b.*\b(?:iwr|irm)\b"
)
"""A download piped straight into a shell or interpreter."""


_JSONC_NOISE = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/|,(?=\s*[}\]])', re.S)
"""Strings (kept) and the comments and trailing commas between them (dropped)."""


class Malformed(Exception):
    """The new side of a file cannot be parsed; reported as ``<family>.malformed``."""


@dataclass(frozen=True)
class Sides:
    """The text of a changed file before and after the change ("" for a missing side)."""

    old: str
    new: str


def basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def path_matches(path: str, globs: Iterable[str]) -> bool:
    """Whether ``path`` matches a glob: one without ``/`` names a file anywhere, one with ``/`` a path's tail."""
    name = basename(path)
    return any(fnmatch(path, g) or fnmatch(path, f"*/{g}") if "/" in g else fnmatch(name, g) for g in globs)


def has_new_text(change: FileChange) -> bool:
    """The change leaves a text file behind (not a deletion, not binary)."""
    return change.new_id is not None and not change.binary


def read_sides(change: FileChange, blobs: Blobs) -> Sides:
    """Both sides of ``change`` decoded as UTF-8 (undecodable bytes replaced)."""
    return Sides(_read(blobs, change.old_id), _read(blobs, change.new_id))


def _read(blobs: Blobs, blob_id: str | None) -> str:
    if blob_id is None:
        return ""
    return blobs.blob(blob_id).decode("utf-8", errors="replace")


def parse_json(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise Malformed(f"invalid JSON: {exc}") from None


def parse_jsonc(text: str) -> Any:
    """JSON with comments and trailing commas, as VS Code and Cursor settings are written."""
    return parse_json(_JSONC_NOISE.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text))


def parse_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Malformed(f"invalid TOML: {exc}") from None


def parse_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Malformed(f"invalid YAML: {' '.join(str(exc).split())}") from None


def parse_yaml_all(text: str) -> list[Any]:
    try:
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        raise Malformed(f"invalid YAML: {' '.join(str(exc).split())}") from None


def parse_old(parse: Callable[[str], Any], text: str, empty: Any) -> Any:
    """The old side parsed, or ``empty`` when it was already broken (then everything counts as new)."""
    try:
        return parse(text)
    except Malformed:
        return empty


def is_comment(text: str, markers: tuple[str, ...] = ("#",)) -> bool:
    return text.lstrip().startswith(markers)


def introduced_lines(change: FileChange, old: str, *, comments: tuple[str, ...] = ("#",)) -> list[AddedLine]:
    """Added lines that say something new: not blank, not comments, not merely moved or re-indented."""
    before = {line.strip() for line in old.splitlines()}
    return [
        line
        for line in change.added
        if line.text.strip() and line.text.strip() not in before and not (comments and is_comment(line.text, comments))
    ]


def line_of(text: str, pattern: str | re.Pattern[str], *, start: int = 1, skip_comments: bool = True) -> int | None:
    """1-based number of the first line at or after ``start`` matching ``pattern`` (a regex)."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern
    for number, line in enumerate(text.splitlines()[start - 1 :], start=start):
        if skip_comments and is_comment(line, ("#", "//")):
            continue
        if regex.search(line):
            return number
    return None


def key_line(text: str, key: str, *, start: int = 1) -> int | None:
    """The line where a JSON/YAML/TOML key (quoted or bare) is written."""
    quoted = re.escape(key)
    return line_of(text, rf"""(?:^|[\s{{,\[])["']?{quoted}["']?\s*[:=]""", start=start)


def word_line(text: str, word: str, *, start: int = 1) -> int | None:
    """The first line that mentions ``word`` as a whole word (or whole quoted string)."""
    return line_of(text, rf"(?<![\w.-]){re.escape(word)}(?![\w-])", start=start)


@dataclass(frozen=True)
class Reporter:
    """Builds findings for one file change in one category."""

    change: FileChange
    category: Category

    def __call__(
        self,
        rule: str,
        message: str,
        line: int | None,
        severity: Severity = Severity.WARNING,
        details: Iterable[str] = (),
    ) -> Finding:
        return Finding(
            commit=self.change.commit,
            path=self.change.path,
            line=line,
            category=self.category,
            rule=rule,
            message=message,
            severity=severity,
            details=tuple(details),
        )

    def malformed(self, family: str, error: Malformed) -> Finding:
        return self(f"{family}.malformed", f"cannot parse {basename(self.change.path)}: {error}", None, Severity.NOTE)


def mappings_in(value: Any) -> Iterator[dict[Any, Any]]:
    """Every mapping inside a parsed JSON/YAML/TOML value (itself included), depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from mappings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from mappings_in(item)
