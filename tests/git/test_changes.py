"""The one reader, proven twice: by git output captured once (golden files) and by real repositories.

``tests/git/fixtures/cases.*.bin`` hold what git wrote for the history :func:`build_cases`
makes (fixed dates, so the same ids every time): the raw log, the log of edits and the log of
merges, exactly as ``Repository`` asks for them, and the staged diff of two of its commits as
``StagedIndex`` asks for it. ``cases.expected.json`` is what
``git/changes.py`` must make of them. The same history is then built for real, and every entry
point's view of it (the check's ``Repository.changes``, the history scan, the staged index) is
held to the same records. Rewrite the fixtures with ``python -m tests.git.test_changes``
after a deliberate change of the logs' options, and review the difference.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from guardtrail.git.changes import (
    added_lines,
    as_text,
    logged_changes,
    merge_changes_of,
    nul_fields,
    parse_diff,
    patch_additions,
    patch_of,
    sections,
    wide_encoding,
)
from guardtrail.git.index import _STAGED_DIFF, STAGED, StagedIndex, parse_staged_diff
from guardtrail.git.repo import _EDIT_OPTIONS, _MERGE_OPTIONS, _RAW_OPTIONS, Repository
from guardtrail.model import DEFAULT_MAX_FILE_BYTES, AddedLine, Skipped
from tests.gitrepo import GitRepo, git

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED = ("raw", "edits", "merges", "staged-edits", "staged-types")
LATIN1 = os.fsdecode(b"caf\xe9.txt")
QUOTED = 'odd "quoted"\tname.txt'
UTF16_TEXT = "first = 1\nsecret_word = value\n"


def _commit(repo: GitRepo, message: str, n: int, *, stage: bool = True) -> str:
    stamp = f"2026-01-01T00:00:{n:02d}+00:00"
    if stage:
        repo.git("add", "-A")
    env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-m", message, env=env)
    return repo.head()


def build_cases(path: Path) -> list[str]:
    """A history with every kind of entry the reader meets, oldest commit first."""
    repo = GitRepo.create(path, initial=False)
    repo.write("README.md", "hello\n")
    repo.write("notes.txt", "".join(f"note {n}\n" for n in range(1, 13)))
    repo.write("run.sh", "echo hi\n")
    repo.write("crlf.env", b"A=1\r\nB=2\r\n")
    repo.write("nonl.txt", "last line without newline")
    repo.write("empty.txt", "")
    repo.write(QUOTED, "quoted\n")
    (repo.path / LATIN1).write_bytes(b"latin-1 name\n")
    repo.write("logo.bin", b"\x89PNG\r\n\x1a\n\0\0binary")
    repo.write("utf16.txt", codecs.BOM_UTF16_LE + UTF16_TEXT.encode("utf-16-le"))
    (repo.path / "link").symlink_to("notes.txt")
    commits = [_commit(repo, "root", 1)]

    repo.git("mv", "notes.txt", "moved.txt")
    repo.write("moved.txt", "".join(f"note {n}\n" for n in range(1, 13)).replace("note 6\n", "note six\n"))
    (repo.path / "run.sh").chmod(0o755)
    repo.write("README.copy.md", "hello\n")
    repo.write("nonl.txt", "last line without newline\nnow with one more")
    (repo.path / "empty.txt").unlink()
    repo.write("crlf.env", b"A=1\r\nB=2\r\nC=3\r\n")
    repo.write("logo.bin", b"\x89PNG\r\n\x1a\n\0\0binary, changed")
    repo.write("utf16.txt", codecs.BOM_UTF16_LE + (UTF16_TEXT + "added = 3\n").encode("utf-16-le"))
    (repo.path / LATIN1).write_bytes(b"latin-1 name\nsecond line\n")
    commits.append(_commit(repo, "renames, a mode change, a copy, edits", 2))

    (repo.path / "run.sh").unlink()
    (repo.path / "run.sh").symlink_to("moved.txt")
    (repo.path / "link").unlink()
    repo.write("link", "now a file\n")
    repo.git("add", "-A")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{commits[0]},vendor/lib")
    commits.append(_commit(repo, "type changes and a submodule", 3, stage=False))

    repo.git("rm", "-q", "--cached", "vendor/lib")
    repo.write("vendor/lib", "a file where the submodule was\n")
    repo.git("add", "vendor/lib")
    commits.append(_commit(repo, "a submodule become a file", 4, stage=False))

    repo.git("checkout", "-q", "-b", "side")
    repo.write("moved.txt", (repo.path / "moved.txt").read_text().replace("note 2\n", "note 2 side\n"))
    commits.append(_commit(repo, "side", 5))
    repo.git("checkout", "-q", "main")
    repo.write("moved.txt", (repo.path / "moved.txt").read_text().replace("note 2\n", "note 2 main\n"))
    commits.append(_commit(repo, "main", 6))
    stamp = {"GIT_AUTHOR_DATE": "2026-01-01T00:00:07+00:00", "GIT_COMMITTER_DATE": "2026-01-01T00:00:07+00:00"}
    done = git_status(repo, "merge", "-q", "--no-edit", "side")
    assert done != 0  # the conflict the merge resolves
    resolved = "".join(f"note {n}\n" for n in range(1, 13)).replace("note 6\n", "note six\n")
    repo.write("moved.txt", resolved.replace("note 2\n", "note 2 resolved\n"))
    repo.write("README.md", "hello\nan evil merge's own line\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "--no-edit", env=stamp)
    commits.append(repo.head())
    return commits


def git_status(repo: GitRepo, *args: str) -> int:
    return subprocess.run(["git", *args], cwd=repo.path, capture_output=True, check=False).returncode


def _log(repo: Path, commits: list[str], options: tuple[str, ...]) -> bytes:
    """What ``Repository`` reads from git for ``commits`` with ``options`` (its own command)."""
    return b"".join(Repository(repo)._log(commits, options, DEFAULT_MAX_FILE_BYTES))


def _staged_diff(repo: Path, sha: str) -> bytes:
    """What ``StagedIndex`` reads from git with ``sha``'s change staged on its parent."""
    git(repo, "reset", "-q", "--hard", f"{sha}^")
    git(repo, "read-tree", sha)
    done = subprocess.run(
        ["git", "-c", f"core.bigFileThreshold={DEFAULT_MAX_FILE_BYTES}", *_STAGED_DIFF],
        cwd=repo,
        capture_output=True,
        check=True,
    )
    git(repo, "reset", "-q", "--hard", "main")
    return done.stdout


