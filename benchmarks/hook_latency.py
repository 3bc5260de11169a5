"""Whole-process latency of the pre-commit stage on a one-file change, against detect-secrets-hook.

Builds a real repository, stages one changed file, then alternates ``guardtrail staged`` and
``detect-secrets-hook FILE`` as subprocesses (each as a hook runs: a fresh interpreter) and
reports the medians and their ratio. Both run with bytecode caching on (in a private
``PYTHONPYCACHEPREFIX``, warmed by the first run), as installed hooks do: with
``PYTHONDONTWRITEBYTECODE`` set, a source checkout would recompile every module on every run.
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


def build_repository(root: Path) -> Path:
    repo = root / "project"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.name", "Bench")
    _git(repo, "config", "user.email", "b@example.com")
    for number in range(50):
        (repo / f"module_{number}.py").write_text(f"def f{number}(x):\n    return x + {number}\n" * 20)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "initial")
    (repo / "module_7.py").write_text("def changed(x):\n    return x * 2\n\nNAME = 'value'\n")
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
        repo = build_repository(Path(tmp))
        env = {name: value for name, value in HOOK_ENV.items() if name != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        ours = [str(BIN / "guardtrail"), "staged"]
        theirs = [str(BIN / "detect-secrets-hook"), "module_7.py"]
        for command in (ours, theirs):
            time_command(command, repo, env)  # warm the file and bytecode caches
        samples: dict[str, list[float]] = {"guardtrail staged": [], "detect-secrets-hook": []}
        for _ in range(args.runs):
            samples["guardtrail staged"].append(time_command(ours, repo, env))
            samples["detect-secrets-hook"].append(time_command(theirs, repo, env))
    medians = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    for name, value in medians.items():
        print(f"{name:<22} median {value:6.1f} ms over {args.runs} runs")
    ratio = medians["guardtrail staged"] / medians["detect-secrets-hook"]
    print(f"ratio guardtrail/detect-secrets-hook: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
