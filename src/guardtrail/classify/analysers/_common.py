"""Helpers every content analyser shares: reading both sides, locating lines, building findings."""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from guardtrail.classify.base import Blobs
from guardtrail.classify.submodules import GITLINK_MODE
from guardtrail.model import AddedLine, Category, FileChange, Finding, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_DOWNLOAD = re.compile(r"\b(?:curl|wget|iwr|Invoke-WebRequest)\b")
_CURL_OR_WGET = re.compile(r"\b(?:curl|wget)\b")
_INTO_SHELL = re.compile(r"\s*(?:sudo\s+(?:-\S+\s+)*)?(?:ba|z|da|k|fi)?sh\b")
_INTO_PYTHON = re.compile(r"\s*(?:sudo\s+)?python[0-9.]*\b")
_IEX = re.compile(r"\biex\b")
_IWR = re.compile(r"\b(?:iwr|irm)\b")
_COMMANDS = re.compile(r"[;\n]")


class _PipeToShell:
    """A download piped straight into a shell or interpreter: ``curl … | sh``, ``wget … |
    python``, ``iex (iwr …)``.

    Searched piece by piece rather than with one regex: a regex of "a download, anything but a
    pipe, a pipe" rescans the rest of the line from each ``curl`` it meets, and a line of
    ``curl curl curl …`` costs it quadratic time. Here each command (split at ``;`` and line
    ends) is cut at its pipes and every piece is read once.
    """

    def search(self, text: str) -> bool:
        for command in _COMMANDS.split(text):
            if "|" in command and self._piped(command.split("|")):
                return True
            start = _IEX.search(command)
            if start is not None and _IWR.search(command, start.end()):
                return True
        return False

    @staticmethod
    def _piped(pieces: list[str]) -> bool:
        for before, after in itertools.pairwise(pieces):
            if _DOWNLOAD.search(before) and _INTO_SHELL.match(after):
                return True
            if _CURL_OR_WGET.search(before) and _INTO_PYTHON.match(after):
                return True
        return False


PIPE_TO_SHELL = _PipeToShell()
"""A download piped straight into a shell or interpreter (``PIPE_TO_SHELL.search(text)``)."""


_JSONC_NOISE = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?(?:\*/|\Z)|,(?=\s*[}\]])', re.S)
"""Strings (kept) and the comments and trailing commas between them (dropped). A comment left
open runs to the end, as in a JSONC parser, and in one scan: each ``/*`` is not rescanned."""


class Malformed(Exception):
    """The new side of a file cannot be parsed; reported as ``<family>.malformed``."""


@dataclass(frozen=True)
class Sides:
    """The text of a changed file before and after the change ("" for a missing side)."""

    old: str
    new: str


def basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def has_new_text(change: FileChange) -> bool:
    """The change leaves a text file behind (not a deletion, not binary, not a submodule)."""
    return change.new_id is not None and not change.binary and change.new_mode != GITLINK_MODE


def read_sides(change: FileChange, blobs: Blobs) -> Sides:
    """Both sides of ``change`` decoded as UTF-8 (undecodable bytes replaced). A submodule's
    side is "": its id names a commit of another repository, not a blob of this one, and a
    submodule at a path an analyser reads (``.github/workflows/x.yml``) is judged as one."""
    old = None if change.old_mode == GITLINK_MODE else change.old_id
    new = None if change.new_mode == GITLINK_MODE else change.new_id
    return Sides(_read(blobs, old), _read(blobs, new))


def _read(blobs: Blobs, blob_id: str | None) -> str:
    if blob_id is None:
        return ""
    return blobs.blob(blob_id).decode("utf-8", errors="replace")


MAX_PARSED_CHARS = 32 * 1024 * 1024
"""Files larger than this are not parsed (the biggest lockfiles are a few MiB): a finding says so."""
MAX_DEPTH = 100
"""How deeply a parsed file may nest; real configuration stays under 20. Deeper is hostile: the
parsers and the walks over their values recurse."""
MAX_NODES = 1_000_000
"""How many values a YAML file may stand for once its aliases are expanded (billion laughs: a
few hundred bytes of anchors stand for 10^9 values, which every walk over the value visits)."""

_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when present (several times faster on lockfiles), else PyYAML's."""


def _checked(text: str, kind: str) -> str:
    """``text``, if a parser of ``kind`` may be given it: not too large, and UTF-8 as read
    (:func:`read_sides` replaces undecodable bytes with U+FFFD, which the tools reading the
    real file reject or read otherwise)."""
    if len(text) > MAX_PARSED_CHARS:
        raise Malformed(f"{kind} of {len(text) // (1024 * 1024)} MiB, over the {MAX_PARSED_CHARS >> 20} MiB parsed")
    if "\ufffd" in text:
        line = text.count("\n", 0, text.index("\ufffd")) + 1
        raise Malformed(f"{kind} holds bytes that are not UTF-8 (line {line})")
    return text


