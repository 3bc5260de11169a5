"""Approvals bound to content survive rebase and GitHub's squash-merge, and nothing else.

Every repository is real: ``guardtrail approve`` signs with ``ssh-keygen``, git rebases and
squashes, and the check verifies the statement it finds in whatever message carries it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guardtrail.cli import main
from tests.gitrepo import ALICE, CLAUDE, CLAUDE_TRAILER, WORKFLOW_EDIT, Project, make_project

WORKFLOW = ".github/workflows/ci.yml"
ALICE_ID = f"{ALICE[0]} <{ALICE[1]}>"
RULE = "build-logic.github-actions"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A branch with an assistant's workflow edit, approved by Alice with ``guardtrail approve``."""
    project = make_project(tmp_path)
    repo = project.repo
    repo.write(WORKFLOW, WORKFLOW_EDIT)
    repo.commit(f"deploy job\n\n{CLAUDE_TRAILER}", author=CLAUDE)
    repo.git("config", "user.name", ALICE[0])
    repo.git("config", "user.email", ALICE[1])
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "user.signingkey", str(project.alice.private))
    assert main(["approve", "--repo", str(repo.path), "--base", "main"]) == 0
    return project


def _check(capsys: pytest.CaptureFixture[str], project: Project, base: str, head: str = "HEAD") -> tuple[int, Any]:
    capsys.readouterr()
    code = main(["check", "--repo", str(project.repo.path), "--base", base, "--head", head, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _outcome(report: dict[str, Any]) -> set[tuple[str, str, bool, str | None]]:
    return {(f["rule"], f["path"], f["blocking"], f["approved_by"]) for f in report["findings"]}


def _messages(project: Project, base: str, head: str) -> list[str]:
    shas = project.repo.git("rev-list", "--reverse", f"{base}..{head}").split()
    return [project.repo.git("log", "-1", "--format=%B", sha).strip() for sha in shas]


def github_squash_message(title: str, messages: list[str], co_authors: list[str]) -> str:
    """GitHub's default squash message for a PR of several commits: the title and number, each
    commit's message as a ``* `` item, then the other authors after a ``---------`` line."""
    body = "\n\n".join(f"* {message}" for message in messages)
    tail = "\n\n---------\n\n" + "\n".join(f"Co-authored-by: {who}" for who in co_authors) if co_authors else ""
    return f"{title} (#42)\n\n{body}{tail}\n"


def _squash(project: Project, message: str, *, author: str = CLAUDE, edit: dict[str, str] | None = None) -> str:
    """Squash-merge ``feature`` into ``main`` as GitHub does: one unsigned commit, the PR's tree."""
    repo = project.repo
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "feature")
    for path, text in (edit or {}).items():
        repo.write(path, text)
    return repo.commit(message, author=author, committer="GitHub <noreply@github.com>")


def test_the_approval_message_carries_a_signed_statement_of_the_exact_change(project: Project) -> None:
    message = project.repo.git("log", "-1", "--format=%B")
    block = message[message.index("-----BEGIN GUARDTRAIL APPROVAL-----") :].split("-----BEGIN SSH SIGNATURE-----")[0]
    lines = block.splitlines()
    policy_blob = project.repo.git("rev-parse", "main:.guardtrail.yml").strip()
    assert lines[:3] == [
        "-----BEGIN GUARDTRAIL APPROVAL-----",
        "guardtrail-approval@v1",
        f"approver {ALICE_ID}",
    ]
    assert lines[3] == f"policy {policy_blob}"
    assert lines[4].startswith("change ") and lines[4].endswith(f' "{WORKFLOW}"')
    assert len(lines) == 5
    assert message.rstrip().endswith(f"Approved-by: {ALICE_ID}")


def test_a_rebase_onto_a_moved_base_keeps_the_approval(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    repo = project.repo
    repo.git("checkout", "-q", "main")
    repo.write(WORKFLOW, "# the pipeline\non: push\njobs: {}\n")
    repo.write("README.md", "hello again\n")
    repo.commit("main moves on")
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "main")  # re-creates every commit, unsigned
    code, report = _check(capsys, project, "main")
    assert code == 0, report
    assert _outcome(report) == {(RULE, WORKFLOW, False, ALICE_ID)}
    approval = repo.head()
    assert report["notes"] == [
        f"{approval[:10]}: Approved-by ignored: not signed by an approver's key (unsigned)",
    ]
    assert [(a["kind"], a["commit"], a["paths"]) for a in report["approvals"]] == [("content", approval, [WORKFLOW])]


def test_a_github_squash_merge_keeps_the_approval_and_ignores_the_appended_co_author(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    before = project.base
    messages = _messages(project, "main", "feature")
    squash = _squash(project, github_squash_message("Deploy job", messages, [ALICE_ID]))
    code, report = _check(capsys, project, before, squash)
    assert code == 0, report
    assert report["commits"][0]["assistant"] is True
    assert _outcome(report) == {(RULE, WORKFLOW, False, ALICE_ID)}
    assert report["commits"][0]["approved_by"] == ALICE_ID


def test_a_squash_with_an_extra_line_in_the_approved_file_blocks(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = _messages(project, "main", "feature")
    edit = {WORKFLOW: WORKFLOW_EDIT + "env: {TOKEN: x}\n"}
    squash = _squash(project, github_squash_message("Deploy job", messages, [ALICE_ID]), edit=edit)
    code, report = _check(capsys, project, project.base, squash)
    assert code == 1
    assert _outcome(report) == {(RULE, WORKFLOW, True, None)}
    (finding,) = report["findings"]
    assert finding["details"][-1].startswith(f"a signed statement by {ALICE_ID} in ")
    assert finding["details"][-1].endswith("approves a different change to this path: approve again")


def test_a_squash_with_an_extra_sensitive_file_blocks_that_file(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = _messages(project, "main", "feature")
    squash = _squash(project, github_squash_message("Deploy job", messages, []), edit={"Makefile": "all:\n"})
    code, report = _check(capsys, project, project.base, squash)
    assert code == 1
    assert _outcome(report) == {(RULE, WORKFLOW, False, ALICE_ID), ("build-logic.build-files", "Makefile", True, None)}


def test_a_squash_holding_work_the_approver_co_wrote_is_not_self_approved(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = _messages(project, "main", "feature")
    messages.insert(0, f"pair work\n\nCo-authored-by: {ALICE_ID}")
    squash = _squash(project, github_squash_message("Deploy job", messages, [ALICE_ID]))
    code, report = _check(capsys, project, project.base, squash)
    assert code == 1
    assert _outcome(report) == {(RULE, WORKFLOW, True, None)}


def test_a_statement_copied_onto_other_content_clears_nothing(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    stolen = repo.git("log", "-1", "--format=%B")
    repo.git("checkout", "-q", "-b", "other", "main")
    repo.write(WORKFLOW, WORKFLOW_EDIT.replace("deploy", "exfiltrate"))
    repo.commit(f"tweak\n\n{stolen}", author=CLAUDE)
    code, report = _check(capsys, project, "main")
    assert code == 1
    assert _outcome(report) == {(RULE, WORKFLOW, True, None)}


def test_a_statement_signed_in_the_git_namespace_is_not_a_statement(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    message = repo.git("log", "-1", "--format=%B")
    commit_sig = repo.git("cat-file", "commit", "HEAD").split("gpgsig ", 1)[1].split("-----END SSH SIGNATURE-----")[0]
    start = message.index("-----BEGIN SSH SIGNATURE-----")
    end = message.index("-----END SSH SIGNATURE-----")
    forged = message[:start] + "\n".join(line.strip() for line in commit_sig.splitlines()) + message[end:]
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.commit(forged.split("\n\nApproved-by:")[0], author=CLAUDE, allow_empty=True)
    code, report = _check(capsys, project, "main")
    assert code == 1
    assert report["notes"] == [
        f"{repo.head()[:10]}: approval statement ignored: not signed by an approver's key "
        "(SSH signature does not verify (bad or tampered))"
    ]


def test_the_merge_queue_check_accepts_the_squashed_approval(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = project.repo
    messages = _messages(project, "main", "feature")
    repo.git("checkout", "-q", "-b", "gh-readonly-queue/main/pr-42", "main")
    repo.git("merge", "-q", "--squash", "feature")
    queued = repo.commit(github_squash_message("Deploy job", messages, [ALICE_ID]), author=CLAUDE)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"merge_group": {"base_sha": project.base, "head_sha": queued}}), encoding="utf-8")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "merge_group")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo.path))
    capsys.readouterr()
    assert main(["ci", "--format", "json", "--no-fetch"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{") :])
    assert [c["sha"] for c in report["commits"]] == [queued]
    assert _outcome(report) == {(RULE, WORKFLOW, False, ALICE_ID)}
