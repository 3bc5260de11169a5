"""Python dependency files: requirements/constraints, pyproject (PEP 621, Poetry, uv), Pipfile."""

from __future__ import annotations

import re
from typing import Any

from guardtrail.classify.analysers._common import mapping, parse_toml
from guardtrail.classify.analysers.deps_model import Dep, Manifest, normalise

_PEP508 = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)$")
_EGG = re.compile(r"#egg=([A-Za-z0-9._-]+)")
_SOURCE_OPTIONS = re.compile(
    r"^(?:-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host)(?:\s*=\s*|\s+)(\S+)"
)
_URL = re.compile(r"^(?:git\+|hg\+|svn\+|bzr\+)?[a-z]+://|^\.{0,2}/|^file:")


def pep508(text: str, line: int | None = None) -> Dep | None:
    """One PEP 508 requirement (``name[extra] >=1,<2 ; marker`` or ``name @ url``)."""
    requirement = text.split(";", 1)[0].strip()
    match = _PEP508.match(requirement)
    if match is None:
        return None
    name, rest = match.group(1), match.group(2).strip()
    if rest.startswith("@"):
        return Dep(name, "", rest[1:].strip(), line)
    return Dep(name, rest.strip("()").replace(" ", ""), None, line)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with ``\\`` continuations joined and comments removed, numbered by their first line."""
    result: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        line = re.sub(r"(^|\s)#(?!egg=).*$", "", raw)
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        result.append((start, (pending + line).strip()))
        pending = ""
    return result


def parse_requirements(text: str) -> Manifest:
    manifest = Manifest("pypi")
    for number, line in _logical_lines(text):
        line = re.sub(r"\s--hash[= ]\S+", "", line).strip()
        if not line or line.startswith(("-r ", "-c ", "--requirement", "--constraint")):
            continue
        source = _SOURCE_OPTIONS.match(line)
        if source:
            manifest.sources[source.group(1)] = number
            continue
        if line.startswith(("-e ", "--editable")):
            line = line.split(None, 1)[1] if " " in line else ""
            if line.startswith("="):
                line = line[1:]
        if _URL.match(line):
            egg = _EGG.search(line)
            manifest.add(Dep(egg.group(1) if egg else line, "", line.split("#", 1)[0], number))
            continue
        if line.startswith("-"):
            continue
        dep = pep508(line, number)
        if dep is not None:
            manifest.add(dep)
    return manifest


def _add_strings(manifest: Manifest, items: Any) -> None:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str) and (dep := pep508(item)) is not None:
            manifest.add(dep)


def _table_dep(name: str, value: Any) -> Dep:
    """A Poetry/Pipfile/uv entry: ``"^1.2"`` or ``{version = ..., git = ...}``."""
    if isinstance(value, dict):
        source = next((str(value[k]) for k in ("git", "url", "path", "file") if k in value), None)
        return Dep(name, str(value.get("version", "")).replace(" ", ""), source)
    if isinstance(value, list):  # Poetry multiple-constraint dependencies
        return Dep(name, ",".join(str(v.get("version", "")) for v in value if isinstance(v, dict)))
    return Dep(name, "" if str(value) == "*" else str(value).replace(" ", ""))


def _add_table(manifest: Manifest, table: Any) -> None:
    for name, value in (table or {}).items() if isinstance(table, dict) else ():
        if name.lower() != "python":
            manifest.add(_table_dep(name, value))


def _add_urls(manifest: Manifest, entries: Any) -> None:
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("url"), str):
            manifest.sources[entry["url"]] = None


def parse_pyproject(text: str) -> Manifest:
    data = parse_toml(text)
    manifest = Manifest("pypi")
    _add_strings(manifest, mapping(data.get("build-system")).get("requires"))
    project = mapping(data.get("project"))
    _add_strings(manifest, project.get("dependencies"))
    for group in mapping(project.get("optional-dependencies")).values():
        _add_strings(manifest, group)
    for group in mapping(data.get("dependency-groups")).values():
        _add_strings(manifest, group)
    tool = mapping(data.get("tool"))
    poetry = mapping(tool.get("poetry"))
    _add_table(manifest, poetry.get("dependencies"))
    _add_table(manifest, poetry.get("dev-dependencies"))
    for group in mapping(poetry.get("group")).values():
        _add_table(manifest, group.get("dependencies") if isinstance(group, dict) else None)
    _add_urls(manifest, poetry.get("source"))
    uv = mapping(tool.get("uv"))
    _add_urls(manifest, uv.get("index"))
    for name, value in mapping(uv.get("sources")).items():
        known = manifest.deps.get(normalise(name))
        source = _table_dep(name, value).source
        if source is not None:
            manifest.add(Dep(name, known.spec if known else "", source))
    return manifest


def parse_pipfile(text: str) -> Manifest:
    data = parse_toml(text)
    manifest = Manifest("pypi")
    _add_table(manifest, data.get("packages"))
    _add_table(manifest, data.get("dev-packages"))
    _add_urls(manifest, data.get("source"))
    return manifest
