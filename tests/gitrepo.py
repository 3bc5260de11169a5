"""Build real repositories for tests: write files, make commits as anyone, sign them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

CLAUDE_TRAILER = "Co-Authored-By: Claude <noreply@anthropic.com>"


def git(cwd: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> str:
    """Run git in ``cwd`` and return its stdout; fail the test loudly on error."""
    import os

    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=full_env, input=input, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


@dataclass
class SshKey:
    """An SSH key pair made by the real ``ssh-keygen``."""

    private: Path
    public_line: str

    @classmethod
    def generate(cls, folder: Path, name: str = "key") -> SshKey:
        folder.mkdir(parents=True, exist_ok=True)
        private = folder / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(private)], check=True)
        return cls(private, private.with_suffix(".pub").read_text(encoding="utf-8").strip())


@dataclass
class GitRepo:
    path: Path

    @classmethod
    def create(cls, path: Path, *, initial: bool = True) -> GitRepo:
        path.mkdir(parents=True)
        git(path, "init", "-q", "-b", "main")
        repo = cls(path)
        if initial:
            repo.write("README.md", "hello\n")
            repo.commit("initial commit")
        return repo

    def git(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> str:
        return git(self.path, *args, env=env, input=input)

    def write(self, relpath: str, content: str | bytes) -> Path:
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def commit(
        self,
        message: str,
        *,
        author: str | None = None,
        committer: str | None = None,
        sign_with: SshKey | None = None,
        allow_empty: bool = False,
    ) -> str:
        """Stage everything and commit; ``author``/``committer`` as ``Name <email>``."""
        self.git("add", "-A")
        env: dict[str, str] = {}
        for role, who in (("AUTHOR", author), ("COMMITTER", committer)):
            if who:
                name, email = who.rsplit("<", 1)
                env[f"GIT_{role}_NAME"] = name.strip()
                env[f"GIT_{role}_EMAIL"] = email.rstrip(">").strip()
        args = ["commit", "-q", "--no-verify", "-m", message]
        if allow_empty:
            args.append("--allow-empty")
        if sign_with is not None:
            args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={sign_with.private}", *args, "-S"]
        self.git(*args, env=env)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()


def policy_text(*approvers: tuple[str, str, str], mode: str = "assistant", extra: str = "") -> str:
    """A ``.guardtrail.yml`` listing ``(name, email, key)`` approvers."""
    lines = [f"mode: {mode}", "approvers:" if approvers else "approvers: []"]
    for name, email, key in approvers:
        lines += [f"  - name: {name}", f"    email: {email}", "    keys:", f"      - {key}"]
    return "\n".join(lines) + "\n" + extra


ALICE = ("Alice Example", "alice@example.com")
ACME_RULE = """\
secrets:
  rules:
    - id: acme-api-key
      description: ACME API key
      regex: 'acme_[a-z0-9]{32}'
      keywords: [acme_]
"""
"""A policy's ``secrets:`` section with one custom rule (append ``examples:`` to it)."""


@dataclass
class Project:
    """A repository whose base commit on ``main`` has a policy naming Alice as approver."""

    repo: GitRepo
    alice: SshKey
    base: str

    def approve(
        self,
        *,
        as_: tuple[str, str] = ALICE,
        key: SshKey | None = None,
        trailer: str | None = None,
        author: str | None = None,
    ) -> str:
        """An empty approval commit, signed with ``key`` (Alice's by default)."""
        name, email = as_
        message = f"Approve\n\nApproved-by: {trailer or f'{name} <{email}>'}"
        who = author or f"{name} <{email}>"
        return self.repo.commit(message, author=who, committer=who, sign_with=key or self.alice, allow_empty=True)


def make_project(tmp_path: Path, *, mode: str = "assistant", extra_policy: str = "") -> Project:
    alice = SshKey.generate(tmp_path / "keys", "alice")
    repo = GitRepo.create(tmp_path / "repo")
    repo.write(".guardtrail.yml", policy_text((*ALICE, alice.public_line), mode=mode, extra=extra_policy))
    repo.write(".github/workflows/ci.yml", "on: push\njobs: {}\n")
    base = repo.commit("add policy and CI")
    repo.git("checkout", "-q", "-b", "feature")
    return Project(repo, alice, base)


CLAUDE = "Claude <noreply@anthropic.com>"
WORKFLOW_EDIT = "on: push\njobs: {deploy: {runs-on: ubuntu-latest, permissions: {}, steps: [{run: make}]}}\n"
"""A valid workflow zizmor finds nothing in, which changes line 2 of the one ``make_project`` commits."""


def detect_secrets_baseline(repo: Path, *files: str) -> str:
    """A ``.secrets.baseline`` written by the real ``detect-secrets scan`` over ``files``."""
    import sys

    return subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", *files], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def assert_hidden(text: str, secret: str) -> None:
    """No eight characters of ``secret`` in a row appear in ``text``: not the value, nor a piece
    of it (its first four characters may, as a redaction shows them: ``ghp_…``)."""
    shown = [secret[at : at + 8] for at in range(len(secret) - 7) if secret[at : at + 8] in text]
    assert not shown, f"the secret shows in the output: {shown[:3]}"
