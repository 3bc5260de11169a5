"""guardtrail scan: the working tree or the whole history, with baselines and allowlist comments."""

from __future__ import annotations

import hashlib
import json
import secrets
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from guardtrail.classify.secrets.scan import MAX_FILE_BYTES
from guardtrail.cli import main
from guardtrail.commands.scan import SHALLOW_NOTE
from tests.gitrepo import GitRepo, detect_secrets_baseline

ALPHABET = string.ascii_letters + string.digits


def github_token() -> str:
    return "ghp_" + "".join(secrets.choice(ALPHABET) for _ in range(36))


def scan(capsys: pytest.CaptureFixture[str], repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["scan", "--repo", str(repo), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_a_secret_in_a_tracked_file_blocks_and_is_never_printed(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    token = github_token()
    repo.write("src/settings.py", f"DEBUG = True\nTOKEN = '{token}'\n")
    repo.git("add", "src/settings.py")
    code = main(["scan", "--repo", str(repo.path)])
    out = capsys.readouterr().out
    assert code == 1
    assert token not in out and token[4:12] not in out
    assert "  BLOCK secret       src/settings.py:2  GitHub token" in out
    code, report = scan(capsys, repo.path)
    assert [(f["path"], f["line"], f["rule"], f["blocking"]) for f in report["findings"]] == [
        ("src/settings.py", 2, "secret.github-token", True)
    ]


def test_only_the_given_paths_are_scanned(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("a.py", f"A = '{github_token()}'\n")
    repo.write("b.py", f"B = '{github_token()}'\n")
    repo.commit("two files")
    code, report = scan(capsys, repo.path, str(repo.path / "b.py"))
    assert code == 1
    assert [f["path"] for f in report["findings"]] == ["b.py"]


def test_allowlist_comment_and_baseline_clear_a_finding(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("fixtures.py", f"KNOWN = '{github_token()}'  # pragma: allowlist secret\n")
    repo.write("config.py", "password = 'Sup3r-s3cret-passw0rd!'\n")
    repo.commit("fixtures")
    code, report = scan(capsys, repo.path)
    assert code == 1
    assert [f["path"] for f in report["findings"]] == ["config.py"]
    assert report["suppressed"] == 1

    baseline = detect_secrets_baseline(repo.path, "config.py")
    repo.write(".secrets.baseline", baseline)
    code, report = scan(capsys, repo.path)
    assert (code, report["findings"], report["suppressed"]) == (0, [], 2)


def test_history_finds_a_secret_that_was_removed_later(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("deploy.sh", f"export GITHUB_TOKEN={github_token()}\n")
    leaked = repo.commit("deploy script")
    repo.git("rm", "-q", "deploy.sh")
    repo.commit("remove it")
    assert scan(capsys, repo.path)[0] == 0
    code, report = scan(capsys, repo.path, "--history")
    assert code == 1
    assert [(f["commit"], f["path"], f["line"]) for f in report["findings"]] == [(leaked, "deploy.sh", 1)]


def test_bad_scan_arguments(repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--repo", str(repo.path), "--history", "a.py"]) == 2
    assert "give either --history or PATHS, not both" in capsys.readouterr().err
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    assert main(["scan", "--repo", str(bare)]) == 2
    assert "a bare repository has no working tree: use --history" in capsys.readouterr().err
    assert main(["scan", "--repo", str(bare), "--history"]) == 0


def _baseline_project(repo: GitRepo) -> str:
    """A repository with a GitHub token, a password and an allowlisted token; the token returned."""
    token = github_token()
    repo.write("src/settings.py", f"DEBUG = True\nTOKEN = '{token}'\n")
    repo.write("config.py", "password = 'Sup3r-s3cret-passw0rd!'\n")
    repo.write("fixtures.py", f"KNOWN = '{github_token()}'  # pragma: allowlist secret\n")
    repo.commit("settings")
    return token


def test_write_baseline_lists_every_secret_and_the_next_scan_passes(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _baseline_project(repo)
    target = repo.path / ".secrets.baseline"
    code, report = scan(capsys, repo.path, "--write-baseline", str(target))
    assert code == 1  # the report is the scan's as ever: the baseline counts once it is there
    assert report["notes"] == [
        f"wrote 2 secrets in 2 files to {target}: review each, then commit it as .secrets.baseline"
        " (guardtrail reads it at the base revision)"
    ]
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written["results"] == {
        "config.py": [
            {
                "type": "Secret Keyword",
                "filename": "config.py",
                "hashed_secret": hashlib.sha1(b"Sup3r-s3cret-passw0rd!").hexdigest(),
                "is_verified": False,
                "line_number": 1,
            }
        ],
        "src/settings.py": [
            {
                "type": "GitHub token (classic personal, OAuth, app or refresh)",
                "filename": "src/settings.py",
                "hashed_secret": hashlib.sha1(token.encode()).hexdigest(),
                "is_verified": False,
                "line_number": 2,
            }
        ],
    }
    theirs = json.loads(detect_secrets_baseline(repo.path, "config.py"))
    assert (written["version"], written["plugins_used"]) == (theirs["version"], theirs["plugins_used"])
    verifying = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
    assert written["filters_used"] == [f for f in theirs["filters_used"] if f["path"] != verifying]
    assert token not in target.read_text(encoding="utf-8")

    code, report = scan(capsys, repo.path)
    assert (code, report["findings"], report["suppressed"]) == (0, [], 3)
    before = target.read_bytes()
    scan(capsys, repo.path, "--write-baseline", str(target))
    assert target.read_bytes() == before  # no timestamp: writing again changes nothing
    assert repo.git("status", "--porcelain", "--untracked-files=all") == "?? .secrets.baseline\n"
    repo.commit("baseline")  # its own hashed_secret lines are no secrets
    code, report = scan(capsys, repo.path)
    assert (code, report["findings"], report["suppressed"]) == (0, [], 3)


def test_detect_secrets_own_hook_knows_the_entries_of_its_plugins(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    _baseline_project(repo)
    scan(capsys, repo.path, "--write-baseline", str(repo.path / ".secrets.baseline"), str(repo.path / "config.py"))
    hook = subprocess.run(
        [sys.executable, "-m", "detect_secrets.pre_commit_hook", "--baseline", ".secrets.baseline", "config.py"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (hook.returncode, hook.stdout) == (0, "")


def test_write_baseline_from_history_and_to_a_folder_that_does_not_exist(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = github_token()
    repo.write("deploy.sh", f"export GITHUB_TOKEN={token}\n")
    repo.commit("deploy script")
    repo.git("rm", "-q", "deploy.sh")
    repo.commit("remove it")
    target = tmp_path / "history.baseline"
    scan(capsys, repo.path, "--history", "--write-baseline", str(target))
    (entry,) = json.loads(target.read_text(encoding="utf-8"))["results"]["deploy.sh"]
    assert (entry["hashed_secret"], entry["line_number"]) == (hashlib.sha1(token.encode()).hexdigest(), 1)

    missing = tmp_path / "no" / "such" / "folder" / "x.baseline"
    assert main(["scan", "--repo", str(repo.path), "--write-baseline", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == f"guardtrail: error: {missing}: cannot write the baseline: No such file or directory\n"


def test_a_path_that_is_not_there_is_an_error_and_a_file_too_large_to_read_is_named(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(repo.path / "nosuchfile")
    assert main(["scan", "--repo", str(repo.path), missing]) == 2
    assert capsys.readouterr().err == f"guardtrail: error: {missing}: no such file or folder in the working tree\n"

    repo.write("big.txt", f"{github_token()}\n" + "a" * MAX_FILE_BYTES)
    repo.commit("data")
    code, report = scan(capsys, repo.path, str(repo.path / "big.txt"))
    assert (code, report["findings"]) == (0, [])
    assert report["notes"] == [
        "not read, over 8 MiB: big.txt; scan --history reads every line commits add, up to max_file_size"
    ]
    code, report = scan(capsys, repo.path, "--history")
    assert (code, [f["path"] for f in report["findings"]]) == (1, ["big.txt"])


def _ed25519_private_key(folder: Path, name: str) -> str:
    """A real, fresh OpenSSH private key (unencrypted ed25519), as ssh-keygen writes it."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
    return (folder / name).read_text(encoding="utf-8")


def test_a_baselined_private_key_clears_that_key_only_not_the_next_one_in_the_file(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = (_ed25519_private_key(tmp_path, name) for name in ("k1", "k2"))
    assert first.splitlines()[:2] == second.splitlines()[:2]  # header and first body line alike
    repo.write("tests/keys.pem", first)
    repo.commit("test key")
    scan(capsys, repo.path, "--write-baseline", str(repo.path / ".secrets.baseline"))
    repo.commit("baseline")
    assert scan(capsys, repo.path)[0] == 0

    repo.write("tests/keys.pem", first + second)
    repo.commit("another key")
    code, report = scan(capsys, repo.path)
    assert code == 1
    header = len(first.splitlines()) + 1
    assert [(f["rule"], f["path"], f["line"]) for f in report["findings"]] == [
        ("secret.private-key", "tests/keys.pem", header)
    ]


def test_a_history_scan_of_a_shallow_clone_says_the_oldest_commits_were_not_read(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("deploy.sh", f"export GITHUB_TOKEN={github_token()}\n")
    repo.commit("deploy script")
    repo.git("rm", "-q", "deploy.sh")
    repo.commit("remove it")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)], check=True)

    code, report = scan(capsys, clone, "--history")

    assert (code, report["findings"]) == (0, [])  # the leak is in a commit the clone lacks
    assert report["notes"] == [SHALLOW_NOTE]
    assert scan(capsys, repo.path, "--history")[1]["notes"] == []


def test_a_history_scan_reads_stashes_and_the_backups_of_a_rewrite(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """``git log --all`` reads every ref: a stash (its staged, unstaged and untracked parts)
    and ``refs/original``, where ``git filter-branch`` keeps the history it rewrote."""
    staged, unstaged, untracked, rewritten = (github_token() for _ in range(4))
    repo.write("app.py", "x = 1\n")
    repo.commit("start")
    repo.write("app.py", f"x = 1\nSTAGED = '{staged}'\n")
    repo.git("add", "app.py")
    repo.write("app.py", f"x = 1\nSTAGED = '{staged}'\nUNSTAGED = '{unstaged}'\n")
    repo.write("notes.txt", f"token {untracked}\n")
    repo.git("stash", "push", "-q", "--include-untracked")
    repo.write("deploy.sh", f"export TOKEN={rewritten}\n")
    leaked = repo.commit("deploy")
    repo.git("update-ref", "refs/original/refs/heads/main", leaked)
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.write("deploy.sh", "export TOKEN=$DEPLOY_TOKEN\n")
    repo.commit("deploy")

    code, report = scan(capsys, repo.path, "--history")

    assert code == 1
    assert sorted((f["path"], f["line"]) for f in report["findings"]) == [
        ("app.py", 2),
        ("app.py", 3),
        ("deploy.sh", 1),
        ("notes.txt", 1),
    ]
    assert leaked in {f["commit"] for f in report["findings"]}
