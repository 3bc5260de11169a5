"""``guardtrail scan``: secrets in the working tree, or in every commit of the history.

The working tree is read file by file (tracked files, or the paths given), within a size limit
and skipping binaries; history is read from the object database, commit by commit, scanning
only the lines each commit adds, so a secret is reported once, in the commit that added it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from guardtrail.classify.secrets import SecretScanner
from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import Repository
from guardtrail.model import Finding

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Working-tree files larger than this are not read (generated data, archives)."""
_BINARY_SNIFF = 8000
"""Like git: a NUL byte in the first 8000 bytes makes a file binary."""


def tracked_paths(repo_root: Path) -> list[str]:
    """Paths in the index of the repository at ``repo_root``, repository-relative, sorted."""
    return Repository(repo_root).tracked_paths()


def _expand(repo_root: Path, paths: Sequence[str]) -> list[str]:
    """Tracked files when ``paths`` is empty; else the given files and tracked files under given folders."""
    tracked = tracked_paths(repo_root)
    if not paths:
        return tracked
    chosen: dict[str, None] = {}
    for given in paths:
        relative = Path(os.path.relpath(Path(given).resolve(), repo_root.resolve())).as_posix()
        if relative == ".." or relative.startswith("../"):
            raise GuardtrailError(f"{given}: outside the repository {repo_root}")
        if (repo_root / relative).is_dir():
            prefix = "" if relative == "." else f"{relative}/"
            chosen.update(dict.fromkeys(path for path in tracked if path.startswith(prefix)))
        else:
            chosen[relative] = None
    return list(chosen)


def read_text(path: Path) -> str | None:
    """The file's text, or None when it is missing, not a regular file, too large or binary."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:_BINARY_SNIFF]:
        return None
    return data.decode("utf-8", "replace")


def scan_worktree(repo_root: Path, paths: Sequence[str] = (), *, scanner: SecretScanner | None = None) -> list[Finding]:
    """Secrets in the working tree's tracked files, or in ``paths`` (files or folders).

    Findings have ``commit=""``: they belong to no commit yet.
    """
    scanner = scanner or SecretScanner()
    findings: list[Finding] = []
    for relative in _expand(repo_root, paths):
        text = read_text(repo_root / relative)
        if text is not None:
            findings += scanner.scan_text("", relative, text)
    return findings


def all_commits(repo: Repository) -> Iterator[str]:
    """Every commit reachable from any branch, tag or remote ref (or HEAD), oldest first."""
    return repo.all_commits()


def scan_history(repo: Repository, *, scanner: SecretScanner | None = None) -> list[Finding]:
    """Secrets in the lines every commit of the history adds, each in the commit that added it.

    Ordinary commits are read from one streaming ``git log -p`` (``Repository.history_patches``)
    and scanned a file's added text at a time; merges count only what they introduce
    themselves (``Repository.changes``). Findings come in the order of ``all_commits``.
    """
    scanner = scanner or SecretScanner()
    commits = list(repo.all_commits())
    merges = [sha for sha in commits if repo.is_merge(sha)]
    merge_set = set(merges)
    by_commit: dict[str, list[Finding]] = {}
    for added in repo.history_patches(sha for sha in commits if sha not in merge_set):

        def content(sha: str = added.commit, path: str = added.path) -> str | None:
            data = repo.file_at(sha, path)
            return None if data is None else data.decode("utf-8", "replace")

        text = added.text.decode("utf-8", "replace")
        found = scanner.scan_added(added.commit, added.path, text, added.hunks, content)
        if found:
            by_commit.setdefault(added.commit, []).extend(found)
    for sha in merges:
        by_commit[sha] = [finding for change in repo.changes(sha) for finding in scanner(change, repo)]
    return [finding for sha in commits for finding in by_commit.get(sha, ())]
