"""Content analysers: what a change to a sensitive file actually does.

Each analyser dispatches on the path first and reads blobs only for files it handles.
``ANALYSERS`` is the explicit registry the classification pipeline runs; ``RULES`` gives every
rule id they emit a one-line description (for reports, SARIF rule metadata and docs).
"""

from __future__ import annotations

from guardtrail.classify.analysers.agent_config import analyse_agent_config
from guardtrail.classify.analysers.auth import analyse_auth
from guardtrail.classify.analysers.ci_files import analyse_ci_file
from guardtrail.classify.analysers.dependencies import analyse_dependencies
from guardtrail.classify.analysers.workflows import analyse_workflow
from guardtrail.classify.base import Analyser

ANALYSERS: tuple[Analyser, ...] = (
    analyse_dependencies,
    analyse_workflow,
    analyse_ci_file,
    analyse_auth,
    analyse_agent_config,
)
"""Every content analyser, in the order their findings are reported."""

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
    "workflow.pull-request-target": "New pull_request_target trigger: secrets meet untrusted pull requests",
    "workflow.workflow-run": "New workflow_run trigger: secrets meet artifacts of untrusted runs",
    "workflow.permissions": "The workflow token gets write access, or loses its explicit permissions",
    "workflow.secrets": "A step newly reads a repository secret",
    "workflow.unpinned-action": "An action is used by tag or branch instead of a full commit SHA",
    "workflow.pipe-to-shell": "A step pipes a download into a shell",
    "workflow.script-injection": "An attacker-controlled event field is expanded into a script",
    "workflow.malformed": "A workflow cannot be parsed",
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
"""Every rule id the analysers emit, with a one-line description."""

__all__ = ["ANALYSERS", "RULES"]
