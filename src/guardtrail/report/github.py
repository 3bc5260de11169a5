"""GitHub Actions output: workflow-command annotations and the Markdown job summary.

Pure functions of a :class:`~guardtrail.decide.gate.Decision`; ``guardtrail ci`` writes them
where the runner reads them. Messages are the findings' own, already redacted: a secret's
value never appears here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from guardtrail.classify.surfaces import is_surface
from guardtrail.decide.gate import CommitDecision, Decision, Judged
from guardtrail.model import Category, Finding, Verdict
from guardtrail.report.sarif import level

ANNOTATION_LIMIT = 10
"""GitHub shows at most this many annotations of each type per step."""
SUMMARY_FINDING_ROWS = 200
"""Rows of the findings table; the summary must stay far below GitHub's 1 MiB."""

_LEVELS = ("error", "warning", "notice")
_COMMAND_OF_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message (after ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_level(verdict: Verdict) -> str:
    """``error`` blocks the merge, ``notice`` is cleared by an approval, ``warning`` is advice."""
    return _COMMAND_OF_LEVEL[level(verdict)]


def _status(finding: Finding, verdict: Verdict) -> str:
    if verdict.approved_by:
        return f"approved by {verdict.approved_by}"
    if not verdict.blocking:
        return "warning, does not block"
    if finding.category is Category.SECRET:
        return "blocks: remove the secret"
    return "blocks until an approver signs"


def _command(level: str, properties: Sequence[tuple[str, str]], message: str) -> str:
    props = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    return f"::{level} {props}::{escape_data(message)}" if props else f"::{level}::{escape_data(message)}"


def annotation(finding: Finding, verdict: Verdict, *, path_prefix: str = "") -> str:
    """One workflow command for ``finding``, on its changed line when it has one. A finding on
    a commit's message, an identity or a tag has no file to stand on: its annotation is the
    job's, and its message names the surface (``:commit-message:1``)."""
    properties = []
    where = ""
    if is_surface(finding.path):
        where = f"{finding.path}:{finding.line}: " if finding.line else f"{finding.path}: "
    else:
        properties.append(("file", path_prefix + finding.path))
        if finding.line:
            properties.append(("line", str(finding.line)))
    properties.append(("title", f"guardtrail {finding.category.value}: {_status(finding, verdict)}"))
    message = "\n".join(
        [f"{where}{finding.message} [{finding.rule}] in commit {finding.commit[:10]}", *finding.details]
    )
    return _command(annotation_level(verdict), properties, message)


def render_annotations(decision: Decision, *, path_prefix: str = "") -> str:
    """Annotations for every finding, at most :data:`ANNOTATION_LIMIT` per type; the rest summarised."""
    lines: list[str] = []
    for kind in _LEVELS:
        findings = [(f, v) for f, v in decision.judged if annotation_level(v) == kind]
        if len(findings) > ANNOTATION_LIMIT:
            shown = findings[: ANNOTATION_LIMIT - 1]
            hidden = len(findings) - len(shown)
            lines += [annotation(f, v, path_prefix=path_prefix) for f, v in shown]
            lines.append(
                _command(
                    kind,
                    [("title", "guardtrail")],
                    f"{hidden} more {kind} findings are not annotated: see the job summary or the SARIF report",
                )
            )
        else:
            lines += [annotation(f, v, path_prefix=path_prefix) for f, v in findings]
    count = len(decision.blocking)
    lines.append(f"guardtrail: {decision.verdict.upper()}: {count} blocking, {len(decision.findings)} findings in all")
    return "\n".join(lines) + "\n"


# -- job summary ---------------------------------------------------------------------------


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no HTML, no pipes, one line."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("|", "\\|").replace("\r", " ").replace("\n", " ").replace("`", "'")


def _commit_status(entry: CommitDecision, findings: Sequence[Judged]) -> str:
    if entry.approval_of is not None:
        flags = f" ({', '.join(entry.signature.flags)})" if entry.signature.flags else ""
        return f"signed approval by {md_cell(str(entry.approval_of))}{flags}"
    if any(verdict.blocking for _, verdict in findings):
        return "**blocks**"
    if entry.approved_by is not None:
        return f"approved by {md_cell(str(entry.approved_by))}"
    return "ok"


def _commit_rows(decision: Decision) -> list[str]:
    rows = [
        "| Commit | Subject | Author | Assistant | Signature | Findings | Status |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in decision.commits:
        findings = [(f, v) for f, v in decision.judged if f.commit == entry.commit.sha]
        assistants = sorted({s.rule.split(".")[1] for s in entry.signals if s.rule.count(".") >= 1})
        rows.append(
            f"| `{entry.commit.short}` | {md_cell(entry.commit.subject[:72])} | {md_cell(str(entry.commit.author))}"
            f" | {md_cell(', '.join(assistants)) or 'no'} | {md_cell(entry.signature.reason)}"
            f" | {len(findings)} | {_commit_status(entry, findings)} |"
        )
    return rows


def _finding_rows(findings: Sequence[Judged]) -> list[str]:
    rows = ["| | Category | Location | Commit | Finding | Rule |", "|---|---|---|---|---|---|"]
    marks = {"error": "block", "warning": "warn", "notice": "approved"}
    for finding, verdict in findings[:SUMMARY_FINDING_ROWS]:
        where = f"{finding.path}:{finding.line}" if finding.line else finding.path
        rows.append(
            f"| {marks[annotation_level(verdict)]} | {finding.category.value} | {md_cell(where)}"
            f" | `{finding.commit[:10]}` | {md_cell(finding.message)} | `{finding.rule}` |"
        )
    if len(findings) > SUMMARY_FINDING_ROWS:
        rows.append(f"\n{len(findings) - SUMMARY_FINDING_ROWS} more findings: see the SARIF or JSON report.")
    return rows


def _approval_steps(decision: Decision, blocking: Sequence[Finding]) -> list[str]:
    commits = sorted({f.commit[:10] for f in blocking})
    lines = [
        "",
        "### What needs a signed approval",
        "",
        f"Gated commits with sensitive changes: {', '.join(f'`{sha}`' for sha in commits)}.",
    ]
    if not decision.policy.approvers:
        lines.append(
            "Nobody can approve yet: add approvers with their SSH or OpenPGP keys to `.guardtrail.yml` on the"
            " base branch."
        )
        return lines
    approvers = ", ".join(md_cell(str(a)) for a in decision.policy.approvers)
    lines += [
        f"After reviewing the changes, one of {approvers} runs on the branch (checked out at"
        f" `{decision.head[:12]}`), with their listed key as git's signing key:",
        "",
        "```sh",
        f"guardtrail approve --base {decision.base}",
        "git push",
        "```",
    ]
    return lines


