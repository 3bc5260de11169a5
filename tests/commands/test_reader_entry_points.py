"""What the one reader guarantees, seen as a user sees it at every entry point.

Each test builds a real repository (a real bare server, a real shallow clone where it matters)
and runs guardtrail as a new process, as a hook or a CI job would: a file named in bytes that
are not UTF-8, UTF-16 text, files that are not scanned (binary, over ``max_file_size``, an LFS
pointer), a range given the wrong way round and a range a shallow clone cut.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from guardtrail.errors import GuardtrailError
from guardtrail.policy import parse_policy
from tests.gitrepo import GitRepo
from tests.hooks.helpers import GITHUB_TOKEN, REPO_ROOT, git, guardtrail

LATIN1_NAME = os.fsdecode(b"caf\xe9.env")
SHOWN = "caf\\xe9.env"
"""How every report names it: the byte that is not UTF-8 escaped, the output valid UTF-8."""
RULE = "secret.github-token"
TOKEN_LINE = f"GITHUB_TOKEN={GITHUB_TOKEN}\n"
LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 12345\n"
)


def _latin1_leak(repo: GitRepo) -> str:
    (repo.path / LATIN1_NAME).write_bytes(b"# config\n" + TOKEN_LINE.encode())
    return repo.commit("add a config file")


def _utf8(data: str) -> str:
    """``data`` as it went out, checked to be valid UTF-8 (``text=True`` decoded it already:
    a lone surrogate would have been written as an encoding error instead)."""
    data.encode("utf-8")
    return data


def _json_findings(out: str) -> set[tuple[str, str, int | None]]:
    return {(f["rule"], f["path"], f["line"]) for f in json.loads(_utf8(out))["findings"]}


def _sarif_results(out: str) -> set[tuple[str, str, int]]:
    run: dict[str, Any] = json.loads(_utf8(out))["runs"][0]
    return {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    }


def _assert_found_at_line_2(fmt: str, out: str) -> None:
    """The key of :func:`_latin1_leak` is reported in ``out`` (format ``fmt``) at its line, the
    file named with its byte escaped, the output valid UTF-8 and free of the key."""
    if fmt == "json":
        assert _json_findings(out) == {(RULE, SHOWN, 2)}
    elif fmt == "sarif":
        assert _sarif_results(out) == {(RULE, SHOWN, 2)}
    else:
        assert f"{SHOWN}:2" in _utf8(out) or f"file={SHOWN},line=2" in out
    assert GITHUB_TOKEN not in out


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_check_finds_a_key_in_a_file_whose_name_is_not_utf8_in_every_format(repo: GitRepo, fmt: str) -> None:
    _latin1_leak(repo)

    done = guardtrail(repo.path, "check", "--base", "HEAD~1", "--format", fmt)

    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    _assert_found_at_line_2(fmt, done.stdout)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
@pytest.mark.parametrize("where", ["--history", "tree"])
def test_scan_finds_a_key_in_a_file_whose_name_is_not_utf8(repo: GitRepo, fmt: str, where: str) -> None:
    _latin1_leak(repo)

    done = guardtrail(repo.path, "scan", *([where] if where == "--history" else []), "--format", fmt)

    assert done.returncode == 1, done.stderr
    _assert_found_at_line_2(fmt, done.stdout)


def test_the_staged_hook_finds_a_key_in_a_file_whose_name_is_not_utf8(repo: GitRepo) -> None:
    (repo.path / LATIN1_NAME).write_bytes(TOKEN_LINE.encode())
    repo.git("add", "-A")

    done = guardtrail(repo.path, "staged")

    assert done.returncode == 1
    assert f"BLOCK secret       {SHOWN}:1  GitHub token" in _utf8(done.stderr)


def _server(tmp_path: Path, repo: GitRepo) -> Path:
    bare = tmp_path / "server.git"
    assert git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare)).returncode == 0
    git(repo.path, "remote", "add", "origin", str(bare))
    assert git(repo.path, "push", "-q", "origin", "main").returncode == 0
    return bare


def test_pre_push_and_pre_receive_find_a_key_in_a_file_whose_name_is_not_utf8(tmp_path: Path, repo: GitRepo) -> None:
    bare = _server(tmp_path, repo)
    before = repo.head()
    leak = _latin1_leak(repo)

    pushed = guardtrail(
        repo.path, "pre-push", "origin", str(bare), stdin=f"refs/heads/main {leak} refs/heads/main {before}\n"
    )
    shutil.copy(REPO_ROOT / "hooks" / "pre-receive", bare / "hooks" / "pre-receive")
    received = git(repo.path, "push", "origin", "main")

    assert pushed.returncode == 1
    assert f"{SHOWN}:2" in _utf8(pushed.stdout + pushed.stderr)
    assert received.returncode == 1
    assert f"{SHOWN}:2" in _utf8(received.stderr)
    assert git(bare, "rev-parse", "refs/heads/main").stdout.strip() == before


def test_utf16_text_is_read_as_text_by_check_staged_and_both_scans(repo: GitRepo) -> None:
    text = f"# settings\n{TOKEN_LINE}".encode("utf-16-le")
    repo.write("settings.ini", codecs.BOM_UTF16_LE + text)
    repo.git("add", "-A")

    staged = guardtrail(repo.path, "staged")
    repo.commit("settings in UTF-16")
    checked = guardtrail(repo.path, "check", "--base", "HEAD~1", "--format", "json")
    history = guardtrail(repo.path, "scan", "--history", "--format", "json")
    tree = guardtrail(repo.path, "scan", "--format", "json")

    assert staged.returncode == 1 and "settings.ini:2" in staged.stderr
    assert _json_findings(checked.stdout) == {(RULE, "settings.ini", 2)}
    assert _json_findings(history.stdout) == {(RULE, "settings.ini", 2)}
    assert _json_findings(tree.stdout) == {(RULE, "settings.ini", 2)}


SKIPPED_NOTES = [
    "not scanned (over the size limit, max_file_size in .guardtrail.yml): big.txt",
    "not scanned (binary): logo.bin",
    "not scanned (Git LFS pointer: the file itself is stored outside the repository): model.bin",
]


def _skipping_change(repo: GitRepo) -> None:
    repo.write(".guardtrail.yml", "max_file_size: 1KB\n")
    repo.commit("policy: files over 1 KB are not read")
    repo.write("big.txt", TOKEN_LINE + "x" * 2000 + "\n")
    # no token format inside: a binary's printable runs are searched for those (and would block)
    repo.write("logo.bin", b"\x89PNG\r\n\x1a\n\0\0\0password = 'tLwDwXSBU37e1Fu5'\n")
    repo.write("model.bin", LFS_POINTER)
    repo.git("add", "-A")


def test_files_not_scanned_are_named_the_same_way_in_staged_check_and_scan(repo: GitRepo) -> None:
    _skipping_change(repo)

    staged = guardtrail(repo.path, "staged")
    repo.commit("big, binary and LFS files")
    checked = guardtrail(repo.path, "check", "--base", "HEAD~1", "--format", "json")
    text = guardtrail(repo.path, "check", "--base", "HEAD~1")
    history = guardtrail(repo.path, "scan", "--history", "--format", "json")
    tree = guardtrail(repo.path, "scan", "--format", "json")

    assert staged.returncode == 0, staged.stderr
    assert [line.removeprefix("  note: ") for line in staged.stderr.splitlines() if "not scanned" in line] == (
        SKIPPED_NOTES
    )
    assert checked.returncode == 0
    assert [n for n in json.loads(checked.stdout)["notes"] if "not scanned" in n] == SKIPPED_NOTES
    assert all(f"  - {note}" in text.stdout for note in SKIPPED_NOTES)
    assert history.returncode == 0
    assert [n for n in json.loads(history.stdout)["notes"] if "not scanned" in n] == SKIPPED_NOTES
    assert tree.returncode == 0
    assert json.loads(tree.stdout)["notes"] == [
        "not read, over 1000 bytes: big.txt; scan --history reads every line commits add, up to max_file_size",
        *SKIPPED_NOTES[1:],
    ]


@pytest.mark.parametrize(
    ("value", "size"),
    [("50MB", 50_000_000), ("50 MiB", 50 * 2**20), ("512kib", 512 * 1024), ("1000000", 1_000_000)],
)
def test_max_file_size_reads_sizes_with_units(value: str, size: int) -> None:
    assert parse_policy(f"max_file_size: {value}\n", ".guardtrail.yml").max_file_size == size


@pytest.mark.parametrize("value", ["fifty", "0", "5 TB", "[1]"])
def test_a_bad_max_file_size_names_the_file_and_line(value: str) -> None:
    with pytest.raises(GuardtrailError, match=r"^\.guardtrail\.yml:2: max_file_size"):
        parse_policy(f"mode: assistant\nmax_file_size: {value}\n", ".guardtrail.yml")


def test_a_swapped_range_is_an_error_and_an_empty_one_is_not(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    repo.commit("a")

    swapped = guardtrail(repo.path, "check", "--base", "HEAD", "--head", "HEAD~1")
    empty = guardtrail(repo.path, "check", "--base", "HEAD", "--head", "HEAD", "--format", "json")

    assert swapped.returncode == 2
    assert swapped.stderr.startswith("guardtrail: error: head is an ancestor of base: did you swap them?")
    assert len(swapped.stderr.splitlines()) == 1
    assert empty.returncode == 0 and json.loads(empty.stdout)["commits"] == []


def test_a_range_a_shallow_clone_cut_is_an_error_naming_the_commit(tmp_path: Path, repo: GitRepo) -> None:
    base = repo.head()
    for n in range(3):
        repo.write("a.txt", f"{n}\n")
        repo.commit(f"commit {n}")
    repo.git("config", "uploadpack.allowAnySHA1InWant", "true")
    clone = tmp_path / "clone"
    assert git(tmp_path, "clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone)).returncode == 0
    assert git(clone, "fetch", "-q", "--depth", "1", "origin", base).returncode == 0
    boundary = git(clone, "rev-parse", "HEAD~1").stdout.strip()

    done = guardtrail(clone, "check", "--base", base)

    assert done.returncode == 2
    assert done.stderr.startswith(f"guardtrail: error: commit {boundary[:12]} of {base[:10]}..")
    assert "shallow clone's boundary" in done.stderr and "git fetch --unshallow" in done.stderr
    assert git(clone, "fetch", "-q", "--unshallow").returncode == 0
    assert guardtrail(clone, "check", "--base", base).returncode == 0


def test_ci_annotates_and_summarises_a_key_in_a_file_whose_name_is_not_utf8(tmp_path: Path, repo: GitRepo) -> None:
    base = repo.head()
    head = _latin1_leak(repo)
    events = REPO_ROOT / "tests" / "report" / "fixtures" / "github-events"
    event = tmp_path / "event.json"
    text = (events / "pull_request.json").read_text(encoding="utf-8")
    event.write_text(text.replace("__BASE__", base).replace("__HEAD__", head), encoding="utf-8")
    summary, sarif = tmp_path / "summary.md", tmp_path / "guardtrail.sarif"
    env = {
        **os.environ,
        "PATH": os.environ["PATH"],
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_WORKSPACE": str(repo.path),
    }

    done = guardtrail(repo.path, "ci", "--format", "github", "--sarif-file", str(sarif), env=env)

    assert done.returncode == 1, done.stderr
    _assert_found_at_line_2("github", done.stdout)
    assert SHOWN in summary.read_bytes().decode("utf-8")
    _assert_found_at_line_2("sarif", sarif.read_bytes().decode("utf-8"))


def test_a_passing_push_names_the_files_not_scanned_in_pre_push_and_pre_receive(tmp_path: Path, repo: GitRepo) -> None:
    _skipping_change(repo)
    bare = _server(tmp_path, repo)  # the policy's commit is on the server: the push is judged by it
    before = repo.git("rev-parse", "origin/main").strip()
    head = repo.commit("big, binary and LFS files")

    pushed = guardtrail(
        repo.path, "pre-push", "origin", str(bare), stdin=f"refs/heads/main {head} refs/heads/main {before}\n"
    )
    shutil.copy(REPO_ROOT / "hooks" / "pre-receive", bare / "hooks" / "pre-receive")
    received = git(repo.path, "push", "origin", "main")

    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert [
        line.removeprefix("guardtrail: refs/heads/main -> refs/heads/main: ")
        for line in (pushed.stdout + pushed.stderr).splitlines()
        if "not scanned" in line
    ] == (SKIPPED_NOTES)
    assert received.returncode == 0, received.stderr
    assert [
        line.removeprefix("remote:   note: ").rstrip() for line in received.stderr.splitlines() if "not scanned" in line
    ] == (SKIPPED_NOTES)
