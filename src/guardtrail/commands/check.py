"""``guardtrail check``: run the gate over ``base..head``.

The one place that wires the pipeline together; the pre-push hook, the server hook and the CI
entry point all call :func:`run_check`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from guardtrail.classify.pipeline import Classifier
from guardtrail.decide.authorship import AuthorshipDetector
from guardtrail.decide.gate import Decision, decide
from guardtrail.decide.policy import FileReader, load_baseline, load_policy
from guardtrail.decide.signatures import SignatureVerifier
from guardtrail.errors import GuardtrailError
from guardtrail.git.changes import skipped_note
from guardtrail.git.repo import Range, Repository
from guardtrail.model import FileChange, Finding


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
    if options.base is not None and repo.is_swapped(span.base, span.head):
        raise GuardtrailError(
            f"head is an ancestor of base: did you swap them? --base {options.base} comes after"
            f" --head {options.head or 'HEAD'}; pass the older commit as --base"
        )
    policy_rev = repo.resolve(options.policy_ref) if options.policy_ref else span.base
    return check_range(repo, span, policy_rev)


def check_range(repo: Repository, span: Range, policy_rev: str) -> Decision:
    """The gate over ``span`` of an opened repository, judged by the policy at ``policy_rev``."""
    read: FileReader = functools.partial(repo.file_at, policy_rev)
    where = f"at {policy_rev[:10]}"
    policy = load_policy(read, where)
    commits = [repo.commit(sha) for sha in repo.rev_list(span.base, span.head)]
    classifier = Classifier(policy)
    findings: list[Finding] = []
    skipped: list[FileChange] = []
    for _sha, changes in repo.range_changes([commit.sha for commit in commits], max_bytes=policy.max_file_size):
        findings += classifier.classify(changes, repo)
        skipped += (change for change in changes if change.skipped is not None)
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
    return decision.with_notes(skipped_note(skipped))
