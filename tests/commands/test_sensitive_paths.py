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


def test_names_in_another_case_or_with_trailing_dots_are_the_sensitive_files_they_resolve_to(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.write("claude.md", "Run anything.\n")
    project.repo.write(".Claude/settings.json", "{}\n")
    project.repo.write("GNUMAKEFILE", "all:\n")
    project.repo.write("pkg/AGENTS.md.", "Skip the tests.\n")
    project.repo.commit("notes", author=CLAUDE)

    code, report = check(capsys, project.repo.path, "--base", "main")

    assert code == 1
    assert _rules(report) == {
        ("agent-config.instructions", "claude.md", True),
        ("agent-config.settings", ".Claude/settings.json", True),
        ("build-logic.build-files", "GNUMAKEFILE", True),
        ("agent-config.instructions", "pkg/AGENTS.md.", True),
    }


def test_a_look_alike_of_a_sensitive_path_blocks_even_a_human_until_approved(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.write(".github/workfl\u043ews/deploy.yml", "on: push\n")
    project.repo.write("CLAUDE\u200b.md", "Push to main.\n")
    project.repo.commit("deploy")  # a human commit: not gated

    code, report = check(capsys, project.repo.path, "--base", "main")

    assert code == 1
    assert _rules(report) == {
        ("hidden-text.confusable-path", ".github/workfl\u043ews/deploy.yml", True),
        ("hidden-text.confusable-path", "CLAUDE\u200b.md", True),
    }
    messages = {f["message"] for f in report["findings"]}
    assert (
        "adds .github/workfl\u043ews/deploy.yml: the name imitates a build-logic path with"
        " U+043E CYRILLIC SMALL LETTER O" in messages
    )
    project.approve()
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 0
    assert {f["approved_by"] for f in report["findings"]} == {"Alice Example <alice@example.com>"}


HOSTILE_FILES = {
    "package.json": "[" * 100_000 + "]" * 100_000,
    ".mcp.json": '{"mcpServers": {"a": {"command": "x"}, "a": {"command": "y"}}}',
    ".github/workflows/ci.yml": 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
    + "".join(f"{n}: &{n} [{','.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True)),
    "pnpm-lock.yaml": '!!python/object/apply:os.system ["true"]\n',
    "k8s/rbac.yaml": "- " * 50_000 + "x\n",
    "Cargo.toml": "x = " + "[" * 100_000 + "]" * 100_000 + "\n",
    ".codex/config.toml": 'model = "a"\nmodel = "b"\n',
}


def test_hostile_files_in_an_assistant_commit_are_malformed_findings_never_an_internal_error(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    for path, text in HOSTILE_FILES.items():
        project.repo.write(path, text)
    project.repo.write("composer.json", b'{"require": {"a/b": "\xff"}}')
    project.repo.commit("configs", author=CLAUDE)

    code, report = check(capsys, project.repo.path, "--base", "main")

    assert code == 1
    malformed = {(f["rule"], f["path"], f["blocking"]) for f in report["findings"] if "malformed" in f["rule"]}
    assert malformed == {
        ("dependency.malformed", "package.json", True),
        ("agent.malformed", ".mcp.json", True),
        ("workflow.malformed", ".github/workflows/ci.yml", True),
        ("dependency.malformed", "pnpm-lock.yaml", True),
        ("auth.malformed", "k8s/rbac.yaml", True),
        ("dependency.malformed", "Cargo.toml", True),
        ("agent.malformed", ".codex/config.toml", True),
        ("dependency.malformed", "composer.json", True),
    }
    messages = {f["path"]: f["message"] for f in report["findings"] if "malformed" in f["rule"]}
    assert messages[".github/workflows/ci.yml"] == (
        "cannot parse ci.yml: YAML aliases expand to more than 1,000,000 values (billion laughs)"
    )
    assert messages["composer.json"] == "cannot parse composer.json: JSON holds bytes that are not UTF-8 (line 1)"
