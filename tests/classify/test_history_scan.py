"""``scan_history`` lists the history's file changes from one ``git log --raw`` and reads their
content from the object database: it must see exactly the added lines, and report exactly the
findings, that ``Repository.changes`` gives commit by commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardtrail.classify.secrets.scan import all_commits, scan_history
from guardtrail.classify.secrets.scanner import SecretScanner
from guardtrail.git.repo import Repository
from tests.gitrepo import GitRepo

GITHUB = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"
GITHUB_2 = "gho_KLzdocJ2isAjIhKtJ0RlgLKOmxgJTeKdNnFR"
NPM = "npm_rxqVqmCplppjs46LmuezqpGHoPZgPDcgaE40"
STRIPE = "sk_live_FSufrdZSlB5er8bOfZqfM2oe"
GITLAB = "glpat-WDtkwtDDb_xHKas1VOqg"
SENDGRID = "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"
K8S_SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: dExEd0RYU0JVMzdlMUZ1NQ==\n"

QUOTED_NAME = 'odd "quoted"\\name\there.txt'
"""Git C-quotes this path (quote, backslash, tab) in patch headers even with quotePath off."""


def _body(lines: int, **insert: str) -> str:
    """Numbered filler lines, with ``insert["l7"]`` placed after line 7 and so on."""
    out = []
    for n in range(1, lines + 1):
        out.append(f"value_{n} = {n * 7}\n")
        if f"l{n}" in insert:
            out.append(insert[f"l{n}"] + "\n")
    return "".join(out)


@pytest.fixture
def history(repo: GitRepo) -> GitRepo:
    """Two branches and a tag over renames, a deletion, a binary, odd paths, CRLF, a file
    without a final newline, several hunks in one file and a merge with its own change."""
    repo.write("app/config.py", _body(40, l3=f"TOKEN = '{GITHUB}'"))
    repo.write("docs/café notes.md", f"Use {NPM} for the registry.\n")
    repo.write("crlf.env", f"A=1\r\nGITLAB={GITLAB}\r\nB=2\r\n")
    repo.write("tail.txt", f"no newline {STRIPE}")
    repo.write("logo.bin", b"\x89PNG\x00\x01" + GITHUB_2.encode() + b"\n")
    repo.write(QUOTED_NAME, f"key: {SENDGRID}\n")
    repo.write("k8s/secret.yaml", K8S_SECRET)
    repo.commit("start")

    repo.git("mv", "app/config.py", "app/settings.py")
    repo.write("app/settings.py", _body(40, l3=f"TOKEN = '{GITHUB}'", l20=f"SECOND = '{GITHUB_2}'"))
    repo.git("rm", "-q", "tail.txt")
    repo.write("crlf.env", f"A=1\r\nGITLAB={GITLAB}\r\nNPM={NPM}\r\nB=2\r\n")
    repo.write("logo.bin", b"\x89PNG\x00\x02" + NPM.encode() + b"\n")
    repo.commit("rename, delete, edit")
    repo.git("tag", "-a", "v1", "-m", "release one")

    repo.git("checkout", "-q", "-b", "feature")
    repo.write("feature.py", f"# pragma: allowlist nextline secret\nKEY = '{STRIPE}'\nOTHER = '{GITLAB}'\n")
    repo.commit("feature")
    settings = _body(40, l1=f"FIRST = '{NPM}'", l3=f"TOKEN = '{GITHUB}'", l20=f"SECOND = '{GITHUB_2}'")
    repo.write("app/settings.py", settings)
    repo.commit("edit the top")

    repo.git("checkout", "-q", "main")
    repo.write("app/settings.py", _body(40, l3=f"TOKEN = '{GITHUB}'", l20=f"SECOND = '{GITHUB_2}'", l39=STRIPE))
    repo.write(QUOTED_NAME, f"key: {SENDGRID}\nmore: {GITHUB}\n")
    repo.commit("edit the bottom")
    repo.git("merge", "-q", "--no-commit", "--no-ff", "feature")
    repo.write("merged.cfg", f"resolved = {GITHUB_2}\n")  # the merge's own change
    repo.commit("merge feature")

    repo.git("checkout", "-q", "-b", "other", "v1")
    repo.write("other.ini", f"[auth]\r\nstripe = {STRIPE}")  # CRLF and no final newline
    repo.commit("unmerged work")
    repo.git("checkout", "-q", "main")
    return repo


_Read = list[tuple[str, str, list[tuple[int, str]]]]


def _read_and_diffed(opened: Repository) -> tuple[_Read, _Read]:
    """Per ordinary commit and file: the numbered lines ``history_patches`` reads, and those
    ``changes`` (libgit2's tree diff, commit by commit) gives."""
    ordinary = [sha for sha in all_commits(opened) if not opened.is_merge(sha)]
    expected: _Read = [
        (sha, change.path, [(line.number, line.text) for line in change.added])
        for sha in ordinary
        for change in opened.changes(sha)
        if change.added
    ]
    read: _Read = []
    for added in opened.history_patches(ordinary):
        texts = added.text.decode("utf-8").split("\n")
        firsts = [first for first, _ in added.hunks] + [len(texts)]
        numbers = [
            number + i for (first, number), end in zip(added.hunks, firsts[1:], strict=True) for i in range(end - first)
        ]
        read.append((added.commit, added.path, list(zip(numbers, texts, strict=True))))
    return read, expected


def test_the_history_reader_sees_the_lines_each_commit_adds_as_libgit2_diffs_them(history: GitRepo) -> None:
    read, expected = _read_and_diffed(Repository(history.path))

    assert read == expected
    assert {path for _, path, _ in read} >= {QUOTED_NAME, "docs/café notes.md", "crlf.env", "other.ini"}


def test_odd_entries_of_the_raw_log_read_as_libgit2_diffs_them(repo: GitRepo) -> None:
    """Names with a newline or a NUL-adjacent quote, a symlink, a file turned into a symlink, a
    mode change alone, an empty commit, a rename with an edit and a file emptied: each
    field of ``git log --raw -z`` lands where it belongs."""
    repo.write("line\nbreak.env", f"TOKEN={GITHUB}\n")
    repo.write("run.sh", "echo start\n")
    repo.write("notes.txt", _body(12))
    repo.commit("odd names")
    (repo.path / "link").symlink_to("notes.txt")
    repo.git("update-index", "--chmod=+x", "run.sh")
    repo.commit("a symlink and a mode change")
    repo.git("commit", "-q", "--allow-empty", "-m", "nothing")
    (repo.path / "run.sh").unlink()
    (repo.path / "run.sh").symlink_to(f"{NPM}.sh")
    repo.git("mv", "notes.txt", "moved.txt")
    repo.write("moved.txt", _body(12, l6=f"KEY = '{GITLAB}'"))
    repo.write("line\nbreak.env", "")
    repo.commit("a type change, a rename with an edit, a file emptied")

    read, expected = _read_and_diffed(Repository(repo.path))

    assert read == expected
    paths = [path for _, path, _ in read]
    assert {"line\nbreak.env", "link", "run.sh", "moved.txt"} <= set(paths)
    assert paths.count("run.sh") == 2  # added as a file, then its symlink's target


def test_history_scan_finds_what_scanning_every_commits_changes_finds(history: GitRepo) -> None:
    scanner = SecretScanner()
    opened = Repository(history.path)
    gate_view = [f for sha in all_commits(opened) for change in opened.changes(sha) for f in scanner(change, opened)]

    found = scan_history(opened, scanner=scanner)

    assert found == gate_view
    log = {sha: history.git("log", "-1", "--format=%s", sha).strip() for sha in {f.commit for f in found}}
    assert sorted((log[f.commit], f.path, f.line, f.rule, f.allowlisted) for f in found) == sorted(
        [
            ("start", "app/config.py", 4, "secret.github-token", False),
            ("start", "docs/café notes.md", 1, "secret.npm-token", False),
            ("start", "crlf.env", 2, "secret.gitlab-token", False),
            ("start", "tail.txt", 1, "secret.stripe-secret-key", False),
            ("start", "logo.bin", None, "secret.github-token", False),  # a printable run of a binary
            ("start", QUOTED_NAME, 1, "secret.sendgrid-api-key", False),
            ("start", "k8s/secret.yaml", 6, "secret.kubernetes-secret", False),
            ("rename, delete, edit", "app/settings.py", 22, "secret.github-token", False),
            ("rename, delete, edit", "crlf.env", 3, "secret.npm-token", False),
            ("rename, delete, edit", "logo.bin", None, "secret.npm-token", False),
            ("feature", "feature.py", 2, "secret.stripe-secret-key", True),
            ("feature", "feature.py", 3, "secret.gitlab-token", False),
            ("edit the top", "app/settings.py", 2, "secret.npm-token", False),
            ("edit the bottom", "app/settings.py", 42, "secret.stripe-secret-key", False),
            ("edit the bottom", QUOTED_NAME, 2, "secret.github-token", False),
            ("merge feature", "merged.cfg", 1, "secret.github-token", False),
            ("unmerged work", "other.ini", 2, "secret.stripe-secret-key", False),
        ]
    )


def test_an_empty_repository_or_an_empty_commit_list_reads_no_history(tmp_path: Path) -> None:
    empty = GitRepo.create(tmp_path / "empty", initial=False)
    one = GitRepo.create(tmp_path / "one")

    assert scan_history(Repository(empty.path)) == []
    assert list(Repository(one.path).history_patches([])) == []


def test_a_replace_ref_hides_no_commit_from_the_history_scan(repo: GitRepo) -> None:
    """``git replace`` makes git show another commit in place of one: anyone who can write
    ``.git`` can swap a commit that adds a secret for a clean twin. The scan reads the objects
    as they are, as libgit2 (the gate) does."""
    repo.write("app.py", "x = 1\n")
    repo.commit("start")
    repo.write("app.py", f"x = 1\nTOKEN = '{GITHUB}'\n")
    leaked = repo.commit("add a token")
    repo.git("checkout", "-q", "--detach", f"{leaked}~1")
    repo.write("app.py", "x = 1\ny = 2\n")
    twin = repo.commit("add a token")
    repo.git("checkout", "-q", "main")
    repo.git("replace", leaked, twin)
    assert "TOKEN" not in repo.git("log", "-p", "-1", leaked)  # git itself now shows the twin

    opened = Repository(repo.path)
    found = scan_history(opened)

    assert [(f.commit, f.rule) for f in found] == [(leaked, "secret.github-token")]
    assert [line.text for change in opened.changes(leaked) for line in change.added] == [f"TOKEN = '{GITHUB}'"]


def test_a_graft_hides_no_secret_from_the_history_scan(repo: GitRepo) -> None:
    """``.git/info/grafts`` gives a commit other parents, for git and libgit2 alike: against a
    parent that already holds the secret, the commit adds nothing. That parent is then part
    of the history, and the scan reports the secret there, as the gate's view has it."""
    repo.write("app.py", "x = 1\n")
    repo.commit("start")
    repo.write("app.py", f"x = 1\nTOKEN = '{GITHUB}'\n")
    leaked = repo.commit("add a token")
    repo.git("checkout", "-q", "--detach", f"{leaked}~1")
    repo.write("app.py", f"x = 1\nTOKEN = '{GITHUB}'\n")
    holder = repo.commit("holds the token already")
    repo.git("checkout", "-q", "main")
    (repo.path / ".git" / "info" / "grafts").write_text(f"{leaked} {holder}\n")
    assert "TOKEN" not in repo.git("log", "-p", "-1", leaked)  # git itself now shows no added line
    scanner = SecretScanner()
    opened = Repository(repo.path)

    found = scan_history(opened, scanner=scanner)

    assert [(f.commit, f.rule) for f in found] == [(holder, "secret.github-token")]
    gate_view = [f for sha in all_commits(opened) for change in opened.changes(sha) for f in scanner(change, opened)]
    assert found == gate_view


def test_an_edit_comes_with_its_patch_and_counts_its_size_toward_the_work(repo: GitRepo) -> None:
    repo.write("data.txt", _body(400))
    repo.commit("add")
    repo.write("data.txt", _body(400, l200="one more line"))
    repo.commit("edit")
    repo.git("rm", "-q", "data.txt")
    repo.commit("delete")
    opened = Repository(repo.path)
    added, edited, deleted = [c for c in opened.history_changes(all_commits(opened)) if c.path == "data.txt"]

    assert (added.status, edited.status, deleted.status) == ("A", "M", "D")
    assert added.patch is None and deleted.patch is None  # a new file is read whole, a deletion not at all
    assert edited.patch is not None and b"\n@@ -200,0 +201 @@" in edited.patch
    assert edited.patch.endswith(b"\n+one more line\n")
    assert opened.added_size(added) == len(_body(400))
    assert opened.added_size(edited) == len(edited.patch)
    assert opened.added_size(deleted) == 0


def test_an_edit_attributes_make_git_write_as_text_is_read_as_the_gate_reads_it(repo: GitRepo) -> None:
    """``diff`` set by attributes makes git, and libgit2, write the edit that makes a file
    binary as text, NUL byte and all: both readers read its lines (attributes can make a
    reader see more lines, never fewer)."""
    repo.write(".gitattributes", "*.dat diff\n")
    repo.write("blob.dat", b"header\n")
    repo.commit("a text file, diffed as text")
    repo.write("blob.dat", b"header\n" + f"TOKEN={GITHUB}\x00\n".encode())
    sha = repo.commit("an edit that makes it binary")
    assert "Binary files" not in repo.git("log", "-p", "-1", sha)  # the attribute does apply
    opened = Repository(repo.path)

    read, expected = _read_and_diffed(opened)
    assert read == expected
    assert [path for commit, path, _ in read if commit == sha] == ["blob.dat"]
    assert [f.rule for f in scan_history(opened) if f.commit == sha] == ["secret.github-token"]
