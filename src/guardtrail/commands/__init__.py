"""One module per CLI command; each exposes ``run_*(options)`` and never prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guardtrail.decide.gate import Decision


@dataclass(frozen=True)
class HookResult:
    """What a git hook command ends with: its exit code and the report it prints."""

    exit_code: int
    report: str


def commits_checked(decision: Decision) -> str:
    """What a push hook read, said even when it passes ("3 commits checked"): a pass that
    checked nothing must say so."""
    count = len(decision.commits)
    return f"{count} commit{'' if count == 1 else 's'} checked"
