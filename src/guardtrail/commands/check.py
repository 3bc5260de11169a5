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

from guardtrail.classify.commits import classify_commits
from guardtrail.classify.injection import analyse_message
from guardtrail.classify.pipeline import Classifier
from guardtrail.classify.secrets.baseline import load_baseline
from guardtrail.classify.secrets.redaction import Redactor
from guardtrail.classify.surfaces import SurfaceScanner
from guardtrail.decide.authorship import AuthorshipDetector
from guardtrail.decide.gate import Decision, decide
from guardtrail.decide.signatures import SignatureVerifier
from guardtrail.decide.statements import check_statements, net_digests, policy_id
from guardtrail.errors import GuardtrailError, raise_if_stopped
from guardtrail.git.changes import skipped_note
from guardtrail.git.repo import Range, Repository
from guardtrail.model import Category, FileChange, Finding, Skipped
from guardtrail.policy import POLICY_FILE, FileReader, load_policy
from guardtrail.report.redaction import redact_decision
from guardtrail.terminal import ProgressCallback


@dataclass(frozen=True)
class CheckOptions:
    repo: Path = Path(".")
    base: str | None = None
    head: str | None = None
    policy_ref: str | None = None
    """Read the policy from this revision instead of the one :func:`policy_revision` picks."""


def append_audit_log(decision: Decision, path: str | os.PathLike[str]) -> str:
    """Append the decision's audit lines (one per commit, one for the range) to ``path``, chained
    on from its last record; the hash of the last record written."""
    from guardtrail.commands.audit import last_line
    from guardtrail.report.audit import GENESIS, audit_lines, last_record_hash

    raise_if_stopped()
    last = last_line(path)
    prev = GENESIS if last is None else last_record_hash(last, str(path))
    lines = audit_lines(decision, datetime.now(timezone.utc), prev)
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in lines)
    except OSError as exc:
        raise GuardtrailError(f"cannot append to audit log {path}: {exc.strerror}") from None
    return last_record_hash(lines[-1], str(path))


def run_check(options: CheckOptions, *, progress: ProgressCallback | None = None) -> Decision:
    repo = Repository(options.repo)
    span = repo.resolve_range(options.base, options.head)
    if options.base is not None and repo.is_swapped(span.base, span.head):
        raise GuardtrailError(
            f"head is an ancestor of base: did you swap them? --base {options.base} comes after"
            f" --head {options.head or 'HEAD'}; pass the older commit as --base"
        )
    return check_range(repo, span, policy_revision(repo, span, options.base, options.policy_ref), progress=progress)


def policy_revision(repo: Repository, span: Range, base: str | None, policy_ref: str | None) -> str:
    """The revision whose policy and keys judge ``span``: ``policy_ref`` when given, the base the
    user gave, else the current tip of the target branch (``origin/HEAD``, else main/master).

    Not the merge-base: an approver removed on the target branch must no longer approve
    branches that left it earlier. The range stays merge-base..head.
    """
    if policy_ref:
        return repo.resolve(policy_ref)
    if base is not None:
        return span.base
    ref = repo.default_branch_ref()
    return repo.resolve(ref) if ref is not None else span.base


def check_range(
    repo: Repository,
    span: Range,
    policy_rev: str,
    *,
    progress: ProgressCallback | None = None,
    extra: Callable[[SurfaceScanner], list[Finding]] | None = None,
) -> Decision:
    """The gate over ``span`` of an opened repository, judged by the policy at ``policy_rev``:
    every surface of every commit scanned, and the decision redacted for every report.
    ``progress`` hears (commits classified, commits in the range); ``extra`` adds findings on
    objects that are no commit of the range (a pushed tag, a ref's name), made with the run's
    surface scanner."""
    read: FileReader = functools.partial(repo.file_at, policy_rev)
    where = f"at {policy_rev[:10]}"
    policy = load_policy(read, where)
    commits = [repo.commit(sha) for sha in repo.rev_list(span.base, span.head)]
    classifier = Classifier(policy)
    redactor = Redactor(classifier.scanner)
    surfaces = SurfaceScanner(classifier.scanner, clean=redactor.clean)
    named: list[Finding] = []  # what the commits say besides their files' content
    skipped: list[tuple[str, Skipped]] = []
    slots: list[list[Finding] | FileChange] = []
    classified = classify_commits(
        repo, classifier, surfaces, [commit.sha for commit in commits], max_bytes=policy.max_file_size
    )
    for done, (commit, found) in enumerate(zip(commits, classified, strict=True), start=1):
        named += surfaces.commit(commit) + found.paths
        slots += (slot for slot in found.slots if slot)  # a change with no findings needs no slot
        skipped += found.skipped
        if progress is not None:
            progress(done, len(commits))
    findings = classifier.classify_waiting(slots, repo) + named
    findings += [f for commit in commits for f in analyse_message(commit)]  # bait in the log
    if extra is not None:
        findings += extra(surfaces)
    detector = AuthorshipDetector(policy)
    signals = {commit.sha: detector.commit_signals(commit) for commit in commits}
    with SignatureVerifier(policy.approvers) as verifier:
        checks = {commit.sha: verifier.verify(commit) for commit in commits}
        current = policy_id(read(POLICY_FILE))
        statements = [found for commit in commits for found in check_statements(commit, verifier, current)]
    digests: dict[str, str] = {}
    if statements:
        paths = {f.path for f in findings if f.category is not Category.SECRET}
        digests = net_digests(paths, repo.line_changes(span.base, span.head, paths))
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
        statements=statements,
        digests=digests,
    )
    return redact_decision(decision.with_notes(skipped_note(skipped)), redactor)
