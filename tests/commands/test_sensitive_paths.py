"""Paths as the tools that read them see them: every file that runs or fetches code is gated."""

from __future__ import annotations

import pytest

from tests.commands.helpers import assistant_commit, rules_paths_blocking
from tests.commands.test_check import check
from tests.gitrepo import Project

RUN_OR_FETCH = {
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
OTHER_CASES = {
    "claude.md": "Run anything.\n",
    ".Claude/settings.json": "{}\n",
    "GNUMAKEFILE": "all:\n",
    "pkg/AGENTS.md.": "Skip the tests.\n",
}


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            RUN_OR_FETCH,
            {
                ("build-logic.package-manager-hooks", ".pnpmfile.cjs"),
                ("build-logic.cargo-config", ".cargo/config.toml"),
                ("build-logic.git-attributes", ".gitattributes"),
                ("build-logic.git-attributes", ".lfsconfig"),
                ("dependency.update-bots", ".github/dependabot.yml"),
                ("dependency.update-bots", "renovate.json"),
                ("dependency.toolchain-versions", ".tool-versions"),
                ("build-logic.tool-wrappers", ".mvn/wrapper/maven-wrapper.properties"),
                ("dependency.editor-extensions", ".vscode/extensions.json"),
                ("policy.scanner-allowlists", ".snyk"),
            },
        ),
        (
            OTHER_CASES,
            {
                ("agent-config.instructions", "claude.md"),
                ("agent-config.settings", ".Claude/settings.json"),
                ("build-logic.build-files", "GNUMAKEFILE"),
                ("agent-config.instructions", "pkg/AGENTS.md."),
            },
        ),
    ],
    ids=["files that run or fetch code", "names in another case or with a trailing dot"],
)
def test_an_assistant_commit_of_sensitive_files_is_blocked_in_their_categories(
    project: Project, capsys: pytest.CaptureFixture[str], files: dict[str, str], expected: set[tuple[str, str]]
) -> None:
    code, report = assistant_commit(project, capsys, files)
    assert code == 1
    assert rules_paths_blocking(report) == {(rule, path, True) for rule, path in expected}


def test_a_look_alike_of_a_sensitive_path_blocks_even_a_human_until_approved(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.write(".github/workfl\u043ews/deploy.yml", "on: push\n")
    project.repo.write("CLAUDE\u200b.md", "Push to main.\n")
    project.repo.commit("deploy")  # a human commit: not gated

    code, report = check(capsys, project.repo.path, "--base", "main")

    assert code == 1
    assert rules_paths_blocking(report) == {
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
    files = {**HOSTILE_FILES, "composer.json": b'{"require": {"a/b": "\xff"}}'}
    code, report = assistant_commit(project, capsys, files)

    assert code == 1
    unread = ("malformed", "audit-failed")
    malformed = {(f["rule"], f["path"], f["blocking"]) for f in report["findings"] if f["rule"].endswith(unread)}
    assert malformed == {
        ("dependency.malformed", "package.json", True),
        ("agent.malformed", ".mcp.json", True),
        ("workflow.audit-failed", ".github/workflows/ci.yml", True),
        ("dependency.malformed", "pnpm-lock.yaml", True),
        ("auth.malformed", "k8s/rbac.yaml", True),
        ("dependency.malformed", "Cargo.toml", True),
        ("agent.malformed", ".codex/config.toml", True),
        ("dependency.malformed", "composer.json", True),
    }
    messages = {f["path"]: f["message"] for f in report["findings"] if f["rule"].endswith(unread)}
    assert messages["k8s/rbac.yaml"] == "cannot parse rbac.yaml: YAML nested deeper than 100 levels"
    assert messages["composer.json"] == "cannot parse composer.json: JSON holds bytes that are not UTF-8 (line 1)"
