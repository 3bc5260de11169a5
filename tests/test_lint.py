"""The code checks the project promises: ``mypy --strict`` on the package and ``ruff`` on all
Python here, run by the test suite so that CI fails when either does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command",
    [
        ["mypy"],  # files and strictness come from pyproject.toml
        ["ruff", "check", "src", "tests", "benchmarks"],
        ["ruff", "format", "--check", "src", "tests", "benchmarks"],
    ],
    ids=["mypy", "ruff-check", "ruff-format"],
)
def test_code_checks_pass(command: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