def _secret_steps(decision: Decision, secrets: Sequence[Finding]) -> list[str]:
    lines = [
        "",
        "### Secrets",
        "",
        "An approval never clears a secret. Rotate the credential, then remove it from every commit of the"
        " branch (rewrite the branch and force-push). Only for a false positive may an approver acknowledge it:",
        "",
        "```sh",
    ]
    fingerprints = sorted({f.fingerprint for f in secrets if f.fingerprint})
    flags = " ".join(f"--allow-secret {fp}" for fp in fingerprints)
    lines += [f"guardtrail approve --base {decision.base} {flags}".rstrip(), "```"]
    return lines


def _bullets(title: str, items: Iterable[str]) -> list[str]:
    entries = [f"- {md_cell(item)}" for item in items]
    return ["", f"### {title}", "", *entries] if entries else []


def render_summary(decision: Decision) -> str:
    """The Markdown job summary: verdict, per-commit table, findings, and what to do next."""
    blocking = decision.blocking
    mark = "BLOCK" if blocking else "PASS"
    count = len(decision.commits)
    lines = [
        f"## guardtrail: {mark}",
        "",
        f"{count} commit{'s' if count != 1 else ''} in `{decision.base[:12]}..{decision.head[:12]}`"
        f" ({md_cell(decision.base_note)}); policy: {md_cell(decision.policy.source)}"
        f" (mode `{decision.policy.mode}`). {len(blocking)} blocking, {len(decision.findings)} findings in all.",
        "",
        *_commit_rows(decision),
    ]
    if decision.findings:
        lines += ["", "### Findings", "", *_finding_rows(decision.judged)]
    gated = [f for f in blocking if f.category is not Category.SECRET]
    if gated:
        lines += _approval_steps(decision, gated)
    secrets = [f for f in blocking if f.category is Category.SECRET]
    if secrets:
        lines += _secret_steps(decision, secrets)
    if decision.suppressed:
        lines += ["", f"{decision.suppressed} secret finding(s) cleared by the base baseline or inline allowlists."]
    lines += _bullets("Notes", decision.notes)
    return "\n".join(lines) + "\n"
