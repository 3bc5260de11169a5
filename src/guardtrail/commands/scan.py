"""``guardtrail scan``: an audit of the working tree, or of the whole history, for secrets.

The same rules as the gate, without a range: every secret found blocks, except those the
repository's baseline lists or an inline ``pragma: allowlist secret`` marks. There is no
authorship here, so allowlist comments count wherever they stand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from guardtrail.classify.pipeline import policy_scanner
from guardtrail.classify.secrets.baseline import load_baseline, render_baseline
from guardtrail.classify.secrets.redaction import Redactor
from guardtrail.classify.secrets.scan import MAX_FILE_BYTES, scan_history, scan_tags, scan_worktree
from guardtrail.classify.secrets.scanner import SecretScanner
from guardtrail.decide.gate import Decision, SecretBaseline, scan_verdict
from guardtrail.errors import GuardtrailError
from guardtrail.git.changes import skipped_note
from guardtrail.git.repo import Repository
from guardtrail.model import Finding, Skipped, display_path
from guardtrail.policy import Policy, load_policy
from guardtrail.report.redaction import redact_decision
from guardtrail.terminal import ProgressCallback


@dataclass(frozen=True)
class ScanOptions:
    repo: Path = Path(".")
    history: bool = False
    paths: tuple[str, ...] = ()
    write_baseline: Path | None = None
    """Write every secret found (but those a pragma allows) to this detect-secrets baseline."""


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _policy_and_baseline(
    repo: Repository, *, history: bool, writing: bool = False
) -> tuple[Policy, SecretBaseline | None]:
    """History is judged by what is committed at HEAD, the working tree by its own files. While
    writing the baseline (``writing``), the one the policy names need not exist yet."""
    workdir = repo.workdir
    head = None if repo.is_empty() else repo.resolve("HEAD")

    def read(path: str) -> bytes | None:
        if history or workdir is None:
            return repo.file_at(head, path) if head else None
        return _read(workdir / path)

    where = "in HEAD" if history or workdir is None else "in the working tree"
    policy = load_policy(read, where)
    return policy, load_baseline(read, where, policy, must_exist=not writing)


def judge_scan(findings: Sequence[Finding], baseline: SecretBaseline | None) -> tuple[list[Finding], int]:
    """Blocking findings, and how many the baseline or an allowlist comment cleared."""
    kept = [f for f in findings if not f.allowlisted and not (baseline is not None and baseline.allows(f))]
    return kept, len(findings) - len(kept)


def run_scan(options: ScanOptions, *, progress: ProgressCallback | None = None) -> Decision:
    repo = Repository(options.repo)
    if options.history and options.paths:
        raise GuardtrailError("--history scans every commit: give either --history or PATHS, not both")
    policy, baseline = _policy_and_baseline(repo, history=options.history, writing=options.write_baseline is not None)
    scanner = policy_scanner(policy)
    too_large: list[str] = []
    skipped: list[tuple[str, Skipped]] = []
    if options.history:
        if repo.is_empty():
            raise GuardtrailError("the repository has no commits yet: nothing to scan with --history")
        found = scan_history(repo, scanner=scanner, max_bytes=policy.max_file_size, skipped=skipped, progress=progress)
        found += scan_tags(repo, scanner)
        scope = "history of every ref and HEAD"
    else:
        if repo.workdir is None:
            raise GuardtrailError("a bare repository has no working tree: use --history")
        limit = min(MAX_FILE_BYTES, policy.max_file_size)  # the policy may ask for less, never more
        worktree = scan_worktree(repo.workdir, options.paths, scanner=scanner, max_bytes=limit)
        found, scope, too_large = worktree.findings, "working tree", worktree.too_large
        skipped += worktree.skipped
    notes = _unread(too_large, min(MAX_FILE_BYTES, policy.max_file_size)) + skipped_note(skipped)
    if options.history and repo.is_shallow():
        notes += (SHALLOW_NOTE,)
    if options.write_baseline is not None:
        notes += (write_baseline(options.write_baseline, found, scanner, policy),)
    kept, cleared = judge_scan(found, baseline)
    head = "" if repo.is_empty() else repo.resolve("HEAD")
    decision = Decision(
        base="",
        head=head,
        base_note=f"scan of the {scope}",
        policy=policy,
        commits=(),
        findings=tuple(kept),
        notes=notes,
        suppressed=cleared,
        verdicts=tuple(scan_verdict(finding) for finding in kept),
    )
    return redact_decision(decision, Redactor(scanner))


SHALLOW_NOTE = (
    "shallow clone: only the commits it holds were scanned; run `git fetch --unshallow`, then scan again,"
    " to read the whole history"
)


def _unread(too_large: Sequence[str], limit: int) -> tuple[str, ...]:
    """A note naming the files the scan did not read for their size (over ``limit``), if any."""
    if not too_large:
        return ()
    shown = ", ".join(too_large[:5]) + (f" and {len(too_large) - 5} more" if len(too_large) > 5 else "")
    size = f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit} bytes"
    return (
        f"not read, over {size}: {display_path(shown)}; scan --history reads every line commits add,"
        " up to max_file_size",
    )


def write_baseline(path: Path, found: Sequence[Finding], scanner: SecretScanner, policy: Policy) -> str:
    """Write the secrets of ``found`` that no pragma allows to the baseline ``path``; say what
    was written, for the report."""
    secrets = [finding for finding in found if not finding.allowlisted]
    text = render_baseline(secrets, scanner.secret_types({finding.rule for finding in secrets}))
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise GuardtrailError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None
    files = len({finding.path for finding in secrets})
    return (
        f"wrote {len({(f.path, f.secret_hash) for f in secrets})} secrets in {files} files to {path}:"
        f" review each, then commit it as {policy.baseline} (guardtrail reads it at the base revision)"
    )
