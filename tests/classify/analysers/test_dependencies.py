"""Dependency analyser: what a manifest, lockfile or registry setting change adds."""

from __future__ import annotations

import pytest

from guardtrail.classify.analysers import ANALYSERS
from guardtrail.classify.analysers.dependencies import analyse_dependencies
from guardtrail.model import Category, Severity
from tests.gitrepo import CLAUDE, GitRepo

from . import by_rule, fixture, run, run_in_repo, triples


def test_requirements_bump_widening_typosquat_and_new_index() -> None:
    findings = run(
        analyse_dependencies, "requirements.txt", fixture("requirements.old.txt"), fixture("requirements.new.txt")
    )
    path = "requirements.txt"
    assert triples(findings) == {
        ("dependency.new-source", path, 2),
        ("dependency.widened", path, 4),
        ("dependency.version-changed", path, 6),
        ("dependency.added", path, 7),
        ("dependency.typosquat", path, 7),
        ("dependency.added", path, 8),
        ("dependency.unpinned", path, 8),
        ("dependency.added", path, 9),
        ("dependency.new-source", path, 9),
        ("dependency.removed", path, None),
    }
    messages = {f.message for f in findings}
    assert "requests 2.31.0 → 2.32.3" in messages
    assert 'new dependency "reqeusts" is one edit away from popular "requests"' in messages
    assert "django 4.2.11 → >=4.2 (no longer pinned)" in messages
    assert "new package source https://pypi.internal.example.com/simple" in messages
    assert by_rule(findings, "dependency.typosquat")[0].severity is Severity.ERROR
    assert all(f.category is Category.DEPENDENCY for f in findings)


def test_package_json_install_script_github_source_and_typosquat() -> None:
    path = "web/package.json"
    findings = run(analyse_dependencies, path, fixture("package.old.json"), fixture("package.new.json"))
    assert triples(findings) == {
        ("dependency.install-script", path, 8),
        ("dependency.version-changed", path, 11),
        ("dependency.widened", path, 12),
        ("dependency.added", path, 13),
        ("dependency.typosquat", path, 13),
        ("dependency.added", path, 16),
        ("dependency.new-source", path, 16),
        ("dependency.removed", path, None),
    }
    script = by_rule(findings, "dependency.install-script")[0]
    assert script.message == "new postinstall script: node scripts/setup.js"
    assert script.severity is Severity.ERROR
    assert by_rule(findings, "dependency.removed")[0].message == 'removed dependency "typescript" ~5.4.2'


def test_lockfile_churn_is_one_summary_plus_new_hosts_and_install_scripts() -> None:
    path = "web/package-lock.json"
    findings = run(analyse_dependencies, path, fixture("package-lock.old.json"), fixture("package-lock.new.json"))
    assert triples(findings) == {
        ("dependency.lockfile", path, None),
        ("dependency.install-script", path, 18),
        ("dependency.new-source", path, 20),
    }
    assert by_rule(findings, "dependency.install-script")[0].message == "proxy-from-env 1.1.0 runs an install script"
    summary = by_rule(findings, "dependency.lockfile")[0]
    assert summary.message == "4 packages changed in lockfile (1 added, 1 removed, 2 updated)"
    assert "axios 1.6.7 → 1.7.2" in summary.details
    assert by_rule(findings, "dependency.new-source")[0].message == (
        "lockfile now fetches from https://npm.mirror.example.net"
    )


@pytest.mark.parametrize(
    ("lockfile", "old", "new", "message"),
    [
        ("yarn.lock", 'lodash@^4.17.0:\n  version "4.17.20"\n', 'lodash@^4.17.0:\n  version "4.17.21"\n', "1 updated"),
        (
            "poetry.lock",
            '[[package]]\nname = "six"\nversion = "1.16.0"\n',
            '[[package]]\nname = "six"\nversion = "1.16.0"\n\n[[package]]\nname = "idna"\nversion = "3.7"\n',
            "1 added",
        ),
        ("Gemfile.lock", "GEM\n  specs:\n    rack (3.0.9)\n", "GEM\n  specs:\n    rack (3.0.10)\n", "1 updated"),
        ("go.sum", "golang.org/x/net v0.23.0 h1:x=\n", "golang.org/x/net v0.24.0 h1:y=\n", "1 updated"),
        ("pnpm-lock.yaml", "packages:\n  /a@1.0.0:\n    x: 1\n", "packages:\n  /b@1.0.0:\n    x: 1\n", "1 removed"),
    ],
)
def test_every_lockfile_format_is_summarised(lockfile: str, old: str, new: str, message: str) -> None:
    findings = run(analyse_dependencies, lockfile, old, new)
    assert [f.rule for f in findings] == ["dependency.lockfile"]
    assert message in findings[0].message


def test_lockfile_without_package_changes_gives_nothing() -> None:
    lock = fixture("package-lock.old.json")
    assert run(analyse_dependencies, "package-lock.json", lock, lock.replace('"requires": true', '"requires": 1')) == []


def test_new_pyproject_reports_each_dependency_typosquat_and_index() -> None:
    findings = run(analyse_dependencies, "pyproject.toml", None, fixture("pyproject.new.toml"))
    assert ("dependency.typosquat", "pyproject.toml", 12) in triples(findings)
    assert ("dependency.new-source", "pyproject.toml", 20) in triples(findings)
    added = {f.message for f in by_rule(findings, "dependency.added")}
    assert added == {
        'new dependency "hatchling" >=1.21',
        'new dependency "fastapi" >=0.110',
        'new dependency "pydantic" 2.6.4',
        'new dependency "numpyy" (any version)',
        'new dependency "pytest" >=8',
    }


