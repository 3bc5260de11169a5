"""The shipped rule tables, built once and kept in the user's cache folder.

Building the rules of ``rules/*.yaml`` costs a process about 30 ms (importing PyYAML, which
constructs its objects in Python even with libyaml's parser, then writing the ``providers:``
rows out into rules), a sixth of a pre-commit hook. What comes out depends only on the rule
files and on the code that reads them, so it is written once as JSON, named by a hash of both
(and of the version), and read back by later processes in a few milliseconds.

The cache is never trusted for more than speed:

- its folder is the user's (``$XDG_CACHE_HOME/guardtrail`` when that is an absolute path, else
  ``~/.cache/guardtrail``): never a path relative to the working directory, so never a file of
  the repository under scan;
- an entry is used only when its key says it was built from exactly these bytes by exactly
  this code; an entry that is corrupt, of another format, of another key or of any other shape
  is ignored and built again;
- it is written to a temporary file renamed into place, so no reader sees half of one, and a
  folder it cannot write (a read-only home) only means no cache.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from guardtrail import __version__
from guardtrail.model import Category
from guardtrail.rules import Examples, LazyExamples, Rule

FORMAT = 2
"""The layout of an entry; an entry of another layout is ignored."""
MAX_ENTRY_BYTES = 8 * 1024 * 1024
"""A larger file is not an entry this code wrote."""
_BUILDERS = ("rules.py", "rule_files.py", "rule_table.py", "rule_cache.py")
"""The modules whose code decides what an entry holds: a change to any of them (an editable
install keeps its version) is a new key."""


@dataclasses.dataclass(frozen=True)
class RuleFile:
    """What one rule file yields: its rules and its ``documented-examples`` list."""

    rules: tuple[Rule, ...]
    documented: frozenset[str]
    """Published sample values (``documented-examples:``): they look like secrets and grant nothing."""


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The folder entries live in, or None when the user has no home to keep one in."""
    configured = environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(configured):
        return Path(configured) / "guardtrail"
    home = environ.get("HOME", "")
    return Path(home) / ".cache" / "guardtrail" if os.path.isabs(home) else None


def entry_key(name: str, data: bytes) -> str:
    """The key of the entry for rule file ``name`` holding ``data``, built by this code."""
    digest = hashlib.sha256(f"guardtrail {__version__} format {FORMAT} {name}\0{_builders_digest()}\0".encode())
    digest.update(data)
    return digest.hexdigest()


@functools.cache
def _builders_digest() -> str:
    """A hash of the code of :data:`_BUILDERS` (read once a process)."""
    digest = hashlib.sha256()
    here = os.path.dirname(__file__)
    for module in _BUILDERS:
        with open(os.path.join(here, module), "rb") as handle:
            digest.update(handle.read())
        digest.update(b"\0")
    return digest.hexdigest()


def cached(name: str, data: bytes, build: Callable[[], RuleFile]) -> RuleFile:
    """What ``build`` gives for the rule file ``name`` holding ``data``: read from the cache when
    it holds a sound entry for them, else built and written there."""
    folder = cache_dir()
    if folder is None:
        return build()
    key = entry_key(name, data)
    path = folder / f"rules-{name}-{key[:32]}.json"
    found = read_entry(path, key)
    if found is not None:
        return found
    built = build()
    write_entry(path, key, built)
    return built


