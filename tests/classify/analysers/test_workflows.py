"""Workflow analyser: triggers, token permissions, secrets, unpinned actions and script injection."""

from __future__ import annotations

from guardtrail.classify.analysers.workflows import analyse_workflow
from guardtrail.model import Category, Severity
from tests.gitrepo import CLAUDE, GitRepo

from . import by_rule, fixture, run, run_in_repo, triples

CI = ".github/workflows/ci.yml"


def test_widened_workflow_reports_each_risk_on_its_line() -> None:
    findings = run(analyse_workflow, CI, fixture("ci.old.yml"), fixture("ci.new.yml"))
    assert triples(findings) == {
        ("workflow.pull-request-target", CI, 6),
        ("workflow.permissions", CI, 8),
        ("workflow.permissions", CI, 33),
        ("workflow.permissions", CI, 34),
        ("workflow.unpinned-action", CI, 14),
        ("workflow.pipe-to-shell", CI, 20),
        ("workflow.script-injection", CI, 25),
        ("workflow.secrets", CI, 28),
        ("workflow.unpinned-action", CI, 29),
    }
    messages = {(f.rule, f.line): f.message for f in findings}
    assert messages["workflow.permissions", 8] == "workflow gets permissions: write-all"
    assert messages["workflow.permissions", 33] == "job release gets contents: write"
    assert messages["workflow.unpinned-action", 29] == "someone/upload-action@main is not pinned to a full commit SHA"
    assert messages["workflow.secrets", 28] == "uses secret DEPLOY_KEY"
    assert messages["workflow.script-injection", 25].startswith("${{ github.event.pull_request.title }} is expanded")
    assert all(f.category is Category.BUILD_LOGIC for f in findings)
    assert {f.severity for f in by_rule(findings, "workflow.permissions")} == {Severity.ERROR}


def test_comment_and_formatting_edits_give_no_workflow_findings() -> None:
    old = fixture("ci.new.yml")
    new = "# Runs the tests on every push.\n" + old.replace("  test:\n", "  # the main job\n  test:\n")
    assert run(analyse_workflow, CI, old, new) == []


def test_moving_an_existing_step_is_not_new() -> None:
    old = fixture("ci.new.yml")
    lines = old.splitlines(keepends=True)
    moved = "".join(lines[:19] + lines[20:22] + [lines[19]] + lines[22:])
    assert run(analyse_workflow, CI, old, moved) == []


def test_removed_permissions_block_and_workflow_run_trigger() -> None:
    old = "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps: [{run: make}]\n"
    new = "on:\n  workflow_run:\n    workflows: [CI]\njobs:\n  a:\n    runs-on: x\n    steps: [{run: make}]\n"
    findings = run(analyse_workflow, CI, old, new)
    assert {(f.rule, f.line, f.message) for f in findings} == {
        ("workflow.workflow-run", 2, "new workflow_run trigger: runs with repository secrets on untrusted input"),
        (
            "workflow.permissions",
            None,
            "permissions block removed from workflow: the token gets the repository default",
        ),
    }


def test_composite_action_injection_and_head_ref() -> None:
    new = (
        "name: setup\nruns:\n  using: composite\n  steps:\n    - shell: bash\n"
        '      run: git checkout "${{ github.head_ref }}"\n'
    )
    findings = run(analyse_workflow, ".github/actions/setup/action.yml", None, new)
    assert triples(findings) == {("workflow.script-injection", ".github/actions/setup/action.yml", 6)}


def test_malformed_workflow_is_a_note() -> None:
    findings = run(analyse_workflow, CI, fixture("ci.old.yml"), "on: [push\njobs:\n")
    assert [(f.rule, f.severity) for f in findings] == [("workflow.malformed", Severity.NOTE)]


def test_assistant_widening_a_workflow_in_a_real_repository(repo: GitRepo) -> None:
    repo.write(CI, fixture("ci.old.yml"))
    repo.commit("add CI")
    findings = run_in_repo(
        analyse_workflow,
        repo,
        {CI: fixture("ci.old.yml").replace("  contents: read", "  contents: write")},
        f"let CI push tags\n\nCo-Authored-By: {CLAUDE}",
    )
    assert [(f.rule, f.line, f.message) for f in findings] == [
        ("workflow.permissions", 9, "workflow gets contents: write")
    ]
