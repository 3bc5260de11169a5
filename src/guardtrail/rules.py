"""The one ``Rule`` type, and how one rule is read from its YAML mapping.

Rules are data: an id, a one-line description, and what they match (path globs, or a regex
over one commit field or one line), each with examples that must and must not match. The
test suite runs every example, so a rule cannot ship without proof it does what it says. The
shipped files under ``rules/`` are found and loaded by :mod:`guardtrail.rule_files`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from guardtrail.errors import GuardtrailError
from guardtrail.model import Category

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


NEAR_SPAN = 40
"""Characters allowed between a provider's name and its value (``SENDBIRD_API_TOKEN = "``),
as TruffleHog's detectors allow."""
NEAR_GAP = f".{{0,{NEAR_SPAN}}}?"
"""The gap between a provider's names and its value in a provider rule's pattern: within one line."""


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


def as_strings(value: Any, where: str) -> tuple[str, ...]:
    """A rule file's string or list of strings as a tuple (none for a missing key); the provider
    table and the lists of a rule file read their cells with it too."""
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
        paths=as_strings(entry.get("paths"), where),
        pattern=pattern,
        field=entry.get("field"),
        keywords=tuple(word.lower() for word in as_strings(entry.get("keywords"), where)),
        entropy=entry.get("entropy"),
        confidence=str(entry.get("confidence", "high")),
        allowlist=as_strings(entry.get("allowlist"), where),
        checksum=entry.get("checksum"),
        examples=Examples(
            match=as_strings(examples.get("match"), where),
            no_match=as_strings(examples.get("no-match"), where),
        ),
    )


def spans_lines(pattern: str | None) -> bool:
    """Whether ``pattern`` is a row's: its names, :data:`NEAR_SPAN` characters at most, then the
    value. Such a rule also finds a value whose name stands on the lines before it, a line break
    counting as one character: the scanner runs the same pattern from a line holding one of the
    names over that line and the few after it that start within the span, joined by spaces
    (which the gap matches and no name or value holds). Per line, nothing changes."""
    return pattern is not None and pattern.startswith("(?i:") and NEAR_GAP in pattern
