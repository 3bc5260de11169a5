"""``guardtrail scan``: secrets in the working tree, or in every commit of the history.

The working tree is read file by file (tracked files, or the paths given), within a size limit
and skipping binaries; history is read from the object database, commit by commit, scanning
only the lines each commit adds, so a secret is reported once, in the commit that added it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pygit2
from pygit2.enums import DiffFind, SortMode

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
    try:
        index = pygit2.Repository(str(repo_root)).index
    except pygit2.GitError as exc:
        raise GuardtrailError(f"{repo_root}: cannot read the index ({exc})") from None
    return sorted(entry.path for entry in index)


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
    raw = pygit2.Repository(str(repo.git_dir))
    if raw.head_is_unborn and not list(raw.references):
        return
    walker = raw.walk(None, SortMode.TOPOLOGICAL | SortMode.REVERSE)
    tips = {raw.head.target} if not raw.head_is_unborn else set()
    for name in raw.references:
        if name.startswith(("refs/heads/", "refs/tags/", "refs/remotes/")):
            try:
                tips.add(raw.references[name].peel(pygit2.Commit).id)
            except (pygit2.InvalidSpecError, ValueError, KeyError):
                continue  # a tag of a tree or blob, or a dangling symbolic ref
    for tip in tips:
        walker.push(tip)
    for commit in walker:
        yield str(commit.id)


_HUNK = re.compile(rb"@@ -\d+(?:,\d+)? \+(\d+)")


def added_lines(patch: bytes) -> tuple[list[int], list[str]]:
    """Line numbers and texts of the ``+`` lines of one file's patch (no context lines)."""
    numbers: list[int] = []
    raw: list[bytes] = []
    first_hunk = patch.find(b"\n@@ ")
    if first_hunk < 0:
        return numbers, []
    number = 0
    for line in patch[first_hunk + 1 :].split(b"\n"):
        kind = line[:1]
        if kind == b"+":
            numbers.append(number)
            raw.append(line[1:])
            number += 1
        elif kind == b"@" and (hunk := _HUNK.match(line)):
            number = int(hunk.group(1))
    texts = b"\n".join(raw).decode("utf-8", "replace").split("\n")
    return numbers, [text.removesuffix("\r") for text in texts]


def _scan_commit(raw: pygit2.Repository, commit: pygit2.Commit, scanner: SecretScanner) -> list[Finding]:
    """Findings in the lines one ordinary commit adds, read from its patch text in one piece."""
    if commit.parents:
        diff = commit.parents[0].tree.diff_to_tree(commit.tree, context_lines=0, interhunk_lines=0)
        diff.find_similar(DiffFind.FIND_RENAMES)
    else:
        diff = commit.tree.diff_to_tree(swap=True, context_lines=0, interhunk_lines=0)
    sha = str(commit.id)
    findings: list[Finding] = []
    for patch in diff:
        if patch is None:  # pragma: no cover - unchanged entries
            continue
        delta = patch.delta
        if delta.is_binary or delta.status_char() == "D":
            continue
        numbers, texts = added_lines(patch.data)
        if not numbers:
            continue
        path = delta.new_file.path
        content = None
        if scanner.needs_content(path, texts):
            blob = raw[delta.new_file.id]
            content = blob.data.decode("utf-8", "replace") if isinstance(blob, pygit2.Blob) else None
        findings += scanner.scan_block(sha, path, numbers, texts, content=content)
    return findings


def scan_history(repo: Repository, *, scanner: SecretScanner | None = None) -> list[Finding]:
    """Secrets in the lines every commit of the history adds, each in the commit that added it.

    Merges count only what they introduce themselves (``Repository.changes``); ordinary
    commits are read from their patch text directly, which is several times faster.
    """
    scanner = scanner or SecretScanner()
    raw = pygit2.Repository(str(repo.git_dir))
    findings: list[Finding] = []
    for sha in all_commits(repo):
        commit = raw[sha].peel(pygit2.Commit)
        if len(commit.parents) > 1:
            findings += [f for change in repo.changes(sha) for f in scanner(change, repo)]
        else:
            findings += _scan_commit(raw, commit, scanner)
    return findings
