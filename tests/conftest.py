"""Sealed test environment: every test gets its own HOME and a fixed git identity, and the
user's git configuration, templates and hooks never leak in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo


@pytest.fixture(autouse=True)
def sealed_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith(("GIT_", "GUARDTRAIL_", "GITHUB_", "PRE_COMMIT")) or name in {
            "CLAUDECODE",
            "CLAUDE_CODE_SESSION_ID",
            "CLAUDE_CODE_ENTRYPOINT",
            "AI_AGENT",
            "CODEX_CI",
            "CODEX_THREAD_ID",
            "CODEX_SANDBOX",
            "GEMINI_CLI",
            "CURSOR_AGENT",
            "COPILOT_CLI",
            "CLINE_ACTIVE",
            "OPENCODE",
            "AUGMENT_AGENT",
            "ANTIGRAVITY_AGENT",
            "SSH_AUTH_SOCK",
            "GNUPGHOME",
            "CI",
        }:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))  # rule tables, shared
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Human")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "human@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Human")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "human@example.com")
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n[user]\n\tname = Test Human\n\temail = human@example.com\n"
        "[commit]\n\tgpgsign = false\n[advice]\n\tdetachedHead = false\n",
        encoding="utf-8",
    )
    yield home


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """A fresh repository on branch ``main`` with one ordinary human commit."""
    return GitRepo.create(tmp_path / "repo")
