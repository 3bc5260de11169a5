"""guardtrail approve: creates the signed approval, or refuses with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardtrail.cli import main
from tests.gitrepo import ALICE, CLAUDE, CLAUDE_TRAILER, WORKFLOW_EDIT, Project, SshKey, make_project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = make_project(tmp_path)
    project.repo.write(".github/workflows/ci.yml", WORKFLOW_EDIT)
    project.repo.commit("deploy job", author=CLAUDE)
    return project


def _configure(project: Project, key: SshKey | None, email: str = ALICE[1]) -> None:
    project.repo.git("config", "user.name", ALICE[0])
    project.repo.git("config", "user.email", email)
    if key is not None:
        project.repo.git("config", "gpg.format", "ssh")
        project.repo.git("config", "user.signingkey", str(key.private))


def test_approve_creates_a_signed_commit_that_the_gate_accepts(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure(project, project.alice)
    gated = project.repo.head()
    assert (
        main(["approve", "--repo", str(project.repo.path), "--base", "main", "--allow-secret", "0123abcd0123abcd"]) == 0
    )
    assert capsys.readouterr().out.startswith("Created signed approval commit ")
    message = project.repo.git("log", "-1", "--format=%B")
    assert message.splitlines()[0] == "Approve 1 gated commit"
    assert f"- {gated[:10]} deploy job (build-logic)" in message
    assert message.rstrip().endswith("Allow-secret: 0123abcd0123abcd\nApproved-by: Alice Example <alice@example.com>")
    assert project.repo.git("diff", "HEAD~1", "HEAD") == ""
    assert main(["check", "--repo", str(project.repo.path), "--base", "main"]) == 0


def test_approve_refuses_someone_who_is_not_an_approver(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    _configure(project, project.alice, email="mallory@example.com")
    head = project.repo.head()
    assert main(["approve", "--repo", str(project.repo.path), "--base", "main"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"guardtrail: error: mallory@example.com is not an approver in .guardtrail.yml at "
        f"{project.base[:10]}: an approver listed there must run this"
    )
    assert project.repo.head() == head


def test_approve_refuses_without_a_signing_key(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    _configure(project, None)
    project.repo.git("config", "gpg.format", "ssh")
    assert main(["approve", "--repo", str(project.repo.path), "--base", "main"]) == 2
    assert "no signing key configured: run 'git config user.signingkey" in capsys.readouterr().err


def test_approve_refuses_a_key_the_policy_does_not_list(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure(project, SshKey.generate(tmp_path / "other", "other"))
    assert main(["approve", "--repo", str(project.repo.path), "--base", "main"]) == 2
    assert "is not one of alice@example.com's keys in the base policy" in capsys.readouterr().err


def test_approve_with_nothing_to_approve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path)
    _configure(project, project.alice)
    assert main(["approve", "--repo", str(project.repo.path), "--base", "main"]) == 2
    assert "nothing in the range needs approval" in capsys.readouterr().err


def test_approval_message_leaves_out_what_the_approver_co_wrote(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure(project, project.alice)
    project.repo.write("Makefile", "all:\n")
    project.repo.commit(
        f"pair work\n\nCo-authored-by: {ALICE[0]} <{ALICE[1]}>\n{CLAUDE_TRAILER}", author="Bob <bob@example.com>"
    )
    assert main(["approve", "--repo", str(project.repo.path), "--base", "main"]) == 0
    message = project.repo.git("log", "-1", "--format=%B")
    assert message.splitlines()[0] == "Approve 1 gated commit"
    assert "pair work" not in message
    assert main(["check", "--repo", str(project.repo.path), "--base", "main"]) == 1


def test_approve_refuses_a_range_only_secrets_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path)
    project.repo.write(
        "settings.py", 'TOKEN = "ghp_R7q2Lx9TzVb4Nw8Kp3Ys6Hd1Jm5Fc0Ga2Qe7"\n'
    )  # pragma: allowlist secret
    project.repo.commit("add a token", author=CLAUDE)
    _configure(project, project.alice)
    head = project.repo.head()

    assert main(["approve", "--repo", str(project.repo.path), "--base", "main"]) == 2

    err = capsys.readouterr().err
    assert err.startswith(
        "guardtrail: error: the range is blocked only by 1 secret, which no approval clears: remove each from"
        " the commit that adds it (rewrite the branch"
    )
    assert "run approve again with --allow-secret FINGERPRINT (" in err
    assert "ghp_R7q2Lx9TzVb4Nw8Kp3Ys6Hd1Jm5Fc0Ga2Qe7" not in err  # pragma: allowlist secret
    assert project.repo.head() == head


def test_approve_refuses_when_the_gated_commits_block_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path)
    project.repo.write("docs/usage.md", "how to use it\n")
    project.repo.commit("document usage", author=CLAUDE)
    _configure(project, project.alice)

    assert main(["approve", "--repo", str(project.repo.path), "--base", "main"]) == 2

    assert capsys.readouterr().err == (
        "guardtrail: error: nothing in the range needs approval: nothing blocks; the check passes as it is\n"
    )
