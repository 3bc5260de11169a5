"""The one ``Rule`` type and the loader for the YAML rule files shipped in ``rules/``.

Rules are data: an id, a one-line description, and what they match (path globs, or a regex
over one commit field or one line), each with examples that must and must not match. The
test suite runs every example, so a rule cannot ship without proof it does what it says.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guardtrail.errors import GuardtrailError
from guardtrail.model import Category

if TYPE_CHECKING:
    from guardtrail.rule_cache import RuleFile

RULE_FILES = ("paths", "assistants", "secrets", "injection")
"""Every rule file under ``rules/``; the example test walks this list."""

_KEYS = {
    "id",
    "description",
    "category",
    "paths",
    "pattern",
    "field",
    "keywords",
    "entropy",
    "confidence",
    "allowlist",
    "examples",
    "checksum",
}


@dataclass(frozen=True)
class Examples:
    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = ()


class LazyExamples(Examples):
    """Examples built when first read, by :meth:`build`: only the test suite and the first
    binary file of a run read them, and building hundreds would cost every run (a hook is one)."""

    def build(self) -> Examples:
        raise NotImplementedError

    @functools.cached_property
    def _built(self) -> Examples:
        return self.build()

    @property
    def match(self) -> tuple[str, ...]:
        return self._built.match

    @property
    def no_match(self) -> tuple[str, ...]:
        return self._built.no_match


@dataclass(frozen=True)
class Rule:
    """One rule from ``rules/*.yaml``."""

    id: str
    """Stable id, ``<family>.<name>``; used in findings, suppressions and SARIF."""
    description: str
    category: Category | None = None
    paths: tuple[str, ...] = ()
    """Gitignore-style globs (path rules)."""
    pattern: str | None = None
    """A Python regex (assistant signals and secret rules)."""
    field: str | None = None
    """For assistant signals: ``author``, ``committer``, ``trailer``, ``message`` or ``env``; for
    injection rules, the part of planted text they recognise (``address``, ``override``,
    ``conceal``, ``ask`` or ``mention``)."""
    keywords: tuple[str, ...] = ()
    """Lower-case words one of which must occur in a line before ``pattern`` runs."""
    entropy: float | None = None
    confidence: str = "high"
    allowlist: tuple[str, ...] = ()
    """Regexes; a match of ``pattern`` that also matches one of these is not reported."""
    examples: Examples = Examples()
    checksum: str | None = None
    """The name of a checksum the token carries (``crc32-base62``: GitHub's and npm's last six
    characters): a value that passes it is reported with high confidence."""
    fallback: bool = False
    """From the ``fallback:`` section: a value another detector also finds (detect-secrets'
    plugins included) is reported under that one's id."""

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        """``pattern`` compiled on first use: a run compiles only the rules it gets to (the test
        suite compiles every shipped one)."""
        if self.pattern is None:
            raise GuardtrailError(f"rule {self.id} has no pattern")
        try:
            return re.compile(self.pattern)
        except re.error as exc:
            raise GuardtrailError(f"rule {self.id}: bad pattern ({exc})") from exc


def rules_dir() -> Path:
    """The shipped rules: inside the installed package, or ``rules/`` of a source checkout."""
    packaged = Path(__file__).parent / "rules"  # importlib.resources would cost the hook its import
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


@functools.cache
def _source(name: str) -> tuple[Path, bytes]:
    """Where ``rules/<name>.yaml`` is, and its bytes (read once: the cache key and the parse
    see the same ones)."""
    path = rules_dir() / f"{name}.yaml"
    try:
        return path, path.read_bytes()
    except OSError as exc:
        raise GuardtrailError(f"{path}: cannot read rules ({exc})") from exc


@functools.cache
def _document(name: str) -> tuple[Path, Any]:
    """``rules/<name>.yaml`` parsed (once: its rules and its lists are read apart), with
    libyaml's safe loader when present: the rule files load in a few ms instead of 120."""
    import yaml  # only when the rule cache misses: importing it costs a hook 8 ms

    path, data = _source(name)
    try:
        return path, yaml.load(data.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GuardtrailError(f"{path}: cannot read rules ({exc})") from exc


@functools.cache
def load_rules(name: str) -> tuple[Rule, ...]:
    """The rules of ``rules/<name>.yaml``, validated (kept in the user's rule cache,
    :mod:`guardtrail.rule_cache`, once built)."""
    return _rule_file(name).rules


@functools.cache
def documented_examples(name: str) -> frozenset[str]:
    """The ``documented-examples:`` of ``rules/<name>.yaml``: published sample values (the AWS
    documentation keys, the jwt.io token) that look like secrets and grant nothing."""
    return _rule_file(name).documented


@functools.cache
def _rule_file(name: str) -> RuleFile:
    from guardtrail.rule_cache import RuleFile, cached

    _, data = _source(name)
    return cached(name, data, lambda: RuleFile(_built_rules(name), _documented(name)))


def _built_rules(name: str) -> tuple[Rule, ...]:
    """The rules of ``rules/<name>.yaml`` built from its text, validated."""
    path, document = _document(name)
    entries = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise GuardtrailError(f"{path}: expected a top-level 'rules:' list")
    rules = tuple(rule_from_mapping(entry, str(path)) for entry in entries)
    if "providers" in document:
        from guardtrail.rule_table import compile_providers  # it builds Rules: imported here, not above

        rules += compile_providers(document["providers"], str(path))
    fallback = document.get("fallback") or []
    if not isinstance(fallback, list):
        raise GuardtrailError(f"{path}: 'fallback' should be a list of rules")
    rules += tuple(dataclasses.replace(rule_from_mapping(entry, str(path)), fallback=True) for entry in fallback)
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise GuardtrailError(f"{path}: rule id {rule.id} appears twice")
        seen.add(rule.id)
    return rules


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise GuardtrailError(f"{where}: expected a string or a list of strings")


def rule_from_mapping(entry: Any, source: str) -> Rule:
    """Build one :class:`Rule` from its YAML mapping, naming ``source`` in any error."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise GuardtrailError(f"{source}: every rule needs an 'id'")
    where = f"{source}: rule {entry['id']}"
    unknown = set(entry) - _KEYS
    if unknown:
        raise GuardtrailError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    category = None
    if entry.get("category") is not None:
        try:
            category = Category(entry["category"])
        except ValueError:
            raise GuardtrailError(f"{where}: unknown category {entry['category']!r}") from None
    examples = entry.get("examples") or {}
    pattern = entry.get("pattern")
    if pattern is not None and not isinstance(pattern, str):
        raise GuardtrailError(f"{where}: 'pattern' should be a string")
    return Rule(
        id=entry["id"],
        description=str(entry.get("description", "")),
        category=category,
        paths=_strings(entry.get("paths"), where),
        pattern=pattern,
        field=entry.get("field"),
        keywords=tuple(word.lower() for word in _strings(entry.get("keywords"), where)),
        entropy=entry.get("entropy"),
        confidence=str(entry.get("confidence", "high")),
        allowlist=_strings(entry.get("allowlist"), where),
        checksum=entry.get("checksum"),
        examples=Examples(
            match=_strings(examples.get("match"), where),
            no_match=_strings(examples.get("no-match"), where),
        ),
    )


def _documented(name: str) -> frozenset[str]:
    """The ``documented-examples:`` of ``rules/<name>.yaml`` from its text."""
    path, document = _document(name)
    values = document.get("documented-examples") if isinstance(document, dict) else None
    return frozenset(_strings(values, f"{path}: documented-examples"))
