"""``guardtrail staged``: the pre-commit hook's scan of the change about to be committed.

Secrets block whoever commits them. Sensitive changes (CI, build, auth, dependencies, agent
configuration, hidden text) are reported, and block when the commit is assistant-authored: an
agent session's environment says so, or (at commit-msg time) the message carries assistant
markers. The policy is the one committed at HEAD (built-in defaults when there is none).

Client hooks are advice: ``git commit --no-verify`` skips them; the CI check or the server hook
enforces. Kept fast: one index diff, no history walk, detect-secrets only via the classifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from guardtrail.decide.authorship import AuthorshipDetector, Signal
from guardtrail.decide.gate import Decision, decide
from guardtrail.decide.policy import load_baseline, load_policy
from guardtrail.decide.signatures import UNSIGNED
from guardtrail.git.index import STAGED, StagedIndex
from guardtrail.git.trailers import parse_trailers
from guardtrail.model import Category, Commit, Finding

ADVICE = "Client hooks are advice: 'git commit --no-verify' skips them; the CI check or the server hook enforces."
SENSITIVE = frozenset(Category) - {Category.SECRET, Category.POLICY}


@dataclass(frozen=True)
class StagedOptions:
    repo: Path = Path(".")
    environ: Mapping[str, str] = field(default_factory=dict)
    """The hook's environment: agent-session variables, ``GIT_INDEX_FILE``, identity."""
    cwd: Path = Path(".")
    message: str | None = None
    """The commit message, when known (commit-msg time)."""


@dataclass(frozen=True)
class StagedResult:
    decision: Decision
    signals: tuple[Signal, ...]
    sensitive: tuple[Finding, ...]
    """Every sensitive finding of the staged change, blocking or not."""

    @property
    def exit_code(self) -> int:
        return self.decision.exit_code

    @property
    def assistant(self) -> bool:
        return bool(self.signals)


def _pending_commit(index: StagedIndex, options: StagedOptions) -> Commit:
    message = options.message or ""
    return Commit(
        sha=STAGED,
        parents=(),
        author=index.identity("AUTHOR", options.environ),
        committer=index.identity("COMMITTER", options.environ),
        message=message,
        trailers=parse_trailers(message),
    )


def run_staged(options: StagedOptions) -> StagedResult:
    from guardtrail.classify.pipeline import Classifier
    from guardtrail.classify.redaction import Redactor, redact_decision
    from guardtrail.classify.surfaces import SurfaceScanner

    index = StagedIndex(options.repo, options.environ, options.cwd)
    policy = replace(load_policy(index.file_at_head, "at HEAD"), mode="assistant")  # nothing is signed yet
    changes = index.changes()
    commit = _pending_commit(index, options)
    detector = AuthorshipDetector(policy)
    signals = detector.env_signals(options.environ)
    if options.message is not None:
        signals += detector.commit_signals(commit)
    classifier = Classifier(policy)
    redactor = Redactor(classifier.scanner)
    surfaces = SurfaceScanner(classifier.scanner, clean=redactor.clean)
    findings = classifier.classify(changes, index) if changes else []
    findings += surfaces.commit(commit) + surfaces.paths(changes)  # the message at commit-msg time
    decision = decide(
        base="HEAD",
        head=STAGED,
        base_note="staged change",
        policy=policy,
        commits=[commit],
        findings=findings,
        signals={STAGED: signals},
        checks={STAGED: UNSIGNED},
        baseline=load_baseline(index.file_at_head, "at HEAD", policy) if findings else None,
    )
    sensitive = tuple(redactor.finding(f) for f in findings if f.category in SENSITIVE)
    shown = tuple(redactor.signal(signal) for signal in signals)
    return StagedResult(redact_decision(decision, redactor), shown, sensitive)


def render_staged(result: StagedResult, *, verbose_sensitive: bool = True) -> str:
    """The hook's report; empty when there is nothing to say."""
    from guardtrail.report.text import finding_line

    decision = result.decision
    blocking = decision.blocking
    shown = {(f.path, f.line, f.rule) for f in decision.findings}
    notes = [f for f in result.sensitive if (f.path, f.line, f.rule) not in shown] if verbose_sensitive else []
    warnings = [f for f in decision.findings if not f.blocking]
    if not (blocking or warnings or notes):
        return ""
    lines = [f"guardtrail: {decision.verdict.upper()}  staged change (policy: {decision.policy.source})"]
    lines += [finding_line(f, "BLOCK") for f in blocking]
    lines += [finding_line(f, "warn ") for f in warnings]
    lines += [finding_line(f, "note ") for f in notes]
    if result.assistant:
        evidence = "; ".join(f"{s.evidence} ({s.rule})" for s in result.signals[:3])
        lines.append(f"  assistant-authored: {evidence}")
    lines += _next_steps(result)
    lines.append(ADVICE)
    return "\n".join(lines) + "\n"


def _next_steps(result: StagedResult) -> list[str]:
    blocking = result.decision.blocking
    steps = []
    if any(f.category is Category.SECRET for f in blocking):
        steps.append("  Secrets: remove the value from the staged files (use an environment variable or a vault).")
    if any(f.category is not Category.SECRET for f in blocking):
        steps.append(
            "  Sensitive change in an assistant-authored commit: a human reviews it, and an approver signs it"
            " with 'guardtrail approve' before it can merge."
        )
    elif result.sensitive and not result.assistant:
        steps.append("  Sensitive change: an assistant commit touching these files would need a signed approval.")
    return steps
