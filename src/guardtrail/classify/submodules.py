"""Submodules: a gitlink pins a commit of another repository, as a lockfile pins a package.

Adding, removing, moving or bumping one (an entry of mode 160000, whose id is the pinned
commit) changes what code a checkout fetches and builds, so each is ``dependency.submodule``,
saying which commit it was and which it is. ``.gitmodules`` says where each submodule is
fetched from: a new or changed ``url`` is ``dependency.submodule-url``. Called for every change,
so it imports none of the content analysers' parsers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from guardtrail.classify.base import Blobs
from guardtrail.model import Category, FileChange, Finding, Severity

GITLINK_MODE = 0o160000
_SECTION = re.compile(r'^\s*\[\s*submodule\s+"((?:[^"\\]|\\.)*)"\s*\]')
_URL = re.compile(r"^\s*url\s*=\s*(.*?)\s*$", re.IGNORECASE)


def analyse_submodules(change: FileChange, blobs: Blobs) -> Iterator[Finding]:
    """A gitlink's change, or the new fetch URLs of a ``.gitmodules`` edit."""
    message = gitlink_change(change)
    if message is not None:
        yield _finding(change, "dependency.submodule", message, None)
    elif change.path.rsplit("/", 1)[-1] == ".gitmodules" and change.new_id is not None and not change.binary:
        before = submodule_urls(_text(blobs, change.old_id))
        for name, (url, line) in submodule_urls(_text(blobs, change.new_id)).items():
            old = before.get(name)
            if old is None:
                yield _finding(change, "dependency.submodule-url", f'submodule "{name}" is fetched from {url}', line)
            elif old[0] != url:
                text = f'submodule "{name}" is now fetched from {url} (was {old[0]})'
                yield _finding(change, "dependency.submodule-url", text, line, Severity.ERROR)


def _text(blobs: Blobs, blob_id: str | None) -> str:
    return "" if blob_id is None else blobs.blob(blob_id).decode("utf-8", "replace")


def _finding(
    change: FileChange, rule: str, message: str, line: int | None, severity: Severity = Severity.WARNING
) -> Finding:
    return Finding(change.commit, change.path, line, Category.DEPENDENCY, rule, message, severity)


def gitlink_change(change: FileChange) -> str | None:
    """What ``change`` does to a submodule (old → new commit), or None when it touches none."""
    old = change.old_mode == GITLINK_MODE and change.old_id is not None
    new = change.new_mode == GITLINK_MODE and change.new_id is not None
    before, after = (change.old_id or "")[:12], (change.new_id or "")[:12]
    if old and new and change.old_path not in (None, change.path):
        moved = f"moves submodule {change.old_path} → {change.path}"
        return moved if before == after else f"{moved}, commit {before} → {after}"
    if old and new:
        return f"bumps submodule {change.path}: commit {before} → {after}"
    if new:
        return f"adds submodule {change.path} at commit {after}" + (" in place of a file" if change.old_id else "")
    if old and change.new_id is not None:
        return f"replaces submodule {change.path} (at commit {before}) with a file"
    if old:
        return f"removes submodule {change.path} (was at commit {before})"
    return None


def submodule_urls(text: str) -> dict[str, tuple[str, int]]:
    """Each submodule's ``url`` in a ``.gitmodules`` text, with its line (the last one wins, as in git)."""
    urls: dict[str, tuple[str, int]] = {}
    name = None
    for number, line in enumerate(text.splitlines(), start=1):
        if section := _SECTION.match(line):
            name = section.group(1)
        elif line.lstrip().startswith("["):
            name = None
        elif name is not None and (url := _URL.match(line)):
            urls[name] = (url.group(1).strip('"'), number)
    return urls
