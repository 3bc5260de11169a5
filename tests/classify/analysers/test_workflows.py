"""Workflow analyser: zizmor's audits on what a change adds, the secrets a step reads, piped installers."""

from __future__ import annotations

from guardtrail.classify.analysers.workflows import analyse_workflow, audit_workflows
from guardtrail.model import Category, Confidence, FileChange, Severity
from tests.gitrepo import CLAUDE, GitRepo

from . import MemoryBlobs, by_rule, fixture, run, run_in_repo, triples

CI = ".github/workflows/ci.yml"
UNPINNED = "unpinned action reference: action is not pinned to a hash (required by blanket policy)"


def test_widened_workflow_reports_each_new_risk_on_its_line() -> None:
    findings = run(analyse_workflow, CI, fixture("ci.old.yml"), fixture("ci.new.yml"))
    assert triples(findings) == {
        ("workflow.dangerous-triggers", CI, 6),
        ("workflow.excessive-permissions", CI, 8),
        ("workflow.unpinned-uses", CI, 14),
        ("workflow.pipe-to-shell", CI, 20),
        ("workflow.template-injection", CI, 25),
        ("workflow.secrets", CI, 28),
        ("workflow.unpinned-uses", CI, 29),
    }
    messages = {(f.rule, f.line): f.message for f in findings}
    assert messages["workflow.excessive-permissions", 8] == "overly broad permissions: uses write-all permissions"
    assert messages["workflow.unpinned-uses", 29] == f"{UNPINNED} (someone/upload-action@main)"
    assert messages["workflow.template-injection", 25] == (
        "code injection via template expansion: may expand into attacker-controllable code"
        " (github.event.pull_request.title)"
    )
    assert messages["workflow.secrets", 28] == "uses secret DEPLOY_KEY"
    assert all(f.category is Category.BUILD_LOGIC for f in findings)
    injection = by_rule(findings, "workflow.template-injection")[0]
    assert (injection.severity, injection.confidence) == (Severity.ERROR, Confidence.HIGH)
    assert injection.details == (
        "line 24: this run block",  # another line: the one the finding is on is not repeated
        "zizmor template-injection: severity high, confidence high",
        "https://docs.zizmor.sh/audits/#template-injection",
    )
    trigger = by_rule(findings, "workflow.dangerous-triggers")[0]
    assert (trigger.severity, trigger.confidence) == (Severity.ERROR, Confidence.MEDIUM)


def test_a_new_workflow_reports_every_risk_zizmor_finds_in_it() -> None:
    findings = run(analyse_workflow, CI, None, fixture("ci.new.yml"))
    widened = run(analyse_workflow, CI, fixture("ci.old.yml"), fixture("ci.new.yml"))
    assert triples(findings) == triples(widened) | {("workflow.artipacked", CI, 14)}
    artipacked = by_rule(findings, "workflow.artipacked")[0]
    assert (artipacked.severity, artipacked.confidence) == (Severity.WARNING, Confidence.LOW)


def test_a_risk_the_old_side_already_had_is_not_news() -> None:
    old = fixture("ci.new.yml")
    new = old.replace("      - run: pytest -q\n", "      - run: pytest -q\n      - uses: other/lint@v1\n")
    findings = run(analyse_workflow, CI, old, new)
    assert [(f.rule, f.line, f.message) for f in findings] == [
        ("workflow.unpinned-uses", 23, f"{UNPINNED} (other/lint@v1)")
    ]


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
        (
            "workflow.dangerous-triggers",
            2,
            "use of fundamentally insecure workflow trigger: workflow_run is almost always used insecurely",
        ),
        (
            "workflow.excessive-permissions",
            5,
            "overly broad permissions: default permissions used due to no permissions: block",
        ),
    }


def test_composite_action_injection_through_head_ref() -> None:
    new = (
        "name: setup\nruns:\n  using: composite\n  steps:\n    - shell: bash\n"
        '      run: git checkout "${{ github.head_ref }}"\n'
    )
    findings = run(analyse_workflow, ".github/actions/setup/action.yml", None, new)
    assert triples(findings) == {("workflow.template-injection", ".github/actions/setup/action.yml", 6)}


