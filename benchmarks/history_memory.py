"""Peak memory of ``guardtrail scan --history`` and ``check`` over a whole history: bounded by the
largest commit, not the history.

    python benchmarks/history_memory.py --repo PATH [--compare OLD_CHECKOUT] [--runs 3]

PATH is best a replayed history (``replay_repo.py OUT --source STDLIB --edits N``). Each command
runs as a new process under a fresh wrapper (``large_file.measure``: the peak resident memory of
that process tree alone), alternately with ``git log -p --all`` over the same history, the
baseline of the same run; with ``--compare``, also the same commands of another checkout's src/.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from large_file import measure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="also run the commands of this checkout (its src/)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = subprocess.run(
        ["git", "rev-list", "--max-parents=0", "HEAD"], cwd=args.repo, capture_output=True, text=True, check=True
    ).stdout.split()[0]
    guardtrail = [str(Path(sys.executable).with_name("guardtrail"))]  # not -m: PATH's files would shadow modules
    runs: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "git log -p --all": (["git", "log", "-p", "--all"], None),
        "scan --history": ([*guardtrail, "scan", "--history", "--format", "json"], None),
        "check root..HEAD": ([*guardtrail, "check", "--base", root, "--format", "json"], None),
    }
    if args.compare is not None:
        older = {**os.environ, "PYTHONPATH": str(args.compare.resolve() / "src")}
        runs[f"scan --history of {args.compare}"] = (runs["scan --history"][0], older)
        runs[f"check of {args.compare}"] = (runs["check root..HEAD"][0], older)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(args.runs):
        for name, (command, env) in runs.items():
            results[name].append(measure(command, args.repo, env))
    count = subprocess.run(["git", "rev-list", "--count", "--all"], cwd=args.repo, capture_output=True, text=True)
    print(f"{args.repo}: {count.stdout.strip()} commits, {args.runs} runs each")
    for name, values in results.items():
        seconds = statistics.median(s for s, _ in values)
        peak = statistics.median(m for _, m in values)
        print(f"  {name:<40} median {seconds:6.2f} s  peak RSS {peak:6.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
