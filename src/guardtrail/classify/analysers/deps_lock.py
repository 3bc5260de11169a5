"""Lockfiles: the resolved package set (name → versions) and the hosts packages are fetched from."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from guardtrail.classify.analysers._common import Malformed, mapping, parse_json, parse_toml, parse_yaml, sequence

Locked = dict[str, str]
"""Package name → its locked version(s), several joined by ``, ``."""

_URL_HOST = re.compile(r"""(?:git\+)?(?:https?|git|ssh)://(?:[^@/\s"']+@)?[^/\s"':]+""")
_YARN_HEADER = re.compile(r'^"?(@?[^@\s"]+)@')
_YARN_VERSION = re.compile(r'^\s+version:?\s+"?([^"\s]+)"?')
_GEM_LOCKED = re.compile(r"^    (\S+) \(([^)]+)\)$")


def _collect(pairs: Iterable[tuple[str, str]]) -> Locked:
    versions: dict[str, set[str]] = {}
    for name, version in pairs:
        if name:
            versions.setdefault(name, set()).add(version)
    return {name: ", ".join(sorted(found)) for name, found in versions.items()}


def _npm_lock(text: str) -> Locked:
    data = parse_json(text)
    if not isinstance(data, dict):
        raise Malformed("lockfile is not an object")
    packages = mapping(data.get("packages")) or mapping(data.get("dependencies"))
    return _collect(
        (key.rsplit("node_modules/", 1)[-1], str(entry.get("version", "")))
        for key, entry in packages.items()
        if key and isinstance(entry, dict)
    )


def npm_install_scripts(text: str) -> dict[str, str]:
    """Packages an npm lockfile marks ``hasInstallScript`` (they run code on ``npm install``): path → version."""
    data = parse_json(text)
    packages = data.get("packages") if isinstance(data, dict) else None
    return {
        key: str(entry.get("version", ""))
        for key, entry in mapping(packages).items()
        if key and isinstance(entry, dict) and entry.get("hasInstallScript")
    }


def _yarn_lock(text: str) -> Locked:
    pairs, name = [], ""
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            header = _YARN_HEADER.match(line)
            name = header.group(1) if header else ""
        elif name and (version := _YARN_VERSION.match(line)):
            pairs.append((name, version.group(1)))
            name = ""
    return _collect(pairs)


def _pnpm_key(key: str) -> tuple[str, str]:
    key = key.lstrip("/").split("(", 1)[0]
    at = key.rfind("@")
    if at > 0:
        return key[:at], key[at + 1 :]
    name, _, version = key.rpartition("/")
    return name, version


def _pnpm_lock(text: str) -> Locked:
    data = parse_yaml(text)
    packages = data.get("packages") if isinstance(data, dict) else None
    return _collect(_pnpm_key(str(key)) for key in mapping(packages))


def _toml_lock(text: str) -> Locked:
    packages = sequence(parse_toml(text).get("package"))
    return _collect((str(p.get("name", "")), str(p.get("version", ""))) for p in packages if isinstance(p, dict))


def _json_sections_lock(text: str) -> Locked:
    """Pipfile.lock (``default``/``develop`` maps) and composer.lock (``packages`` lists)."""
    data = parse_json(text)
    if not isinstance(data, dict):
        raise Malformed("lockfile is not an object")
    pairs: list[tuple[str, str]] = []
    for section in ("default", "develop"):
        for name, entry in mapping(data.get(section)).items():
            pairs.append((name, str(entry.get("version", "")).lstrip("=") if isinstance(entry, dict) else ""))
    for section in ("packages", "packages-dev"):
        for entry in sequence(data.get(section)):
            if isinstance(entry, dict):
                pairs.append((str(entry.get("name", "")), str(entry.get("version", ""))))
    return _collect(pairs)


def _gemfile_lock(text: str) -> Locked:
    return _collect((m.group(1), m.group(2)) for line in text.splitlines() if (m := _GEM_LOCKED.match(line)))


def _go_sum(text: str) -> Locked:
    rows = (line.split() for line in text.splitlines())
    return _collect((row[0], row[1].removesuffix("/go.mod")) for row in rows if len(row) == 3)


LOCKFILES: dict[str, Callable[[str], Locked]] = {
    "package-lock.json": _npm_lock,
    "npm-shrinkwrap.json": _npm_lock,
    "yarn.lock": _yarn_lock,
    "pnpm-lock.yaml": _pnpm_lock,
    "poetry.lock": _toml_lock,
    "uv.lock": _toml_lock,
    "pdm.lock": _toml_lock,
    "Cargo.lock": _toml_lock,
    "Pipfile.lock": _json_sections_lock,
    "composer.lock": _json_sections_lock,
    "Gemfile.lock": _gemfile_lock,
    "go.sum": _go_sum,
}
"""Lockfile name → parser."""


def hosts(text: str) -> dict[str, int]:
    """Every ``scheme://host`` a lockfile fetches from, with the first line that names it."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for url in _URL_HOST.findall(line):
            found.setdefault(url.lower(), number)
    return found