def _bounded(value: Any, kind: str) -> Any:
    """``value`` if it nests at most :data:`MAX_DEPTH` deep (measured without recursing)."""
    level = [(value, 1)]
    while level:
        item, depth = level.pop()
        if depth > MAX_DEPTH:
            raise Malformed(f"{kind} nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            level.extend((child, depth + 1) for child in item.values() if isinstance(child, dict | list))
        elif isinstance(item, list):
            level.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return value


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key written twice: tools disagree on which one counts."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise Malformed(f"duplicate key {key[:60]!r}")
            seen.add(key)
    return found


def parse_json(text: str) -> Any:
    """JSON, refused when too large, not UTF-8, nested too deep or with a key written twice."""
    if not _checked(text, "JSON").strip():
        return {}
    try:
        return _bounded(json.loads(text, object_pairs_hook=_unique_pairs), "JSON")
    except RecursionError:
        raise Malformed(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise Malformed(f"invalid JSON: {exc}") from None


def parse_jsonc(text: str) -> Any:
    """JSON with comments and trailing commas, as VS Code and Cursor settings are written."""
    return parse_json(_JSONC_NOISE.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text))


def parse_toml(text: str) -> dict[str, Any]:
    """TOML, refused when too large, not UTF-8 or nested too deep (tomllib refuses duplicate keys)."""
    try:
        return dict(_bounded(tomllib.loads(_checked(text, "TOML")), "TOML"))
    except RecursionError:
        raise Malformed(f"TOML nested deeper than {MAX_DEPTH} levels") from None
    except tomllib.TOMLDecodeError as exc:
        raise Malformed(f"invalid TOML: {exc}") from None


def parse_yaml(text: str) -> Any:
    """The first YAML document, parsed as :func:`parse_yaml_all` parses them all."""
    documents = _yaml_documents(text)
    return documents[0] if documents else None


def parse_yaml_all(text: str) -> list[Any]:
    """Every YAML document that is not empty, safely: plain data only (no ``!!python`` tags),
    refused when too large, not UTF-8, nested too deep, with a key written twice, an alias
    inside its own anchor, or aliases that expand past :data:`MAX_NODES` values. The limits are
    checked on libyaml's event stream, which builds nothing, before any value is built: libyaml's
    composer recurses in C, and 100,000 nested ``[`` crash the process there (a segmentation
    fault, which no ``except`` catches)."""
    return [document for document in _yaml_documents(text) if document is not None]


def _yaml_documents(text: str) -> list[Any]:
    _checked(text, "YAML")
    try:
        _check_yaml_events(yaml.parse(text, Loader=_YAML_LOADER))
        return list(yaml.load_all(text, Loader=_YAML_LOADER))
    except RecursionError:
        raise Malformed(f"YAML nested deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        raise Malformed(f"invalid YAML: {_yaml_problem(text, exc)}") from None


def _yaml_problem(text: str, error: yaml.YAMLError) -> str:
    """What is wrong with ``text``, on one line. libyaml names the problem only; PyYAML's own
    parser, run again on a file already found broken (its event loop does not recurse), also
    quotes the line, which a reviewer wants to see."""
    if _YAML_LOADER is not yaml.SafeLoader:
        try:
            for _ in yaml.parse(text, Loader=yaml.SafeLoader):
                pass
        except yaml.YAMLError as pure:
            error = pure
    return " ".join(str(error).split())


class _Open:
    """A collection open in the YAML event stream: what it will expand to, and its keys."""

    __slots__ = ("anchor", "keys", "mapping", "nodes", "position")

    def __init__(self, anchor: str | None, *, mapping: bool) -> None:
        self.anchor = anchor
        self.mapping = mapping
        self.nodes = 1
        self.position = 0
        self.keys: set[str] = set()


def _check_yaml_events(events: Iterable[yaml.Event]) -> None:
    """Refuse what :func:`parse_yaml_all` refuses, from the events alone."""
    anchors: dict[str, int] = {}
    stack: list[_Open] = []
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise Malformed(f"YAML nested deeper than {MAX_DEPTH} levels")
            _count_key(stack, None)
            stack.append(_Open(event.anchor, mapping=isinstance(event, yaml.MappingStartEvent)))
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            done = stack.pop()
            nodes = done.nodes
            if done.anchor is not None:
                anchors[done.anchor] = nodes
        elif isinstance(event, yaml.AliasEvent):
            if any(open_.anchor == event.anchor for open_ in stack):
                raise Malformed(f"YAML alias *{event.anchor} inside its own anchor (a recursive value)")
            nodes = anchors.get(event.anchor or "", 1)
            _count_key(stack, None)
        elif isinstance(event, yaml.ScalarEvent):
            nodes = 1
            if event.anchor is not None:
                anchors[event.anchor] = 1
            _count_key(stack, event.value)
        else:
            continue
        if stack:
            stack[-1].nodes += nodes
        if (stack[-1].nodes if stack else nodes) > MAX_NODES:
            raise Malformed(f"YAML aliases expand to more than {MAX_NODES:,} values (billion laughs)")


def _count_key(stack: list[_Open], scalar: str | None) -> None:
    """Note the next node of the innermost open collection: in a mapping, every other one is a
    key, and a scalar key written twice is refused (tools disagree on which one counts)."""
    if not stack:
        return
    current = stack[-1]
    if current.mapping and current.position % 2 == 0 and scalar is not None:
        if scalar in current.keys and scalar != "<<":
            raise Malformed(f"YAML duplicate key {scalar[:60]!r}")
        current.keys.add(scalar)
    current.position += 1


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


def mapping(value: Any) -> dict[Any, Any]:
    """``value`` if it is a mapping, else an empty one: a parsed file may hold any type anywhere."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def mappings_in(value: Any) -> Iterator[dict[Any, Any]]:
    """Every mapping inside a parsed JSON/YAML/TOML value (itself included), depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from mappings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from mappings_in(item)
