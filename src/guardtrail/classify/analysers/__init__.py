"""Content analysers: what a change to a sensitive file actually does.

Each analyser handles a few kinds of path (``dispatch`` says which, without importing it) and
reads blobs only for files it handles. ``CONTENT_ANALYSERS`` is the explicit registry the
classification pipeline runs: each entry imports its analyser the first time a change's path is
one it handles, so a hook scanning ordinary source files never loads the YAML, TOML and package
parsers. An entry with a ``batch`` form (the workflow audits, which start zizmor) is run by the
classifier once over every change of a check it handles, not once per change. ``ANALYSERS``
gives the analysers themselves (importing them all); ``RULES`` gives every rule id they emit a
one-line description (for reports, SARIF rule metadata and docs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from guardtrail.classify.analysers import dispatch
from guardtrail.classify.base import Analyser, BatchAnalyser, Blobs
from guardtrail.model import FileChange, Finding


class OnDemand(NamedTuple):
    """An analyser imported on first use and called only for the paths it handles."""

    handles: Callable[[str], bool]
    """Whether the analyser could do anything for a change at this path (cheap, import-free)."""
    load: Callable[[], Analyser]
    batch: Callable[[], BatchAnalyser] | None = None
    """The analyser's form for all the changes of a run at once, when it has one."""

    def __call__(self, change: FileChange, blobs: Blobs) -> Iterable[Finding]:
        if not self.handles(change.path):
            return ()
        return self.load()(change, blobs)


def _dependencies() -> Analyser:
    from guardtrail.classify.analysers.dependencies import analyse_dependencies

    return analyse_dependencies


def _workflow() -> Analyser:
    from guardtrail.classify.analysers.workflows import analyse_workflow

    return analyse_workflow


def _workflow_batch() -> BatchAnalyser:
    from guardtrail.classify.analysers.workflows import audit_workflows

    return audit_workflows


def _ci_file() -> Analyser:
    from guardtrail.classify.analysers.ci_files import analyse_ci_file

    return analyse_ci_file


def _auth() -> Analyser:
    from guardtrail.classify.analysers.auth import analyse_auth

    return analyse_auth


def _agent_config() -> Analyser:
    from guardtrail.classify.analysers.agent_config import analyse_agent_config

    return analyse_agent_config


CONTENT_ANALYSERS: tuple[OnDemand, ...] = (
    OnDemand(dispatch.handles_dependencies, _dependencies),
    OnDemand(dispatch.handles_workflow, _workflow, _workflow_batch),
    OnDemand(dispatch.handles_ci_file, _ci_file),
    OnDemand(dispatch.handles_auth, _auth),
    OnDemand(dispatch.handles_agent_config, _agent_config),
)
"""Every content analyser, in the order their findings are reported."""

ANALYSERS: tuple[Analyser, ...]
"""The analysers of ``CONTENT_ANALYSERS`` themselves, in the same order (imported when first asked for)."""


def __getattr__(name: str) -> tuple[Analyser, ...]:
    if name == "ANALYSERS":
        return tuple(entry.load() for entry in CONTENT_ANALYSERS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


RULES: dict[str, str] = {
    "dependency.added": "A new package is declared",
    "dependency.removed": "A package is no longer declared",
    "dependency.version-changed": "A package's version or range changed",
    "dependency.widened": "An exact pin became a range, or a constraint was dropped",
    "dependency.unpinned": "A new package accepts any version",
    "dependency.typosquat": "A new package name is one edit away from a popular package",
    "dependency.new-source": "Packages come from a new index, registry, git repository, URL or path",
    "dependency.install-script": "Code runs when the dependencies are installed",
    "dependency.lockfile": "Summary of the packages a lockfile change adds, removes and updates",
    "dependency.malformed": "A dependency file cannot be parsed",
    "dependency.submodule": "A submodule is added, removed, moved or pinned to another commit",
    "dependency.submodule-url": "A submodule is fetched from a new or changed URL",
    "workflow.secrets": "A step newly reads a repository secret",
    "workflow.pipe-to-shell": "A step pipes a download into a shell",
    "workflow.audit-failed": "zizmor could not audit a workflow or action (not installed, failed, or cannot parse it)",
    "docker.base-image": "A Dockerfile's base image changed (and whether it is pinned by digest)",
    "docker.remote-download": "A Dockerfile fetches a remote file at build time",
    "docker.pipe-to-shell": "A Dockerfile pipes a download into a shell",
    "ci.image": "A CI job image changed (and whether it is pinned by digest)",
    "ci.remote-download": "A CI file or build script fetches a remote file",
    "ci.pipe-to-shell": "A CI file or build script pipes a download into a shell",
    "auth.codeowners": "CODEOWNERS rules or owners removed, or paths left without owners",
    "auth.authorized-key": "A new SSH key may log in",
    "auth.wildcard-policy": "An RBAC role or IAM statement grants wildcards",
    "auth.admin-binding": "A binding grants cluster-admin or admin",
    "auth.malformed": "An access policy cannot be parsed",
    "agent.mcp-server": "An assistant gets a new or changed MCP server",
    "agent.permissions": "An assistant may use more tools, or runs with approvals turned off",
    "agent.hooks": "An assistant runs a new hook command",
    "agent.hidden-instructions": "Instructions hidden from reviewers in comments or invisible characters",
    "agent.instruction-command": "Instructions tell the assistant to pipe a download into a shell",
    "agent.malformed": "An assistant settings file cannot be parsed",
}
"""Every rule id the analysers emit, with a one-line description. zizmor's findings are
``workflow.<audit id>``, each described by zizmor's documentation, linked in its details."""

__all__ = ["ANALYSERS", "CONTENT_ANALYSERS", "RULES", "OnDemand"]
