"""Hostile and odd files never crash an analyser: what cannot be parsed is a finding.

Deep nesting, alias bombs, Python tags, duplicate keys, bytes that are not UTF-8 and values of
unexpected types go to every content analyser, at every path it parses. Each must return
findings (a ``<family>.malformed`` one where the parser refuses the file; for workflows, which
zizmor parses, ``workflow.audit-failed``), never raise.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from guardtrail.classify.analysers import CONTENT_ANALYSERS
from guardtrail.classify.analysers._common import (
    MAX_DEPTH,
    MAX_PARSED_CHARS,
    Malformed,
    parse_json,
    parse_toml,
    parse_yaml,
    parse_yaml_all,
)
from guardtrail.model import AddedLine, FileChange, Finding

JSON_PATHS = {
    "package.json": "dependency.malformed",
    "composer.json": "dependency.malformed",
    "package-lock.json": "dependency.malformed",
    ".mcp.json": "agent.malformed",
    ".claude/settings.json": "agent.malformed",
    ".cursor/mcp.json": "agent.malformed",
    "iam/policy.json": "auth.malformed",
}
YAML_PATHS = {
    "pnpm-lock.yaml": "dependency.malformed",
    ".github/workflows/ci.yml": "workflow.audit-failed",
    "action.yml": "workflow.audit-failed",
    "k8s/rbac.yaml": "auth.malformed",
}
TOML_PATHS = {
    "Cargo.toml": "dependency.malformed",
    "pyproject.toml": "dependency.malformed",
    "Pipfile": "dependency.malformed",
    "poetry.lock": "dependency.malformed",
    "Cargo.lock": "dependency.malformed",
    ".codex/config.toml": "agent.malformed",
}
TEXT_PATHS = (
    "requirements.txt",
    "go.mod",
    "Gemfile",
    "pom.xml",
    "build.gradle",
    "yarn.lock",
    ".npmrc",
    ".yarnrc.yml",
    "Dockerfile",
    ".gitlab-ci.yml",
    "CODEOWNERS",
    "deploy/authorized_keys",
    "CLAUDE.md",
    ".cursorrules",
)
_KEYS = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "scripts",
    "packages",
    "importers",
    "lockfileVersion",
    "mcpServers",
    "mcp_servers",
    "servers",
    "permissions",
    "allow",
    "deny",
    "hooks",
    "env",
    "on",
    "jobs",
    "steps",
    "runs",
    "uses",
    "with",
    "require",
    "require-dev",
    "repositories",
    "project",
    "build-system",
    "tool",
    "poetry",
    "package",
    "workspace",
    "target",
    "patch",
    "source",
    "Statement",
    "Effect",
    "Action",
    "Resource",
    "rules",
    "subjects",
    "roleRef",
    "kind",
    "metadata",
    "apiVersion",
    "spec",
    "image",
    "services",
    "include",
    "command",
    "args",
]
_VALUES: tuple[Any, ...] = (None, True, 1, 1.5, "s", [], [1], [None], {}, {"x": None}, {"x": [1]}, [{"x": 1}])


def _shapes() -> list[Any]:
    """Documents whose keys are the ones analysers look up, each holding one unexpected type."""
    return [None, 1, "s", [], [1, "x"], *({key: value for key in _KEYS} for value in _VALUES)]


def _toml_shapes() -> list[str]:
    values = ["1", '"s"', "[]", "[1]", "true", "{x = 1}", "[{x = 1}]", "{x = [1]}"]
    return ["\n".join(f'"{key}" = {value}' for key in _KEYS) + "\n" for value in values]


BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{name}: &{name} [{','.join([f'*{prior}'] * 10)}]\n" for prior, name in zip("abcdefg", "bcdefgh", strict=False)
)
HOSTILE: dict[str, list[bytes]] = {
    "json": [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
        b'{"dependencies": {"x": "1"}, "dependencies": {"y": "2"}}',
        b'{"name": "\xff\xfe"}',
    ],
    "yaml": [
        b"[" * 100_000 + b"]" * 100_000,
        b"- " * 5_000 + b"x\n",
        BOMB.encode(),
        b"a: &a [*a]\n",
        b'!!python/object/apply:os.system ["true"]\n',
        b"on: push\non: pull_request\n",
        b"key: \xff\xfe\n",
    ],
    "toml": [
        b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        b"x = " + b"{a = " * 3_000 + b"1" + b"}" * 3_000 + b"\n",
        b'[dependencies]\nfoo = "\xff"\n',
    ],
}


def _change(path: str, data: bytes) -> tuple[FileChange, dict[str, bytes]]:
    blob_id = hashlib.sha1(data).hexdigest()
    text = data.decode("utf-8", "replace")
    added = tuple(AddedLine(n, line) for n, line in enumerate(text.splitlines()[:200], start=1))
    return FileChange("c" * 40, path, None, "added", None, blob_id, added=added), {blob_id: data}


class _Blobs:
    def __init__(self, blobs: dict[str, bytes]) -> None:
        self._blobs = blobs

    def blob(self, blob_id: str) -> bytes:
        return self._blobs[blob_id]


def _analyse(path: str, data: bytes) -> list[Finding]:
    change, blobs = _change(path, data)
    return [finding for analyser in CONTENT_ANALYSERS for finding in analyser(change, _Blobs(blobs))]


def _cases() -> list[tuple[str, str, bytes]]:
    cases = []
    for kind, paths in (("json", JSON_PATHS), ("yaml", YAML_PATHS), ("toml", TOML_PATHS)):
        cases += [(path, rule, data) for path, rule in paths.items() for data in HOSTILE[kind]]
    return cases


@pytest.mark.parametrize(("path", "rule", "data"), _cases(), ids=lambda v: str(v)[:40])
def test_hostile_files_are_malformed_findings_of_the_file_s_analyser(path: str, rule: str, data: bytes) -> None:
    findings = _analyse(path, data)
    assert {f.rule for f in findings if f.rule.endswith((".malformed", ".audit-failed"))} == {rule}


def _odd_cases() -> list[tuple[str, bytes]]:
    cases = []
    for shape in _shapes():
        text = json.dumps(shape).encode()
        cases += [(path, text) for path in [*JSON_PATHS, *YAML_PATHS, *TEXT_PATHS]]
    for text in _toml_shapes():
        cases += [(path, text.encode()) for path in TOML_PATHS]
    for data in (b"", b"\n", b"\x00\x01", b"\xff" * 10, "\u202e\u200b".encode(), b"<project>" + b"<dependency>" * 50):
        cases += [(path, data) for path in [*JSON_PATHS, *YAML_PATHS, *TOML_PATHS, *TEXT_PATHS]]
    return cases + [(path, data) for path, data in RESCANNED.items()]


RESCANNED = {
    "Dockerfile": b"RUN " + b"curl " * 200_000 + b"\n",
    "CLAUDE.md": b"iex " * 200_000 + b"\n",
    ".claude/settings.json": b"/* " * 200_000,
    "pom.xml": b"<project>" + b"<dependency><repository>" * 100_000,
    "build.gradle": b"maven {" * 20_000,
}
"""Files that made a pattern rescan the rest of the text from each occurrence (quadratic time:
hours for these). Not timed: if that came back, the suite would hang here."""


@pytest.mark.parametrize(("path", "data"), _odd_cases(), ids=lambda v: str(v)[:40])
def test_odd_but_parseable_files_never_crash_an_analyser(path: str, data: bytes) -> None:
    for finding in _analyse(path, data):
        assert finding.path == path


def test_the_safe_parsers_refuse_with_a_reason() -> None:
    cases = {
        "JSON nested deeper than 100 levels": lambda: parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)),
        "duplicate key 'a'": lambda: parse_json('{"a": 1, "a": 2}'),
        "TOML nested deeper than 100 levels": lambda: parse_toml("x = " + "[" * 2000 + "]" * 2000),
        "YAML aliases expand to more than 1,000,000 values (billion laughs)": lambda: parse_yaml(BOMB),
        "YAML alias *a inside its own anchor (a recursive value)": lambda: parse_yaml("a: &a [*a]"),
        "YAML duplicate key 'on'": lambda: parse_yaml_all("on: push\non: pull_request\n"),
        "YAML nested deeper than 100 levels": lambda: parse_yaml("[" * 101 + "]" * 101),
        "YAML holds bytes that are not UTF-8 (line 2)": lambda: parse_yaml("a: 1\nb: \ufffd\n"),
        f"JSON of 32 MiB, over the {MAX_PARSED_CHARS >> 20} MiB parsed": lambda: parse_json(
            " " * (MAX_PARSED_CHARS + 1)
        ),
    }
    for reason, parse in cases.items():
        with pytest.raises(Malformed) as raised:
            parse()
        assert str(raised.value) == reason


def test_what_real_files_do_still_parses() -> None:
    nested = "a:\n" + "".join("  " * n + f"k{n}:\n" for n in range(1, 40)) + "  " * 40 + "v: 1\n"
    merge = "base: &base {image: x}\njob1:\n  <<: *base\njob2:\n  <<: *base\n  <<: *base\n"
    assert parse_yaml(merge)["job2"] == {"image": "x"}
    assert parse_yaml(nested)["a"]["k1"]["k2"] is not None
    assert parse_json('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}


def test_a_baseline_nested_too_deep_is_a_one_line_error() -> None:
    from guardtrail.classify.secrets.baseline import parse_baseline
    from guardtrail.errors import GuardtrailError

    with pytest.raises(GuardtrailError) as raised:
        parse_baseline(b"[" * 100_000 + b"]" * 100_000, ".secrets.baseline at abc")
    assert str(raised.value) == ".secrets.baseline at abc: not a detect-secrets baseline (nested too deep)"
