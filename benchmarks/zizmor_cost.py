"""What zizmor adds to ``guardtrail check`` and to the pre-commit hook, with and without workflow changes.

A real repository (50 modules and a 30-line workflow) gets one assistant commit on a branch, in
two variants: one edits a module only, the other edits the workflow too. Each command runs as a
fresh process, as CI and hooks run it, alternating with its baseline in the same run:

- ``check`` on the workflow edit, against the same check with zizmor taken away (its finder
  returns nothing, so the file is reported as not audited and no process starts): the
  difference is what auditing costs;
- ``check`` on the module-only edit: how many zizmor processes started and whether the zizmor
  module was imported at all (both must be none), and its time next to the workflow edit's;
- the pre-commit stage (``guardtrail staged``) on each change staged, likewise;
- ``zizmor`` alone on the workflow, for scale.

    python benchmarks/zizmor_cost.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hook_latency import ENV, _git, build_repository

WORKFLOW = ".github/workflows/ci.yml"
WORKFLOW_TEXT = """\
name: CI
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python: ["3.10", "3.11", "3.12"]
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1
        with:
          persist-credentials: false
      - uses: actions/setup-python@0a5c61591373683505ea898e09a3ea4f39ef2b9c # v5.0.0
        with:
          python-version: ${{ matrix.python }}
      - run: pip install -e .[test]
      - run: pytest -q
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1
        with:
          persist-credentials: false
      - run: pip install ruff
      - run: ruff check .
"""
DRIVER = """
import sys
from guardtrail.classify.analysers import zizmor
starts = []
real = zizmor.find_binary
def counted():
    starts.append(1)
    return None if {stub} else real()
zizmor.find_binary = counted
from guardtrail.cli import main
try:
    main(sys.argv[1:])
finally:
    sys.stderr.write("\\nBENCH zizmor finder asked %d times\\n" % len(starts))
"""
PROBE = """
import sys
from guardtrail.cli import main
try:
    main(sys.argv[1:])
finally:
    imported = "guardtrail.classify.analysers.zizmor" in sys.modules
    sys.stderr.write("\\nBENCH zizmor module imported: %s\\n" % imported)
"""


ZIZMOR = ("--offline", "--no-config", "--format=json")


def find_binary(python: str) -> str:
    """The zizmor guardtrail would run, as that interpreter finds it."""
    code = "from guardtrail.classify.analysers import zizmor; print(zizmor.find_binary())"
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def build(repo: Path, *, edit_workflow: bool) -> Path:
    """The hook benchmark's repository with a workflow, and a change staged on a branch."""
    build_repository(repo, "def f7(x):\n    return x + 7\n" * 20)
    (repo / WORKFLOW).parent.mkdir(parents=True)
    (repo / WORKFLOW).write_text(WORKFLOW_TEXT)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "add CI")
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "module_7.py").write_text("def changed(x):\n    return x * 2\n")
    if edit_workflow:
        text = WORKFLOW_TEXT.replace(
            "      - run: pytest -q\n", "      - run: pytest -q\n      - uses: acme/report@v2\n"
        )
        (repo / WORKFLOW).write_text(text)
    _git(repo, "add", "-A")
    return repo


def commit(repo: Path) -> None:
    _git(repo, "commit", "-q", "-m", "change\n\nCo-Authored-By: Claude <noreply@anthropic.com>")


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode == 2 or "Traceback" in done.stderr:
        raise SystemExit(f"{command[3:]} failed: {done.stderr[-400:]}")
    return elapsed, done.stderr.rsplit("BENCH ", 1)[-1].strip() if "BENCH " in done.stderr else ""


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def compare(
    label: str, commands: dict[str, tuple[list[str], Path]], env: dict[str, str], runs: int
) -> dict[str, float]:
    """Run each command in its folder, alternately, ``runs`` times (after one warm-up); print the medians."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    said: dict[str, str] = {}
    for number in range(runs + 1):
        for name, (command, cwd) in commands.items():
            elapsed, said[name] = timed(command, cwd, env)
            if number:
                samples[name].append(elapsed)
    medians = {name: median_ms(values) for name, values in samples.items()}
    print(label)
    for name, value in medians.items():
        print(f"  {name:<40} {value:7.1f} ms   {said[name]}")
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    python = sys.executable
    check = ["check", "--base", "main", "--format", "json"]
    with tempfile.TemporaryDirectory(prefix="guardtrail-bench-") as tmp:
        env = {name: value for name, value in ENV.items() if name != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        hook_env = {**env, "CLAUDECODE": "1", "GIT_INDEX_FILE": ".git/index"}
        plain = build(Path(tmp) / "plain", edit_workflow=False)
        flow = build(Path(tmp) / "workflow", edit_workflow=True)
        staged = compare(
            "pre-commit stage (guardtrail staged), assistant session",
            {
                "plain edit staged": ([python, "-c", PROBE, "staged"], plain),
                "workflow edit staged": ([python, "-c", PROBE, "staged"], flow),
                "workflow edit staged, zizmor taken away": ([python, "-c", DRIVER.format(stub=True), "staged"], flow),
            },
            hook_env,
            args.runs,
        )
        commit(plain)
        commit(flow)
        checks = compare(
            "guardtrail check, one assistant commit",
            {
                "no workflow change": ([python, "-c", PROBE, *check], plain),
                "workflow edit, zizmor taken away": ([python, "-c", DRIVER.format(stub=True), *check], flow),
                "workflow edit, with zizmor": ([python, "-c", DRIVER.format(stub=False), *check], flow),
                "workflow edit, zizmor alone": ([str(find_binary(python)), *ZIZMOR, WORKFLOW], flow),
            },
            env,
            args.runs,
        )
    added = checks["workflow edit, with zizmor"] - checks["workflow edit, zizmor taken away"]
    print(f"\nzizmor adds {added:.1f} ms to a check with a workflow change;")
    print(f"a check without one: {checks['no workflow change']:.1f} ms, zizmor neither imported nor started;")
    difference = staged["workflow edit staged"] - staged["plain edit staged"]
    own = staged["workflow edit staged"] - staged["workflow edit staged, zizmor taken away"]
    print(
        f"the staged hook with a workflow staged takes {difference:+.1f} ms against a plain edit,"
        f" {own:.1f} ms of it zizmor."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
