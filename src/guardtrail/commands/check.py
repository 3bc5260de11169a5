"""``guardtrail check``: run the gate over ``base..head``.

The one place that wires the pipeline together; the pre-push hook, the server hook and the CI
entry point all call :func:`run_check`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from guardtrail.classify.pipeline import Classifier
from guardtrail.classify.redaction import Redactor, redact_decision
from guardtrail.classify.surfaces import SurfaceScanner
from guardtrail.decide.authorship import AuthorshipDetector
from guardtrail.decide.gate import Decision, decide
from guardtrail.decide.policy import FileReader, load_baseline, load_policy
from guardtrail.decide.signatures import SignatureVerifier
from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import Range, Repository
from guardtrail.model import Finding


@dataclass(frozen=True)
class CheckOptions:
    repo: Path = Path(".")
    base: str | None = None
    head: str | None = None
    policy_ref: str | None = None
    """Read the policy from this revision instead of the base (CI: the base branch tip)."""


def append_audit_log(decision: Decision, path: str | os.PathLike[str]) -> None:
    """Append the decision's audit lines (one per commit, one for the range) to ``path``."""
    from guardtrail.report.audit import audit_lines

    lines = audit_lines(decision, datetime.now(timezone.utc))
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in lines)
    except OSError as exc:
        raise GuardtrailError(f"cannot append to audit log {path}: {exc.strerror}") from None


def run_check(options: CheckOptions) -> Decision:
    repo = Repository(options.repo)
    span = repo.resolve_range(options.base, options.head)
    policy_rev = repo.resolve(options.policy_ref) if options.policy_ref else span.base
    return check_range(repo, span, policy_rev)


def check_range(
    repo: Repository, span: Range, policy_rev: str, *, extra: Callable[[SurfaceScanner], list[Finding]] | None = None
) -> Decision:
    """The gate over ``span`` of an opened repository, judged by the policy at ``policy_rev``:
    every surface of every commit scanned, and the decision redacted for every report.
    ``extra`` adds findings on objects that are no commit of the range (a pushed tag, a
    ref's name), made with the run's surface scanner."""
    read: FileReader = functools.partial(repo.file_at, policy_rev)
    where = f"at {policy_rev[:10]}"
    policy = load_policy(read, where)
    commits = [repo.commit(sha) for sha in repo.rev_list(span.base, span.head)]
    classifier = Classifier(policy)
    redactor = Redactor(classifier.scanner)
    surfaces = SurfaceScanner(classifier.scanner, clean=redactor.clean)
    findings: list[Finding] = []
    for commit in commits:
        changes = repo.changes(commit.sha)
        findings += classifier.classify(changes, repo)
        findings += surfaces.commit(commit) + surfaces.paths(changes)
    if extra is not None:
        findings += extra(surfaces)
    detector = AuthorshipDetector(policy)
    signals = {commit.sha: detector.commit_signals(commit) for commit in commits}
    with SignatureVerifier(policy.approvers) as verifier:
        checks = {commit.sha: verifier.verify(commit) for commit in commits}
    decision = decide(
        base=span.base,
        head=span.head,
        base_note=span.base_note,
        policy=policy,
        commits=commits,
        findings=findings,
        signals=signals,
        checks=checks,
        baseline=load_baseline(read, where, policy),
    )
    return redact_decision(decision, redactor)
