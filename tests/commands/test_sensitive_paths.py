"""Paths as the tools that read them see them: every file that runs or fetches code is gated."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands.test_check import check
from tests.gitrepo import CLAUDE, Project, make_project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


def _rules(report: dict[str, object]) -> set[tuple[str, str, bool]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {(f["rule"], f["path"], f["blocking"]) for f in findings}


def test_an_assistant_commit_adding_files_that_run_or_fetch_code_is_blocked(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        ".pnpmfile.cjs": "module.exports = { hooks: { readPackage: (p) => p } }\n",
        ".cargo/config.toml": '[build]\nrustc-wrapper = "./wrap.sh"\n',
        ".gitattributes": "src/*.py filter=lfs\ngen/** linguist-generated\n",
        ".lfsconfig": "[lfs]\n\turl = https://lfs.example.invalid\n",
        ".github/dependabot.yml": "version: 2\nupdates: []\n",
        "renovate.json": '{"extends": ["config:recommended"]}\n',
        ".tool-versions": "nodejs 20.11.0\n",
        ".mvn/wrapper/maven-wrapper.properties": "distributionUrl=https://repo.example.invalid/maven.zip\n",
        ".vscode/extensions.json": '{"recommendations": ["acme.tool"]}\n',
        ".snyk": "ignore: {}\n",
    }
    for path, text in files.items():
        project.repo.write(path, text)
    project.repo.commit("tooling", author=CLAUDE)

    code, report = check(capsys, project.repo.path, "--base", "main")

    assert code == 1
    assert _rules(report) == {
        ("build-logic.package-manager-hooks", ".pnpmfile.cjs", True),
        ("build-logic.cargo-config", ".cargo/config.toml", True),
        ("build-logic.git-attributes", ".gitattributes", True),
        ("build-logic.git-attributes", ".lfsconfig", True),
        ("dependency.update-bots", ".github/dependabot.yml", True),
        ("dependency.update-bots", "renovate.json", True),
        ("dependency.toolchain-versions", ".tool-versions", True),
        ("build-logic.tool-wrappers", ".mvn/wrapper/maven-wrapper.properties", True),
        ("dependency.editor-extensions", ".vscode/extensions.json", True),
        ("policy.scanner-allowlists", ".snyk", True),
    }
