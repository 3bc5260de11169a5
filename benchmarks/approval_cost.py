"""What an approval bound to content costs ``guardtrail check``, against a signed approval commit.

    python benchmarks/approval_cost.py [--commits 200] [--runs 9]

Builds a branch of assistant commits editing sensitive files, approved twice over in two copies
of the repository: by ``guardtrail approve`` (a signed commit carrying a signed statement: one
more ``ssh-keygen -Y verify`` and one tree diff of the range's sensitive paths), and by a signed
``Approved-by`` commit alone (the baseline). Both checks run alternately in the same run; the
script prints medians and their ratio.
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

ASSISTANT = ("Claude", "noreply@anthropic.com")
ALICE = ("Alice Example", "alice@example.com")
SENSITIVE = [".github/workflows/ci.yml", "Makefile", "requirements.txt", "AGENTS.md"]


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=True
    )
    return result.stdout


def _as(who: tuple[str, str]) -> dict[str, str]:
    name, email = who
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def build(folder: Path, commits: int) -> tuple[Path, Path]:
    """The repository with the content-bound approval and a copy with the commit approval only."""
    key = folder / "alice"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = key.with_suffix(".pub").read_text(encoding="utf-8").split()
    repo = folder / "content"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    policy = f"approvers:\n  - name: {ALICE[0]}\n    email: {ALICE[1]}\n    keys: ['{public[0]} {public[1]}']\n"
    (repo / ".guardtrail.yml").write_text(policy, encoding="utf-8")
    for path in SENSITIVE:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("# start\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base", env=_as(ALICE))
    _git(repo, "checkout", "-q", "-b", "feature")
    for n in range(commits):
        path = repo / SENSITIVE[n % len(SENSITIVE)]
        path.write_text(path.read_text(encoding="utf-8") + f"# step {n}\n", encoding="utf-8")
        _git(repo, "commit", "-q", "-am", f"step {n}", env=_as(ASSISTANT))
    for name, value in (("user.name", ALICE[0]), ("user.email", ALICE[1]), ("gpg.format", "ssh")):
        _git(repo, "config", name, value)
    _git(repo, "config", "user.signingkey", str(key))
    plain = folder / "commit"
    shutil.copytree(repo, plain)
    subprocess.run([sys.executable, "-m", "guardtrail", "approve", "--base", "main"], cwd=repo, check=True)
    message = f"Approve\n\nApproved-by: {ALICE[0]} <{ALICE[1]}>"
    _git(plain, "commit", "-q", "--allow-empty", "-S", "-m", message, env=_as(ALICE))
    return repo, plain


def _time(repo: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "guardtrail", "check", "--base", "main"], cwd=repo, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"check did not pass in {repo}: {result.stdout.decode()[-400:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gt-bench-") as tmp:
        content, plain = build(Path(tmp), args.commits)
        times: dict[str, list[float]] = {"content": [], "commit": []}
        _time(content), _time(plain)  # warm the caches of both before timing either
        for _ in range(args.runs):
            times["content"].append(_time(content))
            times["commit"].append(_time(plain))
    content_median = statistics.median(times["content"])
    commit_median = statistics.median(times["commit"])
    print(f"guardtrail check, {args.commits} approved assistant commits, {args.runs} runs each, alternately")
    print(f"  approval with a signed statement  median {content_median * 1000:8.0f} ms")
    print(f"  signed approval commit only       median {commit_median * 1000:8.0f} ms")
    print(f"  ratio statement / commit only: {content_median / commit_median:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
