"""Wall time of the pre-receive hook on a typical push: 100 commits into a real bare remote.

GitHub Enterprise Server gives a pre-receive hook 5 seconds per push. This script builds a
project with 200 commits of history, pushes them to a bare repository once, then times, run
after run, a push of 100 more commits (one to three edited files each, ordinary code, a
workflow edit and a dependency bump among them, all by a human: nothing blocks, so the gate
reads every commit) into a fresh copy of that remote with ``hooks/pre-receive`` installed as
shipped (it runs ``guardtrail pre-receive``). The hook's own wall time, and its CPU time (less
sensitive to a loaded machine), are taken by a wrapper around it; the push with a hook that only
drains its input is the baseline of the same run, alternately. Bytecode is cached, as installed.

    python benchmarks/pre_receive_push.py [--runs 7] [--commits 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUDGET = 5.0
"""GitHub Enterprise Server's limit for a pre-receive hook, in seconds."""
ENV = {
    **{name: value for name, value in os.environ.items() if not name.startswith("GIT_")},
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
}
TIMED_HOOK = """#!{python}
import resource, subprocess, sys, time
from pathlib import Path

hooks = Path(sys.argv[0]).resolve().parent
start = time.perf_counter()
status = subprocess.call([str(hooks / "pre-receive.timed")])
wall = time.perf_counter() - start
used = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(hooks.parent / "hook-times", "a") as log:
    log.write(f"{{wall}} {{used.ru_utime + used.ru_stime}}\\n")
sys.exit(status)
"""
"""Runs the shipped hook and records its wall time and the CPU seconds of it and its children."""
DRAIN_HOOK = "#!/bin/sh\ncat >/dev/null\n"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=ENV, check=True, capture_output=True)


def _commit(repo: Path, number: int) -> None:
    """One ordinary commit: one to three modules edited, now and then CI or a dependency."""
    for offset in range(1 + number % 3):
        module = repo / "src" / f"module_{(number * 7 + offset) % 40}.py"
        with module.open("a", encoding="utf-8") as handle:
            handle.write(f"\n\ndef change_{number}_{offset}(value):\n    return value * {number} + {offset}\n")
    if number % 25 == 0:
        (repo / ".github" / "workflows" / "ci.yml").write_text(f"on: push\njobs: {{}}\n# {number}\n")
    if number % 30 == 0:
        (repo / "requirements.txt").write_text(f"requests=={2 + number % 5}.31.0\nclick==8.1.7\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"change {number}")


def build(tmp: Path, pushed: int) -> tuple[Path, Path]:
    """The project (``pushed`` commits ahead of its remote) and the remote as it stands before."""
    project = tmp / "project"
    (project / "src").mkdir(parents=True)
    (project / ".github" / "workflows").mkdir(parents=True)
    _git(project, "init", "-q", "-b", "main")
    for number in range(40):
        (project / "src" / f"module_{number}.py").write_text(f"def f{number}(x):\n    return x + {number}\n" * 30)
    for number in range(200):
        _commit(project, number)
    remote = tmp / "remote.git"
    _git(tmp, "init", "-q", "--bare", "-b", "main", str(remote))
    _git(project, "push", "-q", str(remote), "main")
    for number in range(200, 200 + pushed):
        _commit(project, number)
    return project, remote


def push_into_copy(project: Path, template: Path, hook: str) -> float:
    """Push ``main`` into a fresh copy of ``template`` with ``hook`` as pre-receive; the push's wall time."""
    remote = template.with_name("push-target.git")
    shutil.rmtree(remote, ignore_errors=True)
    shutil.copytree(template, remote)
    hooks = remote / "hooks"
    if hook == "guardtrail":
        shutil.copy(ROOT / "hooks" / "pre-receive", hooks / "pre-receive.timed")
        (hooks / "pre-receive").write_text(TIMED_HOOK.format(python=sys.executable), encoding="utf-8")
    else:
        (hooks / "pre-receive").write_text(DRAIN_HOOK, encoding="utf-8")
    for script in hooks.glob("pre-receive*"):
        script.chmod(0o755)
    start = time.perf_counter()
    result = subprocess.run(["git", "push", "-q", str(remote), "main"], cwd=project, env=ENV, capture_output=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"the push was rejected: {result.stderr.decode(errors='replace')}")
    if hook == "guardtrail":
        wall, cpu = (float(value) for value in (remote / "hook-times").read_text().split())
        HOOK_SECONDS.append(wall)
        HOOK_CPU.append(cpu)
    return elapsed


HOOK_SECONDS: list[float] = []
HOOK_CPU: list[float] = []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--commits", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="guardtrail-bench-") as folder:
        tmp = Path(folder)
        ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        project, template = build(tmp, args.commits)
        push_into_copy(project, template, "guardtrail")  # warm the file and bytecode caches
        HOOK_SECONDS.clear()
        HOOK_CPU.clear()
        pushes: dict[str, list[float]] = {"guardtrail": [], "drain": []}
        for _ in range(args.runs):
            for hook in pushes:
                pushes[hook].append(push_into_copy(project, template, hook))
    hook = statistics.median(HOOK_SECONDS)
    with_hook, baseline = (statistics.median(pushes[name]) for name in ("guardtrail", "drain"))
    rows = (
        ("guardtrail pre-receive hook", hook, f"(max {max(HOOK_SECONDS):.2f} s)"),
        ("its CPU time (user + system)", statistics.median(HOOK_CPU), ""),
        ("push with the hook", with_hook, ""),
        ("push, hook draining stdin", baseline, "(baseline)"),
    )
    print(f"push of {args.commits} commits, median of {args.runs} runs")
    for label, seconds, note in rows:
        print(f"  {label:<28} median {seconds:6.2f} s  {note}".rstrip())
    print(f"  ratio push with hook/baseline: {with_hook / baseline:.1f}; hook time / 5 s budget: {hook / BUDGET:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
