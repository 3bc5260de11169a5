"""Dependency files: what a change adds, removes, re-versions, re-sources or runs on install.

Manifests are compared package by package; lockfiles are summarised in one finding (their
churn follows the manifest) plus any new host they fetch from; registry settings (``.npmrc``,
``pip.conf``, ``.yarnrc``) are checked for new package sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from guardtrail.classify.analysers import deps_js, deps_other, deps_python
from guardtrail.classify.analysers._common import (
    Malformed,
    Reporter,
    Sides,
    basename,
    has_new_text,
    is_comment,
    key_line,
    line_of,
    parse_old,
    read_sides,
    word_line,
)
from guardtrail.classify.analysers.deps_lock import LOCKFILES, Locked, hosts, npm_install_scripts
from guardtrail.classify.analysers.deps_model import UNCONSTRAINED, Dep, Manifest, display, is_exact
from guardtrail.classify.analysers.dispatch import path_matches
from guardtrail.classify.analysers.typosquat import lookalike
from guardtrail.classify.base import Blobs
from guardtrail.model import Category, FileChange, Finding, Severity

DEFAULT_REGISTRIES = frozenset(
    {
        "pypi.org",
        "files.pythonhosted.org",
        "registry.npmjs.org",
        "registry.yarnpkg.com",
        "rubygems.org",
        "repo.maven.apache.org",
        "repo1.maven.org",
        "plugins.gradle.org",
        "packagist.org",
        "repo.packagist.org",
        "proxy.golang.org",
        "index.crates.io",
        "static.crates.io",
    }
)
_CONFIG_URL = re.compile(r"""https?://[^\s"'#;]+""")
LOCK_DETAILS = 20
"""Packages listed under a lockfile summary before the rest is left out."""


@dataclass(frozen=True)
class _Kind:
    parse: Callable[[str], Manifest]
    category: Category = Category.DEPENDENCY


_MANIFESTS: tuple[tuple[tuple[str, ...], _Kind], ...] = (
    (("requirements*.txt", "requirements*.in", "constraints*.txt"), _Kind(deps_python.parse_requirements)),
    (("pyproject.toml",), _Kind(deps_python.parse_pyproject)),
    (("Pipfile",), _Kind(deps_python.parse_pipfile)),
    (("package.json",), _Kind(deps_js.parse_package_json)),
    (("go.mod",), _Kind(deps_other.parse_go_mod)),
    (("Cargo.toml",), _Kind(deps_other.parse_cargo_toml)),
    (("Gemfile",), _Kind(deps_other.parse_gemfile)),
    (("composer.json",), _Kind(deps_other.parse_composer_json)),
    (("pom.xml",), _Kind(deps_other.parse_pom, Category.BUILD_LOGIC)),
    (("build.gradle", "build.gradle.kts"), _Kind(deps_other.parse_gradle, Category.BUILD_LOGIC)),
)
_REGISTRY_CONFIGS = {
    ".npmrc": Category.AUTH,
    "pip.conf": Category.AUTH,
    "pip.ini": Category.AUTH,
    ".yarnrc": Category.BUILD_LOGIC,
    ".yarnrc.yml": Category.BUILD_LOGIC,
}


def _manifest_kind(path: str) -> _Kind | None:
    name = basename(path)
    if path.startswith("requirements/") or "/requirements/" in path:
        name = f"requirements-{name}" if name.endswith((".txt", ".in")) else name
    return next((kind for globs, kind in _MANIFESTS if path_matches(name, globs)), None)


def analyse_dependencies(change: FileChange, blobs: Blobs) -> Iterator[Finding]:
    """Findings for one changed manifest, lockfile or registry setting; nothing for other files."""
    if not has_new_text(change):
        return
    name = basename(change.path)
    if name in LOCKFILES:
        yield from _lockfile(Reporter(change, Category.DEPENDENCY), LOCKFILES[name], read_sides(change, blobs))
    elif name in _REGISTRY_CONFIGS:
        yield from _registry_config(Reporter(change, _REGISTRY_CONFIGS[name]), read_sides(change, blobs))
    elif (kind := _manifest_kind(change.path)) is not None:
        report = Reporter(change, kind.category)
        sides = read_sides(change, blobs)
        try:
            new = kind.parse(sides.new)
        except Malformed as error:
            yield report.malformed("dependency", error)
            return
        old = parse_old(kind.parse, sides.old, Manifest(new.ecosystem))
        yield from diff_manifests(report, old, new, sides.new)


