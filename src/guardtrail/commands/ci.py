"""``guardtrail ci``: the gate as a GitHub Actions step.

Reads the event (``GITHUB_EVENT_NAME``, ``GITHUB_EVENT_PATH``) to pick ``base..head``, makes
sure a shallow checkout holds the whole range, runs :func:`~guardtrail.commands.check.run_check`
(the policy comes from the base, or ``policy_ref``), and writes what the runner reads:
annotations on standard output, the job summary, the step outputs and a SARIF file.

The only module of the CI path that does I/O; every text it writes comes from a pure renderer.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guardtrail.commands.check import CheckOptions, append_audit_log, run_check
from guardtrail.decide.gate import Decision
from guardtrail.errors import GuardtrailError, raise_if_stopped
from guardtrail.git.ci_fetch import ensure_range, merge_base_with_branch
from guardtrail.report import Format, render
from guardtrail.report.audit import render_audit_hash
from guardtrail.report.github import escape_data, render_annotations, render_summary

FAIL_ON = ("blocking", "any", "never")
ZERO_SHA = "0" * 40
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
EVENTS = (*PULL_REQUEST_EVENTS, "push", "merge_group")


@dataclass(frozen=True)
class CiOptions:
    env: Mapping[str, str]
    """The job's environment (``GITHUB_*``), passed in rather than read globally."""
    repo: Path | None = None
    """The checkout; ``GITHUB_WORKSPACE`` (else the current folder) when None."""
    base: str | None = None
    """Overrides the event's base."""
    head: str | None = None
    """Overrides the event's head."""
    policy_ref: str | None = None
    fmt: Format = Format.TEXT
    """The report printed in the log after the annotations (``github``: annotations only)."""
    sarif_file: Path | None = None
    fail_on: str = "blocking"
    audit_log: Path | None = None
    fetch: bool = True


@dataclass(frozen=True)
class EventRange:
    """What the event says to check."""

    base: str | None
    """None when the event names no base (a new branch): use the default branch."""
    head: str
    default_branch: str | None = None


def _sha(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) != 40 or any(c not in "0123456789abcdef" for c in value):
        raise GuardtrailError(f"the event has no commit id at {where}")
    return value


def _get(payload: Mapping[str, Any], *keys: str) -> Any:
    value: Any = payload
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def event_range(name: str, payload: Mapping[str, Any]) -> EventRange | None:
    """The range an event asks to check; None when there is nothing to check (a deleted branch)."""
    if name in PULL_REQUEST_EVENTS:
        return EventRange(
            _sha(_get(payload, "pull_request", "base", "sha"), "pull_request.base.sha"),
            _sha(_get(payload, "pull_request", "head", "sha"), "pull_request.head.sha"),
        )
    if name == "merge_group":
        return EventRange(
            _sha(_get(payload, "merge_group", "base_sha"), "merge_group.base_sha"),
            _sha(_get(payload, "merge_group", "head_sha"), "merge_group.head_sha"),
        )
    if name == "push":
        after = _sha(payload.get("after"), "after")
        if after == ZERO_SHA:
            return None
        before = _sha(payload.get("before"), "before")
        default = _get(payload, "repository", "default_branch")
        return EventRange(None if before == ZERO_SHA else before, after, default if isinstance(default, str) else None)
    raise GuardtrailError(f"unsupported event {name!r}: run on {', '.join(EVENTS)}, or pass --base and --head")


