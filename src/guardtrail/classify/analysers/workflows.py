"""GitHub Actions workflows and actions: triggers, token permissions, secrets, third-party code.

Structure (triggers, permissions, ``run:`` scripts) is compared on the parsed YAML, so
comments and formatting never count; line checks look only at lines the change introduced.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from guardtrail.classify.analysers._common import (
    PIPE_TO_SHELL,
    Malformed,
    Reporter,
    Sides,
    has_new_text,
    introduced_lines,
    key_line,
    line_of,
    parse_old,
    parse_yaml,
    read_sides,
    word_line,
)
from guardtrail.classify.analysers.dispatch import handles_workflow
from guardtrail.classify.base import Blobs
from guardtrail.model import Category, FileChange, Finding, Severity

DANGEROUS_TRIGGERS = {
    "pull_request_target": "workflow.pull-request-target",
    "workflow_run": "workflow.workflow-run",
}
"""Triggers that run with the base repository's secrets on code or data an outsider controls."""

_USES = re.compile(r"""^\s*(?:-\s*)?uses:\s*["']?([^\s"'#]+)""")
_SHA = re.compile(r"@[0-9a-f]{40}$")
_SECRET = re.compile(r"\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)|\bsecrets:\s*inherit\b")
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_UNTRUSTED = re.compile(
    r"\bgithub\.head_ref\b|\bgithub\.event\.[\w.*\[\]'\"-]*?"
    r"(?:title|body|message|ref|label|name|email|head_branch|default_branch|page_name|text|description)\b"
)
"""Event fields an outsider writes (titles, bodies, branch names, commit messages)."""
_MISSING = object()


def analyse_workflow(change: FileChange, blobs: Blobs) -> Iterator[Finding]:
    """Findings for a changed GitHub workflow or action definition; nothing for other files."""
    if not handles_workflow(change.path) or not has_new_text(change):
        return
    report = Reporter(change, Category.BUILD_LOGIC)
    sides = read_sides(change, blobs)
    try:
        new = _mapping(parse_yaml(sides.new))
    except Malformed as error:
        yield report.malformed("workflow", error)
        return
    old = _mapping(parse_old(parse_yaml, sides.old, {}))
    yield from _triggers(report, old, new, sides.new)
    yield from _permissions(report, old, new, sides.new)
    yield from _injections(report, old, new, sides.new)
    yield from _lines(report, change, sides)


def _mapping(document: Any) -> dict[Any, Any]:
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise Malformed("a workflow must be a mapping")
    return document


def triggers(document: dict[Any, Any]) -> set[str]:
    """The event names a workflow runs on (YAML 1.1 reads a bare ``on`` key as True)."""
    on = document.get("on", document.get(True))
    if isinstance(on, str):
        return {on}
    if isinstance(on, list | dict):
        return {str(event) for event in on}
    return set()


def _triggers(report: Reporter, old: dict[Any, Any], new: dict[Any, Any], text: str) -> Iterator[Finding]:
    for event in sorted(triggers(new) - triggers(old)):
        if event in DANGEROUS_TRIGGERS:
            message = f"new {event} trigger: runs with repository secrets on untrusted input"
            yield report(DANGEROUS_TRIGGERS[event], message, word_line(text, event), Severity.ERROR)


def _holders(document: dict[Any, Any]) -> dict[str, Any]:
    """Where a ``permissions`` block can stand: the workflow and each job."""
    found: dict[str, Any] = {"workflow": document.get("permissions", _MISSING)}
    jobs = document.get("jobs")
    for name, job in jobs.items() if isinstance(jobs, dict) else ():
        found[f"job {name}"] = job.get("permissions", _MISSING) if isinstance(job, dict) else _MISSING
    return found


def _writes(permissions: Any) -> set[str]:
    """The scopes a permissions value grants write access to (``*`` for write-all)."""
    if permissions == "write-all":
        return {"*"}
    if isinstance(permissions, dict):
        return {str(scope) for scope, level in permissions.items() if level == "write"}
    return set()


