"""Secrets taken out of text read from the repository, as the scanner that judged it sees them.

Findings never carry a secret's value, but the text around them may hold one: paths, messages
and trailers, author and committer identities (the surfaces module finds it there). A
:class:`Redactor` redacts each such text by one run's scanner, and the findings and commits
that carry it; ``report.redaction`` applies it to a whole decision before anything shows it.
"""

from __future__ import annotations

import functools
from dataclasses import replace

from guardtrail.classify.secrets.scanner import SecretScanner, redact_in
from guardtrail.classify.surfaces import AUTHOR, COMMITTER, MESSAGE, is_surface, scannable
from guardtrail.model import Commit, Finding, Person

_MEMO_ENTRIES = 65536
"""Texts whose redacted form is remembered: a history names each path many times."""


class Redactor:
    """Redacts text as one run's scanner sees it: each value it would report as a secret in
    the text, read as the surface ``surface`` (a file's path for a path: the detectors read
    the path exactly as the scan of that surface did), and each piece of one."""

    def __init__(self, scanner: SecretScanner) -> None:
        self._scanner = scanner
        self._memo: dict[tuple[str, str], tuple[str, ...]] = {}

    def __call__(self, text: str, surface: str = MESSAGE) -> str:
        values = self.values(text, surface)
        return redact_in(text, values) if values else text

    def clean(self, surface: str, text: str) -> None:
        """Know that ``text``, read as ``surface``, holds no secret: the surface scan found none
        there (:class:`SurfaceScanner` says so as it scans), so it is not scanned again."""
        self._remember((surface, text), ())

    def _remember(self, key: tuple[str, str], found: tuple[str, ...]) -> None:
        if len(self._memo) >= _MEMO_ENTRIES:
            self._memo.clear()
        self._memo[key] = found

    def values(self, text: str, surface: str = MESSAGE) -> tuple[str, ...]:
        """The secrets the scanner sees in ``text`` read as ``surface``, remembered."""
        if not text:
            return ()
        key = (surface, text)
        found = self._memo.get(key)
        if found is None:
            found = tuple(self._scanner.secret_values(surface, scannable(text)))
            self._remember(key, found)
        return found

    def path(self, path: str) -> str:
        """A file's path, read as its own path (as :meth:`SurfaceScanner.paths` reads it)."""
        return path if is_surface(path) else self(path, path)

    def person(self, person: Person, surface: str) -> Person:
        """``person`` with the secrets of ``Name <email>`` (as the surface scan reads it)
        redacted in the name and the email."""
        values = self.values(str(person), surface)
        if not values:
            return person
        return Person(redact_in(person.name, values), redact_in(person.email, values))

    def commit(self, commit: Commit) -> Commit:
        """``commit`` as reports may show it: message, trailers and identities redacted. The
        signature and the bytes it covers stay as they are: no report prints them, and the
        decision that needed them is made."""
        message = self(commit.message)
        author = self.person(commit.author, AUTHOR)
        committer = self.person(commit.committer, COMMITTER)
        if message == commit.message and author is commit.author and committer is commit.committer:
            return commit
        trailers = tuple((self(key), self(value)) for key, value in commit.trailers)
        return replace(commit, message=message, trailers=trailers, author=author, committer=committer)

    def finding(self, finding: Finding) -> Finding:
        """``finding`` with its path redacted, and the path's secrets wherever its message and
        details quote the path."""
        values = () if is_surface(finding.path) else self.values(finding.path, finding.path)
        if not values:
            return finding
        path = redact_in(finding.path, values)
        message, *details = (redact_in(text, values) for text in (finding.message, *finding.details))
        return replace(finding, path=path, message=message, details=tuple(details))


@functools.cache
def _default_redactor() -> Redactor:
    return Redactor(SecretScanner())


def redact_text(text: str, surface: str = MESSAGE) -> str:
    """``text`` redacted by a scanner of the shipped rules: for what a command prints outside
    a decision (an error naming a path or a ref, a hook's line about a ref)."""
    return _default_redactor()(text, surface)
