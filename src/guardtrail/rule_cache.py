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
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from guardtrail import __version__
from guardtrail.model import Category
from guardtrail.rules import Examples, Rule

FORMAT = 1
"""The layout of an entry; an entry of another layout is ignored."""
MAX_ENTRY_BYTES = 8 * 1024 * 1024
"""A larger file is not an entry this code wrote."""
_BUILDERS = ("rules.py", "rule_table.py", "rule_cache.py")
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
    digest = hashlib.sha256(f"guardtrail {__version__} format {FORMAT} {name}\0".encode())
    here = Path(__file__).parent
    for module in _BUILDERS:
        digest.update((here / module).read_bytes())
    digest.update(b"\0")
    digest.update(data)
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
    """``built`` as JSON values; TypeError for a rule field this format cannot hold."""
    return {"rules": [_encode_rule(rule) for rule in built.rules], "documented": sorted(built.documented)}


def decode(document: dict[str, Any]) -> RuleFile:
    """The :class:`RuleFile` an encoded entry holds; TypeError or ValueError for any other shape."""
    rules, documented = document["rules"], document["documented"]
    if not isinstance(rules, list):
        raise TypeError("rules")
    return RuleFile(tuple(_decode_rule(record) for record in rules), frozenset(_texts(documented)))


def _encode_rule(rule: Rule) -> list[Any]:
    """The fields of ``rule`` in their declared order (a list, not a mapping: an entry holds
    hundreds of rules, and reading names back costs more than the rules themselves)."""
    record: list[Any] = []
    for name, kind in _FIELDS:
        if kind not in _DECODERS:
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


def _decode_rule(record: Any) -> Rule:
    if not isinstance(record, list):
        raise TypeError("rule")
    return Rule(*[read(value) for read, value in zip(_READERS, record, strict=True)])


def _encode_examples(examples: Examples) -> dict[str, Any]:
    from guardtrail.rule_table import derived_record

    derived = derived_record(examples)
    if derived is not None:
        return {"derived": derived}
    if type(examples) is not Examples:
        raise TypeError("examples of an unknown kind")
    return {"match": list(_texts(examples.match)), "no_match": list(_texts(examples.no_match))}


def _decode_examples(value: Any) -> Examples:
    if not isinstance(value, dict):
        raise TypeError("examples")
    if set(value) == {"derived"}:
        from guardtrail.rule_table import examples_from_record

        return examples_from_record(value["derived"])
    if set(value) != {"match", "no_match"}:
        raise TypeError("examples")
    return Examples(match=_texts(value["match"]), no_match=_texts(value["no_match"]))


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError("expected a list of strings")
    if value and not all(type(item) is str for item in value):
        raise TypeError("expected a list of strings")
    return tuple(value)


def _unreadable(value: Any) -> Any:
    raise TypeError("a rule field this format has no reader for")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _optional_number(value: Any) -> float | None:
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    raise TypeError("expected a number")


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected a boolean")
    return value


def _category(value: Any) -> Category | None:
    return None if value is None else Category(_text(value))


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "str": _text,
    "str | None": _optional_text,
    "float | None": _optional_number,
    "bool": _flag,
    "tuple[str, ...]": _texts,
    "Category | None": _category,
    "Examples": _decode_examples,
}
"""How each field type of :class:`Rule` (as annotated) is read back, checked: a field of a
type not listed here makes every rule uncacheable, never wrongly cached."""
_FIELDS = tuple((spec.name, str(spec.type)) for spec in dataclasses.fields(Rule))
"""Each field of :class:`Rule` and its type as annotated, in their declared order."""
_READERS = tuple(_DECODERS.get(kind, _unreadable) for _, kind in _FIELDS)
