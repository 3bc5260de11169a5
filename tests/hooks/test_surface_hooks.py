"""The hooks read every surface they see: the server hook a pushed annotated tag's message and
the pushed refs' names, pre-push the commits' subjects, commit-msg the message file, the
pre-commit hook the names of added files. Real git runs each hook; what it prints never shows
the token."""

from __future__ import annotations

from pathlib import Path

from tests.gitrepo import GitRepo, assert_hidden, make_project
from tests.hooks.helpers import GITHUB_TOKEN, git, guardtrail, pre_receive_server


def _plain_server(tmp_path: Path) -> Path:
    """A bare repository without guardtrail's hook: what the client hooks push to."""
    bare = tmp_path / "plain.git"
    assert git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare)).returncode == 0
    return bare


def test_a_pushed_annotated_tag_with_a_token_in_its_message_is_rejected(tmp_path: Path) -> None:
    repo = make_project(tmp_path).repo
    server = pre_receive_server(tmp_path)
    git(repo.path, "remote", "add", "origin", str(server))
    assert git(repo.path, "push", "-q", "origin", "main").returncode == 0
    repo.git("tag", "-a", "v1.0", "main", "-m", f"Release 1.0\n\ndeploy token {GITHUB_TOKEN}")
    tag = repo.git("rev-parse", "v1.0").strip()

    rejected = git(repo.path, "push", "origin", "v1.0")

    assert rejected.returncode == 1
    assert "remote: refs/tags/v1.0: block" in rejected.stderr
    assert f"remote: object {tag[:10]} (not a commit of the range)" in rejected.stderr
    assert "remote:   BLOCK secret       :tag-message:3  GitHub token" in rejected.stderr
    assert git(server, "rev-parse", "--verify", "-q", "refs/tags/v1.0").returncode == 1
    assert_hidden(rejected.stderr, GITHUB_TOKEN)

    repo.git("tag", "-d", "v1.0")
    repo.git("tag", "-a", "v1.0", "main", "-m", "Release 1.0")
    accepted = git(repo.path, "push", "origin", "v1.0")
    assert accepted.returncode == 0, accepted.stderr
    assert "remote: refs/tags/v1.0: pass" in accepted.stderr


def test_a_pushed_ref_named_with_a_token_is_rejected_and_its_name_redacted(tmp_path: Path) -> None:
    repo = make_project(tmp_path).repo
    server = pre_receive_server(tmp_path)
    git(repo.path, "remote", "add", "origin", str(server))
    assert git(repo.path, "push", "-q", "origin", "main").returncode == 0

    rejected = git(repo.path, "push", "origin", f"main:refs/heads/deploy-{GITHUB_TOKEN}")

    assert rejected.returncode == 1
    assert "remote: refs/heads/deploy-ghp_…: block" in rejected.stderr
    assert "remote:   BLOCK secret       :ref-name  GitHub token" in rejected.stderr
    ours = rejected.stderr.replace(f"deploy-{GITHUB_TOKEN}", "")  # git itself echoes the ref it sent
    assert_hidden(ours, GITHUB_TOKEN)


def test_pre_push_blocks_a_token_in_a_commit_subject(tmp_path: Path) -> None:
    repo = make_project(tmp_path).repo
    server = _plain_server(tmp_path)
    git(repo.path, "remote", "add", "origin", str(server))
    assert git(repo.path, "push", "-q", "origin", "main").returncode == 0
    assert guardtrail(repo.path, "install", "--hook-type", "pre-push").returncode == 0
    repo.write("notes.md", "notes\n")
    repo.commit(f"use {GITHUB_TOKEN}")

    pushed = git(repo.path, "push", "origin", "feature")

    assert pushed.returncode == 1
    assert "  BLOCK secret       :commit-message:1  GitHub token" in pushed.stderr
    assert "use ghp_…" in pushed.stderr
    assert_hidden(pushed.stderr, GITHUB_TOKEN)


def test_commit_msg_blocks_a_token_in_the_message_file(repo: GitRepo) -> None:
    assert guardtrail(repo.path, "install", "--hook-type", "commit-msg").returncode == 0
    before = repo.head()

    result = git(repo.path, "commit", "--allow-empty", "-m", f"Rotate\n\nold token was {GITHUB_TOKEN}")

    assert result.returncode == 1
    assert "  BLOCK secret       :commit-message:3  GitHub token" in result.stderr
    assert repo.head() == before
    assert_hidden(result.stderr, GITHUB_TOKEN)


def test_the_pre_commit_hook_blocks_an_added_file_named_with_a_token(repo: GitRepo) -> None:
    assert guardtrail(repo.path, "install", "--hook-type", "pre-commit").returncode == 0
    repo.write(f"keys/{GITHUB_TOKEN}.txt", "nothing secret inside\n")
    git(repo.path, "add", "-A")

    result = git(repo.path, "commit", "-m", "add keys")

    assert result.returncode == 1
    assert "  BLOCK secret       keys/ghp_….txt  GitHub token" in result.stderr
    assert_hidden(result.stderr, GITHUB_TOKEN)


def test_a_malformed_approval_quoting_a_token_is_rejected_with_the_token_hidden(repo: GitRepo) -> None:
    assert guardtrail(repo.path, "install", "--hook-type", "commit-msg").returncode == 0

    result = git(repo.path, "commit", "--allow-empty", "-m", f"Approve\n\nApproved-by: {GITHUB_TOKEN}")

    assert result.returncode == 1
    assert "  malformed trailer 'Approved-by: ghp_…': expected 'Approved-by: Name <email>'" in result.stderr
    assert_hidden(result.stderr, GITHUB_TOKEN)


def test_pre_push_blocks_an_annotated_tag_with_a_token_in_its_message(tmp_path: Path) -> None:
    repo = make_project(tmp_path).repo
    server = _plain_server(tmp_path)
    git(repo.path, "remote", "add", "origin", str(server))
    assert git(repo.path, "push", "-q", "origin", "main", "feature").returncode == 0
    assert guardtrail(repo.path, "install", "--hook-type", "pre-push").returncode == 0
    repo.git("tag", "-a", "v2", "-m", f"Release\n\nwith {GITHUB_TOKEN}")

    pushed = git(repo.path, "push", "origin", "v2")

    assert pushed.returncode == 1
    assert "  BLOCK secret       :tag-message:3  GitHub token" in pushed.stderr
    assert_hidden(pushed.stderr, GITHUB_TOKEN)
    assert git(server, "rev-parse", "--verify", "-q", "refs/tags/v2").returncode == 1