def read_event(env: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    name = env.get("GITHUB_EVENT_NAME", "")
    path = env.get("GITHUB_EVENT_PATH", "")
    if not name or not path:
        raise GuardtrailError(
            "GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set: run in GitHub Actions, or pass --base and --head"
        )
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise GuardtrailError(f"cannot read the event file {path}: {exc.strerror}") from None
    except ValueError:
        raise GuardtrailError(f"the event file {path} is not JSON") from None
    if not isinstance(payload, dict):
        raise GuardtrailError(f"the event file {path} is not a JSON object")
    return name, payload


def _new_branch_base(repo: Path, default_branch: str | None, head: str, fetch: bool) -> str:
    """For a push that creates a branch: where it leaves the default branch."""
    if default_branch is None:
        raise GuardtrailError("a push created a branch and the event names no default branch: pass --base")
    return merge_base_with_branch(repo, default_branch, head, fetch=fetch)


def output_lines(outputs: Mapping[str, str]) -> str:
    """``$GITHUB_OUTPUT`` text; a value with a line break uses a random heredoc delimiter."""
    lines = []
    for name, value in outputs.items():
        if "\n" in value or "\r" in value:
            delimiter = f"GUARDTRAIL_{uuid.uuid4().hex}"
            lines += [f"{name}<<{delimiter}", value, delimiter]
        else:
            lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n"


def exit_code(decision: Decision, fail_on: str) -> int:
    if fail_on == "never":
        return 0
    if fail_on == "any":
        return 1 if decision.findings else 0
    return decision.exit_code


def _append(path: str | os.PathLike[str], text: str, what: str) -> None:
    raise_if_stopped()
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise GuardtrailError(f"cannot write the {what} {path}: {exc.strerror}") from None


def _path_prefix(repo: Path, workspace: str | None) -> str:
    """Annotations name files relative to the workspace; the checkout may sit below it."""
    if not workspace:
        return ""
    try:
        relative = repo.resolve().relative_to(Path(workspace).resolve())
    except ValueError:
        return ""
    return "" if str(relative) == "." else relative.as_posix() + "/"


def _resolve_range(options: CiOptions, repo: Path) -> tuple[str, str] | None:
    if options.base and options.head:
        return options.base, options.head
    name, payload = read_event(options.env)
    span = event_range(name, payload)
    if span is None:
        return None
    head = options.head or span.head
    base = options.base or span.base or _new_branch_base(repo, span.default_branch, head, options.fetch)
    return base, head


def _publish(options: CiOptions, decision: Decision, repo: Path, say: Callable[[str], None]) -> None:
    raise_if_stopped()
    say(render_annotations(decision, path_prefix=_path_prefix(repo, options.env.get("GITHUB_WORKSPACE"))))
    if options.fmt is not Format.GITHUB:
        say(render(decision, options.fmt))
    if options.sarif_file is not None:
        try:
            options.sarif_file.write_text(render(decision, Format.SARIF), encoding="utf-8")
        except OSError as exc:
            raise GuardtrailError(f"cannot write the SARIF file {options.sarif_file}: {exc.strerror}") from None
    last_hash = append_audit_log(decision, options.audit_log) if options.audit_log is not None else None
    summary = options.env.get("GITHUB_STEP_SUMMARY")
    if summary:
        text = render_summary(decision)
        if last_hash is not None:
            text += render_audit_hash(str(options.audit_log), last_hash)
        _append(summary, text, "job summary")
    outputs = options.env.get("GITHUB_OUTPUT")
    if outputs:
        values = {
            "verdict": decision.verdict,
            "findings": str(len(decision.findings)),
            "blocking": str(len(decision.blocking)),
            "sarif-file": str(options.sarif_file or ""),
        }
        _append(outputs, output_lines(values), "step outputs file")


def _nothing_to_check(options: CiOptions, say: Callable[[str], None]) -> int:
    say("guardtrail: PASS: the push deleted a branch, nothing to check\n")
    outputs = options.env.get("GITHUB_OUTPUT")
    if outputs:
        _append(
            outputs,
            output_lines({"verdict": "pass", "findings": "0", "blocking": "0", "sarif-file": ""}),
            "step outputs file",
        )
    return 0


def run_ci(options: CiOptions, say: Callable[[str], None]) -> int:
    """Run the gate for the event; the exit code ``fail_on`` asks for. Errors also become an annotation."""
    if options.fail_on not in FAIL_ON:
        raise GuardtrailError(f"fail-on must be one of {', '.join(FAIL_ON)}, not {options.fail_on!r}")
    repo = options.repo or Path(options.env.get("GITHUB_WORKSPACE") or ".")
    try:
        span = _resolve_range(options, repo)
        if span is None:
            return _nothing_to_check(options, say)
        decision = _gate(options, repo, *span, say)
    except GuardtrailError as exc:
        say(f"::error title=guardtrail::{escape_data(str(exc))}\n")
        raise
    _publish(options, decision, repo, say)
    return exit_code(decision, options.fail_on)


def _gate(options: CiOptions, repo: Path, base: str, head: str, say: Callable[[str], None]) -> Decision:
    from guardtrail.git.repo import Repository

    reader = Repository(repo)
    workdir = reader.workdir or repo
    for note in ensure_range(workdir, base, head, fetch=options.fetch):
        say(f"guardtrail: {note}\n")
    return run_check(CheckOptions(repo=repo, base=base, head=head, policy_ref=options.policy_ref))