def test_secrets_in_both_spellings_are_listed_and_the_token_is_a_note() -> None:
    new = (
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: make\n        env:\n          A: ${{ secrets.NPM_TOKEN }}\n"
        "          B: ${{ secrets['PYPI_TOKEN'] }}\n          C: ${{ secrets.GITHUB_TOKEN }}\n"
    )
    findings = run(analyse_workflow, CI, None, new)
    assert {(f.rule, f.line, f.message, f.severity) for f in findings} == {
        ("workflow.secrets", 9, "uses secret NPM_TOKEN", Severity.WARNING),
        ("workflow.secrets", 10, "uses secret PYPI_TOKEN", Severity.WARNING),
        ("workflow.secrets", 11, "uses secret GITHUB_TOKEN", Severity.NOTE),
    }


def test_a_workflow_zizmor_cannot_parse_is_reported_as_not_audited() -> None:
    findings = run(analyse_workflow, CI, fixture("ci.old.yml"), "on: [push\njobs:\n")
    assert [(f.rule, f.line, f.severity, f.message) for f in findings] == [
        (
            "workflow.audit-failed",
            None,
            Severity.ERROR,
            "ci.yml was not audited: zizmor cannot read it: failed to parse input: did not find expected ',' or ']'"
            " at line 2 column 5, while parsing a flow sequence at line 1 column 5",
        )
    ]


def test_a_file_that_is_not_a_workflow_is_reported_as_not_audited() -> None:
    findings = run(analyse_workflow, CI, None, "steps: [make]\n")
    assert [(f.rule, f.message) for f in findings] == [
        (
            "workflow.audit-failed",
            "ci.yml was not audited: zizmor cannot read it: failed to validate as workflow:"
            " input does not match expected validation schema",
        )
    ]


def test_one_run_audits_every_change_of_a_range() -> None:
    blobs = MemoryBlobs()
    first, second = fixture("ci.old.yml"), fixture("ci.new.yml")
    changes = [
        FileChange("a" * 40, CI, None, "added", None, blobs.store(first), added=()),
        FileChange("b" * 40, CI, CI, "modified", blobs.store(first), blobs.store(second), added=()),
        FileChange("b" * 40, "tools/action.yml", None, "added", None, blobs.store("runs: [\n"), added=()),
    ]
    report = audit_workflows(changes, blobs)
    assert [f.rule for f in report(changes[0], blobs)] == ["workflow.artipacked"]
    assert {(f.rule, f.line) for f in report(changes[1], blobs)} == {
        ("workflow.dangerous-triggers", 6),
        ("workflow.excessive-permissions", 8),
        ("workflow.unpinned-uses", 14),
        ("workflow.template-injection", 25),
        ("workflow.unpinned-uses", 29),
    }
    assert [f.rule for f in report(changes[2], blobs)] == ["workflow.audit-failed"]


def test_assistant_widening_a_workflow_in_a_real_repository(repo: GitRepo) -> None:
    repo.write(CI, fixture("ci.old.yml"))
    repo.commit("add CI")
    findings = run_in_repo(
        analyse_workflow,
        repo,
        {CI: fixture("ci.old.yml").replace("  contents: read", "  contents: read\n  id-token: write")},
        f"let CI publish\n\nCo-Authored-By: {CLAUDE}",
    )
    assert [(f.rule, f.line) for f in findings] == []
    findings = run_in_repo(
        analyse_workflow,
        repo,
        {CI: fixture("ci.old.yml").replace("  pull_request:", "  pull_request_target:")},
        f"run on forks\n\nCo-Authored-By: {CLAUDE}",
    )
    assert [(f.rule, f.line) for f in findings] == [("workflow.dangerous-triggers", 6)]


def test_a_binary_workflow_is_reported_as_not_audited() -> None:
    blobs = MemoryBlobs()
    change = FileChange("c" * 40, CI, None, "added", None, blobs.store("on: push\x00"), binary=True)
    findings = list(analyse_workflow(change, blobs))
    assert [(f.rule, f.message) for f in findings] == [
        ("workflow.audit-failed", "ci.yml was not audited: binary content")
    ]
