"""The staged change read through the git command line is the change the gate reads once it is committed.

``StagedIndex`` parses ``git diff --cached``; ``Repository.changes`` parses ``git log`` of the
commit; both go through ``git/changes.py``. Each test stages a real change, reads it, commits it
as it is and compares the file changes with what the gate reads of that commit.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path

import pytest

from guardtrail.errors import GuardtrailError
from guardtrail.git.index import STAGED, StagedIndex
from guardtrail.git.repo import Repository
from guardtrail.model import AddedLine, FileChange, Person
from tests.gitrepo import GitRepo

TEN_LINES = "".join(f"line {n}\n" for n in range(1, 11))
LATIN1_NAME = os.fsdecode(b"caf\xe9.txt")  # not UTF-8: decoded as libgit2 decoded it


def _committed_changes(repo: GitRepo, index_file: Path | None = None) -> list[FileChange]:
    """What the gate reads of the staged change once committed as it is (the commit's id
    replaced by the staged marker), intent-to-add entries aside: git commits none of them."""
    env = {"GIT_INDEX_FILE": str(index_file)} if index_file else None
    tree = repo.git("write-tree", env=env).strip()
    parents = ["-p", repo.head()] if (repo.path / ".git" / "refs" / "heads" / "main").exists() else []
    sha = repo.git("commit-tree", tree, *parents, "-m", "staged", env=env).strip()
    changes = Repository(repo.path).changes(sha)
    return [dataclasses.replace(change, commit=STAGED) for change in changes]


def _staged(repo: GitRepo, **environ: str) -> StagedIndex:
    return StagedIndex(repo.path, environ, repo.path)


def _by_path(changes: list[FileChange]) -> dict[str, FileChange]:
    return {change.path: change for change in changes}


@pytest.fixture
def mixed(repo: GitRepo) -> GitRepo:
    """A staged change with every kind of entry a commit can hold."""
    repo.write("docs/guide.md", TEN_LINES)
    repo.write("zeta.py", "".join(f"VALUE_{n} = {n}\n" for n in range(10)))
    repo.write("assets/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    repo.write("assets/icon.bin", b"\0\1\2\3" * 64)
    repo.write("obsolete.txt", "old\n")
    repo.write("tools/run.sh", "echo hi\n")
    repo.write("link-me.txt", "was a file\n")
    repo.commit("files")
    repo.git("mv", "docs/guide.md", "docs/manual.md")
    repo.write("docs/manual.md", TEN_LINES.replace("line 4\n", "line four\n") + "appendix\n")
    repo.git("mv", "zeta.py", "alpha.py")  # the old path sorts after the new one
    (repo.path / "assets/moved").mkdir()
    repo.git("mv", "assets/icon.bin", "assets/moved/icon.bin")  # a binary file, renamed unchanged
    repo.git("rm", "-q", "obsolete.txt")
    repo.write("assets/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR changed")
    repo.write("naïve/ünïcode.py", "NAME = 'é'\n")
    repo.write("no-newline.txt", "first\nlast without newline")
    repo.write("windows.bat", b"@echo off\r\nset X=1\r\n")
    repo.write("line\nbreak.txt", "a name with a newline\n")
    (repo.path / LATIN1_NAME).write_bytes(b"latin-1 name\n")
    repo.write("empty.txt", "")
    (repo.path / "tools/run.sh").chmod(0o755)  # a mode change only
    (repo.path / "link-me.txt").unlink()
    (repo.path / "link-me.txt").symlink_to("docs/manual.md")  # a file became a symlink
    repo.git("add", "-A")
    repo.write("later.txt", "intent to add\n")
    repo.git("add", "-N", "later.txt")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{repo.head()},vendor/lib")  # a submodule
    return repo


def test_a_mixed_staged_change_reads_as_the_gate_reads_its_commit(mixed: GitRepo) -> None:
    changes = _staged(mixed).changes()

    assert [change for change in changes if change.path != "later.txt"] == _committed_changes(mixed)
    assert _by_path(changes)["later.txt"].added == ()
    by_path = _by_path(changes)
    assert by_path["docs/manual.md"].old_path == "docs/guide.md"
    assert by_path["docs/manual.md"].added == (AddedLine(4, "line four"), AddedLine(11, "appendix"))
    assert (by_path["alpha.py"].status, by_path["alpha.py"].added) == ("renamed", ())
    assert by_path["assets/moved/icon.bin"].binary
    assert by_path["assets/logo.png"].binary and not by_path["assets/logo.png"].added
    assert by_path["obsolete.txt"].status == "deleted"
    assert by_path["naïve/ünïcode.py"].added == (AddedLine(1, "NAME = 'é'"),)
    assert by_path["no-newline.txt"].added[-1] == AddedLine(2, "last without newline")
    assert by_path["windows.bat"].added == (AddedLine(1, "@echo off"), AddedLine(2, "set X=1"))
    assert by_path["line\nbreak.txt"].added == (AddedLine(1, "a name with a newline"),)
    assert by_path[LATIN1_NAME].status == "added"
    assert [c.status for c in changes if c.path == "link-me.txt"] == ["added", "deleted"]


def test_the_first_commit_is_read_against_the_empty_tree(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "new", initial=False)
    repo.write("README.md", "hello\n")
    repo.write("bin/data", b"\0binary")
    repo.git("add", "-A")
    index = _staged(repo)

    assert index.changes() == _committed_changes(repo)
    assert [(c.path, c.status) for c in index.changes()] == [("README.md", "added"), ("bin/data", "added")]
    assert index.file_at_head(".guardtrail.yml") is None


def test_a_temporary_index_named_relative_to_the_hook_is_the_one_read(repo: GitRepo) -> None:
    temporary = repo.path / ".git" / "index.guardtrail-test"
    shutil.copyfile(repo.path / ".git" / "index", temporary)  # as git commit -a starts its own
    repo.write("staged.txt", "in the real index\n")
    repo.git("add", "staged.txt")
    repo.write("only-in-temporary.txt", "commit -a would take this\n")
    repo.git("add", "only-in-temporary.txt", env={"GIT_INDEX_FILE": str(temporary)})

    changes = StagedIndex(repo.path, {"GIT_INDEX_FILE": ".git/index.guardtrail-test"}, repo.path).changes()

    assert changes == _committed_changes(repo, temporary)
    assert [c.path for c in changes] == ["only-in-temporary.txt"]
    assert [c.path for c in _staged(repo).changes()] == ["staged.txt"]


def test_nothing_staged_is_no_change(repo: GitRepo) -> None:
    assert _staged(repo).changes() == []


def test_files_at_head_and_blobs_come_from_the_object_database(repo: GitRepo) -> None:
    repo.write(".guardtrail.yml", "mode: assistant\n")
    repo.write("config/app.yml", "a: 1\n")
    repo.commit("policy")
    repo.write(".guardtrail.yml", "mode: all\n")  # in the working tree only
    index = _staged(repo)

    assert index.file_at_head(".guardtrail.yml") == b"mode: assistant\n"
    assert index.file_at_head("config") is None  # a directory
    assert index.file_at_head("missing.txt") is None
    blob_id = repo.git("rev-parse", "HEAD:config/app.yml").strip()
    assert index.blob(blob_id) == b"a: 1\n"


def test_identity_is_the_environment_then_the_repository_config(repo: GitRepo) -> None:
    repo.git("config", "user.name", "Repo Person")
    repo.git("config", "user.email", "repo@example.com")
    index = _staged(repo)

    assert index.identity("AUTHOR", {"GIT_AUTHOR_NAME": "Env Author"}) == Person("Env Author", "repo@example.com")
    assert index.identity("COMMITTER", {}) == Person("Repo Person", "repo@example.com")


@pytest.mark.parametrize("folder", ["plain", "missing"])
def test_outside_a_repository_the_first_read_is_a_one_line_error(tmp_path: Path, folder: str) -> None:
    (tmp_path / "plain").mkdir()
    index = StagedIndex(tmp_path / folder, {}, tmp_path)

    with pytest.raises(GuardtrailError, match=f"^{re.escape(str(tmp_path / folder))}: not a git repository"):
        index.file_at_head(".guardtrail.yml")


def test_a_replace_ref_for_head_changes_nothing_the_hook_reads(repo: GitRepo) -> None:
    """Replacing HEAD with a twin whose tree already holds the staged lines would empty
    ``git diff --cached``; the hook compares with HEAD's own tree, as libgit2 does."""
    head = repo.head()
    repo.write("app.py", "TOKEN = 'staged'\n")
    repo.git("add", "app.py")
    twin = repo.git("commit-tree", repo.git("write-tree").strip(), "-p", head, "-m", "twin").strip()
    repo.git("replace", head, twin)
    assert repo.git("diff", "--cached", "--name-only") == ""  # git itself now sees nothing staged

    changes = _staged(repo).changes()

    assert changes == _committed_changes(repo)
    assert [(c.path, [line.text for line in c.added]) for c in changes] == [("app.py", ["TOKEN = 'staged'"])]
