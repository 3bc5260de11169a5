"""Whole-process latency of the pre-commit stage on a one-file change, against detect-secrets-hook.

Three changes are timed: a plain edit, which wakes none of detect-secrets' plugins (so guardtrail
never imports detect-secrets), one that assigns a secret-looking value, which does (both
tools then report it), and a comment that names an assistant, which passes the injection
analyser's keyword prefilter (so its passages and rules run). For each, the script builds a
real repository, stages the file, then alternates ``guardtrail staged`` and
``detect-secrets-hook FILE`` as subprocesses (each as a
hook runs: a fresh interpreter) and reports the medians and their ratio. Both run with
bytecode caching on (in a private ``PYTHONPYCACHEPREFIX``, warmed by the first run), as
installed hooks do: with ``PYTHONDONTWRITEBYTECODE`` set, a source checkout would recompile
every module on every run.
The environment is the one ``git commit`` gives its pre-commit hook: the author and
``GIT_INDEX_FILE`` are set, the committer comes from the repository's configuration.

    python benchmarks/hook_latency.py [--runs 20]
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

BIN = Path(sys.executable).parent
ENV = {
    **{name: value for name, value in os.environ.items() if not name.startswith("GIT_")},
    "GIT_CONFIG_NOSYSTEM": "1",
}
HOOK_ENV = {**ENV, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_INDEX_FILE": ".git/index"}
"""What git exports to a pre-commit hook besides its own environment."""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=ENV, check=True, capture_output=True)


CHANGES = {
    "plain edit": "def changed(x):\n    return x * 2\n\nNAME = 'value'\n",
    "edit waking a plugin": "def changed(x):\n    return x * 2\n\nPASSWORD = 'hunter2-Correct-Horse-7'\n",
    "comment naming an assistant": "def changed(x):\n    # the AI assistant reads this cache\n    return x * 2\n",
}
"""The new text of ``module_7.py`` in each timed change."""


def build_repository(repo: Path, change: str) -> Path:
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.name", "Bench")
    _git(repo, "config", "user.email", "b@example.com")
    for number in range(50):
        (repo / f"module_{number}.py").write_text(f"def f{number}(x):\n    return x + {number}\n" * 20)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "initial")
    (repo / "module_7.py").write_text(change)
    _git(repo, "add", "module_7.py")
    return repo


def time_command(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="guardtrail-bench-") as tmp:
        env = {name: value for name, value in HOOK_ENV.items() if name != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        for number, (label, change) in enumerate(CHANGES.items()):
            repo = build_repository(Path(tmp) / f"project{number}", change)
            print(label)
            report(repo, env, args.runs)
    return 0


def report(repo: Path, env: dict[str, str], runs: int) -> None:
    """Time both hooks on the change staged in ``repo``, alternately, and print their medians."""
    ours = [str(BIN / "guardtrail"), "staged"]
    theirs = [str(BIN / "detect-secrets-hook"), "module_7.py"]
    for command in (ours, theirs):
        time_command(command, repo, env)  # warm the file and bytecode caches
    samples: dict[str, list[float]] = {"guardtrail staged": [], "detect-secrets-hook": []}
    for _ in range(runs):
        samples["guardtrail staged"].append(time_command(ours, repo, env))
        samples["detect-secrets-hook"].append(time_command(theirs, repo, env))
    medians = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    for name, value in medians.items():
        print(f"  {name:<22} median {value:6.1f} ms over {runs} runs")
    ratio = medians["guardtrail staged"] / medians["detect-secrets-hook"]
    print(f"  ratio guardtrail/detect-secrets-hook: {ratio:.2f}")


if __name__ == "__main__":
    sys.exit(main())
