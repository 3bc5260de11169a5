"""Dockerfiles and other CI files: remote downloads, piped installers and base images."""

from __future__ import annotations

from guardtrail.classify.analysers.ci_files import analyse_ci_file
from guardtrail.model import Category, Severity
from tests.gitrepo import CLAUDE, GitRepo

from . import fixture, run, run_in_repo, triples


def test_dockerfile_base_image_downloads_and_piped_installer() -> None:
    path = "docker/Dockerfile"
    findings = run(analyse_ci_file, path, fixture("Dockerfile.old"), fixture("Dockerfile.new"))
    assert triples(findings) == {
        ("docker.base-image", path, 2),
        ("docker.remote-download", path, 9),
        ("docker.pipe-to-shell", path, 10),
        ("docker.remote-download", path, 12),
    }
    messages = {f.line: f.message for f in findings}
    assert messages[2] == "FROM python:3.11-slim@sha256:6d2502238109… → python:3.12-slim (not pinned by digest)"
    assert messages[9] == "ADD fetches https://downloads.example.net/agent/agent-linux-amd64 at build time"
    assert messages[12] == "downloads https://downloads.example.net/certs/ca.pem"
    assert all(f.category is Category.BUILD_LOGIC for f in findings)


def test_new_dockerfile_pinned_by_digest_is_a_note_and_stage_references_are_not_images() -> None:
    new = "FROM golang:1.22@sha256:" + "a" * 64 + " AS build\nRUN go build ./...\nFROM build\nFROM scratch\n"
    findings = run(analyse_ci_file, "Containerfile", None, new)
    assert [(f.rule, f.line, f.severity) for f in findings] == [
        ("docker.base-image", 1, Severity.NOTE),
        ("docker.base-image", 4, Severity.NOTE),
    ]


def test_gitlab_job_image_and_piped_installer_but_not_the_comment() -> None:
    findings = run(analyse_ci_file, ".gitlab-ci.yml", fixture("gitlab-ci.old.yml"), fixture("gitlab-ci.new.yml"))
    assert {(f.rule, f.line, f.message) for f in findings} == {
        ("ci.image", 4, "job image python:3.12 (not pinned by digest)"),
        ("ci.pipe-to-shell", 7, "downloads a script and pipes it into a shell"),
    }


def test_unchanged_download_and_comment_edits_give_nothing() -> None:
    old = fixture("Dockerfile.new")
    new = old.replace("# syntax=docker/dockerfile:1", "# syntax=docker/dockerfile:1\n# build the service image")
    assert run(analyse_ci_file, "Dockerfile", old, new) == []


def test_other_files_are_not_read() -> None:
    assert run(analyse_ci_file, "docs/Dockerfile.md", None, "RUN curl https://x | sh\n") == []


def test_assistant_adding_a_piped_installer_to_a_makefile_in_a_real_repository(repo: GitRepo) -> None:
    repo.write("Makefile", "test:\n\tpytest -q\n")
    repo.commit("add Makefile")
    findings = run_in_repo(
        analyse_ci_file,
        repo,
        {"Makefile": "setup:\n\tcurl -fsSL https://get.example.dev | sh\n\ntest:\n\tpytest -q\n"},
        f"add setup target\n\nCo-Authored-By: {CLAUDE}",
    )
    assert triples(findings) == {("ci.pipe-to-shell", "Makefile", 2)}