def _captured(repo: Path, commits: list[str]) -> dict[str, bytes]:
    ordinary = commits[:-1]
    return {
        "raw": _log(repo, ordinary, _RAW_OPTIONS),
        "edits": _log(repo, ordinary, _EDIT_OPTIONS),
        "merges": _log(repo, commits[-1:], _MERGE_OPTIONS),
        "staged-edits": _staged_diff(repo, commits[1]),
        "staged-types": _staged_diff(repo, commits[2]),
    }


def _parsed(captured: dict[str, bytes]) -> dict[str, list[dict[str, Any]]]:
    """The records ``git/changes.py`` makes of the captured logs and staged diffs, as plain data."""
    staged = {
        name: [
            {
                "status": change.status,
                "path": _shown(change.path),
                "old_path": None if change.old_path is None else _shown(change.old_path),
                "binary": change.binary,
                "added": [list(line) for line in change.added],
            }
            for change in parse_staged_diff(captured[name])
        ]
        for name in ("staged-edits", "staged-types")
    }
    return {"logs": _parsed_logs(captured), **staged}


def _shown(path: str) -> str:
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _parsed_logs(captured: dict[str, bytes]) -> list[dict[str, Any]]:
    edits = sections([captured["edits"]])
    changes = []
    for change in logged_changes(nul_fields([captured["raw"]])):
        if change.status in ("M", "R"):
            change = change._replace(patch=patch_of(change, next(edits, None)))
        changes.append(change)
    changes += merge_changes_of(nul_fields([captured["merges"]]))
    records = []
    for change in changes:
        added = patch_additions(change.patch, change.path) if change.patch is not None else None
        records.append(
            {
                "commit": change.commit[:12],
                "status": change.status,
                "path": _shown(change.path),
                "old_path": None if change.old_path is None else _shown(change.old_path),
                "modes": [oct(change.old_mode), oct(change.new_mode)],
                "added": [] if added is None else [list(line) for line in added_lines(*added)],
            }
        )
    return records


