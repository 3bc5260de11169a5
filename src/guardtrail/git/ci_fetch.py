"""Make sure a CI checkout holds the whole ``base..head`` range before the gate reads it.

CI checkouts are often shallow (``actions/checkout`` fetches one commit by default). A shallow
range silently under-scans: commits beyond the cut are simply not there. This module fetches
what is missing (``git fetch --deepen``, then ``--unshallow``), a bounded number of times, and
otherwise fails with the fix. It is the only place ``guardtrail ci`` runs git itself.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from guardtrail.errors import GuardtrailError

DEEPEN_STEPS = (50, 500)
"""Commits to deepen by, in turn, before one final ``--unshallow``."""
FETCH_TIMEOUT = 300
"""Seconds any one fetch may take."""
FIX = "set `fetch-depth: 0` on actions/checkout (or fetch the full history before running guardtrail)"


def _git(workdir: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=workdir, capture_output=True, text=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(["git", *args], 124, "", f"git {args[0]} timed out after {timeout}s")
    except OSError as exc:
        raise GuardtrailError(f"cannot run git: {exc.strerror}") from None


def is_shallow(workdir: Path) -> bool:
    result = _git(workdir, "rev-parse", "--is-shallow-repository")
    return result.stdout.strip() == "true"


def has_commit(workdir: Path, sha: str) -> bool:
    return _git(workdir, "cat-file", "-e", f"{sha}^{{commit}}").returncode == 0


def _shallow_roots(workdir: Path) -> set[str]:
    path = _git(workdir, "rev-parse", "--git-path", "shallow").stdout.strip()
    shallow = workdir / path if path else None
    if shallow is None or not shallow.is_file():
        return set()
    return set(shallow.read_text(encoding="ascii").split())


def range_is_complete(workdir: Path, base: str, head: str) -> bool:
    """Both ends are here, they share a merge base, and no commit of the range has its parents cut off."""
    if not (has_commit(workdir, base) and has_commit(workdir, head)):
        return False
    if _git(workdir, "merge-base", base, head).returncode != 0:
        return False
    roots = _shallow_roots(workdir)
    if not roots:
        return True
    listed = _git(workdir, "rev-list", f"{base}..{head}")
    return listed.returncode == 0 and not roots.intersection(listed.stdout.split())


def _fetch(workdir: Path, remote: str, options: Sequence[str], shas: Sequence[str]) -> str | None:
    """Run one fetch; the last line of git's complaint when it fails."""
    result = _git(workdir, "fetch", "--no-tags", "--quiet", *options, remote, *shas, timeout=FETCH_TIMEOUT)
    if result.returncode == 0:
        return None
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit {result.returncode}"


def ensure_range(workdir: Path, base: str, head: str, *, fetch: bool = True, remote: str = "origin") -> list[str]:
    """Fetch until ``base..head`` is fully readable; notes on what was fetched. Raises with the fix."""
    if range_is_complete(workdir, base, head):
        return []
    if not fetch:
        raise GuardtrailError(f"the range {base[:10]}..{head[:10]} is not fully fetched and fetching is off: {FIX}")
    shas = [sha for sha in (base, head) if not has_commit(workdir, sha)]
    notes: list[str] = []
    attempts: list[tuple[str, ...]] = []
    if not is_shallow(workdir):
        attempts.append(())
    else:
        attempts += [(f"--deepen={depth}",) for depth in DEEPEN_STEPS]
        attempts.append(("--unshallow",))
    problem = None
    for options in attempts:
        problem = _fetch(workdir, remote, options, shas or [base, head])
        if problem is None:
            notes.append(f"fetched {' '.join(options) or 'missing commits'} from {remote}")
            if range_is_complete(workdir, base, head):
                return notes
        if not is_shallow(workdir) and options:
            break  # --unshallow made it whole; more fetches cannot help
    reason = f" (git: {problem})" if problem else ""
    raise GuardtrailError(f"cannot read the whole range {base[:10]}..{head[:10]} from this checkout{reason}: {FIX}")


def _resolve(workdir: Path, rev: str) -> str | None:
    result = _git(workdir, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    return result.stdout.strip() if result.returncode == 0 else None


def merge_base_with_branch(workdir: Path, branch: str, head: str, *, fetch: bool = True, remote: str = "origin") -> str:
    """Where ``head`` leaves ``remote/branch`` (for a push that creates a branch), fetching as needed."""
    ref = f"refs/remotes/{remote}/{branch}"
    if _resolve(workdir, ref) is None and fetch:
        _fetch(workdir, remote, (), [f"+refs/heads/{branch}:{ref}"])
    tip = _resolve(workdir, ref)
    if tip is None:
        raise GuardtrailError(f"cannot find {remote}/{branch} to compare the new branch with: {FIX}")
    ensure_range(workdir, tip, head, fetch=fetch, remote=remote)
    return _git(workdir, "merge-base", tip, head).stdout.strip()
