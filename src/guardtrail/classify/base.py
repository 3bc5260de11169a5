"""The one interface every analyser implements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from guardtrail.model import FileChange, Finding


class Blobs(Protocol):
    """Reads file contents by blob id (``Repository`` is one)."""

    def blob(self, blob_id: str) -> bytes: ...


@runtime_checkable
class Symlinks(Protocol):
    """Reads the symlinks of the tree a change leaves (``Repository`` and ``StagedIndex`` do)."""

    def symlinks(self, commit: str) -> Mapping[str, str]:
        """Every symlink in the tree of ``commit``: its path and the target it holds."""
        ...


class Analyser(Protocol):
    """Turns one file change into findings; pure apart from reading blobs."""

    def __call__(self, change: FileChange, blobs: Blobs) -> Iterable[Finding]: ...


class BatchAnalyser(Protocol):
    """Reads every change of a run it handles at once (one external process for all of them) and
    returns the analyser that reports each change from what it read."""

    def __call__(self, changes: Sequence[FileChange], blobs: Blobs) -> Analyser: ...