def _fixture(name: str) -> bytes:
    return (FIXTURES / f"cases.{name}.bin").read_bytes()


def test_captured_logs_parse_into_the_golden_records() -> None:
    captured = {name: _fixture(name) for name in CAPTURED}
    expected = json.loads((FIXTURES / "cases.expected.json").read_text(encoding="utf-8"))

    assert _parsed(captured) == expected


def test_git_still_writes_the_captured_logs_for_the_same_history(tmp_path: Path) -> None:
    """The golden files are what this git writes: the fixtures stay honest."""
    commits = build_cases(tmp_path / "cases")

    assert _captured(tmp_path / "cases", commits) == {name: _fixture(name) for name in CAPTURED}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("cases") / "repo"
    return path, build_cases(path)


def _view(repo: Path, sha: str) -> dict[str, tuple[str, str | None, bool, tuple[AddedLine, ...], Skipped | None]]:
    return {
        c.path + (":" + c.status if c.status == "deleted" else ""): (c.status, c.old_path, c.binary, c.added, c.skipped)
        for c in Repository(repo).changes(sha)
    }


def test_the_gate_reads_each_kind_of_entry(cases: tuple[Path, list[str]]) -> None:
    path, commits = cases
    root, edits, types, unlinked, _side, _main, merge = (_view(path, sha) for sha in commits)

    assert root["crlf.env"] == ("added", None, False, (AddedLine(1, "A=1"), AddedLine(2, "B=2")), None)
    assert root["nonl.txt"][3] == (AddedLine(1, "last line without newline"),)
    assert root["empty.txt"] == ("added", None, False, (), None)
    assert root[QUOTED][3] == (AddedLine(1, "quoted"),)
    assert root[LATIN1][3] == (AddedLine(1, "latin-1 name"),)
    assert root["logo.bin"] == ("added", None, True, (), Skipped.BINARY)
    assert root["utf16.txt"][2:] == (False, (AddedLine(1, "first = 1"), AddedLine(2, "secret_word = value")), None)
    assert root["link"][3] == (AddedLine(1, "notes.txt"),)  # a symlink's target is its text

    assert edits["moved.txt"] == ("renamed", "notes.txt", False, (AddedLine(6, "note six"),), None)
    assert edits["run.sh"] == ("modified", "run.sh", False, (), None)  # a mode change alone
    assert edits["README.copy.md"][:1] + edits["README.copy.md"][3:4] == ("added", (AddedLine(1, "hello"),))
    assert edits["nonl.txt"][3] == (AddedLine(1, "last line without newline"), AddedLine(2, "now with one more"))
    assert edits["empty.txt:deleted"][:2] == ("deleted", "empty.txt")
    assert edits["crlf.env"][3] == (AddedLine(3, "C=3"),)
    assert edits["logo.bin"] == ("modified", "logo.bin", True, (), Skipped.BINARY)
    assert edits["utf16.txt"][3] == (AddedLine(3, "added = 3"),)
    assert edits[LATIN1][3] == (AddedLine(2, "second line"),)

    assert types["run.sh"] == ("added", None, False, (AddedLine(1, "moved.txt"),), None)  # now a symlink
    assert types["run.sh:deleted"][0] == "deleted"
    assert types["link"] == ("added", None, False, (AddedLine(1, "now a file"),), None)
    assert types["vendor/lib"] == ("added", None, False, (), None)  # a submodule adds no lines
    assert unlinked["vendor/lib"][:1] + unlinked["vendor/lib"][3:4] == (
        "added",
        (AddedLine(1, "a file where the submodule was"),),
    )

    assert merge == {
        "moved.txt": ("modified", "moved.txt", False, (AddedLine(2, "note 2 resolved"),), None),
        "README.md": ("modified", "README.md", False, (AddedLine(2, "an evil merge's own line"),), None),
    }


