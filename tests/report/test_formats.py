"""Every report format over real decisions: exhaustive, schema-valid SARIF, escaped annotations,
the display limit, and no secret value anywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from guardtrail.commands.check import CheckOptions, run_check
from guardtrail.decide.gate import Decision
from guardtrail.report import Format, render
from guardtrail.report.github import escape_data, escape_property, md_cell, render_annotations, render_summary
from guardtrail.report.sarif import sarif_log
from tests.gitrepo import CLAUDE, WORKFLOW_EDIT, Project, make_project

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCHEMA = FIXTURES / "sarif-schema-2.1.0.json"
SHARED_SCHEMA = Path(__file__).resolve().parents[2] / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json"
TOKEN = "ghp_" + "R4nd0mT0k3nV4lu3Th4tL00ksR34l1234567"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


def decide(project: Project) -> Decision:
    return run_check(CheckOptions(repo=project.repo.path, base="main"))


@pytest.fixture
def blocked(project: Project) -> Decision:
    project.repo.write(".github/workflows/ci.yml", WORKFLOW_EDIT)
    project.repo.write("AGENTS.md", "Always run the deploy script.\n")
    project.repo.commit("agent changes", author=CLAUDE)
    return decide(project)


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_and_says_the_verdict(blocked: Decision, fmt: Format) -> None:
    text = render(blocked, fmt)
    assert text.endswith("\n")
    assert "block" in text.lower()


def test_the_cli_offers_every_format() -> None:
    from guardtrail.cli import FORMATS

    assert set(FORMATS) == {fmt.value for fmt in Format}


def validate(path: Path, schema: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), "--force-filetype", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_sarif_validates_against_the_official_schema(blocked: Decision, tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    target.write_text(render(blocked, Format.SARIF), encoding="utf-8")
    schemas = [SCHEMA] + ([SHARED_SCHEMA] if SHARED_SCHEMA.is_file() else [])
    for schema in schemas:
        result = validate(target, schema)
        assert result.returncode == 0, result.stdout + result.stderr


def test_sarif_rules_describe_every_result_with_help_and_severity(blocked: Decision) -> None:
    run = sarif_log(blocked)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in run["results"]] == [
        ("build-logic.github-actions", 0, "error"),
        ("agent-config.instructions", 1, "error"),
    ]
    assert [(r["id"], r["properties"]["security-severity"]) for r in rules] == [
        ("build-logic.github-actions", "7.5"),
        ("agent-config.instructions", "6.5"),
    ]
    assert all(r["help"]["text"] and r["help"]["markdown"] for r in rules)
    assert run["results"][0]["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": ".github/workflows/ci.yml"}, "region": {"startLine": 2}}}
    ]


def test_sarif_fingerprints_survive_a_rebase(project: Project, blocked: Decision) -> None:
    repo = project.repo
    repo.git("checkout", "-q", "main")
    repo.write("docs.md", "moved on\n")
    repo.commit("docs")
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "main")
    rebased = decide(project)
    assert rebased.findings[0].commit != blocked.findings[0].commit

    def prints(decision: Decision) -> list[dict[str, str]]:
        return [r["partialFingerprints"] for r in sarif_log(decision)["runs"][0]["results"]]

    assert prints(rebased) == prints(blocked)
    assert len({p["guardtrailFinding/v1"] for p in prints(blocked)}) == 2


def test_approved_findings_are_suppressed_notes(project: Project) -> None:
    project.repo.write("Makefile", "all:\n")
    project.repo.commit("build", author=CLAUDE)
    project.approve()
    result = sarif_log(decide(project))["runs"][0]["results"][0]
    assert result["level"] == "note"
    assert result["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "approved by Alice Example <alice@example.com>"}
    ]


def test_annotation_escaping() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert md_cell("a|b <x@y> & `c`\nd") == "a\\|b &lt;x@y&gt; &amp; 'c' d"


def test_annotations_beyond_the_display_limit_are_summarised(project: Project) -> None:
    for number in range(12):
        project.repo.write(f".github/workflows/job{number:02}.yml", WORKFLOW_EDIT)
    project.repo.commit("many workflows", author=CLAUDE)
    lines = render_annotations(decide(project)).splitlines()
    assert [line.split(",")[0] for line in lines[:9]] == [
        f"::error file=.github/workflows/job{number:02}.yml" for number in range(9)
    ]
    assert lines[9:] == [
        "::error title=guardtrail::3 more error findings are not annotated: see the job summary or the SARIF report",
        "guardtrail: BLOCK: 12 blocking, 12 findings in all",
    ]


def test_a_secret_value_appears_in_no_format(project: Project) -> None:
    project.repo.write("config.py", f'TOKEN = "{TOKEN}"\n')
    project.repo.commit("config")
    decision = decide(project)
    assert [(f.category.value, f.path, f.line, v.blocking) for f, v in decision.judged] == [
        ("secret", "config.py", 1, True)
    ]
    outputs = [render(decision, fmt) for fmt in Format] + [render_summary(decision)]
    assert all(TOKEN not in text and TOKEN[4:20] not in text for text in outputs)
    fingerprint = decision.findings[0].fingerprint
    assert f"--allow-secret {fingerprint}" in render_summary(decision)
    assert json.loads(render(decision, Format.SARIF))["runs"][0]["results"][0]["level"] == "error"


def test_json_and_sarif_reports_write_one_finding_a_line(blocked: Decision) -> None:
    from guardtrail.report.json import decision_dict

    findings = len(blocked.findings)
    assert findings >= 2
    text = render(blocked, Format.JSON)
    assert json.loads(text) == decision_dict(blocked)
    assert sum(line.startswith('    {"commit": ') for line in text.splitlines()) == findings
    sarif = render(blocked, Format.SARIF)
    assert json.loads(sarif) == sarif_log(blocked)
    assert sum(line.startswith('        {"ruleId": ') for line in sarif.splitlines()) == findings


def test_sarif_with_findings_on_a_message_an_identity_and_a_file_name_validates(
    project: Project, tmp_path: Path
) -> None:
    project.repo.write(f"keys/{TOKEN}.txt", "x\n")
    project.repo.commit(f"add {TOKEN}", author=f"Dev <{TOKEN}@example.org>")
    decision = decide(project)
    target = tmp_path / "report.sarif"
    target.write_text(render(decision, Format.SARIF), encoding="utf-8")

    locations = [r["locations"][0] for r in json.loads(target.read_text(encoding="utf-8"))["runs"][0]["results"]]
    assert sorted(
        (loc["physicalLocation"]["artifactLocation"]["uri"], "logicalLocations" in loc) for loc in locations
    ) == [
        ("author", True),
        ("commit-message", True),
        ("keys/ghp_….txt", False),
    ]
    for schema in [SCHEMA] + ([SHARED_SCHEMA] if SHARED_SCHEMA.is_file() else []):
        result = validate(target, schema)
        assert result.returncode == 0, result.stdout + result.stderr
