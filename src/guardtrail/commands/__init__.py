"""One module per CLI command; each exposes ``run_*(options)`` and never prints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HookResult:
    """What a git hook command ends with: its exit code and the report it prints."""

    exit_code: int
    report: str