def test_the_history_scan_reads_the_lines_the_gate_reads(cases: tuple[Path, list[str]]) -> None:
    path, commits = cases
    opened = Repository(path)
    gate = {(c.commit, c.path): c.added for sha in commits for c in opened.changes(sha) if c.added}
    ordinary = [sha for sha in commits if not opened.is_merge(sha)]
    logged = [*opened.history_changes(ordinary), *opened.merge_changes(commits[-1:])]
    history = {
        (added.commit, added.path): added_lines(added.text, added.hunks)
        for change in logged
        if (added := opened.added_text(change)) is not None
    }

    assert history == gate


def test_the_staged_index_reads_each_commit_as_the_gate_reads_it(cases: tuple[Path, list[str]]) -> None:
    """Each ordinary commit's change staged again on its parent: the hook's view is the gate's."""
    path, commits = cases
    for sha in commits[1:4]:
        git(path, "reset", "-q", "--hard", f"{sha}^")
        git(path, "read-tree", sha)
        staged = StagedIndex(path, {}, path).changes()
        gate = [c for c in Repository(path).changes(sha)]
        assert [(c.path, c.status, c.added, c.binary, c.skipped) for c in staged] == [
            (c.path, c.status, c.added, c.binary, c.skipped) for c in gate
        ], sha
    git(path, "reset", "-q", "--hard", "main")


def test_a_staged_diff_output_parses_into_entries_with_their_patches() -> None:
    output = (
        b":100644 100644 " + b"1" * 40 + b" " + b"2" * 40 + b" M\0a.txt\0"
        b":000000 100644 " + b"0" * 40 + b" " + b"3" * 40 + b" A\0bin\0"
        b"1\t0\ta.txt\0-\t-\tbin\0\0"
        b"diff --git a/a.txt b/a.txt\nindex 1111111..2222222 100644\n--- a/a.txt\n+++ b/a.txt\n"
        b"@@ -2,0 +3 @@ x\n+new line\n"
        b"diff --git a/bin b/bin\nnew file mode 100644\nindex 0000000..3333333\n"
        b"Binary files /dev/null and b/bin differ\n"
    )

    entries = list(parse_diff(STAGED, output))

    assert [(e.path, e.status, binary) for e, binary, _ in entries] == [("a.txt", "M", False), ("bin", "A", True)]
    additions = patch_additions(entries[0][2] or b"", "a.txt")
    assert additions is not None and added_lines(*additions) == (AddedLine(3, "new line"),)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF16_LE + "key = 1\n".encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + "key = 1\n".encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + "key = 1\n".encode("utf-32-le"), "utf-32-le"),
        (codecs.BOM_UTF32_BE + "key = 1\n".encode("utf-32-be"), "utf-32-be"),
        ("key = 1\n".encode("utf-16-le"), "utf-16-le"),
        ("key = 1\n".encode("utf-16-be"), "utf-16-be"),
        ("key = 1\n".encode("utf-32-le"), "utf-32-le"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", None),
        (b"plain text\n", None),
    ],
)
def test_wide_text_is_known_by_its_mark_or_its_nul_pattern(data: bytes, encoding: str | None) -> None:
    assert wide_encoding(data) == encoding
    if encoding is not None:
        assert as_text(data) == b"key = 1\n"


def _write_fixtures() -> None:  # pragma: no cover - run by hand: python -m tests.git.test_changes
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(
            GIT_CONFIG_NOSYSTEM="1",
            HOME=tmp,
            GIT_AUTHOR_NAME="Test Human",
            GIT_AUTHOR_EMAIL="human@example.com",
            GIT_COMMITTER_NAME="Test Human",
            GIT_COMMITTER_EMAIL="human@example.com",
        )
        commits = build_cases(Path(tmp) / "cases")
        captured = _captured(Path(tmp) / "cases", commits)
    FIXTURES.mkdir(exist_ok=True)
    for name, data in captured.items():
        (FIXTURES / f"cases.{name}.bin").write_bytes(data)
    expected = json.dumps(_parsed(captured), indent=1, ensure_ascii=False)
    (FIXTURES / "cases.expected.json").write_text(expected + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    _write_fixtures()
    sys.exit(0)
