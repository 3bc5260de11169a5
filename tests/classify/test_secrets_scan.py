"""``guardtrail scan``: secrets in the working tree and in the whole history."""

from __future__ import annotations

import pytest

from guardtrail.classify.secrets.scan import MAX_FILE_BYTES, all_commits, scan_history, scan_worktree
from guardtrail.classify.secrets.scanner import SecretScanner
from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import Repository
from guardtrail.model import Finding, Skipped
from tests.gitrepo import GitRepo

GITHUB_TOKEN = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"
NPM_TOKEN = "npm_rxqVqmCplppjs46LmuezqpGHoPZgPDcgaE40"
STRIPE_KEY = "sk_live_FSufrdZSlB5er8bOfZqfM2oe"


@pytest.fixture(scope="module")
def scanner() -> SecretScanner:
    return SecretScanner()


def _where(findings: list[Finding]) -> list[tuple[str, str, str, int | None]]:
    return sorted((f.commit, f.rule, f.path, f.line) for f in findings)


def test_worktree_scan_reads_tracked_files_as_they_are_now(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write("app/settings.py", "DEBUG = True\n")
    repo.write("deploy/.npmrc", "registry=https://registry.npmjs.org/\n")
    repo.commit("add settings")
    repo.write("app/settings.py", f"DEBUG = True\r\nTOKEN = '{GITHUB_TOKEN}'\r\n")  # edited, not committed
    repo.write("deploy/.npmrc", f"//registry.npmjs.org/:_authToken={NPM_TOKEN}\n")
    repo.write("scratch.txt", f"{STRIPE_KEY}\n")  # untracked: not part of the project

    findings = scan_worktree(repo.path, scanner=scanner).findings

    assert _where(findings) == [
        ("", "secret.github-token", "app/settings.py", 2),
        ("", "secret.npm-token", "deploy/.npmrc", 1),
    ]


def test_worktree_scan_of_given_paths_takes_files_and_folders(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write("app/a.env", f"T={GITHUB_TOKEN}\n")
    repo.write("app/sub/b.env", f"T={NPM_TOKEN}\n")
    repo.write("other/c.env", f"T={STRIPE_KEY}\n")
    repo.commit("add env files")

    given = [str(repo.path / "app"), str(repo.path / "other/c.env")]
    findings = scan_worktree(repo.path, given, scanner=scanner).findings

    assert [(f.rule, f.path, f.line) for f in findings] == [
        ("secret.github-token", "app/a.env", 1),
        ("secret.npm-token", "app/sub/b.env", 1),
        ("secret.stripe-secret-key", "other/c.env", 1),
    ]


def test_worktree_scan_reads_binaries_for_tokens_and_skips_oversized_files(
    repo: GitRepo, scanner: SecretScanner
) -> None:
    repo.write("blob.bin", b"\x00" + GITHUB_TOKEN.encode())
    repo.write("huge.txt", f"{GITHUB_TOKEN}\n" + "a" * MAX_FILE_BYTES)
    repo.commit("add data")

    scan = scan_worktree(repo.path, scanner=scanner)

    assert [(f.rule, f.path, f.line) for f in scan.findings] == [("secret.github-token", "blob.bin", None)]
    assert (scan.too_large, scan.skipped) == (["huge.txt"], (("blob.bin", Skipped.BINARY),))


def test_a_worktree_scan_in_workers_finds_what_one_process_finds(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write("blob.bin", b"\x00" + GITHUB_TOKEN.encode())
    repo.write("huge.txt", f"{GITHUB_TOKEN}\n" + "a" * MAX_FILE_BYTES)
    repo.write("model.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 12\n")
    for number in range(40):  # tasks of about a megabyte: several per worker
        repo.write(f"src/m{number:02}.py", f"# module {number}\n" + "x = 1\n" * 50_000 + f"T = '{NPM_TOKEN}'\n")
    repo.write(f"src/{GITHUB_TOKEN}.txt", f"{STRIPE_KEY}\n")
    repo.commit("add files")

    alone = scan_worktree(repo.path, scanner=SecretScanner(), workers=1)
    together = scan_worktree(repo.path, scanner=SecretScanner(), workers=2)

    assert together == alone
    assert [(f.rule, f.path, f.line) for f in together.findings] == [
        ("secret.github-token", "blob.bin", None),
        ("secret.github-token", f"src/{GITHUB_TOKEN}.txt", None),  # its name
        ("secret.stripe-secret-key", f"src/{GITHUB_TOKEN}.txt", 1),
        *(("secret.npm-token", f"src/m{number:02}.py", 50_002) for number in range(40)),
    ]
    assert (together.too_large, together.skipped) == (
        ["huge.txt"],
        (("blob.bin", Skipped.BINARY), ("model.bin", Skipped.LFS_POINTER)),
    )


def test_worktree_scan_refuses_paths_outside_the_repository(repo: GitRepo) -> None:
    with pytest.raises(GuardtrailError, match="outside the repository"):
        scan_worktree(repo.path, [str(repo.path.parent)])


def test_history_scan_finds_secrets_removed_since_and_on_every_branch(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write("config.env", f"T={GITHUB_TOKEN}\n")
    added = repo.commit("add token")
    repo.write("config.env", "T=${GITHUB_TOKEN}\n")
    repo.commit("read the token from the environment")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("pay.py", f"KEY = '{STRIPE_KEY}'\n")
    side = repo.commit("try payments")
    repo.git("checkout", "-q", "main")
    repo.write("notes.md", "no secrets here\n")
    repo.commit("notes")
    repo.git("merge", "-q", "--no-edit", "--no-ff", "side")

    findings = scan_history(Repository(repo.path), scanner=scanner)

    assert _where(findings) == sorted(
        [(added, "secret.github-token", "config.env", 1), (side, "secret.stripe-secret-key", "pay.py", 1)]
    )


def test_history_includes_tags_and_other_branches_once(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "-b", "topic")
    topic = repo.commit("topic work", allow_empty=True)
    repo.git("tag", "-a", "v1", "-m", "release")
    repo.git("checkout", "-q", "main")
    main = repo.head()

    commits = list(all_commits(Repository(repo.path)))

    assert sorted(commits) == sorted({main, topic}) and commits[0] == main


def test_history_scan_reads_patches_exactly_as_the_gate_reads_changes(repo: GitRepo, scanner: SecretScanner) -> None:
    body = "".join(f"line {n}\n" for n in range(1, 40))
    repo.write("a.py", body)
    repo.write("b.cfg", f"T={GITHUB_TOKEN}\r\nU=1\r\n")
    repo.commit("start")
    repo.git("mv", "a.py", "renamed.py")
    edited = body.replace("line 3\n", f"line 3\nK = '{STRIPE_KEY}'\n").replace("line 30\n", f"N={NPM_TOKEN}\n")
    repo.write("renamed.py", edited)
    repo.write("latin1.txt", b"caf\xe9 " + NPM_TOKEN.encode())  # not UTF-8, no final newline
    repo.commit("rename and edit")
    opened = Repository(repo.path)

    gate_view = [f for sha in all_commits(opened) for change in opened.changes(sha) for f in scanner(change, opened)]

    assert scan_history(opened, scanner=scanner) == gate_view
    assert [(f.rule, f.path, f.line) for f in gate_view] == [
        ("secret.github-token", "b.cfg", 1),
        ("secret.npm-token", "latin1.txt", 1),
        ("secret.stripe-secret-key", "renamed.py", 4),
        ("secret.npm-token", "renamed.py", 31),
    ]
