"""How many of the risks zizmor reports on its own are reported by ``guardtrail check``.

Each workflow or action file of the corpus is added by its own assistant commit (a branch off a
base commit) in a real repository, and ``guardtrail check --format json`` runs over that one
commit as a new process. The reference is ``zizmor --offline --no-config`` run directly on the
same file (regular persona), one process per file. A risk is zizmor's (audit, line); guardtrail
reports it when one of its findings is ``workflow.<audit>`` on that line. The script prints the
coverage ratio, the audits and files with risks not reported, and every file that made
guardtrail fail (exit status 2 or a traceback), which must be none.

The default corpus is ``benchmarks/workflows/`` (varied files written for this, including
unparseable, non-UTF-8, empty and large ones). ``--corpus DIR`` takes any folder, such as a
checkout of zizmor's ``crates/zizmor/tests/integration/test-data``; files that are neither
workflows nor actions (Dependabot, pre-commit and zizmor configurations) are left out.

    python benchmarks/zizmor_coverage.py [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
ENV = {
    **{name: value for name, value in os.environ.items() if not name.startswith(("GIT_", "CLAUDE", "CODEX"))},
    "GIT_CONFIG_NOSYSTEM": "1",
}
NOT_ACTIONS = ("dependabot.yml", "dependabot.yaml", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml")
ASSISTANT = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>"

Risks = Counter[tuple[str, int | None]]


def corpus_files(folders: list[Path]) -> list[Path]:
    files = [p for folder in folders for p in sorted(folder.rglob("*")) if p.suffix in (".yml", ".yaml")]
    return [p for p in files if p.is_file() and p.name not in NOT_ACTIONS and not p.name.startswith("zizmor.")]


def placement(number: int, path: Path) -> str:
    """Where the file goes in the repository: actions keep their name, workflows go under ``.github/workflows``."""
    if path.name in ("action.yml", "action.yaml"):
        return f"actions/a{number:03}/{path.name}"
    return f".github/workflows/w{number:03}-{path.name}"


def reference(binary: str, path: Path) -> Risks:
    done = subprocess.run(
        [binary, "--offline", "--no-config", "--persona=regular", "--format=json", str(path)],
        capture_output=True,
        text=True,
        env={"PATH": os.defpath, "HOME": str(path.parent)},
        check=False,
    )
    if not done.stdout.strip():
        return Counter()
    risks: Risks = Counter()
    for entry in json.loads(done.stdout):
        primary = next(loc for loc in entry["locations"] if loc["symbolic"]["kind"] == "Primary")
        concrete = primary.get("concrete")
        risks[entry["ident"], concrete["location"]["start_point"]["row"] + 1 if concrete else None] += 1
    return risks


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=ENV, capture_output=True, text=True, check=True)
    return done.stdout


def guardtrail(repo: Path, branch: str) -> tuple[Risks | None, str]:
    """guardtrail's (audit, line) findings on the branch's one commit, or None and why it failed."""
    done = subprocess.run(
        [sys.executable, "-m", "guardtrail", "check", "--base", "main", "--head", branch, "--format", "json"],
        cwd=repo,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        return None, f"exit status {done.returncode}: {done.stderr.strip()[-300:]}"
    findings = json.loads(done.stdout)["findings"]
    risks: Risks = Counter(
        (f["rule"].removeprefix("workflow."), f["line"]) for f in findings if f["rule"].startswith("workflow.")
    )
    failed = [f["message"] for f in findings if f["rule"] == "workflow.audit-failed"]
    return risks, "; ".join(failed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", help="a folder of workflow files (repeatable)")
    args = parser.parse_args()
    folders = args.corpus or [HERE / "workflows"]
    from guardtrail.classify.analysers.zizmor import find_binary

    binary = find_binary()
    if binary is None:
        raise SystemExit("zizmor is not installed")
    files = corpus_files(folders)
    start = time.perf_counter()
    expected: Counter[str] = Counter()
    matched: Counter[str] = Counter()
    missed: list[str] = []
    crashes: list[str] = []
    not_audited = 0
    with tempfile.TemporaryDirectory(prefix="guardtrail-coverage-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "user.name", "Bench Human")
        git(repo, "config", "user.email", "human@example.com")
        (repo / "README.md").write_text("corpus\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base")
        for number, path in enumerate(files):
            branch = f"f{number:03}"
            git(repo, "checkout", "-q", "-b", branch, "main")
            target = repo / placement(number, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", f"add {path.name}{ASSISTANT}")
            git(repo, "checkout", "-q", "main")
            want = reference(binary, path)
            got, why = guardtrail(repo, branch)
            name = next(str(path.relative_to(f)) for f in folders if path.is_relative_to(f))
            if got is None:
                crashes.append(f"{name}: {why}")
                got = Counter()
            not_audited += bool(why)
            for (audit, line), count in want.items():
                expected[audit] += count
                hit = min(count, got[audit, line])
                matched[audit] += hit
                if hit < count:
                    missed.append(
                        f"{name}: {audit} at line {line} ({count - hit} of {count}){' - ' + why if why else ''}"
                    )
    elapsed = time.perf_counter() - start
    total, found = sum(expected.values()), sum(matched.values())
    print(f"{len(files)} files, {total} risks zizmor reports on its own, {found} reported by guardtrail check")
    print(f"coverage: {found / total if total else 1:.3f}   ({elapsed:.0f} s)")
    print(f"files guardtrail reports as not audited by zizmor: {not_audited}")
    print("by audit (reported / zizmor's):")
    for audit in sorted(expected):
        print(f"  {audit:<34} {matched[audit]:>4} / {expected[audit]}")
    for line in missed:
        print(f"missed  {line}")
    for line in crashes:
        print(f"CRASH   {line}")
    print(f"files that made guardtrail fail: {len(crashes)}")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
