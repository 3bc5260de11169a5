"""Shared inputs for analyser tests: both sides of a change held in memory, or read from a real repository."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from pathlib import Path

from guardtrail.classify.base import Analyser
from guardtrail.git.repo import Repository
from guardtrail.model import AddedLine, FileChange, Finding
from tests.gitrepo import GitRepo

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


class MemoryBlobs:
    """Blob contents by id: the analyser's input, as a repository would serve it."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def store(self, text: str | None) -> str | None:
        if text is None:
            return None
        data = text.encode("utf-8")
        blob_id = hashlib.sha1(data).hexdigest()
        self._blobs[blob_id] = data
        return blob_id

    def blob(self, blob_id: str) -> bytes:
        return self._blobs[blob_id]


def run(analyser: Analyser, path: str, old: str | None, new: str | None) -> list[Finding]:
    """Run ``analyser`` over a change of ``path`` from ``old`` to ``new`` (None: absent)."""
    blobs = MemoryBlobs()
    old_lines, new_lines = (old or "").splitlines(), (new or "").splitlines()
    added: list[AddedLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in {"replace", "insert"}:
            added += [AddedLine(n + 1, new_lines[n]) for n in range(j1, j2)]
    status = "added" if old is None else "deleted" if new is None else "modified"
    change = FileChange(
        commit="c" * 40,
        path=path,
        old_path=None if old is None else path,
        status=status,
        old_id=blobs.store(old),
        new_id=blobs.store(new),
        added=tuple(added),
    )
    return list(analyser(change, blobs))


def run_in_repo(analyser: Analyser, repo: GitRepo, files: dict[str, str], message: str) -> list[Finding]:
    """Commit ``files`` to a real repository and run ``analyser`` over that commit's changes."""
    for path, text in files.items():
        repo.write(path, text)
    sha = repo.commit(message)
    repository = Repository(repo.path)
    return [finding for change in repository.changes(sha) for finding in analyser(change, repository)]


def triples(findings: Iterable[Finding]) -> set[tuple[str, str, int | None]]:
    """What a reviewer sees first: (rule, path, line) of every finding."""
    return {(f.rule, f.path, f.line) for f in findings}


def seen(findings: Iterable[Finding]) -> set[tuple[str, int | None, str]]:
    """(rule, line, message) of every finding: what the report says, and where."""
    return {(f.rule, f.line, f.message) for f in findings}


def by_rule(findings: Iterable[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]
