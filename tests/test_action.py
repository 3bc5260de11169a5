"""The GitHub Action and CI templates: valid against the published schemas, and safe to run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-actions", "action.yml"),
        ("vendor.github-workflows", "ci/github-workflow.yml"),
        ("vendor.gitlab-ci", "ci/gitlab-ci.yml"),
        ("vendor.github-workflows", "ci/org/guardtrail-required.yml"),
        ("vendor.github-workflows", "ci/org/backfill-history.yml"),
        ("vendor.github-workflows", ".github/workflows/release.yml"),
        ("vendor.github-workflows", ".github/workflows/ci.yml"),
    ],
)
def test_validates_against_the_builtin_schema(schema: str, path: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(ROOT / path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_never_interpolates_expressions_inside_run() -> None:
    steps = yaml.safe_load(ACTION.read_text(encoding="utf-8"))["runs"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs == ['"$GITHUB_ACTION_PATH/ci/github-action.sh"']
    assert all(step.get("shell") == "bash" for step in steps if "run" in step)


def test_every_input_reaches_the_script_and_every_output_is_wired() -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    gate = next(step for step in action["runs"]["steps"] if step.get("id") == "gate")
    script = (ROOT / "ci" / "github-action.sh").read_text(encoding="utf-8")
    for name in action["inputs"]:
        if name == "python-version":
            continue
        variable = "GUARDTRAIL_" + name.upper().replace("-", "_")
        assert gate["env"][variable] == f"${{{{ inputs.{name} }}}}"
        assert f"${{{variable}" in script, variable
    assert {"base", "head", "policy-ref", "format", "sarif-file", "fail-on", "audit-log"} <= set(action["inputs"])
    assert {name: output["value"] for name, output in action["outputs"].items()} == {
        name: f"${{{{ steps.gate.outputs.{name} }}}}" for name in ("verdict", "findings", "blocking", "sarif-file")
    }


def test_example_workflow_reads_full_history_with_minimal_permissions() -> None:
    workflow = yaml.safe_load((ROOT / "ci" / "github-workflow.yml").read_text(encoding="utf-8"))
    job = workflow["jobs"]["guardtrail"]
    assert workflow["permissions"] == {"contents": "read"}
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0
    assert job["steps"][2]["uses"].startswith("github/codeql-action/upload-sarif@")
    triggers = workflow[True]  # YAML 1.1 reads the key "on" as True
    assert all(not isinstance(spec, dict) or "paths" not in spec for spec in triggers.values())


def test_the_action_script_runs_guardtrail_ci_with_the_inputs(tmp_path: Path) -> None:
    fake = tmp_path / "guardtrail-venv" / "bin"  # already installed from this lock: the script skips pip
    fake.mkdir(parents=True)
    lock = (ROOT / "ci" / "requirements.lock").read_bytes()
    (tmp_path / "guardtrail-venv" / "guardtrail-requirements.lock").write_bytes(lock)
    (fake / "guardtrail").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n', encoding="utf-8")
    (fake / "guardtrail").chmod(0o755)
    env = {
        "PATH": "/usr/bin:/bin",
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_TEMP": str(tmp_path),
        "GUARDTRAIL_FORMAT": "github",
        "GUARDTRAIL_FAIL_ON": "never",
        "GUARDTRAIL_BASE": "$(touch pwned)",
        "GUARDTRAIL_SARIF_FILE": "out file.sarif",
        "GUARDTRAIL_FETCH": "false",
    }
    result = subprocess.run(
        ["bash", str(ROOT / "ci" / "github-action.sh")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ci",
        "--format",
        "github",
        "--fail-on",
        "never",
        "--base",
        "$(touch pwned)",
        "--sarif-file",
        "out file.sarif",
        "--no-fetch",
    ]
    assert not (tmp_path / "pwned").exists()
