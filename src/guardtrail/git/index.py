"""The change a commit is about to record: the HEAD tree against the index git is using.

``git commit -a`` and ``git commit PATH`` write a temporary index and name it in
``GIT_INDEX_FILE``; libgit2 ignores that variable, so the index is opened from it explicitly.
Reads objects only: the working tree and HEAD are never touched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pygit2
from pygit2.enums import DiffFind

from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import changes_from_diff
from guardtrail.model import FileChange, Person

STAGED = "staged"
"""The ``commit`` of every staged change and finding: the commit does not exist yet."""


def _index_path(repo: pygit2.Repository, environ: Mapping[str, str], cwd: Path) -> Path:
    named = environ.get("GIT_INDEX_FILE")
    if named:
        return cwd / named  # git names it relative to the hook's working directory, or absolute
    return Path(repo.path) / "index"


def _head_tree(repo: pygit2.Repository) -> pygit2.Tree:
    if repo.head_is_unborn:
        return repo[repo.TreeBuilder().write()].peel(pygit2.Tree)  # the empty tree: first commit
    return repo.head.peel(pygit2.Tree)


class StagedIndex:
    """The staged change of the repository at ``path``, read from the index git is using."""

    def __init__(self, path: Path, environ: Mapping[str, str], cwd: Path) -> None:
        found = pygit2.discover_repository(str(path))
        if found is None:
            raise GuardtrailError(f"{path}: not a git repository (run inside a repository or pass --repo DIR)")
        self._repo = pygit2.Repository(found)
        self._index = pygit2.Index(str(_index_path(self._repo, environ, cwd)))

    def changes(self) -> list[FileChange]:
        """Every staged file with the lines the index adds over HEAD."""
        diff = _head_tree(self._repo).diff_to_index(self._index, context_lines=0, interhunk_lines=0)
        diff.find_similar(DiffFind.FIND_RENAMES)
        return list(changes_from_diff(STAGED, diff))

    def file_at_head(self, path: str) -> bytes | None:
        """The committed content of ``path`` at HEAD, or None (no such file, or no commit yet)."""
        if self._repo.head_is_unborn:
            return None
        try:
            entry = self._repo.head.peel(pygit2.Tree)[path]
        except KeyError:
            return None
        blob = self._repo[entry.id]
        return bytes(blob.data) if isinstance(blob, pygit2.Blob) else None

    def identity(self, role: str, environ: Mapping[str, str]) -> Person:
        """Who git will record as ``role`` (``AUTHOR`` or ``COMMITTER``): environment, then config."""
        name = environ.get(f"GIT_{role}_NAME") or self._config("user.name")
        email = environ.get(f"GIT_{role}_EMAIL") or self._config("user.email")
        return Person(name, email)

    def _config(self, name: str) -> str:
        try:
            return str(self._repo.config[name])
        except KeyError:
            return ""

    def blob(self, blob_id: str) -> bytes:
        data = self._repo[blob_id]
        if not isinstance(data, pygit2.Blob):  # pragma: no cover - ids come from the diff
            raise GuardtrailError(f"{blob_id}: not a file object")
        return bytes(data.data)


def staged_index(path: Path, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> StagedIndex:
    """Open the staged change as git sees it from this process's environment."""
    return StagedIndex(path, os.environ if environ is None else environ, cwd or Path.cwd())


def unpushed_base(path: Path, local: str, remote: str) -> str | None:
    """The newest commit of ``local``'s history already on ``remote`` (a remote-tracking ref
    reaches it), as ``git rev-list LOCAL --not --remotes=REMOTE`` draws the line; None when the
    whole history is new to the remote."""
    found = pygit2.discover_repository(str(path))
    if found is None:
        raise GuardtrailError(f"{path}: not a git repository")
    repo = pygit2.Repository(found)
    walker = repo.walk(repo.revparse_single(local).peel(pygit2.Commit).id)
    prefix = f"refs/remotes/{remote}/"
    for name in repo.references:
        if name.startswith(prefix):
            target = repo.references[name].resolve().target
            walker.hide(target)
    unpushed = {commit.id: commit for commit in walker}
    boundary = [p for c in unpushed.values() for p in c.parent_ids if p not in unpushed]
    return str(boundary[0]) if boundary else None
