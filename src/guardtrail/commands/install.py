"""``guardtrail install`` / ``uninstall``: put the plain git hooks of ``hooks/`` into a repository.

An existing hook is never lost: it moves to ``<name>.local`` and the guardtrail hook runs it first
(stdin and arguments passed on); when ``<name>.local`` is already taken the install refuses.
``uninstall`` removes only guardtrail's hooks and moves each ``<name>.local`` back, so the folder
ends exactly as it was. The hooks folder is ``--hooks-path``, else ``core.hooksPath``, else
``.git/hooks``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import Repository

HOOK_TYPES = ("pre-commit", "commit-msg", "pre-push", "pre-receive")
DEFAULT_TYPES = ("pre-commit", "commit-msg", "pre-push")
MARKER = b"# guardtrail-hook:"
LOCAL_SUFFIX = ".local"


@dataclass(frozen=True)
class InstallOptions:
    repo: Path = Path(".")
    hooks_path: Path | None = None
    hook_types: Sequence[str] = DEFAULT_TYPES


def scripts_dir() -> Path:
    """The shipped hook scripts: inside the installed package, or ``hooks/`` of a source checkout."""
    packaged = Path(str(resources.files("guardtrail"))) / "hooks"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "hooks"


def hooks_dir(options: InstallOptions) -> Path:
    """Where git looks for this repository's hooks."""
    if options.hooks_path is not None:
        return options.hooks_path
    repo = Repository(options.repo)
    configured = repo.config("core.hooksPath")
    if configured:
        return (repo.workdir or repo.git_dir) / os.path.expanduser(configured)
    return repo.git_dir / "hooks"


def is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_bytes()[:200]
    except OSError:
        return False


def _install_one(folder: Path, name: str) -> str:
    target, local = folder / name, folder / f"{name}{LOCAL_SUFFIX}"
    note = f"installed {target}"
    if target.exists() and not is_ours(target):
        if local.exists():
            raise GuardtrailError(
                f"{target} exists and so does {local.name}: merge them by hand, then run guardtrail install again"
            )
        target.rename(local)
        note += f" (your hook moved to {local.name} and runs first)"
    target.write_bytes((scripts_dir() / name).read_bytes())
    target.chmod(0o755)
    return note


def _uninstall_one(folder: Path, name: str) -> str | None:
    target, local = folder / name, folder / f"{name}{LOCAL_SUFFIX}"
    if not target.exists():
        return None
    if not is_ours(target):
        return f"left {target}: not a guardtrail hook"
    target.unlink()
    if local.exists():
        local.rename(target)
        return f"removed guardtrail's {name}; restored your hook from {local.name}"
    return f"removed {target}"


def _types(options: InstallOptions) -> tuple[str, ...]:
    unknown = [t for t in options.hook_types if t not in HOOK_TYPES]
    if unknown:
        raise GuardtrailError(f"unknown hook type {unknown[0]!r} (expected one of: {', '.join(HOOK_TYPES)})")
    return tuple(dict.fromkeys(options.hook_types))


def run_install(options: InstallOptions) -> list[str]:
    """Install the hooks; one line per hook saying what happened."""
    folder = hooks_dir(options)
    folder.mkdir(parents=True, exist_ok=True)
    return [_install_one(folder, name) for name in _types(options)]


def run_uninstall(options: InstallOptions) -> list[str]:
    """Remove guardtrail's hooks and restore the ones they replaced."""
    folder = hooks_dir(options)
    return [note for name in _types(options) if (note := _uninstall_one(folder, name))]
