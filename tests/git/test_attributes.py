"""Git attributes hide nothing from the secret scan: every reader decides "binary" by content.

An assistant can write ``.gitattributes`` (and ``.git/info/attributes``) as easily as any other
file. ``-diff``, ``binary`` or ``diff=<a driver configured binary>`` make git and libgit2 print
"Binary files differ" for a text file, so its added lines would never be scanned. Each test
builds a real repository, lets attributes claim a text file is binary, and expects the token
it adds at its exact line, in the gate, the history scan, the pre-commit hook and the server
hook; files that are binary by content (a NUL in the first 8000 bytes) stay skipped.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from guardtrail.cli import main
from guardtrail.git.index import StagedIndex
from guardtrail.git.repo import Repository
from tests.gitrepo import CLAUDE, CLAUDE_TRAILER, GitRepo, Project, make_project
from tests.hooks.helpers import GITHUB_TOKEN, REPO_ROOT, git, guardtrail

TOKEN_LINE = f"GITHUB_TOKEN={GITHUB_TOKEN}\n"
GITHUB_RULE = "secret.github-token"
BINARY_WITH_TOKEN = b"\x00\x01\x02 binary header\n" + TOKEN_LINE.encode() + b"\xff" * 64
"""Binary by git's rule (a NUL in the first 8000 bytes), with a token-looking line inside."""


