"""Names one edit away from a popular package (``reqeusts`` for ``requests``)."""

from __future__ import annotations

import functools

import yaml

from guardtrail.classify.analysers.deps_model import normalise
from guardtrail.errors import GuardtrailError
from guardtrail.rule_files import rules_dir

MIN_LENGTH = 5
"""Shorter names are one edit away from too many others to be worth a warning."""


def one_edit_apart(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance exactly 1: one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        i, j = diffs[0], diffs[-1]
        return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


@functools.cache
def popular(ecosystem: str) -> frozenset[str]:
    """The normalised popular names of ``ecosystem`` from ``rules/popular-packages.yaml``."""
    path = rules_dir() / "popular-packages.yaml"
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise GuardtrailError(f"{path}: cannot read popular packages ({exc})") from exc
    names = (document.get("ecosystems") or {}).get(ecosystem) or []
    return frozenset(normalise(str(name)) for name in names)


def lookalike(ecosystem: str, name: str) -> str | None:
    """The popular package ``name`` imitates, or None (also None when ``name`` is itself popular)."""
    known = popular(ecosystem)
    candidate = normalise(name)
    if candidate in known or len(candidate) < MIN_LENGTH:
        return None
    return next((target for target in sorted(known) if one_edit_apart(candidate, target)), None)