def read_entry(path: Path, key: str) -> RuleFile | None:
    """The entry at ``path`` when it is one this code wrote under ``key``, else None."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ENTRY_BYTES + 1)
        if len(data) > MAX_ENTRY_BYTES:
            return None
        document = json.loads(data)
        if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("key") != key:
            return None
        return decode(document)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def write_entry(path: Path, key: str, built: RuleFile) -> None:
    """Write ``built`` at ``path`` under ``key``, whole or not at all; a rule this format cannot
    hold, or a folder that cannot be written, leaves no entry (the next run builds again)."""
    try:
        text = json.dumps({"format": FORMAT, "key": key, **encode(built)}, ensure_ascii=False)
    except (TypeError, ValueError):
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".rules-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, path)
        except OSError:
            os.unlink(temporary)


def encode(built: RuleFile) -> dict[str, Any]:
    """``built`` as JSON values, one column per field of :class:`Rule` in their declared order
    (an entry holds hundreds of rules: a column is checked in one pass, and no field name is
    read back per rule); TypeError for a rule field this format cannot hold."""
    records = [_encode_rule(rule) for rule in built.rules]
    columns = [[record[index] for record in records] for index in range(len(_FIELDS))]
    return {"columns": columns, "documented": sorted(built.documented)}


def decode(document: dict[str, Any]) -> RuleFile:
    """The :class:`RuleFile` an encoded entry holds; TypeError, ValueError or KeyError for any
    other shape."""
    columns, documented = document["columns"], document["documented"]
    if not isinstance(columns, list) or len(columns) != len(_FIELDS):
        raise TypeError("columns")
    values = [read(column) for read, column in zip(_COLUMN_READERS, columns, strict=True)]
    rules = tuple(Rule(*row) for row in zip(*values, strict=True))
    return RuleFile(rules, frozenset(_texts(documented)))


def _encode_rule(rule: Rule) -> list[Any]:
    record: list[Any] = []
    for name, kind in _FIELDS:
        if kind not in _COLUMN_READERS_BY_TYPE:
            raise TypeError(f"rule field {name} cannot be cached")
        value = getattr(rule, name)
        if name == "examples":
            record.append(_encode_examples(value))
        elif isinstance(value, Category):
            record.append(value.value)
        elif isinstance(value, tuple):
            record.append(list(_texts(value)))
        elif value is None or isinstance(value, (str, bool, int, float)):
            record.append(value)
        else:
            raise TypeError(f"rule {rule.id}: field {name} cannot be cached")
    return record


def _encode_examples(examples: Examples) -> list[Any]:
    """Written examples as ``[match, no_match]``; a provider row's derived ones as the row they
    are derived from (:func:`~guardtrail.rule_table.derived_record`), which is longer."""
    from guardtrail.rule_table import derived_record

    if isinstance(examples, CachedExamples):
        return examples.record
    derived = derived_record(examples)
    if derived is not None:
        return derived
    if type(examples) is not Examples:
        raise TypeError("examples of an unknown kind")
    return [list(_texts(examples.match)), list(_texts(examples.no_match))]


class CachedExamples(LazyExamples):
    """A provider row's derived examples as an entry keeps them (the row, its shape checked),
    built by :func:`~guardtrail.rule_table.examples_from_record` when first read: a run that
    reads none never imports that module."""

    record: list[Any]

    def __init__(self, record: list[Any]) -> None:
        object.__setattr__(self, "record", record)  # Examples is frozen

    def build(self) -> Examples:
        from guardtrail.rule_table import examples_from_record

        return examples_from_record(self.record)


def _examples_column(column: Any) -> list[Examples]:
    return [_decode_examples(value) for value in _column(column)]


def _decode_examples(value: Any) -> Examples:
    if type(value) is not list:
        raise TypeError("examples")
    if len(value) == 2:
        return Examples(match=_texts(value[0]), no_match=_texts(value[1]))
    rule_id, near, prefix, alphabet, low, high = value
    if not (
        type(rule_id) is str
        and type(near) is list
        and all(type(word) is str for word in near)
        and type(prefix) is str
        and type(alphabet) is str
        and type(low) is int
        and type(high) is int
    ):
        raise TypeError("derived examples")
    return CachedExamples(value)


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError("expected a list of strings")
    if value and not all(type(item) is str for item in value):
        raise TypeError("expected a list of strings")
    return tuple(value)


def _column(column: Any) -> list[Any]:
    if type(column) is not list:
        raise TypeError("expected a column")
    return column


def _all(check: Callable[[Any], bool]) -> Callable[[Any], list[Any]]:
    """A reader of a column whose every value passes ``check``, taken as it is."""

    def read(column: Any) -> list[Any]:
        if not all(map(check, _column(column))):
            raise TypeError("a value of the wrong type")
        return column  # type: ignore[no-any-return]

    return read


def _texts_column(column: Any) -> list[tuple[str, ...]]:
    return [_texts(value) if value else () for value in _column(column)]


_CATEGORIES: dict[Any, Category | None] = {None: None, **{category.value: category for category in Category}}


def _category_column(column: Any) -> list[Category | None]:
    return [_CATEGORIES[value] for value in _column(column)]  # KeyError: no such category


_COLUMN_READERS_BY_TYPE: dict[str, Callable[[Any], list[Any]]] = {
    "str": _all(lambda value: type(value) is str),
    "str | None": _all(lambda value: value is None or type(value) is str),
    "float | None": _all(lambda value: value is None or type(value) in (int, float)),
    "bool": _all(lambda value: type(value) is bool),
    "tuple[str, ...]": _texts_column,
    "Category | None": _category_column,
    "Examples": _examples_column,
}
"""How each field type of :class:`Rule` (as annotated) is read back, a column at a time and
checked: a field of a type not listed here makes every rule uncacheable, never wrongly cached."""


def _unreadable(column: Any) -> list[Any]:
    raise TypeError("a rule field this format has no reader for")


_FIELDS = tuple((spec.name, str(spec.type)) for spec in dataclasses.fields(Rule))
"""Each field of :class:`Rule` and its type as annotated, in their declared order."""
_COLUMN_READERS = tuple(_COLUMN_READERS_BY_TYPE.get(kind, _unreadable) for _, kind in _FIELDS)
