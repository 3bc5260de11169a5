"""``guardtrail pre-push REMOTE [URL]``: the gate over the commits about to be pushed.

Refs come from git's stdin (``<local ref> <local sha> <remote ref> <remote sha>`` lines) or,
under pre-commit (which has already read stdin), from ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF``.
When the remote side is unknown (a new branch, the first push) the range starts where the
local history meets what the remote already has (``git rev-list LOCAL --not --remotes=REMOTE``).
Advice only: ``git push --no-verify`` skips it; the CI check or the server hook enforces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from guardtrail.classify.secrets.redaction import redact_text
from guardtrail.classify.surfaces import REF_NAME, SurfaceScanner
from guardtrail.commands import HookResult, commits_checked
from guardtrail.commands.check import check_range
from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import Range, Repository
from guardtrail.git.tags import read_tags
from guardtrail.model import Finding

ZERO = "0" * 40


class PushedRange(NamedTuple):
    label: str
    base: str | None
    """Where the remote's history ends, or None when nothing of it is known locally."""
    head: str


@dataclass(frozen=True)
class PrePushOptions:
    remote: str = "origin"
    repo: Path = Path(".")
    stdin: str = ""
    environ: Mapping[str, str] = field(default_factory=dict)


def _known(repo: Repository, sha: str) -> str | None:
    if not sha or sha == ZERO:
        return None
    try:
        return repo.resolve(sha)
    except GuardtrailError:
        return None  # the remote has commits this clone never fetched


def pushed_ranges(repo: Repository, options: PrePushOptions) -> list[PushedRange]:
    """What is being pushed, from git's stdin or pre-commit's variables."""
    env = options.environ
    lines = [line.split() for line in options.stdin.splitlines() if line.strip()]
    ranges = [
        PushedRange(f"{local_ref} -> {remote_ref}", _known(repo, remote_sha), local_sha)
        for local_ref, local_sha, remote_ref, remote_sha in (p for p in lines if len(p) == 4)
        if local_sha != ZERO  # a deletion pushes no commits
    ]
    if ranges or lines:
        return ranges
    head = env.get("PRE_COMMIT_TO_REF") or env.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    label = env.get("PRE_COMMIT_REMOTE_BRANCH") or head
    return [PushedRange(label, _known(repo, env.get("PRE_COMMIT_FROM_REF", "")), head)]


def _pushed_tags(repo: Repository, pushed: PushedRange) -> Callable[[SurfaceScanner], list[Finding]]:
    """The message and tagger of the annotated tag a pushed ref names, if it names one (tags of
    tags too), and the pushed refs' names, as the server hook reads them."""

    def scan(surfaces: SurfaceScanner) -> list[Finding]:
        findings = surfaces.ref(pushed.head, pushed.label)
        for tag in read_tags(repo.git_dir, [pushed.head]):
            findings += surfaces.tag(tag.sha, tag.tagger, tag.message)
        return findings

    return scan


def run_pre_push(options: PrePushOptions) -> HookResult:
    from guardtrail.report import Format, render
    from guardtrail.report.text import printable

    repo = Repository(options.repo)
    reports: list[str] = []
    exit_code = 0
    for pushed in pushed_ranges(repo, options):
        label = redact_text(pushed.label, REF_NAME)
        base = pushed.base or repo.unpushed_base(pushed.head, options.remote)
        if base is None:  # no commit to compare: the ref's own text (a tag's message) is still read
            tip = repo.resolve(pushed.head)
            span = Range(tip, tip, "no commits to compare")
        else:
            span = repo.resolve_range(base, pushed.head)
        decision = check_range(repo, span, span.base, extra=_pushed_tags(repo, pushed))
        exit_code = max(exit_code, decision.exit_code)
        if decision.blocking:
            reports.append(f"guardtrail: push of {label} blocked\n" + render(decision, Format.TEXT))
        elif base is None:
            reports.append(f"guardtrail: {label}: new history, nothing on {options.remote} to compare with\n")
        else:
            reports.append(f"guardtrail: PASS  push of {label}: {commits_checked(decision)}\n")
            # what a pass did not read (files not scanned, say) is said too
            reports += (f"guardtrail: {label}: {printable(note)}\n" for note in decision.notes)
    if exit_code:
        reports.append(
            "Client hooks are advice: 'git push --no-verify' skips them; the CI check or the server hook enforces.\n"
        )
    return HookResult(exit_code, "".join(reports))
