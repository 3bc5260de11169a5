"""Go, Rust, Ruby, PHP and Java dependency manifests."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from guardtrail.classify.analysers._common import Malformed, mapping, parse_json, parse_toml, sequence
from guardtrail.classify.analysers.deps_model import Dep, Manifest, normalise

_GO_REQUIRE = re.compile(r"^\s*(?:require\s+)?([\w./~-]+\.[\w./~-]+|[\w-]+/[\w./~-]+)\s+(v[\w.+-]+)")
_GO_REPLACE = re.compile(r"^\s*(?:replace\s+)?(\S+)(?:\s+\S+)?\s+=>\s+(\S+)(?:\s+(\S+))?")
_GEM = re.compile(r"""^\s*gem\s+["']([^"']+)["']((?:\s*,\s*["'][^"']*["'])*)(.*)$""")
_GEM_SOURCE = re.compile(
    r"""\b(git|github|path|source):\s*["']([^"']+)["']|:(git|github|path|source)\s*=>\s*["']([^"']+)"""
)
_RUBY_SOURCE = re.compile(r"""^\s*source\s+["']([^"']+)["']""")
_COMPOSER_SCRIPTS = ("pre-install-cmd", "post-install-cmd", "pre-update-cmd", "post-update-cmd", "post-autoload-dump")
_XML_DEP = re.compile(r"<dependency>")
_XML_REPO = re.compile(r"<(?:repository|pluginRepository)>")
_XML_URL = re.compile(r"<url>\s*([^<\s]+)\s*</url>")
_GRADLE_DEP = re.compile(
    r"""\b(?:implementation|api|compileOnly|runtimeOnly|testImplementation|testRuntimeOnly|classpath|kapt|ksp|"""
    r"""annotationProcessor)\s*\(?\s*["']([\w.-]+):([\w.-]+)(?::([^"'@]+))?"""
)
_GRADLE_REPO = re.compile(
    r"""\bmaven\s*(?:\(\s*(?:url\s*=\s*)?|\{[^}]{0,400}?\burl\s*(?:=\s*)?(?:uri\s*\()?\s*)["']([^"']+)"""
)


def _numbered(text: str) -> list[tuple[int, str]]:
    return [(n, line.split("//", 1)[0]) for n, line in enumerate(text.splitlines(), start=1)]


def parse_go_mod(text: str) -> Manifest:
    manifest = Manifest("go")
    block = ""
    for number, line in _numbered(text):
        stripped = line.strip()
        if stripped.endswith("(") and stripped.split()[0] in {"require", "replace", "exclude", "retract"}:
            block = stripped.split()[0]
            continue
        if stripped == ")":
            block = ""
            continue
        if stripped.startswith("replace") or block == "replace":
            replace = _GO_REPLACE.match(stripped)
            if replace:
                module, target = replace.group(1), " ".join(filter(None, replace.group(2, 3)))
                known = manifest.deps.get(normalise(module), Dep(module))
                manifest.add(Dep(module, known.spec, target, number))
        elif (stripped.startswith("require") or block == "require") and (match := _GO_REQUIRE.match(stripped)):
            manifest.add(Dep(match.group(1), match.group(2), None, number))
    return manifest


def _cargo_table(manifest: Manifest, table: Any) -> None:
    for name, value in table.items() if isinstance(table, dict) else ():
        if isinstance(value, dict):
            source = next((f"{k} {value[k]}" for k in ("git", "path", "registry") if k in value), None)
            manifest.add(Dep(str(value.get("package", name)), str(value.get("version", "")), source))
        else:
            manifest.add(Dep(name, "" if value == "*" else str(value)))


def parse_cargo_toml(text: str) -> Manifest:
    data = parse_toml(text)
    manifest = Manifest("cargo")
    tables = [data, mapping(data.get("workspace")), *mapping(data.get("target")).values()]
    for table in tables:
        for section in ("dependencies", "dev-dependencies", "build-dependencies"):
            _cargo_table(manifest, table.get(section) if isinstance(table, dict) else None)
    for replacement in mapping(data.get("patch")).values():
        _cargo_table(manifest, replacement)
    return manifest


def parse_gemfile(text: str) -> Manifest:
    manifest = Manifest("rubygems")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        if source := _RUBY_SOURCE.match(line):
            manifest.sources[source.group(1)] = number
            continue
        gem = _GEM.match(line)
        if gem is None:
            continue
        spec = ",".join(re.findall(r"""["']([^"']*)["']""", gem.group(2))).replace(" ", "")
        origin = _GEM_SOURCE.search(gem.group(3))
        where = f"{origin.group(1) or origin.group(3)} {origin.group(2) or origin.group(4)}" if origin else None
        manifest.add(Dep(gem.group(1), spec, where, number))
    return manifest


def parse_composer_json(text: str) -> Manifest:
    data = parse_json(text)
    if not isinstance(data, dict):
        raise Malformed("composer.json is not an object")
    manifest = Manifest("packagist")
    for section in ("require", "require-dev"):
        table = data.get(section)
        for name, spec in table.items() if isinstance(table, dict) else ():
            if name != "php" and not name.startswith("ext-"):
                manifest.add(Dep(name, "" if spec == "*" else str(spec).replace(" ", "")))
    repositories = data.get("repositories")
    entries = repositories.values() if isinstance(repositories, dict) else sequence(repositories)
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("url"), str):
            manifest.sources[entry["url"]] = None
    scripts = data.get("scripts")
    for name in _COMPOSER_SCRIPTS:
        value = scripts.get(name) if isinstance(scripts, dict) else None
        if value:
            manifest.scripts[name] = value if isinstance(value, str) else "; ".join(map(str, value))
    return manifest


def _xml_value(block: str, tag: str) -> str:
    match = re.search(rf"<{tag}>\s*([^<]*?)\s*</{tag}>", block)
    return match.group(1) if match else ""


def _xml_blocks(text: str, opening: re.Pattern[str], closing: str | None = None) -> Iterator[tuple[int, str]]:
    """The content of each element ``opening`` starts, with its offset: up to ``closing`` (an
    element left open is skipped), or without ``closing`` up to the next such element. Cut by
    finding tags, not by a lazy regex, which rescans the rest of the file from each open tag
    it cannot close: quadratic time on a file of ``<dependency>`` repeated."""
    starts = [match.end() for match in opening.finditer(text)]
    for start, after in itertools.pairwise([*starts, len(text)]):
        end = after if closing is None else text.find(closing, start, after)
        if end >= 0:
            yield start, text[start:end]


def parse_pom(text: str) -> Manifest:
    if "<project" not in text:
        raise Malformed("no <project> element")
    manifest = Manifest("maven")
    for start, block in _xml_blocks(text, _XML_DEP, "</dependency>"):
        name = f"{_xml_value(block, 'groupId')}:{_xml_value(block, 'artifactId')}"
        line = text.count("\n", 0, start + max(block.find("<artifactId>"), 0)) + 1
        manifest.add(Dep(name, _xml_value(block, "version"), None, line))
    for _, block in _xml_blocks(text, _XML_REPO):
        if url := _XML_URL.search(block):
            manifest.sources[url.group(1)] = None
    return manifest


def parse_gradle(text: str) -> Manifest:
    manifest = Manifest("maven")
    for number, line in _numbered(text):
        for group, artifact, version in _GRADLE_DEP.findall(line):
            manifest.add(Dep(f"{group}:{artifact}", version, None, number))
    for url in _GRADLE_REPO.findall(text):
        manifest.sources[url] = None
    return manifest
