"""``guardtrail staged``: the pre-commit hook's scan of the change about to be committed.

Secrets block whoever commits them. Sensitive changes (CI, build, auth, dependencies, agent
configuration, hidden text) are reported, and block when the commit is assistant-authored: an
agent session's environment says so, or (at commit-msg time) the message carries assistant
markers. The policy is the one committed at HEAD (built-in defaults when there is none).

Under the pre-commit framework the hook is also run by hand or in CI (``pre-commit run
--all-files``, ``--files X``, what pre-commit.ci runs), with no commit in progress: then the
files it is given are what the user asks about, and each is scanned for secrets as it stands
in the working tree. Inside ``git commit`` (git sets ``GIT_INDEX_FILE`` for the hook) a given
file is the staged one and its staged change is what counts; a file given with no staged change
is still read from the working tree, so a file passed is never skipped.

Client hooks are advice: ``git commit --no-verify`` skips them; the CI check or the server hook
enforces. Kept fast: one index diff, no history walk, detect-secrets only via the classifier.
A staged workflow or action is audited by zizmor (one process, about a tenth of a second), so an
assistant hears of a risky workflow before it commits; a change without one starts no process
and does not import the module that runs it (``benchmarks/zizmor_cost.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from guardtrail.decide.authorship import AuthorshipDetector, Signal
from guardtrail.decide.gate import Decision, decide, scan_verdict
from guardtrail.decide.signatures import UNSIGNED
from guardtrail.git.changes import skipped_note
from guardtrail.git.index import STAGED, StagedIndex
from guardtrail.git.trailers import parse_trailers
from guardtrail.model import Category, Commit, FileChange, Finding
from guardtrail.policy import load_policy

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
    files: tuple[str, ...] = ()
    """Files pre-commit passes; those it asks about outside a commit, or that have no staged
    change, are scanned for secrets in the working tree."""


@dataclass(frozen=True)
class StagedScope:
    """What the hook read, said on every run: "Passed" must never hide "scanned nothing"."""

    files: int
    """Staged files."""
    added_lines: int
    """Lines the staged change adds."""
    worktree_files: int = 0
    """Files given by pre-commit and read from the working tree."""

    def __str__(self) -> str:
        text = f"{_count(self.files, 'staged file')}, {_count(self.added_lines, 'added line')}"
        if self.worktree_files:
            text += f"; {_count(self.worktree_files, 'file')} of the working tree"
        return text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@dataclass(frozen=True)
class StagedResult:
    decision: Decision
    signals: tuple[Signal, ...]
    sensitive: tuple[Finding, ...]
    """Every sensitive finding of the staged change, blocking or not."""
    scope: StagedScope = StagedScope(0, 0)

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
    from guardtrail.classify.secrets.baseline import load_baseline
    from guardtrail.classify.secrets.redaction import Redactor
    from guardtrail.classify.surfaces import SurfaceScanner
    from guardtrail.report.redaction import redact_decision, redact_signal

    index = StagedIndex(options.repo, options.environ, options.cwd)
    policy = replace(load_policy(index.file_at_head, "at HEAD"), mode="assistant")  # nothing is signed yet
    changes = index.changes(max_bytes=policy.max_file_size)
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
    if options.message is not None:
        from guardtrail.classify.injection import analyse_message

        findings += analyse_message(commit)
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
    worktree = _worktree_files(options, changes)
    scope = StagedScope(len(changes), sum(len(change.added) for change in changes), len(worktree))
    if worktree:
        decision = _with_worktree_secrets(decision, options, worktree, index)
    shown = tuple(redact_signal(redactor, signal) for signal in signals)
    return StagedResult(redact_decision(decision.with_notes(skipped_note(changes)), redactor), shown, sensitive, scope)


def _worktree_files(options: StagedOptions, changes: list[FileChange]) -> list[str]:
    """The given files to read from the working tree: all of them when no commit is in
    progress (``pre-commit run``), else those with no staged change."""
    if "GIT_INDEX_FILE" not in options.environ:
        return list(options.files)
    staged = {path for change in changes for path in change.paths}
    return [name for name in options.files if name not in staged]


def _with_worktree_secrets(
    decision: Decision, options: StagedOptions, files: list[str], index: StagedIndex
) -> Decision:
    """``decision`` with the secrets of ``files`` as they stand in the working tree added, as
    ``guardtrail scan FILES`` judges them (the baseline at HEAD and allowlist comments clear
    them: no commit, so no authorship), each line reported once."""
    from guardtrail.classify.pipeline import policy_scanner
    from guardtrail.classify.secrets.baseline import load_baseline
    from guardtrail.classify.secrets.scan import scan_worktree
    from guardtrail.commands.scan import judge_scan
    from guardtrail.git.repo import Repository

    root = Repository(options.repo).workdir
    if root is None:
        return decision
    policy = decision.policy
    found = scan_worktree(root, files, scanner=policy_scanner(policy)).findings
    kept, _ = judge_scan(found, load_baseline(index.file_at_head, "at HEAD", policy))
    shown = {(f.path, f.line, f.rule) for f in decision.findings}
    fresh = tuple(f for f in kept if (f.path, f.line, f.rule) not in shown)
    return decision.with_judged([*decision.judged, *((finding, scan_verdict(finding)) for finding in fresh)])


def render_staged(result: StagedResult, *, verbose_sensitive: bool = True) -> str:
    """The hook's report; empty when there is nothing to say."""
    from guardtrail.report.text import finding_line, printable

    decision = result.decision
    blocking = decision.blocking
    shown = {(f.path, f.line, f.rule) for f in decision.findings}
    notes = [f for f in result.sensitive if (f.path, f.line, f.rule) not in shown] if verbose_sensitive else []
    warnings = [f for f, verdict in decision.judged if not verdict.blocking]
    scope = f"staged change: {result.scope}"
    if not (blocking or warnings or notes or decision.notes):
        return f"guardtrail: {decision.verdict.upper()}  {scope}\n"
    lines = [f"guardtrail: {decision.verdict.upper()}  {scope} (policy: {decision.policy.source})"]
    lines += [finding_line(f, "BLOCK") for f in blocking]
    lines += [finding_line(f, "warn ") for f in warnings]
    lines += [finding_line(f, "note ") for f in notes]
    lines += [f"  note: {printable(note)}" for note in decision.notes]
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
        steps += [
            "  Sensitive change in an assistant-authored commit. What the human does next:",
            "    1. review the staged change: git diff --cached",
            "    2. to keep it, commit it yourself, outside the agent session, saying who helped"
            " ('Assisted-by: <agent>' in the message), and push the branch;",
            "    3. an approver listed in .guardtrail.yml reviews it and runs 'guardtrail approve --base <target"
            " branch>' on the branch, then pushes the signed approval: the check passes.",
        ]
    elif result.sensitive and not result.assistant:
        steps.append("  Sensitive change: an assistant commit touching these files would need a signed approval.")
    return steps
