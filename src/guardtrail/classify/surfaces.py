"""Secrets in what a commit says besides its files' content: its message, the identities it
names, the paths it adds, and the messages of annotated tags.

An assistant can put a token anywhere git keeps text, and a secret blocks whoever wrote it.
Content and symlink targets (a symlink's blob is its target's text) are the file scan's; this
module scans the rest with the same scanner, so the same rules and the same redaction apply.

A finding on text that is no file gets a pseudo-path that names the surface, starting with a
colon (no path in a tree does): its ``line`` is the line of that text, 1 for the subject of a
message, None for an identity. A secret in a file's path is a finding on that file with no
line. Reports show every pseudo-path as it is; SARIF gives it a logical location.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from guardtrail.classify.secrets.scanner import SecretScanner
from guardtrail.model import AddedLine, Commit, FileChange, Finding, Person

MESSAGE = ":commit-message"
"""The commit's message; line 1 is its subject."""
AUTHOR = ":author"
COMMITTER = ":committer"
TAG_MESSAGE = ":tag-message"
"""An annotated tag's message; its finding's ``commit`` is the tag object's id."""
TAGGER = ":tagger"
REF_NAME = ":ref-name"
"""The name of a pushed branch or tag."""
SURFACES = (MESSAGE, AUTHOR, COMMITTER, TAG_MESSAGE, TAGGER, REF_NAME)
"""Every pseudo-path, in the order a commit's report lists them."""
PATH_DETAIL = "in the file's path"
NEW_PATHS = ("added", "renamed", "copied")
"""Statuses whose path the commit writes for the first time."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def scannable(text: str) -> str:
    """``text`` as the scanner can read it. A name git stores as bytes that are no UTF-8 comes
    with lone surrogates in their place (``surrogateescape``), which no UTF-8 consumer takes:
    each is read as U+FFFD, one character for one, so every offset stays."""
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)


def is_surface(path: str) -> bool:
    """Whether ``path`` is one of :data:`SURFACES` rather than a file of the tree."""
    return path.startswith(":")


class SurfaceScanner:
    """Scans the surfaces of commits, tags and refs with one run's :class:`SecretScanner`."""

    def __init__(self, scanner: SecretScanner, *, clean: Callable[[str, str], None] | None = None) -> None:
        """``clean(surface, text)`` hears of each text that holds no secret (the redaction of
        the run's report then has nothing to look for in it)."""
        self._scanner = scanner
        self._clean = clean

    def text(self, sha: str, surface: str, text: str) -> list[Finding]:
        """Findings in ``text``, the surface ``surface`` of the object ``sha``, line by line."""
        if not text:
            return []
        read = scannable(text)
        lines = [AddedLine(number, line.removesuffix("\r")) for number, line in enumerate(read.split("\n"), start=1)]
        found = self._scanner.scan_lines(sha, surface, lines)
        if not found and self._clean is not None:
            self._clean(surface, text)
        return found

    def identity(self, sha: str, surface: str, person: Person) -> list[Finding]:
        """Findings in a name and email (one line, ``Name <email>``); their line is None."""
        return [replace(finding, line=None) for finding in self.text(sha, surface, str(person))]

    def commit(self, commit: Commit) -> list[Finding]:
        """Findings in ``commit``'s message, author and committer (the committer only when it
        differs from the author: one identity, one finding)."""
        findings = self.text(commit.sha, MESSAGE, commit.message)
        findings += self.identity(commit.sha, AUTHOR, commit.author)
        if commit.committer != commit.author:
            findings += self.identity(commit.sha, COMMITTER, commit.committer)
        elif self._clean is not None and not any(finding.path == AUTHOR for finding in findings):
            self._clean(COMMITTER, str(commit.committer))  # the author's identity, read again
        return findings

    def paths(self, changes: Iterable[FileChange]) -> list[Finding]:
        """Findings in the paths ``changes`` write for the first time (added, renamed to or
        copied to), each on its file, with no line."""
        return [
            finding
            for change in changes
            if change.status in NEW_PATHS
            for finding in self.path(change.commit, change.path)
        ]

    def path(self, sha: str, path: str) -> list[Finding]:
        """Findings in ``path``, a file's path the object ``sha`` writes, on that file."""
        found = self._scanner.scan_lines(sha, path, [AddedLine(1, scannable(path))])
        if not found and self._clean is not None:
            self._clean(path, path)
        return [replace(finding, line=None, details=(PATH_DETAIL, *finding.details)) for finding in found]

    def tag(self, sha: str, tagger: Person | None, message: str) -> list[Finding]:
        """Findings in an annotated tag's message and tagger; ``sha`` is the tag object's id."""
        findings = self.text(sha, TAG_MESSAGE, message)
        if tagger is not None:
            findings += self.identity(sha, TAGGER, tagger)
        return findings

    def ref(self, sha: str, name: str) -> list[Finding]:
        """Findings in a pushed ref's name (``refs/heads/…``, ``refs/tags/…``), on ``sha``."""
        return [replace(finding, line=None) for finding in self.text(sha, REF_NAME, name)]