def _permissions(report: Reporter, old: dict[Any, Any], new: dict[Any, Any], text: str) -> Iterator[Finding]:
    before = _holders(old)
    for holder, value in _holders(new).items():
        start = _holder_line(text, holder)
        previous = before.get(holder, _MISSING)
        if value is _MISSING:
            if previous is not _MISSING:
                message = f"permissions block removed from {holder}: the token gets the repository default"
                yield report("workflow.permissions", message, None)
            continue
        old_writes = _writes(previous)
        if "*" in old_writes:
            continue
        for scope in sorted(_writes(value) - old_writes):
            if scope == "*":
                line = line_of(text, r"permissions:\s*write-all", start=start)
                yield report("workflow.permissions", f"{holder} gets permissions: write-all", line, Severity.ERROR)
            else:
                line = key_line(text, scope, start=start)
                yield report("workflow.permissions", f"{holder} gets {scope}: write", line, Severity.ERROR)


def _holder_line(text: str, holder: str) -> int:
    """Where a job starts (its key under ``jobs:``), or 1 for the workflow itself."""
    if holder == "workflow":
        return 1
    jobs = key_line(text, "jobs") or 1
    return key_line(text, holder.removeprefix("job "), start=jobs) or jobs


def _scripts(document: dict[Any, Any]) -> Iterator[str]:
    """Every ``run:`` script and ``actions/github-script`` script of a workflow or composite action."""
    jobs = document.get("jobs")
    step_lists = [job.get("steps") for job in jobs.values() if isinstance(job, dict)] if isinstance(jobs, dict) else []
    runs = document.get("runs")
    if isinstance(runs, dict):
        step_lists.append(runs.get("steps"))
    for steps in step_lists:
        for step in steps if isinstance(steps, list) else ():
            if not isinstance(step, dict):
                continue
            if isinstance(step.get("run"), str):
                yield step["run"]
            with_ = step.get("with")
            if str(step.get("uses", "")).startswith("actions/github-script") and isinstance(with_, dict):
                yield str(with_.get("script", ""))


def _untrusted_expressions(document: dict[Any, Any]) -> list[str]:
    found = (m.group(0) for script in _scripts(document) for m in _EXPRESSION.finditer(script))
    return list(dict.fromkeys(expr for expr in found if _UNTRUSTED.search(expr)))


def _injections(report: Reporter, old: dict[Any, Any], new: dict[Any, Any], text: str) -> Iterator[Finding]:
    before = set(_untrusted_expressions(old))
    for expression in _untrusted_expressions(new):
        if expression not in before:
            message = f"{expression} is expanded into a script: an attacker-controlled value can run code"
            line = line_of(text, re.escape(expression))
            yield report("workflow.script-injection", message, line, Severity.ERROR)


def _lines(report: Reporter, change: FileChange, sides: Sides) -> Iterator[Finding]:
    for added in introduced_lines(change, sides.old):
        uses = _USES.match(added.text)
        if uses and not _pinned(uses.group(1)):
            reference = uses.group(1)
            severity = Severity.NOTE if reference.startswith(("actions/", "github/")) else Severity.WARNING
            message = f"{reference} is not pinned to a full commit SHA"
            yield report("workflow.unpinned-action", message, added.number, severity)
        for secret in _SECRET.finditer(added.text):
            name = secret.group(1)
            message = f"uses secret {name}" if name else "passes every secret to the called workflow"
            yield report(
                "workflow.secrets", message, added.number, Severity.NOTE if name == "GITHUB_TOKEN" else Severity.WARNING
            )
        if PIPE_TO_SHELL.search(added.text):
            yield report("workflow.pipe-to-shell", "downloads a script and pipes it into a shell", added.number)


def _pinned(reference: str) -> bool:
    if reference.startswith("./"):
        return True
    if reference.startswith("docker://"):
        return "@sha256:" in reference
    return bool(_SHA.search(reference))
