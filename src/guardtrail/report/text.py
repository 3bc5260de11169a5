"""The human report: verdict first, findings grouped by commit, then what to do next."""

from __future__ import annotations

import re

from guardtrail.decide.gate import CommitDecision, Decision, Judged
from guardtrail.model import Category, Finding, Verdict

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters shown escaped: a file name may hold a newline or an
    escape sequence, and must neither break the report's lines nor drive the terminal."""
    if text.isprintable():  # no control character (nor some others): the common case, in C
        return text
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _location(finding: Finding) -> str:
    return printable(f"{finding.path}:{finding.line}" if finding.line else finding.path)


def finding_line(finding: Finding, mark: str) -> str:
    """One finding on one line behind a five-letter ``mark``: category, place, message, rule."""
    return f"  {mark} {finding.category.value:<12} {_location(finding)}  {printable(finding.message)}  [{finding.rule}]"


def _finding_line(finding: Finding, verdict: Verdict) -> list[str]:
    if verdict.blocking:
        mark = "BLOCK"
    elif verdict.approved_by:
        mark = "ok   "
    else:
        mark = "warn "
    lines = [finding_line(finding, mark)]
    lines += [f"        {printable(detail)}" for detail in finding.details]
    if finding.category is Category.SECRET and finding.fingerprint:
        lines.append(f"        fingerprint {finding.fingerprint}")
    if verdict.approved_by and not verdict.blocking:
        lines.append(f"        approved by {verdict.approved_by}")
    return lines


def _commit_header(entry: CommitDecision) -> list[str]:
    commit = entry.commit
    who = (
        f"assistant ({', '.join(sorted({s.rule.split('.')[1] for s in entry.signals}))})"
        if entry.assistant
        else "human"
    )
    lines = [
        f"commit {commit.short}  {printable(commit.subject[:72])}",
        f"  author {printable(str(commit.author))}  [{who}]",
    ]
    if entry.signals:
        lines.append("  signals: " + "; ".join(f"{s.rule} ({printable(s.evidence[:60])})" for s in entry.signals[:3]))
    lines.append(f"  signature: {entry.signature.reason}")
    return lines


def _next_steps(decision: Decision) -> list[str]:
    blocking = decision.blocking
    if not blocking:
        return []
    steps = ["", "What to do next:"]
    if not decision.base and blocking:  # a scan
        steps.append(
            "  - Rotate each credential and remove it. A false positive: add '# pragma: allowlist secret' to"
            " its line, or list the findings in a baseline: guardtrail scan --write-baseline .secrets.baseline."
        )
        return steps
    if any(f.category is Category.SECRET for f in blocking):
        steps.append(
            "  - Secrets: rotate the credential, then remove it from every commit of the range (rewrite the"
            " branch); a false positive needs an approver's 'Allow-secret: FINGERPRINT' trailer."
        )
    if any(f.category is not Category.SECRET for f in blocking):
        approvers = ", ".join(str(a) for a in decision.policy.approvers)
        if approvers:
            steps.append(f"  - Review the changes above; then one of {approvers} approves them with:")
            steps.append(f"      guardtrail approve --base {decision.base[:12]}")
            steps.append("    (an empty commit signed with their key, carrying 'Approved-by: Name <email>')")
        else:
            steps.append("  - Add approvers with their SSH or OpenPGP keys to .guardtrail.yml on the base branch.")
    return steps


def _header(decision: Decision) -> list[str]:
    if not decision.base:  # a scan, not a range
        return [f"guardtrail: {decision.verdict.upper()}  {decision.base_note}"]
    count = len(decision.commits)
    return [
        f"guardtrail: {decision.verdict.upper()}  {count} commit{'s' if count != 1 else ''}"
        f" {decision.base[:10]}..{decision.head[:10]}",
        f"  {decision.base_note}; policy: {decision.policy.source} (mode {decision.policy.mode})",
    ]


def _scan_findings(by_commit: dict[str, list[Judged]]) -> list[str]:
    lines = []
    for commit, findings in by_commit.items():
        lines += ["", f"commit {commit[:10]}" if commit else "working tree"]
        for finding, verdict in findings:
            lines += _finding_line(finding, verdict)
    return lines


def _other_findings(decision: Decision, by_commit: dict[str, list[Judged]]) -> list[str]:
    """Findings on objects that are no commit of the range (a pushed tag, a ref's name)."""
    listed = {entry.commit.sha for entry in decision.commits}
    lines = []
    for sha, findings in by_commit.items():
        if sha not in listed:
            lines += ["", f"object {sha[:10]} (not a commit of the range)"]
            for finding, verdict in findings:
                lines += _finding_line(finding, verdict)
    return lines


def _approval_lines(decision: Decision) -> list[str]:
    """The approvals bound to content, and each approval's authenticator flags: a signed
    approval commit already shows in its commit's signature line."""
    lines = []
    for approval in decision.approvals:
        if approval.changes is None:
            continue
        flags = f" ({', '.join(approval.flags)})" if approval.flags else ""
        paths = ", ".join(printable(path) for path in sorted(approval.changes)) or "no paths"
        lines.append(f"  {approval.commit[:10]}: {approval.approver}{flags} approves exactly: {paths}")
    return ["", "Approvals bound to content:", *lines] if lines else []


def render_text(decision: Decision) -> str:
    lines = _header(decision)
    by_commit: dict[str, list[Judged]] = {}
    for finding, verdict in decision.judged:
        by_commit.setdefault(finding.commit, []).append((finding, verdict))
    quiet = 0
    if not decision.base:
        lines += _scan_findings(by_commit)
    for entry in decision.commits:
        findings = by_commit.get(entry.commit.sha, [])
        if not findings and not entry.gated and entry.approval_of is None:
            quiet += 1
            continue
        lines.append("")
        lines += _commit_header(entry)
        if entry.approved_by:
            lines.append(f"  approved by {entry.approved_by}")
        for finding, verdict in findings:
            lines += _finding_line(finding, verdict)
        if entry.approval_of is not None:
            lines.append(f"  signed approval by {entry.approval_of}")
        elif not findings:
            lines.append("  nothing sensitive")
    if decision.base:
        lines += _other_findings(decision, by_commit)
    if quiet:
        lines += ["", f"{quiet} other commit{'s' if quiet != 1 else ''}: nothing to report"]
    if decision.suppressed:
        lines.append(f"{decision.suppressed} secret finding(s) cleared by the base baseline or inline allowlists")
    lines += _approval_lines(decision)
    if decision.notes:
        lines += ["", "Notes:"] + [f"  - {printable(note)}" for note in decision.notes]
    blocking = len(decision.blocking)
    lines += [
        "",
        f"{blocking} blocking finding{'s' if blocking != 1 else ''}, {len(decision.findings)} in all.",
    ]
    lines += _next_steps(decision)
    return "\n".join(lines) + "\n"
