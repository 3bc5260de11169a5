"""What reading symlinks and parsing safely cost, against another checkout in the same run.

    python benchmarks/paths_cost.py --compare OLD_CHECKOUT [--files 20000] [--runs 7]

Three measures, each alternating this checkout and ``OLD_CHECKOUT`` (a source tree of an
earlier guardtrail, e.g. ``git archive main | tar -x -C /tmp/old``), printing medians and the
ratio new / old:

- ``guardtrail check`` over the last 50 commits of a built repository of ``--files`` files in
  folders of 10, with a few symlinks: each commit's symlinks are read from its tree (trees
  remembered by id), which the old checkout does not do;
- ``guardtrail staged`` on a one-file edit in the same repository (the index's symlinks are
  listed with ``git ls-files -s``), as a fresh process with its bytecode cached, as a hook runs;
- parsing a 5 MB ``pnpm-lock.yaml`` in process: the safe parser (libyaml's event stream checked,
  then libyaml's loader) against ``yaml.safe_load``, which the analysers used before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONDONTWRITEBYTECODE"},
    "GIT_CONFIG_NOSYSTEM": "1",
    "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="paths-cost-pycache-"),
}
"""Bytecode cached (in a private folder, warmed by a first run), as installed hooks run."""


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n" % len(raw) + raw + b"\n"


def build(path: Path, files: int) -> None:
    """``files`` files in folders of ten and five symlinks in one commit, then 50 small commits."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=ENV)
    stream = bytearray(b"commit refs/heads/main\nauthor A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n")
    stream += _data("tree") + b"deleteall\n"
    for n in range(files):
        stream += f"M 100644 inline src/d{n // 10}/f{n}.py\n".encode() + _data(f"x = {n}\n")
    for n in range(5):
        stream += f"M 120000 inline links/l{n}\n".encode() + _data(f"../src/d{n}")
    stream += b"\n"
    for n in range(50):
        stamp = 1700000600 + n
        stream += f"commit refs/heads/main\nauthor Claude <noreply@anthropic.com> {stamp} +0000\n".encode()
        stream += f"committer A <a@x> {stamp} +0000\n".encode() + _data(f"edit {n}")
        stream += f"M 100644 inline src/d{n * 37 % (files // 10)}/new{n}.py\n".encode() + _data(f"y = {n}\n")
        stream += b"\n"
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True, env=ENV)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=path, check=True, env=ENV)


def _run(src: Path, args: list[str], cwd: Path, env: dict[str, str]) -> float:
    code = f"import sys; sys.path.insert(0, {str(src)!r}); from guardtrail.cli import main; sys.exit(main({args!r}))"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def _compare(label: str, runs: int, new: object, old: object) -> None:
    times: dict[str, list[float]] = {"new": [], "old": []}
    new(), old()  # type: ignore[operator]  # warm the bytecode cache
    for _ in range(runs):
        for name, call in (("new", new), ("old", old)):
            times[name].append(call())  # type: ignore[operator]
    a, b = statistics.median(times["new"]), statistics.median(times["old"])
    print(f"{label}: new {a * 1000:.0f} ms, old {b * 1000:.0f} ms, ratio {a / b:.2f} (medians of {runs})")


def _lockfile() -> str:
    lines = ["lockfileVersion: '9.0'", "packages:"]
    for n in range(20000):
        lines += [
            f"  /pkg-{n}@1.{n % 50}.0:",
            "    resolution: {integrity: sha512-" + "a" * 80 + "}",
            "    dependencies:",
            f"      dep-{n % 300}: 2.0.{n % 7}",
            "    dev: false",
        ]
    return "\n".join(lines) + "\n"


def _parse_seconds(src: Path, text_file: Path, how: str) -> float:
    code = (
        f"import sys, time; sys.path.insert(0, {str(src)!r}); import yaml\n"
        "from guardtrail.classify.analysers._common import parse_yaml\n"
        f"text = open({str(text_file)!r}).read(); start = time.perf_counter()\n"
        f"{'parse_yaml(text)' if how == 'safe' else 'yaml.safe_load(text)'}\n"
        "print(time.perf_counter() - start)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, required=True, help="an earlier guardtrail source tree")
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    old = options.compare / "src"
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder) / "repo"
        build(repo, options.files)
        check = ["check", "--base", "HEAD~50", "--head", "HEAD", "--format", "json"]
        _compare(
            "check, 50 commits", options.runs, lambda: _run(HERE, check, repo, ENV), lambda: _run(old, check, repo, ENV)
        )
        (repo / "src/d0/f0.py").write_text("x = 'edited'\n")
        subprocess.run(["git", "add", "src/d0/f0.py"], cwd=repo, check=True, env=ENV)
        hook = {**ENV, "GIT_INDEX_FILE": ".git/index"}
        _compare(
            "staged, one edit",
            options.runs,
            lambda: _run(HERE, ["staged"], repo, hook),
            lambda: _run(old, ["staged"], repo, hook),
        )
        lock = Path(folder) / "pnpm-lock.yaml"
        lock.write_text(_lockfile())
        print(f"pnpm-lock.yaml of {lock.stat().st_size / 1e6:.1f} MB:")
        _compare(
            "  parse",
            options.runs,
            lambda: _parse_seconds(HERE, lock, "safe"),
            lambda: _parse_seconds(HERE, lock, "plain"),
        )


if __name__ == "__main__":
    main()
