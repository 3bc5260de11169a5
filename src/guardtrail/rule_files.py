"""The YAML rule files shipped in ``rules/``: found, parsed once, and their rules validated.

A file holds its ``rules:`` (one :class:`~guardtrail.rules.Rule` per mapping), the secrets
file also a compact ``providers:`` table (:mod:`guardtrail.rule_table`) and ``fallback:``
rules; this module sits above both readers and joins what they build.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guardtrail.errors import GuardtrailError
from guardtrail.rules import Rule, as_strings, rule_from_mapping

if TYPE_CHECKING:
    from guardtrail.rule_cache import RuleFile

RULE_FILES = ("paths", "assistants", "secrets", "injection")
"""Every rule file under ``rules/``; the example test walks this list."""


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
        from guardtrail.rule_table import compile_providers  # only the secrets file has a provider table

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


def _documented(name: str) -> frozenset[str]:
    """The ``documented-examples:`` of ``rules/<name>.yaml`` from its text."""
    path, document = _document(name)
    values = document.get("documented-examples") if isinstance(document, dict) else None
    return frozenset(as_strings(values, f"{path}: documented-examples"))