def _report(capsys: pytest.CaptureFixture[str], command: str, repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main([command, "--repo", str(repo), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def _secrets(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["path"], f["line"]) for f in report["findings"] if f["category"] == "secret"]


def _check(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> tuple[int, list[tuple[str, str, int]]]:
    code, report = _report(capsys, "check", repo.path, "--base", "main")
    return code, _secrets(report)


def _history(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> tuple[int, list[tuple[str, str, str, int]]]:
    code, report = _report(capsys, "scan", repo.path, "--history")
    return code, [(f["commit"], f["rule"], f["path"], f["line"]) for f in report["findings"]]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


# ---- the gate (guardtrail check) ------------------------------------------------------------


def test_assistant_commit_adding_minus_diff_and_a_token_is_blocked_by_check(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.write(".gitattributes", "*.env -diff\n")
    repo.write("prod.env", f"APP=demo\n{TOKEN_LINE}")
    repo.commit(f"Add production settings\n\n{CLAUDE_TRAILER}", author=CLAUDE)

    code, found = _check(capsys, repo)

    assert code == 1
    assert found == [(GITHUB_RULE, "prod.env", 2)]


@pytest.mark.parametrize(
    ("attributes", "config"),
    [
        pytest.param("*.cfg binary\n", {}, id="binary-macro"),
        # a driver git and libgit2 do not know diffs as text; one the user configured binary hides
        pytest.param("*.cfg diff=somedriver\n", {"diff.somedriver.binary": "true"}, id="binary-driver"),
    ],
)
def test_assistant_commit_marking_cfg_binary_is_blocked_by_check(
    project: Project, capsys: pytest.CaptureFixture[str], attributes: str, config: dict[str, str]
) -> None:
    repo = project.repo
    for name, value in config.items():
        repo.git("config", name, value)
    repo.write(".gitattributes", attributes)
    repo.write("conf/app.cfg", f"[github]\n{TOKEN_LINE}")
    repo.commit("Add app config", author=CLAUDE)

    code, found = _check(capsys, repo)

    assert code == 1
    assert found == [(GITHUB_RULE, "conf/app.cfg", 2)]


def test_token_added_inside_an_existing_file_renamed_under_minus_diff_keeps_its_line_number(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.git("checkout", "-q", "main")
    repo.write("deploy/old settings.env", "".join(f"KEY_{n}=value-{n}\n" for n in range(1, 9)))
    repo.commit("settings")
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "main")
    repo.git("mv", "deploy/old settings.env", "deploy/new settings.env")
    lines = (repo.path / "deploy/new settings.env").read_text().splitlines(keepends=True)
    repo.write("deploy/new settings.env", "".join([*lines[:4], TOKEN_LINE, *lines[4:]]))
    repo.write(".gitattributes", "*.env -diff\n")
    renamed = repo.commit("Rename the settings", author=CLAUDE)

    code, found = _check(capsys, repo)
    scan_code, history = _history(capsys, repo)

    assert (code, found) == (1, [(GITHUB_RULE, "deploy/new settings.env", 5)])
    assert (scan_code, history) == (1, [(renamed, GITHUB_RULE, "deploy/new settings.env", 5)])
    change = next(c for c in Repository(repo.path).changes(renamed) if c.path == "deploy/new settings.env")
    assert (change.status, change.old_path, change.binary) == ("renamed", "deploy/old settings.env", False)


# ---- the history scan (guardtrail scan --history) -------------------------------------------


def test_history_scan_finds_an_earlier_token_after_a_later_commit_adds_minus_diff(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("prod.env", TOKEN_LINE)
    leaked = repo.commit("production settings")
    repo.write(".gitattributes", "*.env -diff\n")
    repo.commit("do not diff env files", author=CLAUDE)

    code, found = _history(capsys, repo)

    assert code == 1
    assert found == [(leaked, GITHUB_RULE, "prod.env", 1)]


def test_history_scan_finds_a_token_whose_own_commit_adds_binary_attributes(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".gitattributes", "*.cfg binary\n")
    repo.write("keys dir/app.cfg", f"[github]\n{TOKEN_LINE}")
    leaked = repo.commit("app config", author=CLAUDE)

    code, found = _history(capsys, repo)

    assert code == 1
    assert found == [(leaked, GITHUB_RULE, "keys dir/app.cfg", 2)]


def test_info_attributes_minus_diff_hides_nothing_from_check_or_history(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "attributes").write_text("* -diff\n", encoding="utf-8")
    repo.write("prod.env", f"APP=demo\n{TOKEN_LINE}")
    leaked = repo.commit("production settings", author=CLAUDE)

    code, found = _check(capsys, repo)
    scan_code, history = _history(capsys, repo)

    assert (code, found) == (1, [(GITHUB_RULE, "prod.env", 2)])
    assert (scan_code, history) == (1, [(leaked, GITHUB_RULE, "prod.env", 2)])


def test_a_global_attributes_file_hides_nothing_from_the_history_scan(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], sealed_env: Path
) -> None:
    attributes = sealed_env / ".config" / "git" / "attributes"  # the default core.attributesFile
    attributes.parent.mkdir(parents=True, exist_ok=True)
    attributes.write_text("*.env binary\n", encoding="utf-8")
    repo.write("prod.env", TOKEN_LINE)
    leaked = repo.commit("production settings")

    assert _history(capsys, repo) == (1, [(leaked, GITHUB_RULE, "prod.env", 1)])


# ---- the pre-commit hook (guardtrail staged) ------------------------------------------------


def _commit_with_hook(repo: GitRepo) -> tuple[int, str]:
    installed = guardtrail(repo.path, "install", "--hook-type", "pre-commit")
    assert installed.returncode == 0, installed.stderr
    git(repo.path, "add", "-A")
    result = git(repo.path, "commit", "-m", "add settings")
    return result.returncode, result.stderr


def test_staged_hook_blocks_a_token_despite_gitattributes(repo: GitRepo) -> None:
    repo.write(".gitattributes", "*.env -diff\n*.cfg binary\n")
    repo.commit("attributes")
    repo.write("app.cfg", "[app]\nname = demo\n")
    repo.commit("config")
    repo.write("prod.env", f"APP=demo\n{TOKEN_LINE}")
    repo.write("app.cfg", f"[app]\n{TOKEN_LINE}name = demo\n")
    before = repo.head()

    code, stderr = _commit_with_hook(repo)

    assert code == 1
    blocks = [line.split()[1:3] for line in stderr.splitlines() if line.startswith("  BLOCK")]
    assert blocks == [["secret", "app.cfg:2"], ["secret", "prod.env:2"]]
    assert repo.head() == before


def test_staged_hook_blocks_a_token_despite_info_attributes(repo: GitRepo) -> None:
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "attributes").write_text("* -diff\n", encoding="utf-8")
    repo.write("prod.env", TOKEN_LINE)

    code, stderr = _commit_with_hook(repo)

    assert code == 1
    assert [line.split()[1:3] for line in stderr.splitlines() if line.startswith("  BLOCK")] == [
        ["secret", "prod.env:1"]
    ]


# ---- the server hook (guardtrail pre-receive) -----------------------------------------------


def test_pre_receive_rejects_a_token_the_server_s_info_attributes_would_hide(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    server = tmp_path / "server.git"
    assert git(tmp_path, "init", "-q", "--bare", "-b", "main", str(server)).returncode == 0
    shutil.copy(REPO_ROOT / "hooks" / "pre-receive", server / "hooks" / "pre-receive")
    (server / "info").mkdir(exist_ok=True)
    (server / "info" / "attributes").write_text("*.env -diff\n", encoding="utf-8")
    repo = project.repo
    git(repo.path, "remote", "add", "origin", str(server))
    assert git(repo.path, "push", "-q", "origin", "main").returncode == 0
    repo.write("prod.env", f"APP=demo\n{TOKEN_LINE}")
    repo.commit("production settings", author=CLAUDE)

    rejected = git(repo.path, "push", "origin", "feature")

    assert rejected.returncode == 1
    assert "remote:   BLOCK secret       prod.env:2" in rejected.stderr


# ---- files binary by content are read as binaries: printable runs, token formats only ---------


def test_a_binary_file_under_minus_diff_is_searched_for_tokens_while_a_text_one_is_scanned(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.write(".gitattributes", "*.env -diff\n")
    repo.write("blob.env", BINARY_WITH_TOKEN)
    repo.write("big.env", BINARY_WITH_TOKEN * 20_000)  # about 2 MB: never read as a text diff
    repo.write("text.env", TOKEN_LINE)
    sha = repo.commit("settings", author=CLAUDE)

    code, found = _check(capsys, repo)
    scan_code, history = _history(capsys, repo)

    binaries = [(GITHUB_RULE, "blob.env", None), (GITHUB_RULE, "big.env", None)]  # their printable runs
    assert (code, sorted(found, key=str)) == (1, sorted([(GITHUB_RULE, "text.env", 1), *binaries], key=str))
    assert (scan_code, sorted(history, key=str)) == (
        1,
        sorted([(sha, *finding) for finding in [(GITHUB_RULE, "text.env", 1), *binaries]], key=str),
    )
    opened = Repository(repo.path)
    changes = {c.path: (c.binary, len(c.added)) for c in opened.changes(sha)}
    assert changes == {
        ".gitattributes": (False, 1),
        "big.env": (True, 0),
        "blob.env": (True, 0),
        "text.env": (False, 1),
    }
    assert [added.path for added in opened.history_patches([sha])] == [".gitattributes", "text.env"]


def test_a_binary_file_under_minus_diff_is_searched_for_tokens_by_the_staged_hook_and_history(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".gitattributes", "*.env -diff\n")
    repo.write("blob.env", BINARY_WITH_TOKEN)
    repo.write("text.env", TOKEN_LINE)

    code, stderr = _commit_with_hook(repo)

    assert code == 1
    assert [line.split()[1:3] for line in stderr.splitlines() if line.startswith("  BLOCK")] == [
        ["secret", "blob.env"],  # the token in the binary's printable run
        ["secret", "text.env:1"],
    ]
    git(repo.path, "rm", "-q", "--cached", "text.env")
    done = git(repo.path, "commit", "-q", "--no-verify", "-m", "binary only")
    assert done.returncode == 0, done.stderr
    code, found = _history(capsys, repo)
    assert (code, [finding[1:] for finding in found]) == (1, [(GITHUB_RULE, "blob.env", None)])


# ---- attributes change nothing: the same changes as in a clone without them -----------------

NAMES = ("plain.env", "deep dir/with space.env", "tab\there.env", "caf\u00e9.env", "this and that.env")


def _edit(repo: GitRepo, name: str, step: int) -> None:
    """Insert a CRLF-ended line into ``name``; a ``noeol`` file keeps no final line end."""
    target = repo.path / name
    lines = target.read_bytes().splitlines(keepends=True) if target.exists() else []
    lines.insert(step % (len(lines) + 1), f"step {step} of {name}\r\n".encode())
    repo.write(name, b"".join(lines).rstrip(b"\r\n") if "noeol" in name else b"".join(lines))


def _varied_history(repo: GitRepo) -> None:
    """Additions, edits, renames, a deletion and a merge with a line of its own, in awkward paths."""
    for step, name in enumerate([*NAMES, "noeol.env", *NAMES, "noeol.env"]):
        _edit(repo, name, step)
        repo.commit(f"edit {step}")
    repo.git("mv", NAMES[0], "renamed\tquoted.env")  # git quotes the new name: "b/renamed\tquoted.env"
    _edit(repo, "renamed\tquoted.env", 99)
    repo.commit("rename and edit")
    repo.git("rm", "-q", NAMES[1])
    repo.commit("delete")
    repo.git("checkout", "-q", "-b", "side")
    _edit(repo, NAMES[2], 7)
    repo.commit("side edit")
    repo.git("checkout", "-q", "main")
    _edit(repo, NAMES[3], 8)
    repo.commit("main edit")
    repo.git("merge", "-q", "--no-commit", "side")
    _edit(repo, NAMES[4], 9)  # the merge's own line
    repo.commit("merge side")


def test_under_star_minus_diff_every_reader_sees_what_it_sees_without_attributes(repo: GitRepo, tmp_path: Path) -> None:
    _varied_history(repo)
    bare = tmp_path / "clone.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo.path), str(bare))
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "attributes").write_text("* -diff\n", encoding="utf-8")
    assert "Binary files" in repo.git("log", "-p", "-1", "HEAD~1")  # the attribute does apply
    attributed, plain = Repository(repo.path), Repository(bare)
    commits = list(plain.all_commits())

    assert list(attributed.history_patches(commits)) == list(plain.history_patches(commits))
    assert [attributed.changes(sha) for sha in commits] == [plain.changes(sha) for sha in commits]
    assert len(list(plain.history_patches(commits))) == len(commits) - 2  # all but the deletion and the merge
    assert [len(change.added) for change in plain.changes(repo.head())] == [1]  # the merge's own line

    for name in NAMES[2:]:
        _edit(repo, name, 42)
    repo.git("add", "-A")
    staged = StagedIndex(repo.path, {}, repo.path)
    with_attributes = staged.changes()
    (repo.path / ".git" / "info" / "attributes").unlink()
    assert with_attributes == staged.changes()
    assert [(change.binary, len(change.added)) for change in with_attributes] == [(False, 1)] * 3


def test_a_submodule_under_star_minus_diff_is_no_blob_to_read_and_gitmodules_is_scanned(
    repo: GitRepo, tmp_path: Path
) -> None:
    library = GitRepo.create(tmp_path / "library", initial=False)
    library.write("lib.py", "VERSION = 1\n")
    library.commit("library")  # a commit the superproject's objects do not hold
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library.path), "lib")
    sha = repo.commit("add the library")
    (repo.path / ".git" / "info" / "attributes").write_text("* -diff\n", encoding="utf-8")
    opened = Repository(repo.path)

    changes = {change.path: (change.binary, len(change.added)) for change in opened.changes(sha)}

    assert changes == {".gitmodules": (False, 3), "lib": (False, 0)}  # libgit2 draws no line for it here
    # the history reads no line of it either: its entry names a commit of another repository
    assert [added.path for added in opened.history_patches([sha])] == [".gitmodules"]


# ---- no attributes at all: a binary file replaced by text -----------------------------------


def test_a_token_in_text_that_replaces_a_binary_file_is_found_by_every_reader(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """git calls a diff binary when either side is: a text file replacing a binary one would
    hide its lines, so every line of the text counts as added."""
    repo = project.repo
    repo.write("prod.env", b"\x00 placeholder\n")
    repo.commit("placeholder")
    repo.write("prod.env", f"APP=demo\n{TOKEN_LINE}")
    swapped = repo.commit(f"Fill in the settings\n\n{CLAUDE_TRAILER}", author=CLAUDE)

    assert _check(capsys, repo) == (1, [(GITHUB_RULE, "prod.env", 2)])
    assert _history(capsys, repo) == (1, [(swapped, GITHUB_RULE, "prod.env", 2)])

    repo.write("prod.env", b"\x00 placeholder again\n")
    repo.commit("placeholder again")
    repo.write("prod.env", f"{TOKEN_LINE}APP=demo\n")
    git(repo.path, "add", "-A")
    assert [(c.path, [line.number for line in c.added]) for c in StagedIndex(repo.path, {}, repo.path).changes()] == [
        ("prod.env", [1, 2])
    ]