def diff_manifests(report: Reporter, old: Manifest, new: Manifest, text: str) -> Iterator[Finding]:
    for key, dep in new.deps.items():
        line = dep.line or key_line(text, dep.name) or word_line(text, dep.name)
        before = old.deps.get(key)
        if before is None:
            yield from _added(report, new.ecosystem, dep, line)
        else:
            yield from _changed(report, new.ecosystem, before, dep, line)
    for key in sorted(old.deps.keys() - new.deps.keys()):
        gone = old.deps[key]
        message = f'removed dependency "{gone.name}" {display(gone.spec)}'
        yield report("dependency.removed", message, None, Severity.NOTE)
    for url, line in new.sources.items():
        if url not in old.sources and not _is_default(url):
            line = line or word_line(text, url)
            yield report("dependency.new-source", f"new package source {url}", line, Severity.ERROR)
    for script, command in new.scripts.items():
        if old.scripts.get(script) != command:
            verb = "new" if script not in old.scripts else "changed"
            yield report(
                "dependency.install-script",
                f"{verb} {script} script: {command}",
                key_line(text, script),
                Severity.ERROR,
            )


def _added(report: Reporter, ecosystem: str, dep: Dep, line: int | None) -> Iterator[Finding]:
    where = f" from {dep.source}" if dep.source else f" {display(dep.spec)}"
    yield report("dependency.added", f'new dependency "{dep.name}"{where}', line, Severity.NOTE)
    target = lookalike(ecosystem, dep.name)
    if target is not None:
        message = f'new dependency "{dep.name}" is one edit away from popular "{target}"'
        yield report("dependency.typosquat", message, line, Severity.ERROR)
    if dep.source:
        yield report("dependency.new-source", f'"{dep.name}" comes from {dep.source}', line)
    elif dep.spec.strip() in UNCONSTRAINED:
        yield report("dependency.unpinned", f'new dependency "{dep.name}" accepts any version', line)


def _changed(report: Reporter, ecosystem: str, before: Dep, dep: Dep, line: int | None) -> Iterator[Finding]:
    if dep.spec != before.spec:
        message = f"{dep.name} {display(before.spec)} → {display(dep.spec)}"
        if _widened(ecosystem, before.spec, dep.spec):
            yield report("dependency.widened", f"{message} (no longer pinned)", line)
        else:
            yield report("dependency.version-changed", message, line, Severity.NOTE)
    if dep.source and dep.source != before.source:
        yield report("dependency.new-source", f'"{dep.name}" now comes from {dep.source}', line)


def _widened(ecosystem: str, old: str, new: str) -> bool:
    """An exact pin became a range, or a constraint was dropped."""
    if old.strip() in UNCONSTRAINED:
        return False
    return new.strip() in UNCONSTRAINED or (is_exact(ecosystem, old) and not is_exact(ecosystem, new))


def _is_default(url: str) -> bool:
    host = urlsplit(url if "://" in url else f"https://{url}").hostname or ""
    return host in DEFAULT_REGISTRIES or "crates.io-index" in url


def _lockfile(report: Reporter, parse: Callable[[str], Locked], sides: Sides) -> Iterator[Finding]:
    try:
        new = parse(sides.new)
    except Malformed as error:
        yield report.malformed("dependency", error)
        return
    old: Locked = parse_old(parse, sides.old, {})
    added = sorted(new.keys() - old.keys())
    removed = sorted(old.keys() - new.keys())
    updated = sorted(name for name in new.keys() & old.keys() if new[name] != old[name])
    total = len(added) + len(removed) + len(updated)
    if total:
        details = [f"+ {n} {new[n]}" for n in added] + [f"- {n} {old[n]}" for n in removed]
        details += [f"{n} {old[n]} → {new[n]}" for n in updated]
        if len(details) > LOCK_DETAILS:
            details = [*details[:LOCK_DETAILS], f"… and {len(details) - LOCK_DETAILS} more"]
        message = (
            f"{total} packages changed in lockfile ({len(added)} added, {len(removed)} removed, {len(updated)} updated)"
        )
        yield report("dependency.lockfile", message, None, Severity.NOTE, details)
    if basename(report.change.path) in {"package-lock.json", "npm-shrinkwrap.json"}:
        yield from _lock_install_scripts(report, sides)
    before = hosts(sides.old)
    for host, line in hosts(sides.new).items():
        if host not in before and not _is_default(host):
            yield report("dependency.new-source", f"lockfile now fetches from {host}", line)


def _lock_install_scripts(report: Reporter, sides: Sides) -> Iterator[Finding]:
    before = parse_old(npm_install_scripts, sides.old, {})
    for key, version in npm_install_scripts(sides.new).items():
        if key not in before:
            name = key.rsplit("node_modules/", 1)[-1]
            message = f"{name} {version} runs an install script"
            yield report("dependency.install-script", message, line_of(sides.new, re.escape(f'"{key}"')))


def _registry_config(report: Reporter, sides: Sides) -> Iterator[Finding]:
    before = set(_config_urls(sides.old))
    for url, line in _config_urls(sides.new).items():
        if url not in before and not _is_default(url):
            yield report("dependency.new-source", f"new package source {url}", line, Severity.ERROR)


def _config_urls(text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not is_comment(line, ("#", ";")):
            for url in _CONFIG_URL.findall(line):
                found.setdefault(url.rstrip("/"), number)
    return found
