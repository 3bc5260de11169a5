"""CPU time of the scanner alone, in one process, on one repository's history: a steadier
before-and-after than wall-clock runs for a change to the scanner's inner loops.

    python benchmarks/scan_cpu.py --repo PATH [--runs 5] [--compare OLD_CHECKOUT]

The file changes are listed once, edits with git's patches (``Repository.history_changes``);
each run then times, in CPU seconds, reading the lines each adds (``added_text``: a patch, or a
new file from the object database) and their scan by a new ``SecretScanner``
(``scan_added``), with no worker processes and no git beside it.
File-scoped rules (Kubernetes ``Secret`` manifests) are not given the whole file, which the
command reads from the object database for them: a cost this script leaves out.
Each run is a new process, so every cache starts cold as in a real scan. With ``--compare``,
the runs alternate with the same script importing ``OLD_CHECKOUT/src`` (make one with
``git worktree add /tmp/old COMMIT``). Medians are printed, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def measure(path: Path) -> dict[str, float]:
    """One run in this process: CPU seconds of reading the added lines and of scanning them,
    and the findings."""
    from guardtrail.classify.secrets.scanner import SecretScanner
    from guardtrail.git.repo import Repository

    repo = Repository(path)
    ordinary = [sha for sha in repo.all_commits() if not repo.is_merge(sha)]
    scanner = SecretScanner()
    if hasattr(repo, "history_changes"):
        changes = list(repo.history_changes(ordinary))
        started = time.process_time()
        files = [added for change in changes if (added := repo.added_text(change)) is not None]
    else:  # a checkout from before 2026-12-02, which parsed one `git log -p` stream
        from guardtrail.git.repo import added_texts  # type: ignore[attr-defined]

        regions = list(repo.history_log(ordinary))  # type: ignore[attr-defined]
        started = time.process_time()
        files = [added for region in regions for added in added_texts(region)]
    parsed = time.process_time()
    found = sum(
        len(scanner.scan_added(a.commit, a.path, a.text.decode("utf-8", "replace"), a.hunks, lambda: None))
        for a in files
    )
    return {"read": parsed - started, "scan": time.process_time() - parsed, "findings": found}


def _run(path: Path, checkout: Path | None) -> dict[str, float]:
    """:func:`measure` in a new process, importing ``checkout/src`` when given."""
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout.resolve() / "src")
    done = subprocess.run(
        [sys.executable, "-P", __file__, "--measure", str(path)], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="also time this checkout's scanner, alternately")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.measure is not None:
        print(json.dumps(measure(options.measure)))
        return 0
    if options.repo is None:
        parser.error("--repo is required")
    checkouts: dict[str, Path | None] = {"current": None}
    if options.compare is not None:
        checkouts["compared"] = options.compare
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    for _ in range(options.runs):
        for name, checkout in checkouts.items():
            runs[name].append(_run(options.repo, checkout))
    print(f"repository: {options.repo}, {options.runs} runs each, CPU seconds in one process")
    scans = {}
    for name, results in runs.items():
        read = statistics.median(r.get("read", r.get("parse", 0.0)) for r in results)  # "parse" before 2026-12
        scans[name] = statistics.median(r["scan"] for r in results)
        findings = {int(r["findings"]) for r in results}
        print(f"  {name:>8}: read median {read:.3f} s, scan median {scans[name]:.3f} s, findings {sorted(findings)}")
    if "compared" in scans:
        print(f"ratio scan current / compared: {scans['current'] / scans['compared']:.3f} ({options.compare})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
