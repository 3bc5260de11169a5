"""Which content analyser a path concerns, decided without importing the analysers.

The analysers parse YAML, TOML and JSON and know every package ecosystem; importing them all
cost the pre-commit hook ~20 ms on a change that concerns none of them. The registry asks these
predicates first and imports an analyser only for a change it handles. The path tables live
here and the analysers' entry functions ask the same functions, so the two cannot drift apart;
the dependency analyser keeps its tables of parsers, and a test checks they name these files.

The tables are written in the one glob language of every path rule (.gitignore's,
:class:`~guardtrail.classify.paths.GlobSet`): a glob without ``/`` names a file (or folder) at
any depth, one with ``/`` is anchored at the root unless it starts with ``**/``, ``*`` stays
within one folder and ``**`` spans folders.
"""

from __future__ import annotations

import functools
import re

from guardtrail.classify.paths import GlobSet


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


@functools.cache
def _compiled(globs: tuple[str, ...]) -> GlobSet:
    """Each table compiled once, when first asked: a hook run compiles only the tables it reaches."""
    return GlobSet(globs)


def path_matches(path: str, globs: tuple[str, ...]) -> bool:
    """Whether ``path`` matches one of ``globs`` (a table of this module or an analyser's)."""
    return _compiled(globs).matches(path)


# -- dependencies --------------------------------------------------------------------------

LOCKFILE_NAMES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "Cargo.lock",
        "Pipfile.lock",
        "composer.lock",
        "Gemfile.lock",
        "go.sum",
    }
)
REGISTRY_CONFIG_NAMES = frozenset({".npmrc", "pip.conf", "pip.ini", ".yarnrc", ".yarnrc.yml"})
MANIFEST_GLOBS = (
    "requirements*.txt",
    "requirements*.in",
    "constraints*.txt",
    "pyproject.toml",
    "Pipfile",
    "package.json",
    "go.mod",
    "Cargo.toml",
    "Gemfile",
    "composer.json",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
)


def _manifest_name(path: str) -> str:
    """The name a manifest is recognised by: files under a ``requirements/`` folder count as requirements."""
    name = _basename(path)
    if path.startswith("requirements/") or "/requirements/" in path:
        name = f"requirements-{name}" if name.endswith((".txt", ".in")) else name
    return name


def handles_dependencies(path: str) -> bool:
    """A lockfile, a package registry setting, or a manifest."""
    name = _basename(path)
    if name in LOCKFILE_NAMES or name in REGISTRY_CONFIG_NAMES:
        return True
    return path_matches(_manifest_name(path), MANIFEST_GLOBS)


# -- GitHub workflows ----------------------------------------------------------------------

_WORKFLOW_GLOBS = ("**/.github/workflows/*.yml", "**/.github/workflows/*.yaml", "action.yml", "action.yaml")
"""GitHub runs the files directly in ``.github/workflows``, not those of a folder below it."""


def handles_workflow(path: str) -> bool:
    """A GitHub workflow or action definition."""
    return path_matches(path, _WORKFLOW_GLOBS)


# -- other CI files and build scripts ------------------------------------------------------

_DOCKERFILES = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile", "Containerfile.*")
_DOCUMENTS = (".md", ".rst", ".txt", ".adoc")
_CI_FILES = (
    ".gitlab-ci.yml",
    "**/.gitlab-ci/**",
    "Jenkinsfile",
    "Jenkinsfile.*",
    "**/.circleci/**",
    "azure-pipelines.yml",
    "azure-pipelines.yaml",
    "**/.azure-pipelines/**",
    ".travis.yml",
    "bitbucket-pipelines.yml",
    "**/.buildkite/**",
    ".drone.yml",
    "cloudbuild.yaml",
    "cloudbuild.yml",
    "appveyor.yml",
    ".woodpecker.yml",
    "**/.woodpecker/**",
    "Makefile",
    "makefile",
    "GNUmakefile",
    "*.mk",
    "justfile",
    "Justfile",
    "Taskfile.yml",
)
"""A folder's pipeline files count at any depth below it (``.gitlab-ci/jobs/test.yml``)."""


def ci_file_kind(path: str) -> str | None:
    """``docker`` for a Dockerfile, ``ci`` for a non-GitHub CI file or build script, else None."""
    if _basename(path).endswith(_DOCUMENTS):
        return None
    if path_matches(path, _DOCKERFILES):
        return "docker"
    if path_matches(path, _CI_FILES):
        return "ci"
    return None


def handles_ci_file(path: str) -> bool:
    return ci_file_kind(path) is not None


# -- access control ------------------------------------------------------------------------

_AUTHORIZED_KEYS = frozenset({"authorized_keys", "authorized_keys2"})
_POLICY_PATH = re.compile(r"rbac|iam|role|polic|k8s|kube|manifest|deploy|helm|chart")


def auth_kind(path: str) -> str | None:
    """``codeowners``, ``authorized-keys``, ``policy`` (a JSON or YAML file on an access-policy-like path), or None."""
    name = _basename(path)
    if name == "CODEOWNERS":
        return "codeowners"
    if name in _AUTHORIZED_KEYS:
        return "authorized-keys"
    if name.endswith((".json", ".yaml", ".yml")) and _POLICY_PATH.search(path.lower()):
        return "policy"
    return None


def handles_auth(path: str) -> bool:
    return auth_kind(path) is not None


# -- assistant configuration ---------------------------------------------------------------

_SETTINGS_NAMES = frozenset({".mcp.json", "mcp.json", "opencode.json"})
_SETTINGS_PATHS = (
    "**/.claude/settings.json",
    "**/.claude/settings.local.json",
    "**/.gemini/settings.json",
    "**/.codex/config.toml",
    "**/.vscode/settings.json",
    "**/.cursor/*.json",
    "**/.roo/*.json",
    "**/.kiro/settings/*.json",
)
"""Settings files in any project of the repository; the JSON directly in ``.cursor`` or
``.roo`` (``mcp.json``), not in a folder below it."""
_INSTRUCTION_NAMES = frozenset(
    {
        "AGENTS.md",
        "AGENTS.override.md",
        "CLAUDE.md",
        "CLAUDE.local.md",
        "GEMINI.md",
        "CONVENTIONS.md",
        "WARP.md",
        "CRUSH.md",
        ".cursorrules",
        ".windsurfrules",
        ".clinerules",
        ".goosehints",
        ".rules",
        ".augment-guidelines",
        "copilot-instructions.md",
        "airules.md",
    }
)
_AGENT_DIRS = re.compile(
    r"(?:^|/)(?:\.claude|\.cursor|\.windsurf|\.clinerules|\.roo|\.kiro|\.agents|\.codex|\.gemini|\.junie|\.amazonq|"
    r"\.github/(?:instructions|prompts|agents|skills|chatmodes))/"
)


def agent_config_kind(path: str) -> str | None:
    """``settings`` for an assistant's settings file, ``instructions`` for its instructions, else None."""
    name = _basename(path)
    if name in _SETTINGS_NAMES or path_matches(path, _SETTINGS_PATHS):
        return "settings"
    if name in _INSTRUCTION_NAMES or (_AGENT_DIRS.search(path) and not name.endswith((".json", ".toml", ".sh"))):
        return "instructions"
    return None


def handles_agent_config(path: str) -> bool:
    return agent_config_kind(path) is not None
