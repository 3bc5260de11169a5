"""Custom secret rules and switched-off rules come from the policy the command judges by (the
base revision's for a range): their findings carry the custom rule's id, and a change that
edits the policy cannot switch a rule off for itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardtrail.cli import main
from tests.gitrepo import ACME_RULE, GitRepo

ACME_POLICY = f"""\
mode: assistant
{ACME_RULE}      examples:
        match: ['ACME = "acme_0123456789abcdef0123456789abcdef"']
        no_match: ['prefix acme_ only']
"""
ACME_KEY = "acme_5f3c9a1e7b2d4c6e8a0f1b3d5c7e9a2b"  # pragma: allowlist secret
GITHUB_TOKEN = "ghp_R7q2Lx9TzVb4Nw8Kp3Ys6Hd1Jm5Fc0Ga2Qe7"  # pragma: allowlist secret


def _findings(repo: GitRepo, base: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, set[tuple[str, str, int]]]:
    code = main(["check", "--repo", str(repo.path), "--base", base, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    return code, {(f["rule"], f["path"], f["line"]) for f in report["findings"]}


def test_a_custom_rule_from_the_base_policy_blocks_with_its_id(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".guardtrail.yml", ACME_POLICY)
    base = repo.commit("policy with a custom rule")
    repo.write("settings.py", f'NAME = "demo"\nACME = "{ACME_KEY}"\n')
    repo.commit("configure acme")

    code, findings = _findings(repo, base, capsys)

    assert code == 1
    assert findings == {("acme-api-key", "settings.py", 2)}


def test_the_custom_rules_value_is_never_printed(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".guardtrail.yml", ACME_POLICY)
    base = repo.commit("policy with a custom rule")
    repo.write("settings.py", f'ACME = "{ACME_KEY}"\n')
    repo.commit("configure acme")

    assert main(["check", "--repo", str(repo.path), "--base", base]) == 1

    out = capsys.readouterr().out
    assert "acme-api-key" in out
    assert ACME_KEY not in out


def test_a_rule_the_base_policy_disables_reports_nothing(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".guardtrail.yml", "mode: assistant\nsecrets:\n  disable: [secret.github-token]\n")
    base = repo.commit("switch off the GitHub token rule")
    repo.write("fixtures.txt", f"{GITHUB_TOKEN}\n")
    repo.commit("add a fixture")

    assert _findings(repo, base, capsys) == (0, set())


def test_a_change_cannot_disable_a_rule_for_itself(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".guardtrail.yml", "mode: assistant\n")
    base = repo.commit("policy")
    repo.write(".guardtrail.yml", "mode: assistant\nsecrets:\n  disable: [secret.github-token]\n")
    repo.write("fixtures.txt", f"{GITHUB_TOKEN}\n")
    repo.commit("switch the rule off and add a token")

    code, findings = _findings(repo, base, capsys)

    assert code == 1
    assert findings == {("secret.github-token", "fixtures.txt", 1)}


def test_nor_add_a_rule_for_itself_that_only_the_next_change_obeys(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = repo.head()
    repo.write(".guardtrail.yml", ACME_POLICY)
    repo.write("settings.py", f'ACME = "{ACME_KEY}"\n')
    repo.commit("policy and key together")

    code, findings = _findings(repo, base, capsys)

    assert ("acme-api-key", "settings.py", 1) not in findings  # judged by the base, which has no such rule
    assert code == 0


def test_scan_uses_the_working_trees_policy_rules(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".guardtrail.yml", ACME_POLICY)
    repo.write("settings.py", f'ACME = "{ACME_KEY}"\n')
    repo.commit("policy and key")

    assert main(["scan", "--repo", str(repo.path), "--format", "json"]) == 1

    report = json.loads(capsys.readouterr().out)
    assert {(f["rule"], f["path"], f["line"]) for f in report["findings"]} == {("acme-api-key", "settings.py", 1)}
