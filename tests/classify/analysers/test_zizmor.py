"""zizmor as guardtrail runs it: once per check, outside the repository, and failing closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from guardtrail.classify.analysers import zizmor
from guardtrail.cli import main
from tests.gitrepo import CLAUDE, WORKFLOW_EDIT, Project, make_project

from . import fixture

CI = ".github/workflows/ci.yml"
REAL = zizmor.find_binary()


def fake_zizmor(folder: Path, script: str) -> str:
    """A stand-in for the zizmor binary that behaves as ``script`` (POSIX shell) says."""
    path = folder / "zizmor"
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def check_json(project: Project, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    code = main(["check", "--repo", str(project.repo.path), "--base", "main", "--format", "json"])
    findings: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["findings"]
    return code, findings


def rows(findings: list[dict[str, Any]]) -> set[tuple[str, str, int | None, bool]]:
    return {(f["rule"], f["path"], f["line"], f["blocking"]) for f in findings}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


def test_the_wheel_s_binary_is_the_one_found() -> None:
    assert REAL is not None
    assert Path(REAL).parent == Path(sys.executable).parent


def test_a_check_over_two_assistant_commits_runs_zizmor_once_and_reports_both(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "runs.log"
    wrapper = fake_zizmor(tmp_path, f'pwd >> "{log}"\nexec "{REAL}" "$@"')
    monkeypatch.setattr(zizmor, "find_binary", lambda: wrapper)
    project.repo.write(CI, fixture("ci.old.yml"))
    project.repo.commit("pinned CI", author=CLAUDE)
    project.repo.write(CI, fixture("ci.old.yml").replace("  pull_request:", "  pull_request_target:"))
    project.repo.write(
        "tools/setup/action.yml",
        "runs: {using: composite, steps: [{run: 'echo ${{ github.head_ref }}', shell: bash}]}\n",
    )
    project.repo.commit("run on forks", author=CLAUDE)

    code, findings = check_json(project, capsys)

    assert code == 1
    zizmor_rows = {row for row in rows(findings) if row[0].startswith("workflow.")}
    assert zizmor_rows == {
        ("workflow.artipacked", CI, 15, True),
        ("workflow.dangerous-triggers", CI, 6, True),
        ("workflow.template-injection", "tools/setup/action.yml", 1, True),
    }
    (ran_in,) = log.read_text(encoding="utf-8").splitlines()
    assert not Path(ran_in).resolve().is_relative_to(project.repo.path.resolve())
    assert not any(Path(ran_in).parent.glob("guardtrail-zizmor-*")), "the temporary folder is removed"


def test_a_check_without_workflow_changes_starts_no_zizmor(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "runs.log"
    monkeypatch.setattr(zizmor, "find_binary", lambda: fake_zizmor(tmp_path, f'echo ran >> "{log}"'))
    project.repo.write("app.py", "print('hello')\n")
    project.repo.commit("greet", author=CLAUDE)

    code, findings = check_json(project, capsys)

    assert (code, findings) == (0, [])
    assert not log.exists()


def test_zizmor_missing_still_blocks_the_gated_change_and_says_why(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(zizmor, "find_binary", lambda: None)
    project.repo.write(CI, WORKFLOW_EDIT)
    project.repo.commit("speed up CI", author=CLAUDE)

    code, findings = check_json(project, capsys)

    assert code == 1
    assert rows(findings) == {
        ("build-logic.github-actions", CI, 2, True),
        ("workflow.audit-failed", CI, None, True),
    }
    failed = next(f for f in findings if f["rule"] == "workflow.audit-failed")
    assert failed["message"] == (
        "ci.yml was not audited: zizmor is not installed (pip install zizmor, a dependency of guardtrail)"
    )


def test_zizmor_runs_offline_without_configuration_ignores_or_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "ZIZMOR_GITHUB_TOKEN", "ZIZMOR_CONFIG"):
        monkeypatch.setenv(name, "from-the-environment")
    seen = tmp_path / "seen"
    spy = fake_zizmor(tmp_path, f'printf "%s\\n" "$@" > "{seen}.args"\nenv > "{seen}.env"\nexec "{REAL}" "$@"')

    result = zizmor.audit([zizmor.Input("a", fixture("ci.new.yml").encode(), action=False)], binary=spy)

    assert "a" in result.findings
    arguments = (tmp_path / "seen.args").read_text(encoding="utf-8").splitlines()
    assert {"--offline", "--no-config", "--no-ignores", "--persona=regular"} <= set(arguments)
    assert arguments[-1] == "0/.github/workflows/workflow.yml"
    assert "from-the-environment" not in (tmp_path / "seen.env").read_text(encoding="utf-8")


def test_a_crashing_zizmor_fails_every_file_with_its_last_words(tmp_path: Path) -> None:
    crash = fake_zizmor(tmp_path, "echo 'thread main panicked' >&2\nexit 101")
    inputs = [zizmor.Input("a", b"on: push\n", action=False), zizmor.Input("b", b"runs: {}\n", action=True)]

    result = zizmor.audit(inputs, binary=crash)

    assert result.findings == {}
    assert result.failed == dict.fromkeys(("a", "b"), "zizmor failed (exit status 101): thread main panicked")


@pytest.mark.parametrize(
    "output", ['[{"ident": 1}]', '[{"ident": "x", "locations": []}]', "{}", "[1]", "not json", '[{"locations": 7}]']
)
def test_output_that_is_not_zizmor_s_json_fails_every_file(tmp_path: Path, output: str) -> None:
    garbled = fake_zizmor(tmp_path, f"echo '{output}'")

    result = zizmor.audit([zizmor.Input("a", b"on: push\n", action=False)], binary=garbled)

    assert result.findings == {}
    assert list(result.failed) == ["a"]
    assert result.failed["a"].startswith("zizmor's output cannot be read: ")


def test_a_zizmor_that_hangs_is_killed_at_the_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    hang = fake_zizmor(tmp_path, f'echo $$ > "{pid_file}"\nexec sleep 60')

    result = zizmor.audit([zizmor.Input("a", b"on: push\n", action=False)], binary=hang, timeout=1)

    assert result.failed == {"a": "zizmor did not finish within 1 s and was stopped"}
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text(encoding="utf-8")), 0)


def test_no_input_starts_no_process(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    assert zizmor.audit([], binary=fake_zizmor(tmp_path, f'touch "{marker}"')) == zizmor.Audit({}, {})
    assert not marker.exists()


def test_one_unreadable_file_does_not_stop_the_others_being_audited() -> None:
    inputs = [
        zizmor.Input("broken", b"on: [push\n", action=False),
        zizmor.Input("good", fixture("ci.new.yml").encode(), action=False),
        zizmor.Input("not-a-workflow", b"steps: []\n", action=False),
    ]

    result = zizmor.audit(inputs)

    assert set(result.findings) == {"good"}
    assert {r.audit for r in result.findings["good"]} >= {"template-injection", "unpinned-uses"}
    assert set(result.failed) == {"broken", "not-a-workflow"}
    assert result.failed["broken"].startswith("zizmor cannot read it: failed to parse input: ")


def test_a_file_that_is_not_utf8_is_not_given_to_zizmor_and_the_others_are_audited() -> None:
    inputs = [
        zizmor.Input("latin-1", "on: push\n# caf\xe9\n".encode("latin-1"), action=False),
        zizmor.Input("good", fixture("ci.new.yml").encode(), action=False),
    ]

    result = zizmor.audit(inputs)

    assert set(result.findings) == {"good"}
    assert result.failed == {"latin-1": "not UTF-8 text, which zizmor reads"}


def test_when_a_run_fails_as_a_whole_each_file_is_audited_on_its_own(tmp_path: Path) -> None:
    arguments = len(zizmor.ARGUMENTS) + 1
    picky = fake_zizmor(
        tmp_path, f'[ $# -gt {arguments} ] && {{ echo "one file at a time" >&2; exit 1; }}\nexec "{REAL}" "$@"'
    )
    inputs = [
        zizmor.Input("a", fixture("ci.new.yml").encode(), action=False),
        zizmor.Input("b", fixture("ci.old.yml").encode(), action=False),
    ]

    result = zizmor.audit(inputs, binary=picky)

    assert (set(result.findings), result.failed) == ({"a", "b"}, {})
    assert {r.audit for r in result.findings["b"]} == {"artipacked"}


def test_ignore_comments_in_the_change_are_not_honoured() -> None:
    text = fixture("ci.new.yml").replace(
        "      - uses: someone/upload-action@main",
        "      - uses: someone/upload-action@main # zizmor: ignore[unpinned-uses]",
    )

    result = zizmor.audit([zizmor.Input("a", text.encode(), action=False)])

    assert ("unpinned-uses", 29) in {(r.audit, r.line) for r in result.findings["a"]}


CORPUS = Path(__file__).parents[3] / "benchmarks" / "workflows"


def zizmor_alone(path: Path) -> set[tuple[str, int]]:
    """(audit, first primary line) of each risk zizmor reports on ``path`` run directly, as a user would."""
    assert REAL is not None
    done = subprocess.run(
        [REAL, "--offline", "--no-config", "--format=json", str(path)], capture_output=True, check=False
    )
    entries = json.loads(done.stdout) if done.stdout.strip() else []
    found = set()
    for entry in entries:
        primary = next(loc for loc in entry["locations"] if loc["symbolic"]["kind"] == "Primary")
        found.add((entry["ident"], primary["concrete"]["location"]["start_point"]["row"] + 1))
    return found


def test_an_assistant_commit_adding_the_benchmark_corpus_reports_every_risk_zizmor_reports(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    placed = {}
    for path in sorted(p for p in CORPUS.rglob("*.y*ml") if p.name != "large.yml"):  # zizmor takes a second on it
        relative = path.relative_to(CORPUS)
        target = str(relative) if path.name.startswith("action.") else f".github/workflows/{relative.name}"
        project.repo.write(target, path.read_bytes())
        placed[target] = path
    project.repo.commit("add the workflows", author=CLAUDE)

    code, findings = check_json(project, capsys)

    assert code == 1
    for target, path in placed.items():
        reported = {(f["rule"].removeprefix("workflow."), f["line"]) for f in findings if f["path"] == target}
        assert zizmor_alone(path) <= reported, target
    not_audited = {f["path"] for f in findings if f["rule"] == "workflow.audit-failed"}
    assert not_audited == {
        ".github/workflows/empty.yml",
        ".github/workflows/latin-1.yml",
        ".github/workflows/malformed.yml",
        ".github/workflows/not-a-workflow.yml",
    }
