"""GitHub Actions workflows and actions: zizmor's audits, the secrets a step reads, piped installers.

zizmor is the one source of the GitHub Actions audits (unpinned actions, template injection,
permissions, dangerous triggers, cache poisoning, ...): each of its findings becomes
``workflow.<audit>`` with its severity, confidence, line and documentation link. This module
adds what zizmor does not do: the inventory of repository secrets a step newly reads, and
downloads piped into a shell.

Once per check: :func:`audit_workflows` takes every workflow and action change of a whole range
(the classifier collects them) and runs one zizmor process over both sides of all of them;
the analyser it returns reports each change from that one run. :func:`analyse_workflow` is the
same for a single change.

Diff-aware: a finding is news when the old side of the file did not have it. The two sides'
findings are matched first by what they flag (audit, severity, annotation and the exact text),
so a step that merely moved is not news; then findings about a whole step, job or key are
matched by where they stand, so editing a job does not re-report its old risks. A new file,
and one whose old side zizmor could not read, has no old findings: everything is news.

Fail closed: a file zizmor could not audit (not installed, crashed, timed out, cannot parse it)
is reported as ``workflow.audit-failed``, naming the reason; like every workflow finding it
blocks a gated commit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import replace

from guardtrail.classify.analysers import zizmor
from guardtrail.classify.analysers._common import (
    PIPE_TO_SHELL,
    Reporter,
    Sides,
    basename,
    has_new_text,
    introduced_lines,
    read_sides,
)
from guardtrail.classify.analysers.dispatch import handles_workflow
from guardtrail.classify.base import Analyser, Blobs
from guardtrail.model import Category, Confidence, FileChange, Finding, Severity

DOCS = "https://docs.zizmor.sh/audits/#"
"""Where each zizmor audit is documented, by its id."""

_SEVERITY = {"high": Severity.ERROR, "medium": Severity.WARNING}
"""zizmor's high and medium; low, informational and unknown are notes."""
_CONFIDENCE = {"high": Confidence.HIGH, "medium": Confidence.MEDIUM}
"""zizmor's high and medium; low and unknown are low."""
_SECRET = re.compile(r"\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)|\bsecrets\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\]")


def audit_workflows(changes: Sequence[FileChange], blobs: Blobs) -> Analyser:
    """Audit both sides of every workflow and action among ``changes`` in one zizmor run, and
    return the analyser that reports each change from it."""
    inputs: dict[str, zizmor.Input] = {}
    for change in changes:
        if not handles_workflow(change.path) or not has_new_text(change) or change.new_id is None:
            continue
        for key, blob_id in ((_key(change.path, change.new_id), change.new_id), (_old_key(change), change.old_id)):
            if key is not None and blob_id is not None and key not in inputs:
                inputs[key] = zizmor.Input(key, blobs.blob(blob_id), action=key.startswith("action:"))
    return functools.partial(_report, zizmor.audit(list(inputs.values())))


def analyse_workflow(change: FileChange, blobs: Blobs) -> Iterator[Finding]:
    """Findings for one changed workflow or action (one zizmor run); nothing for other files."""
    yield from audit_workflows([change], blobs)(change, blobs)


def _key(path: str, blob_id: str) -> str:
    """An input's name: its kind and blob, so a file version the range touches twice is audited once."""
    return f"{'action' if basename(path) in ('action.yml', 'action.yaml') else 'workflow'}:{blob_id}"


def _old_key(change: FileChange) -> str | None:
    """The old side's input, when it was a workflow or action too (a file renamed into
    ``.github/workflows/`` is a new workflow)."""
    old_path = change.old_path or change.path
    return _key(old_path, change.old_id) if change.old_id is not None and handles_workflow(old_path) else None


def _report(audit: zizmor.Audit, change: FileChange, blobs: Blobs) -> Iterator[Finding]:
    """One change's findings from ``audit``: zizmor's news, or why it was not audited, then the inventory."""
    if not handles_workflow(change.path) or change.new_id is None:
        return
    report = Reporter(change, Category.BUILD_LOGIC)
    new_key = _key(change.path, change.new_id)
    if change.binary or new_key not in audit.findings:
        reason = "binary content" if change.binary else audit.failed.get(new_key, "zizmor was not run on it")
        yield report(
            "workflow.audit-failed",
            f"{basename(change.path)} was not audited: {reason}",
            None,
            Severity.ERROR,
            details=("Fix the file (or the zizmor install) and run the check again; until then review it by hand.",),
        )
    else:
        old_key = _old_key(change)
        old = audit.findings.get(old_key, ()) if old_key is not None else ()
        yield from (_finding(report, result) for result in news(audit.findings[new_key], old))
    if not change.binary:
        yield from _inventory(report, change, read_sides(change, blobs))


def news(new: Sequence[zizmor.Result], old: Sequence[zizmor.Result]) -> list[zizmor.Result]:
    """The findings of ``new`` that ``old`` did not have (see the module docstring)."""
    left = list(old)
    unmatched = [result for result in new if not _take(left, result, _by_text)]
    return [result for result in unmatched if result.fragment is not None or not _take(left, result, _by_place)]


def _by_text(result: zizmor.Result) -> Hashable:
    return (result.audit, result.severity, result.annotation, " ".join((result.fragment or result.feature).split()))


def _by_place(result: zizmor.Result) -> Hashable:
    return (result.audit, result.severity, result.annotation, result.route)


def _take(left: list[zizmor.Result], result: zizmor.Result, key: Callable[[zizmor.Result], Hashable]) -> bool:
    """Remove from ``left`` the first finding that matches ``result`` by ``key``; whether there was one."""
    wanted = key(result)
    for index, candidate in enumerate(left):
        if key(candidate) == wanted:
            del left[index]
            return True
    return False


def _finding(report: Reporter, result: zizmor.Result) -> Finding:
    what = f" ({result.fragment})" if result.fragment and len(result.fragment) <= 100 else ""
    details = [f"line {note.line}: {note.annotation}" for note in result.related if note.line != result.line]
    details.append(f"zizmor {result.audit}: severity {result.severity}, confidence {result.confidence}")
    details.append(DOCS + result.audit)
    finding = report(
        f"workflow.{result.audit}",
        f"{result.description}: {result.annotation}{what}",
        result.line,
        _SEVERITY.get(result.severity, Severity.NOTE),
        details,
    )
    return replace(finding, confidence=_CONFIDENCE.get(result.confidence, Confidence.LOW))


def _inventory(report: Reporter, change: FileChange, sides: Sides) -> Iterator[Finding]:
    """What zizmor does not report: each repository secret a new line reads, and piped installers."""
    for added in introduced_lines(change, sides.old):
        for secret in _SECRET.finditer(added.text):
            name = secret.group(1) or secret.group(2)
            severity = Severity.NOTE if name == "GITHUB_TOKEN" else Severity.WARNING
            yield report("workflow.secrets", f"uses secret {name}", added.number, severity)
        if PIPE_TO_SHELL.search(added.text):
            yield report("workflow.pipe-to-shell", "downloads a script and pipes it into a shell", added.number)
