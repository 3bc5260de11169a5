"""How long ``guardtrail check`` takes over many commits, against ``git log -p`` as the floor.

    python benchmarks/check_speed.py                     # builds a 1,000-commit repository
    python benchmarks/check_speed.py --real PATH         # also: the last 500 commits of PATH
    python benchmarks/check_speed.py --compare OLD       # also: the check of another checkout's src

Both tools run in the same process tree, the same number of times, alternately, so a noisy
machine slows both alike; the script prints medians and the ratio check / git log -p.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ASSISTANT = "Claude <noreply@anthropic.com>"
HUMANS = ["Ann Dev <ann@example.com>", "Bo Dev <bo@example.com>", "Cy Dev <cy@example.com>"]
PATHS = [f"src/pkg{i}/module{j}.py" for i in range(20) for j in range(10)]
SENSITIVE = [".github/workflows/ci.yml", "Makefile", "requirements.txt", "AGENTS.md", "src/auth/session.py"]


def _data(text: str) -> bytes:
    raw = text.encode("utf-8")
    return b"data %d\n" % len(raw) + raw + b"\n"


def build_repository(path: Path, commits: int, seed: int = 7) -> None:
    """A repository of ``commits`` ordinary commits, made with ``git fast-import``."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    stream = bytearray()
    contents: dict[str, list[str]] = {}
    for n in range(commits):
        assistant = rng.random() < 0.1
        who = ASSISTANT if assistant else rng.choice(HUMANS)
        stamp = 1_700_000_000 + n * 600
        stream += b"commit refs/heads/main\n"
        stream += f"author {who} {stamp} +0000\ncommitter {who} {stamp} +0000\n".encode()
        stream += _data(f"change {n}\n\nTouches a few modules.\n")
        for _ in range(rng.randint(1, 3)):
            target = rng.choice(SENSITIVE) if rng.random() < 0.05 else rng.choice(PATHS)
            lines = contents.setdefault(target, [])
            lines[rng.randint(0, len(lines)) if lines else 0 : 0] = [
                f"value_{n}_{k} = compute({rng.randint(0, 10**6)}, 'label {k}')" for k in range(rng.randint(5, 40))
            ]
            stream += f"M 100644 inline {target}\n".encode() + _data("\n".join(lines) + "\n")
        stream += b"\n"
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=path, check=True)


def _time(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def compare(repo: Path, base: str, runs: int, label: str, older: Path | None = None) -> None:
    count = subprocess.run(
        ["git", "rev-list", "--count", f"{base}..HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    script = Path(sys.executable).with_name("guardtrail")  # not -m: the repository's own files would shadow modules
    check = [str(script), "check", "--base", base, "--format", "json"]
    floor = ["git", "log", "-p", "--no-color", f"{base}..HEAD"]
    envs = {"check": None, "git log -p": None}
    if older is not None:
        envs[f"check of {older}"] = {**os.environ, "PYTHONPATH": str(older.resolve() / "src")}
    times: dict[str, list[float]] = {name: [] for name in envs}
    for _ in range(runs):
        for name, env in envs.items():
            times[name].append(_time(floor if name == "git log -p" else check, repo, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{label}: {count} commits, {runs} runs each")
    for name, median in medians.items():
        print(
            f"  {name:<18} median {median * 1000:8.0f} ms   ratio to git log -p {median / medians['git log -p']:.1f}x"
        )
    if older is not None:
        print(f"  ratio check / check of {older}: {medians['check'] / medians[f'check of {older}']:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--real", type=Path, help="a real repository: check its last 500 commits")
    parser.add_argument("--compare", type=Path, help="also time the check of this checkout (its src/), alternately")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gt-bench-") as tmp:
        synthetic = Path(tmp) / "synthetic"
        build_repository(synthetic, args.commits)
        label = f"synthetic ({args.commits} commits built)"
        compare(synthetic, f"HEAD~{args.commits - 1}", args.runs, label, args.compare)
        if args.commits > 500:
            compare(synthetic, "HEAD~500", args.runs, "synthetic, last 500 commits", args.compare)
    if args.real:
        total = int(
            subprocess.run(
                ["git", "rev-list", "--count", "HEAD"], cwd=args.real, capture_output=True, text=True, check=True
            ).stdout
        )
        base = f"HEAD~{min(500, total - 1)}"
        compare(args.real, base, args.runs, f"{args.real} (last {min(500, total - 1)} commits)", args.compare)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
