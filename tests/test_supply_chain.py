"""The action and its templates run only what they pin: actions by full commit sha, Python
packages by sha256 from a lock file, guardtrail from its own checkout at a commit.

The last two tests run the action's script and the GitLab job as a runner would: a real
virtual environment, a real ``pip install --require-hashes`` from the lock (from the package
index), then the gate over a real repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gitrepo import CLAUDE, make_project
from tests.packaging import PIP_CACHE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted([ROOT / "action.yml", *ROOT.glob("ci/**/*.yml"), *ROOT.glob(".github/workflows/*.yml")], key=str)
SCRIPTS = sorted([*WORKFLOWS, *ROOT.glob("ci/**/*.sh"), *ROOT.glob("ci/**/Dockerfile")], key=str)
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
OWN_ACTION = "OWNER/guardtrail@FULL_COMMIT_SHA"
"""The templates' reference to guardtrail itself: the user puts the commit of the release they
copy the template from (the README says how); it is no sha, so a copy left as is fails loudly."""


def _uses(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "uses" and isinstance(value, str):
                yield value
            else:
                yield from _uses(value)
    elif isinstance(node, list):
        for item in node:
            yield from _uses(item)


def test_the_files_checked_here_are_the_shipped_ones() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in WORKFLOWS}
    assert {
        "action.yml",
        "ci/github-workflow.yml",
        "ci/gitlab-ci.yml",
        "ci/org/guardtrail-required.yml",
        "ci/org/backfill-history.yml",
        ".github/workflows/release.yml",
        ".github/workflows/ci.yml",
    } <= names


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_action_is_pinned_to_a_commit_sha_with_its_version(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for reference in _uses(yaml.safe_load(text)):
        if reference.startswith("./") or reference == OWN_ACTION:
            continue
        assert PINNED.match(reference), f"{path.name}: {reference} is not pinned to a full commit sha"
        line = next(line for line in text.splitlines() if reference in line)
        assert re.search(r"# v\d+(\.\d+)*$", line), f"{path.name}: {reference} has no '# vX.Y.Z' comment"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_pip_install_is_hash_locked_or_a_pinned_url(path: Path) -> None:
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        if "pip install" not in line or line.lstrip().startswith("#"):
            continue
        pinned_url = re.search(r"git\+https://\S+@[0-9a-f]{40}", line)
        assert ("--require-hashes" in line and "--no-deps" in line) or pinned_url, f"{path.name}: {line.strip()}"


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lock = (ROOT / "ci" / "requirements.lock").read_text(encoding="utf-8")
    pinned = {
        match["name"].lower().replace("_", "-"): match["hashes"]
        for match in re.finditer(
            r"^(?P<name>[A-Za-z0-9_.-]+)==\S+[^\n]*\\\n(?P<hashes>(?:\s+--hash=sha256:\S+.*\n)+)", lock, re.M
        )
    }
    for requirement in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement)
        assert name is not None
        assert name.group(0).lower().replace("_", "-") in pinned, f"{requirement} is not in ci/requirements.lock"
    assert all("--hash=sha256:" in hashes for hashes in pinned.values())
    assert "uv pip compile pyproject.toml --universal --generate-hashes" in lock  # how to regenerate it


def test_guardtrails_own_workflow_rules_pass_the_shipped_workflows(tmp_path: Path) -> None:
    """An assistant commit adding the shipped templates as workflows (the action as an action),
    their guardtrail pin filled in as a user does: the build-logic finding that any workflow
    edit gets, the secrets they read, and no zizmor audit above a note."""
    project = make_project(tmp_path)
    for path in WORKFLOWS:
        if path.name != "gitlab-ci.yml":
            text = path.read_text(encoding="utf-8").replace("FULL_COMMIT_SHA", project.base)
            where = path.name if path.name == "action.yml" else f".github/workflows/{path.parent.name}-{path.name}"
            project.repo.write(where, text)
    project.repo.commit("add workflows", author=CLAUDE)
    result = subprocess.run(
        [sys.executable, "-m", "guardtrail", "check", "--base", project.base, "--format", "json"],
        cwd=project.repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(result.stdout)["findings"]
    audits = {(f["rule"], f["severity"]) for f in findings if f["rule"].startswith("workflow.")}
    assert {rule for rule, severity in audits if severity != "note" and rule != "workflow.secrets"} == set(), audits
    assert "workflow.audit-failed" not in {rule for rule, _ in audits}


def _runner_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PIP_CACHE_DIR": PIP_CACHE,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        **extra,
    }


def test_the_action_installs_from_the_lock_and_blocks_an_assistant_ci_edit(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.repo.write(".github/workflows/ci.yml", "on: push\njobs: {deploy: {}}\n")
    head = project.repo.commit("speed up CI", author=CLAUDE)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": project.base}, "head": {"sha": head}}}))
    (tmp_path / "runner-temp").mkdir()
    env = _runner_env(
        tmp_path,
        GITHUB_ACTION_PATH=str(ROOT),
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(event),
        GITHUB_WORKSPACE=str(project.repo.path),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_OUTPUT=str(tmp_path / "output.txt"),
        GUARDTRAIL_PYTHON=sys.executable,
        GUARDTRAIL_FORMAT="github",
        GUARDTRAIL_FAIL_ON="blocking",
        GUARDTRAIL_FETCH="false",
    )
    result = subprocess.run(
        ["bash", str(ROOT / "ci" / "github-action.sh")],
        cwd=project.repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "::error file=.github/workflows/ci.yml,line=2," in result.stdout
    assert "verdict=block" in (tmp_path / "output.txt").read_text(encoding="utf-8")
    venv = tmp_path / "runner-temp" / "guardtrail-venv"
    freeze = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    ).stdout
    assert "guardtrail" not in freeze.lower()  # guardtrail itself runs from the action's checkout
    lib = next(venv.glob("lib/python*/site-packages"))
    assert (lib / "guardtrail-source.pth").read_text(encoding="utf-8") == f"{ROOT / 'src'}\n"


def test_the_gitlab_job_installs_guardtrail_at_a_commit_and_blocks(tmp_path: Path) -> None:
    source = tmp_path / "guardtrail-source"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(source)], check=True)
    for relative in ("ci/install.sh", "ci/requirements.lock", "src/guardtrail", "rules"):  # this checkout's state
        subprocess.run(["cp", "-r", "-T", str(ROOT / relative), str(source / relative)], check=True)
    subprocess.run(["git", "-C", str(source), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(source), "commit", "-q", "--allow-empty", "-m", "this checkout"], check=True)
    commit = subprocess.run(
        ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    project = make_project(tmp_path)
    project.repo.write(".github/workflows/ci.yml", "on: push\njobs: {deploy: {}}\n")
    head = project.repo.commit("speed up CI", author=CLAUDE)
    # the job fetches the target branch from origin to read the policy there: the project is its own origin
    subprocess.run(["git", "-C", str(project.repo.path), "remote", "add", "origin", str(project.repo.path)], check=True)
    job = yaml.safe_load((ROOT / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8"))["guardtrail"]
    lines = [*job["before_script"], *job["script"]]
    script = "set -e\n" + "\n".join(line.replace("/tmp/", f"{tmp_path}/") for line in lines) + "\n"
    variables = {name: str(value) for name, value in job["variables"].items()}
    variables.update(
        GUARDTRAIL_SOURCE=f"file://{source}",
        GUARDTRAIL_COMMIT=commit,
        CI_MERGE_REQUEST_DIFF_BASE_SHA=project.base,
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
        CI_COMMIT_SHA=head,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    env = _runner_env(tmp_path, **variables)
    result = subprocess.run(
        ["bash", "-c", script], cwd=project.repo.path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "  BLOCK build-logic  .github/workflows/ci.yml:2" in result.stdout
    wrapper = (tmp_path / "guardtrail-venv" / "bin" / "guardtrail").read_text(encoding="utf-8")
    assert "-I -m guardtrail" in wrapper

    env["GUARDTRAIL_COMMIT"] = "main"
    refused = subprocess.run(["bash", "-c", script], cwd=project.repo.path, env=env, capture_output=True, text=True)
    assert refused.returncode == 2
    assert "GUARDTRAIL_COMMIT must be a full commit sha" in refused.stdout