def test_cargo_go_and_gemfile_sources() -> None:
    cargo = run(analyse_dependencies, "Cargo.toml", None, fixture("Cargo.new.toml"))
    assert [(f.line, f.message) for f in by_rule(cargo, "dependency.new-source")] == [
        (10, '"patched-log" comes from git https://github.com/someone/log')
    ]
    go = run(analyse_dependencies, "go.mod", None, fixture("go.new.mod"))
    assert [(f.line, f.message) for f in by_rule(go, "dependency.new-source")] == [
        (12, '"github.com/gorilla/mux" comes from ../mux-fork')
    ]
    gems = run(analyse_dependencies, "Gemfile", None, fixture("Gemfile.new"))
    assert {(f.line, f.message) for f in by_rule(gems, "dependency.new-source")} == {
        (2, "new package source https://gems.example.org"),
        (6, '"devise" comes from git https://github.com/someone/devise.git'),
    }


def test_composer_scripts_and_repositories() -> None:
    new = (
        '{\n  "require": {"php": ">=8.1", "monolog/monolog": "^3.5"},\n'
        '  "repositories": [{"type": "vcs", "url": "https://github.com/someone/monolog"}],\n'
        '  "scripts": {"post-install-cmd": "php bin/setup.php"}\n}\n'
    )
    findings = run(analyse_dependencies, "composer.json", '{"require": {"php": ">=8.1"}}', new)
    assert triples(findings) == {
        ("dependency.added", "composer.json", 2),
        ("dependency.new-source", "composer.json", 3),
        ("dependency.install-script", "composer.json", 4),
    }


def test_registry_settings_switching_to_another_registry() -> None:
    old = "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"
    new = old + "@example:registry=https://npm.evil.example.com/\n"
    findings = run(analyse_dependencies, ".npmrc", old, new)
    assert triples(findings) == {("dependency.new-source", ".npmrc", 3)}
    assert findings[0].category is Category.AUTH
    assert findings[0].message == "new package source https://npm.evil.example.com"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("package.json", '{"dependencies": {"a": "1"'),
        ("pyproject.toml", "[project\ndependencies = []"),
        ("Cargo.toml", "[dependencies]\nserde = {"),
        ("package-lock.json", "{"),
        ("pnpm-lock.yaml", "packages: [\n"),
    ],
)
def test_malformed_manifest_is_a_note_not_a_crash(path: str, text: str) -> None:
    findings = run(analyse_dependencies, path, None, text)
    assert [(f.rule, f.severity, f.line) for f in findings] == [("dependency.malformed", Severity.NOTE, None)]


def test_files_it_does_not_handle_give_nothing_without_reading_blobs() -> None:
    class NoBlobs:
        def blob(self, blob_id: str) -> bytes:
            raise AssertionError("read a blob for an irrelevant file")

    from guardtrail.model import FileChange

    for path in ("src/app.py", "docs/requirements.md", "README.md"):
        change = FileChange("c" * 40, path, path, "modified", "a" * 40, "b" * 40)
        assert [f for analyser in ANALYSERS for f in analyser(change, NoBlobs())] == []


def test_assistant_commit_adding_a_typosquat_in_a_real_repository(repo: GitRepo) -> None:
    repo.write("requirements.txt", "requests==2.31.0\n")
    repo.commit("pin requests")
    findings = run_in_repo(
        analyse_dependencies,
        repo,
        {"requirements.txt": "requests==2.32.3\nreqeusts==1.0.0\n"},
        f"bump requests\n\nCo-Authored-By: {CLAUDE}",
    )
    assert {(f.rule, f.line, f.message) for f in findings} == {
        ("dependency.version-changed", 1, "requests 2.31.0 → 2.32.3"),
        ("dependency.added", 2, 'new dependency "reqeusts" 1.0.0'),
        ("dependency.typosquat", 2, 'new dependency "reqeusts" is one edit away from popular "requests"'),
    }


def test_maven_and_gradle_versions_and_repositories_are_build_logic() -> None:
    old = fixture("pom.new.xml").replace("2.23.1", "2.17.0")
    old = old.replace("https://maven.mirror.example.net/releases", "https://repo.maven.apache.org/maven2")
    pom = run(analyse_dependencies, "pom.xml", old, fixture("pom.new.xml"))
    assert {(f.rule, f.line, f.message) for f in pom} == {
        ("dependency.version-changed", 16, "org.apache.logging.log4j:log4j-core 2.17.0 → 2.23.1"),
        ("dependency.new-source", 10, "new package source https://maven.mirror.example.net/releases"),
    }
    assert {f.category for f in pom} == {Category.BUILD_LOGIC}
    gradle_old = "dependencies {\n    implementation 'com.google.guava:guava:33.0.0-jre'\n}\n"
    gradle_new = "repositories {\n    maven { url 'https://jitpack.io' }\n}\n" + gradle_old.replace("33.0.0", "33.1.0")
    gradle = run(analyse_dependencies, "app/build.gradle", gradle_old, gradle_new)
    assert triples(gradle) == {
        ("dependency.version-changed", "app/build.gradle", 5),
        ("dependency.new-source", "app/build.gradle", 2),
    }


def test_pipfile_source_and_any_version() -> None:
    old = '[[source]]\nurl = "https://pypi.org/simple"\nname = "pypi"\n\n[packages]\nflask = "==3.0.2"\n'
    new = old.replace('flask = "==3.0.2"', 'flask = "*"') + '\n[dev-packages]\npytest = "*"\n'
    findings = run(analyse_dependencies, "Pipfile", old, new)
    assert {(f.rule, f.line, f.message) for f in findings} == {
        ("dependency.widened", 6, "flask 3.0.2 → (any version) (no longer pinned)"),
        ("dependency.added", 9, 'new dependency "pytest" (any version)'),
        ("dependency.unpinned", 9, 'new dependency "pytest" accepts any version'),
    }
