"""The range reader: each commit's symlinks come from its base's tree and each commit's own
raw entries, the same sets a walk of every commit's tree finds (adds, retargets, renames, type
changes, deletions, empty commits, merges); and the merges of a range, read in one log, are
each what the merge holds alone."""

from __future__ import annotations

import os
from pathlib import Path

from guardtrail.git.repo import Repository
from tests.gitrepo import GitRepo


def _link(repo: GitRepo, path: str, target: str) -> None:
    where = repo.path / path
    where.parent.mkdir(parents=True, exist_ok=True)
    if where.is_symlink() or where.exists():
        where.unlink()
    os.symlink(target, where)


def _history(repo: GitRepo) -> tuple[str, list[str]]:
    """A base with two symlinks, then commits that change them every way git can."""
    _link(repo, "CLAUDE.md", "AGENTS.md")
    _link(repo, "tools/ci", "../.github/workflows")
    base = repo.commit("base")
    shas = []
    _link(repo, "docs/b", "../README.md")
    shas.append(repo.commit("add a symlink"))
    _link(repo, "CLAUDE.md", "docs/AGENTS.md")
    shas.append(repo.commit("retarget one"))
    repo.git("mv", "docs/b", "docs/c")
    shas.append(repo.commit("rename one"))
    (repo.path / "tools/ci").unlink()
    repo.write("tools/ci", "now a file\n")
    repo.write("plain.txt", "a file\n")
    shas.append(repo.commit("a symlink becomes a file"))
    _link(repo, "plain.txt", ".env")
    shas.append(repo.commit("a file becomes a symlink"))
    shas.append(repo.commit("nothing", allow_empty=True))
    repo.git("checkout", "-q", "-b", "side", shas[2])
    _link(repo, "side/link", "../../outside")
    shas.append(repo.commit("a symlink on a branch"))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge the branch", "side")
    shas.append(repo.git("rev-parse", "HEAD").strip())
    (repo.path / "CLAUDE.md").unlink()
    shas.append(repo.commit("delete one"))
    return base, shas


def test_each_commit_s_symlinks_are_those_its_tree_holds(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    base, _ = _history(repo)
    opened = Repository(repo.path)
    order = opened.rev_list(base, opened.resolve("HEAD"))
    walked = {sha: dict(Repository(repo.path).symlinks(sha)) for sha in order}

    during = {sha: dict(opened.symlinks(sha)) for sha, _changes in opened.range_changes(order)}
    after = {sha: dict(opened.symlinks(sha)) for sha in order}

    assert during == walked
    assert after == walked
    assert walked[order[-1]] == {
        "docs/c": "../README.md",
        "plain.txt": ".env",
        "side/link": "../../outside",
    }


def test_a_commit_that_changes_no_symlink_shares_its_parent_s(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    _link(repo, "CLAUDE.md", "AGENTS.md")
    base = repo.commit("base")
    repo.write("a.txt", "one\n")
    first = repo.commit("a file")
    repo.write("b.txt", "two\n")
    second = repo.commit("another")
    opened = Repository(repo.path)

    read = [opened.symlinks(sha) for sha, _ in opened.range_changes(opened.rev_list(base, second))]

    assert read[0] == {"CLAUDE.md": "AGENTS.md"}
    assert read[0] is read[1]
    assert opened.symlinks(first) is opened.symlinks(second)


def test_a_range_of_merges_read_at_once_gives_each_commit_what_it_has_alone(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    base = repo.git("rev-parse", "HEAD").strip()
    for n in range(3):
        repo.git("checkout", "-q", "-b", f"side{n}")
        repo.write(f"side{n}.txt", "from the side\n")
        repo.write("shared.txt", f"side {n}\n")
        repo.commit(f"side {n}")
        repo.git("checkout", "-q", "main")
        repo.write("shared.txt", f"main {n}\n")
        repo.commit(f"main {n}")
        repo.git("merge", "-q", "--no-commit", "-X", "ours", f"side{n}")
        if n != 1:  # merge 1 introduces nothing of its own
            repo.write("shared.txt", f"resolved {n}\n")
            repo.write(f"evil{n}.txt", "only the merge has it\n")
        repo.commit(f"merge {n}")
    opened = Repository(repo.path)
    order = opened.rev_list(base, opened.resolve("HEAD"))

    at_once = dict(opened.range_changes(order))

    assert at_once == {sha: Repository(repo.path).changes(sha) for sha in order}
    merges = [sha for sha in order if opened.is_merge(sha)]
    assert [sorted((c.path, c.status) for c in at_once[sha]) for sha in merges] == [
        [("evil0.txt", "added"), ("shared.txt", "modified")],
        [],
        [("evil2.txt", "added"), ("shared.txt", "modified")],
    ]


def test_the_history_is_walked_in_the_same_order_in_every_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    repo = GitRepo.create(tmp_path / "repo")
    for n in range(6):
        repo.git("checkout", "-q", "-b", f"branch{n}", "main")
        repo.write(f"f{n}.txt", f"{n}\n")
        repo.commit(f"on branch {n}")
    script = f"from guardtrail.git.repo import Repository; print(list(Repository({str(repo.path)!r}).all_commits()))"
    orders = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(5)
    }
    assert len(orders) == 1  # string hashing differs by seed: a set of tips would walk differently
