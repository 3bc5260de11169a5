"""``guardtrail pre-receive``: the server-side gate for teams without a CI check.

Reads ``<old> <new> <ref>`` lines from stdin (git's pre-receive protocol) and runs the gate on
every updated ref: an update against its old value, a new branch or tag against the receiving
repository's default branch (the branch HEAD names), deletions allowed. The policy comes from
the default branch as it stands before the push. Commits shared by several refs are reported
once. Any error rejects the push (fail closed): a gate that cannot run must not let changes in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from guardtrail.classify.secrets.redaction import redact_text
from guardtrail.classify.surfaces import REF_NAME, SurfaceScanner
from guardtrail.commands import HookResult, commits_checked
from guardtrail.commands.check import check_range
from guardtrail.decide.gate import Decision
from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import Range, Repository
from guardtrail.git.tags import read_tags
from guardtrail.model import Finding

ZERO = "0" * 40
TAGS = "refs/tags/"


class RefUpdate(NamedTuple):
    old: str
    new: str
    ref: str


@dataclass(frozen=True)
class PreReceiveOptions:
    repo: Path = Path(".")
    stdin: str = ""
    environ: Mapping[str, str] = field(default_factory=dict)
    max_commits: int | None = None
    """Reject, with the fix, a push of more new commits than this: a server that stops its hook
    after a time budget (GitHub Enterprise Server: 5 seconds) would otherwise reject it with
    only "timed out"."""


def _too_many(repo: Repository, updates: Sequence[RefUpdate], default_tip: str | None, limit: int) -> str | None:
    """Why the push is over ``limit`` new commits, or None when it is not."""
    new: set[str] = set()
    for update in updates:
        base = _base_of(update, default_tip)
        if update.new != ZERO and base is not None:
            new.update(repo.rev_list(repo.resolve(base), repo.resolve(update.new)))
    if len(new) <= limit:
        return None
    return (
        f"guardtrail: push rejected: {len(new)} new commits, more than this server checks in one push ({limit}):"
        f" push them in parts of at most {limit} commits (git push origin <commit>:<branch>, oldest first)"
    )


def parse_updates(text: str) -> list[RefUpdate]:
    updates = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3:
            raise GuardtrailError(f"unexpected pre-receive input line {line!r} (expected '<old> <new> <ref>')")
        updates.append(RefUpdate(*parts))
    return updates


def _base_of(update: RefUpdate, default_tip: str | None) -> str | None:
    if update.old != ZERO:
        return update.old
    return default_tip


def _without(decision: Decision, seen: set[str]) -> Decision:
    """The decision with commits already reported for an earlier ref left out."""
    return replace(decision, commits=tuple(c for c in decision.commits if c.commit.sha not in seen)).with_judged(
        (f, v) for f, v in decision.judged if f.commit not in seen
    )


def _pushed_ref(
    repo: Repository, update: RefUpdate, environ: Mapping[str, str]
) -> Callable[[SurfaceScanner], list[Finding]]:
    """What the gate reads of a pushed ref besides its commits: its name, and for a tag the
    message and tagger of every annotated tag object it points at (tags of tags too)."""

    def scan(surfaces: SurfaceScanner) -> list[Finding]:
        findings = surfaces.ref(update.new, update.ref)
        if update.ref.startswith(TAGS):
            for tag in read_tags(repo.git_dir, [update.new], environ):
                findings += surfaces.tag(tag.sha, tag.tagger, tag.message)
        return findings

    return scan


def _judge_updates(
    repo: Repository, updates: Sequence[RefUpdate], environ: Mapping[str, str], max_commits: int | None = None
) -> tuple[bool, list[str]]:
    from guardtrail.report import Format, render
    from guardtrail.report.text import printable

    default_ref = repo.head_branch_ref() or repo.default_branch_ref()
    default_tip = repo.resolve(default_ref) if default_ref else None
    too_many = _too_many(repo, updates, default_tip, max_commits) if max_commits is not None else None
    if too_many is not None:
        return True, [too_many]
    blocked = False
    lines: list[str] = []
    seen: set[str] = set()
    for update in updates:
        ref = redact_text(update.ref, REF_NAME)  # a branch or tag name is text the pusher chose
        if update.new == ZERO:
            lines.append(f"{ref}: deletion allowed")
            continue
        base = _base_of(update, default_tip)
        if base is None:
            lines.append(f"{ref}: first push into an empty repository: nothing to compare with, accepted")
            continue
        span = Range(repo.resolve(base), repo.resolve(update.new), f"base {base[:10]}")
        decision = check_range(repo, span, default_tip or span.base, extra=_pushed_ref(repo, update, environ))
        blocked = blocked or bool(decision.blocking)
        fresh = _without(decision, seen)
        seen.update(c.commit.sha for c in decision.commits)
        lines.append(f"{ref}: {decision.verdict} ({commits_checked(decision)})")
        if decision.blocking and not fresh.blocking:
            lines.append("  blocked by the commits reported above")
        elif decision.blocking:
            lines.append(render(fresh, Format.TEXT).rstrip("\n"))
        else:  # what a pass did not read (files not scanned, say) is said too
            lines += (f"  note: {printable(note)}" for note in decision.notes)
    return blocked, lines


def run_pre_receive(options: PreReceiveOptions) -> HookResult:
    try:
        repo = Repository(options.repo, environ=options.environ)
        blocked, lines = _judge_updates(repo, parse_updates(options.stdin), options.environ, options.max_commits)
    except Exception as exc:  # fail closed: whatever went wrong, nothing unchecked gets in
        reason = str(exc) if isinstance(exc, GuardtrailError) else f"{type(exc).__name__}: {exc}"
        return HookResult(1, f"guardtrail: push rejected: the gate could not run: {redact_text(reason)}\n")
    if blocked:
        lines.append("guardtrail: push rejected (see above); nothing was updated.")
    return HookResult(1 if blocked else 0, "\n".join(lines) + "\n")
