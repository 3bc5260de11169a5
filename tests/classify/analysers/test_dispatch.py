"""The path predicates the pipeline asks before importing an analyser say yes exactly when the
analyser would do any work, so importing analysers on demand changes no finding."""

from __future__ import annotations

import subprocess
import sys

import pytest

from guardtrail.classify.analysers import ANALYSERS, CONTENT_ANALYSERS, dispatch
from guardtrail.classify.analysers.dependencies import _MANIFESTS, _REGISTRY_CONFIGS
from guardtrail.classify.analysers.deps_lock import LOCKFILES
from guardtrail.classify.paths import GlobSet
from guardtrail.model import AddedLine, FileChange
from guardtrail.rule_files import load_rules

TRICKY_PATHS = [
    "src/app.py",
    "README.md",
    "Dockerfile.md",
    "docs/Dockerfile.txt",
    "x.Dockerfile",
    "build/app.dockerfile",
    "Containerfile.dev",
    "Jenkinsfile.release",
    ".circleci/config.yml",
    ".gitlab-ci/jobs/test.yml",
    "lib/rules.mk",
    "sub/.github/workflows/ci.yml",
    ".github/workflows/nested/ci.yml",
    ".github/workflows/ci.yml.orig",
    ".github/workflows/README.md",
    "action.yml",
    "sub/action.yaml",
    "requirements/dev.txt",
    "requirements/base.in",
    "requirements/README.md",
    "app/requirements/prod.txt",
    "requirements-dev.txt",
    "constraints-ci.txt",
    "web/package-lock.json",
    "web/package.json.bak",
    "weird name/Gemfile",
    "ünïcode/pyproject.toml",
    "line\nbreak/package.json",
    "build.gradle.kts",
    "tools/pip.ini",
    ".yarnrc.yml",
    "deploy/values.yaml",
    "Helm/Chart.YAML",
    "k8s/role.json",
    "iam/policy.yml.txt",
    "CODEOWNERS",
    ".github/CODEOWNERS",
    "docs/CODEOWNERS.md",
    "home/.ssh/authorized_keys2",
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".claude/commands/deploy.md",
    ".claude/hooks/run.sh",
    ".claude/agents/reviewer.json",
    ".cursor/mcp.json",
    ".cursor/rules/style.mdc",
    ".kiro/settings/mcp.json",
    "sub/.vscode/settings.json",
    ".codex/config.toml",
    "AGENTS.md",
    "docs/AGENTS.md.bak",
    ".github/copilot-instructions.md",
    ".github/prompts/release.prompt.md",
    ".github/instructions/api.instructions.md",
    "packages/x/.mcp.json",
]


def _example_paths() -> list[str]:
    paths = {path for rule in load_rules("paths") for path in (*rule.examples.match, *rule.examples.no_match)}
    return sorted(paths | set(TRICKY_PATHS))


class RecordingBlobs:
    """Blobs that hold empty files and remember every read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def blob(self, blob_id: str) -> bytes:
        self.read.append(blob_id)
        return b""


def _modified(path: str) -> FileChange:
    return FileChange("c" * 40, path, path, "modified", "1" * 40, "2" * 40, added=(AddedLine(1, "x = 1"),))


def _deleted(path: str) -> FileChange:
    return FileChange("c" * 40, path, path, "deleted", "1" * 40, None)


def _does_work(analyser_index: int, change: FileChange) -> bool:
    blobs = RecordingBlobs()
    findings = list(ANALYSERS[analyser_index](change, blobs))
    return bool(findings or blobs.read)


@pytest.mark.parametrize("path", _example_paths())
def test_an_analyser_is_asked_for_exactly_the_paths_it_works_on(path: str) -> None:
    for index, entry in enumerate(CONTENT_ANALYSERS):
        assert entry.handles(path) == _does_work(index, _modified(path)), (ANALYSERS[index].__name__, path)
        if not entry.handles(path):
            assert not _does_work(index, _deleted(path)), (ANALYSERS[index].__name__, path)


GLOBS = (
    *dispatch.MANIFEST_GLOBS,
    *dispatch._WORKFLOW_GLOBS,
    *dispatch._DOCKERFILES,
    *dispatch._CI_FILES,
    *dispatch._SETTINGS_PATHS,
)


def test_every_glob_uses_only_the_star_wildcard() -> None:
    assert not {"?", "[", "]"} & set("".join(GLOBS))


@pytest.mark.parametrize("path", _example_paths())
def test_the_analysers_globs_mean_what_the_path_rules_globs_mean(path: str) -> None:
    """One glob language: each analyser table matches a path as a policy's or a rule's glob does."""
    for glob in GLOBS:
        assert dispatch.path_matches(path, (glob,)) == GlobSet([glob]).matches(path), (glob, path)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (".github/workflows/ci.yml", "workflow"),
        ("sub/.github/workflows/ci.yml", "workflow"),  # **/: a project's folder at any depth
        (".github/workflows/nested/ci.yml", None),  # * stays in its folder: GitHub runs no such file
        ("sub/.github/workflows/nested/ci.yml", None),
        (".cursor/mcp.json", "settings"),
        ("app/.cursor/mcp.json", "settings"),
        (".cursor/rules/style.json", None),
        (".kiro/settings/mcp.json", "settings"),
        (".kiro/settings/nested/hooks.json", None),
        (".gitlab-ci/jobs/test.yml", "ci"),  # ** spans folders where every file below counts
        ("sub/.circleci/orbs/deploy.yml", "ci"),
        ("lib/rules.mk", "ci"),  # a glob without / names a file at any depth
        ("Dockerfile.d/entrypoint.sh", "docker"),  # ... or a folder, as in .gitignore: all below it
        ("docs/Dockerfile.txt", None),
    ],
)
def test_a_star_no_longer_crosses_a_slash(path: str, kind: str | None) -> None:
    found = (
        "workflow"
        if dispatch.handles_workflow(path)
        else dispatch.ci_file_kind(path) or dispatch.agent_config_kind(path)
    )
    assert found == kind


def test_the_dependency_names_are_the_ones_the_analyser_parses() -> None:
    assert set(LOCKFILES) == dispatch.LOCKFILE_NAMES
    assert set(_REGISTRY_CONFIGS) == dispatch.REGISTRY_CONFIG_NAMES
    assert tuple(glob for globs, _ in _MANIFESTS for glob in globs) == dispatch.MANIFEST_GLOBS


def test_the_registry_runs_the_analysers_in_order() -> None:
    assert [entry.load() for entry in CONTENT_ANALYSERS] == list(ANALYSERS)


_PROBE = """
import sys
from guardtrail.classify.pipeline import Classifier
from guardtrail.policy import policy_from_bytes
from guardtrail.model import AddedLine, FileChange

class Blobs:
    def blob(self, blob_id):
        return b"on: push\\n"

change = FileChange("c" * 40, {path!r}, None, "added", None, "2" * 40, added=(AddedLine(1, "on: push"),))
Classifier(policy_from_bytes(None, "none"), secrets=False).classify([change], Blobs())
print(sorted(m.rsplit(".", 1)[-1] for m in sys.modules if m.startswith("guardtrail.classify.analysers.")))
"""


@pytest.mark.parametrize(
    ("path", "imported"),
    [
        ("src/app.py", ["dispatch"]),
        (".github/workflows/ci.yml", ["_common", "dispatch", "workflows", "zizmor"]),
    ],
)
def test_a_change_imports_only_the_analysers_that_handle_its_path(path: str, imported: list[str]) -> None:
    probe = _PROBE.format(path=path)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == repr(imported)
