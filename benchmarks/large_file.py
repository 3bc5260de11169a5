"""Time and peak memory of guardtrail on one large file: staged, checked and in a history scan.

    python benchmarks/large_file.py                  # a 200 MB text file, 3 runs each
    python benchmarks/large_file.py --megabytes 100 --compare OLD_CHECKOUT

The file is text (numbered assignment lines, a token on the first). Over the policy's
``max_file_size`` (50 MB by default) it is named as skipped and never read; with
``--limit-megabytes`` above its size it is read and scanned. Each command runs as a new process
under a fresh wrapper whose ``RUSAGE_CHILDREN`` gives the peak resident memory of that process
tree alone; ``git diff --cached -U0`` (what the hook asks git for) is the baseline of the same
run. Commands run alternately, so a noisy machine slows all alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TOKEN = "ghp_R7q2Lx9TzVb4Nw8Kp3Ys6Hd1Jm5Fc0Ga2Qe7"  # pragma: allowlist secret
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def build(repo: Path, megabytes: int, limit: int | None) -> None:
    """A repository whose index adds ``big.txt`` of ``megabytes`` MB over a first commit."""
    _git(repo.parent, "init", "-q", "-b", "main", str(repo))
    _git(repo, "config", "user.name", "Bench")
    _git(repo, "config", "user.email", "bench@example.com")
    (repo / "README.md").write_text("bench\n", encoding="utf-8")
    if limit is not None:
        (repo / ".guardtrail.yml").write_text(f"max_file_size: {limit}MB\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "first")
    line = "value_{:09d} = compute('a label long enough to look like code', 12345)\n"
    with open(repo / "big.txt", "w", encoding="utf-8") as handle:
        handle.write(f"GITHUB_TOKEN={TOKEN}\n")
        written, n = 0, 0
        while written < megabytes * 1_000_000:
            text = "".join(line.format(n + k) for k in range(10_000))
            handle.write(text)
            written += len(text)
            n += 10_000
    _git(repo, "add", "big.txt")


def measure(command: list[str], cwd: Path, env: dict[str, str] | None) -> tuple[float, float]:
    done = subprocess.run(
        [sys.executable, "-I", "-c", _MEASURE, *command], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    seconds, kilobytes = done.stdout.split()
    return float(seconds), int(kilobytes) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--limit-megabytes", type=int, help="max_file_size in the policy (default: none, 50 MB)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="also run the staged hook of this checkout (its src/)")
    args = parser.parse_args()
    guardtrail = [sys.executable, "-m", "guardtrail"]
    with tempfile.TemporaryDirectory(prefix="gt-large-") as tmp:
        repo = Path(tmp) / "repo"
        build(repo, args.megabytes, args.limit_megabytes)
        commands: dict[str, tuple[list[str], dict[str, str] | None]] = {
            "git diff --cached -U0": (["git", "diff", "--cached", "-U0"], None),
            "guardtrail staged": ([*guardtrail, "staged"], None),
        }
        if args.compare is not None:
            older = {**os.environ, "PYTHONPATH": str(args.compare.resolve() / "src")}
            commands[f"staged of {args.compare}"] = ([*guardtrail, "staged"], older)
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (command, env) in commands.items():
                results[name].append(measure(command, repo, env))
        _git(repo, "commit", "-q", "-m", "big")
        for name, command in (
            ("guardtrail check", [*guardtrail, "check", "--base", "HEAD~1", "--format", "json"]),
            ("guardtrail scan --history", [*guardtrail, "scan", "--history", "--format", "json"]),
        ):
            results[name] = [measure(command, repo, None) for _ in range(args.runs)]
    limit = f"max_file_size {args.limit_megabytes} MB" if args.limit_megabytes else "default max_file_size (50 MB)"
    print(f"one {args.megabytes} MB text file, {limit}, {args.runs} runs each")
    floor = statistics.median(seconds for seconds, _ in results["git diff --cached -U0"])
    for name, values in results.items():
        seconds = statistics.median(s for s, _ in values)
        peak = statistics.median(m for _, m in values)
        print(
            f"  {name:<32} median {seconds:6.2f} s  peak RSS {peak:7.0f} MiB  ratio to git diff {seconds / floor:5.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
