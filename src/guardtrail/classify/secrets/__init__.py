"""Secrets in what a commit adds: one package, a module per role.

- :mod:`.scanner`: the scanner that runs the rules and plugins over added lines;
- :mod:`.engine`: detect-secrets' plugins and filters, wrapped behind one module;
- :mod:`.scan`: the scan driver of a working tree, a history and its workers;
- :mod:`.baseline`: the secrets baseline, the known secrets it clears, read and written;
- :mod:`.redaction`: the step that takes every secret out of what reports show.

:class:`SecretScanner` is importable from the package itself; it is imported on first use, so
that importing one role (a hook's redaction of a line) does not load the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guardtrail.classify.secrets.scanner import SecretScanner

__all__ = ["SecretScanner"]


def __getattr__(name: str) -> object:
    if name == "SecretScanner":
        from guardtrail.classify.secrets.scanner import SecretScanner

        return SecretScanner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
