"""Open the repository a ``pre-receive`` hook runs in, with the pushed objects visible.

During ``pre-receive`` git keeps the pushed objects in a quarantine directory
(``GIT_QUARANTINE_PATH``, also exported as ``GIT_OBJECT_DIRECTORY``) until the hook accepts
them. git finds them through the environment; libgit2 does not (checked with libgit2 1.9 under
a real push: neither a plain open nor ``FROM_ENV`` sees them), so the directory is added to the
object database as an alternate. The receiving repository's own files are never changed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pygit2

QUARANTINE_VARIABLES = ("GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY")


def quarantine_dirs(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The object directories git named for this hook that exist on disk, each once."""
    found = (environ.get(name, "") for name in QUARANTINE_VARIABLES)
    return tuple(dict.fromkeys(path for path in found if path and os.path.isdir(path)))


def expose_quarantine(odb: pygit2.Odb, environ: Mapping[str, str]) -> None:
    """Make the quarantined objects readable through ``odb`` (a no-op outside a hook)."""
    for path in quarantine_dirs(environ):
        odb.add_disk_alternate(path)
