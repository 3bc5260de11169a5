"""Throughput of ``scan_history`` against ``git log -p`` (the floor) on one repository.

    python benchmarks/scan_history.py --repo PATH            # any clone with full history
    python benchmarks/scan_history.py --from-tree DIR        # builds a history from DIR's text files

``--repo`` wants a full (not shallow) clone, e.g. ``git clone --no-local /some/repo /tmp/r``.
Without a suitable clone at hand, ``--from-tree`` turns real source files (for instance a
``site-packages`` folder) into a repository of ``--commits`` commits that add and edit them.

Each tool runs ``--runs`` times, alternately; the script prints the megabytes of added lines,
the median seconds of ``git log -p --all``, of reading the diffs alone through libgit2
(``Repository.changes``) and as ``scan_history`` reads them (``Repository.history_patches``:
``git log --raw`` and, beside it, ``git log -p`` for the patches of edits; new files from the
object database), of ``scan_history`` called in this process (imports done), and of
``guardtrail scan --history`` as a user runs it (a new process: interpreter
start, imports and detect-secrets' own, about 0.3 s whatever the history), the throughput
and the ratios to git log -p. The command runs with bytecode cached, as an installed package
does, even where ``PYTHONDONTWRITEBYTECODE`` is set.

    python benchmarks/scan_history.py --repo PATH --compare OLD_CHECKOUT

also times the command with ``OLD_CHECKOUT/src`` imported instead (make one with
``git worktree add /tmp/old COMMIT``), in the same runs: a before-and-after on one machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from replay_repo import build

from guardtrail.classify.secrets.scan import all_commits, scan_history
from guardtrail.classify.secrets.scanner import SecretScanner
from guardtrail.git.repo import Repository


def added_megabytes(repo: Repository) -> float:
    total = sum(
        len(line.text.encode("utf-8")) + 1
        for sha in all_commits(repo)
        for change in repo.changes(sha)
        for line in change.added
    )
    return total / 1e6


def _git_log(path: Path) -> None:
    subprocess.run(
        ["git", "-C", str(path), "log", "-p", "--all", "--no-color", "--no-ext-diff", "-M"],
        stdout=subprocess.DEVNULL,
        check=True,
    )


def _read_diffs(path: Path) -> None:
    repo = Repository(path)
    for sha in all_commits(repo):
        repo.changes(sha)


def _read_log(path: Path) -> None:
    repo = Repository(path)
    for _ in repo.history_patches(list(all_commits(repo))):
        pass


def _scan(path: Path) -> None:
    scan_history(Repository(path), scanner=SecretScanner())


def command_env(scratch: Path, source: Path | None) -> dict[str, str]:
    """The environment of a user's run: bytecode cached (in a private folder; an installed
    package has its own), and, given ``source``, that checkout's ``src`` imported instead."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache" / ("installed" if source is None else source.name))
    if source is not None:
        env["PYTHONPATH"] = str(source.resolve() / "src")
    return env


def _command(path: Path, env: dict[str, str]) -> None:
    script = Path(sys.executable).with_name("guardtrail")  # not ``-m``: the checkout's files would shadow modules
    done = subprocess.run(
        [str(script), "scan", "--history", "--format", "json"],
        cwd=path,
        env=env,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode not in (0, 1):  # 1: secrets found, as expected here
        raise SystemExit(f"guardtrail scan --history failed with exit code {done.returncode}")


def medians(tasks: dict[str, Callable[[], None]], runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in tasks}
    for _ in range(runs):
        for name, task in tasks.items():
            start = time.perf_counter()
            task()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--repo", type=Path, help="a clone with full history")
    source.add_argument("--from-tree", type=Path, help="build a history from this folder's text files")
    parser.add_argument("--commits", type=int, default=600, help="with --from-tree: number of commits")
    parser.add_argument("--megabytes", type=float, default=20.0, help="with --from-tree: source text to use")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--compare", type=Path, help="also time the command from this checkout (e.g. a git worktree of an older commit)"
    )
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        path = options.repo
        if path is None:
            path = Path(scratch) / "history"
            build(path, options.from_tree, options.commits, int(options.megabytes * 1e6))
        repo = Repository(path)
        if repo.is_shallow():
            print(f"{path} is a shallow clone: history is incomplete", file=sys.stderr)
            return 2
        commits = sum(1 for _ in all_commits(repo))
        size = added_megabytes(repo)
        ours = command_env(Path(scratch), None)
        tasks = {
            "git log -p": lambda: _git_log(path),
            "read diffs": lambda: _read_diffs(path),
            "read log": lambda: _read_log(path),
            "scan": lambda: _scan(path),
            "command": lambda: _command(path, ours),
        }
        if options.compare is not None:
            theirs = command_env(Path(scratch), options.compare)
            tasks["compared"] = lambda: _command(path, theirs)
        for name in ("command", "compared"):
            if name in tasks:
                tasks[name]()  # compile and cache the bytecode before timing
        result = medians(tasks, options.runs)
    print(f"repository: {options.repo or options.from_tree} ({commits} commits, {size:.1f} MB of added lines)")
    for name, seconds in result.items():
        print(f"{name:>12}: median {seconds:.2f} s over {options.runs} runs ({size / seconds:.1f} MB/s)")
    print(f"ratio scan / git log -p: {result['scan'] / result['git log -p']:.2f}")
    print(f"ratio command / git log -p: {result['command'] / result['git log -p']:.2f}")
    if "compared" in result:
        print(f"ratio compared / git log -p: {result['compared'] / result['git log -p']:.2f} ({options.compare})")
    print(f"ratio scan / read diffs: {result['scan'] / result['read diffs']:.2f}")
    print(f"ratio scan / read log: {result['scan'] / result['read log']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
