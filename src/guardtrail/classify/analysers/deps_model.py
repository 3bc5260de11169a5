"""What dependency parsers produce: declared packages, package sources and install scripts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SEPARATORS = re.compile(r"[-_.]+")
_EXACT = {
    "pypi": re.compile(r"^===?[^*,]+$"),
    "npm": re.compile(r"^=?v?\d+\.\d+\.\d+(?:[-+][\w.]+)?$"),
    "cargo": re.compile(r"^=\s*\d"),
    "rubygems": re.compile(r"^(?:=\s*)?\d+(?:\.\d+)*$"),
    "packagist": re.compile(r"^v?\d+(?:\.\d+)*$"),
    "maven": re.compile(r"^[^\[\](),+]+$"),
    "go": re.compile(r"."),
}
UNCONSTRAINED = frozenset({"", "*", "latest", "x", ">=0", "any"})


def normalise(name: str) -> str:
    """PEP 503-style name: lower case, runs of ``-_.`` as one ``-``."""
    return _SEPARATORS.sub("-", name.lower())


@dataclass(frozen=True)
class Dep:
    """One declared dependency."""

    name: str
    spec: str = ""
    """Version or range as written (``==2.31.0``, ``^4.17.21``); "" when unconstrained."""
    source: str | None = None
    """Where it comes from when not the default registry: a git/URL/path reference."""
    line: int | None = None


@dataclass
class Manifest:
    """Everything a dependency file declares, keyed for comparison."""

    ecosystem: str
    deps: dict[str, Dep] = field(default_factory=dict)
    sources: dict[str, int | None] = field(default_factory=dict)
    """Registry or index URLs (``--extra-index-url``, ``[[source]]``) and where they are written."""
    scripts: dict[str, str] = field(default_factory=dict)
    """Lifecycle scripts that run on install (``postinstall``, ``post-install-cmd``)."""

    def add(self, dep: Dep) -> None:
        self.deps[normalise(dep.name)] = dep


def is_exact(ecosystem: str, spec: str) -> bool:
    """Whether ``spec`` pins one version."""
    pattern = _EXACT.get(ecosystem)
    return bool(pattern and pattern.match(spec.strip()))


def display(spec: str) -> str:
    """A spec as a reviewer reads it: ``==2.31.0`` shows as ``2.31.0``, none as ``(any)``."""
    spec = spec.strip()
    if spec.startswith("==") and "," not in spec:
        return spec[2:]
    return spec or "(any version)"
