"""Symlinks: a path is sensitive when a tool reaching it through a symlink sees a sensitive one.

Tools follow symlinks: ``CLAUDE.md -> AGENTS.md`` makes every edit of ``AGENTS.md`` an edit
of what Claude Code reads, and ``.claude -> tools/agent`` makes ``tools/agent/settings.json``
its settings file, whatever the path rules say of the real paths. So, for the tree a commit
leaves (symlinks are blobs of mode 120000 whose content is the target):

- a symlink counts in the category of what it points to (``docs/notes.md -> ../.github/workflows/ci.yml``
  is build logic), and a symlink out of the repository (``/etc``, ``~/.ssh`` through
  ``../..``) is ``build-logic.symlink-outside-repo``, with the category of the outside path
  too where the rules name it (``.ssh/``);
- an edit of a file that a sensitive symlink points to, or that lies below a folder one
  points to, counts in the category of the path the symlink gives it.

Targets resolve as the kernel resolves them: relative to the symlink's folder, ``..`` and
``.`` taken in turn, through symlinked folders and chains, at most :data:`MAX_HOPS` deep (a
loop resolves to nothing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from guardtrail.classify.paths import PathClassifier
from guardtrail.model import Category, FileChange, Finding, Severity
from guardtrail.rules import Rule

MAX_HOPS = 40
"""Symlinks followed in one resolution, as Linux allows (``MAXSYMLINKS``)."""

OUTSIDE_RULE = Rule(
    id="build-logic.symlink-outside-repo",
    description="a symlink out of the repository lets the tools that follow it read or write outside the checkout",
    category=Category.BUILD_LOGIC,
)
_ABSOLUTE = re.compile(r"^(?:/|\\|[A-Za-z]:[\\/])")
_FOLDER_PROBE = "/\0"
"""Appended to a folder's path to ask whether the rules name what lies below it: no rule
names a file called NUL, so only the folder's globs (``.claude/**``) match it."""


class Target(NamedTuple):
    """Where a symlink leads: a path in the tree, or a place outside it."""

    path: str | None
    """The repository-relative path it resolves to, when inside the tree."""
    outside: str | None = None
    """The target as written, when it leads out of the repository."""


def resolve(link: str, links: Mapping[str, str]) -> Target:
    """Where the symlink at ``link`` leads, following ``links`` (path → target) on the way."""
    resolved = link.split("/")[:-1]
    pending = _parts(links[link])
    if pending is None:
        return Target(None, links[link])
    hops = 1
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not resolved:
                return Target(None, links[link])
            resolved.pop()
            continue
        resolved.append(part)
        inner = links.get("/".join(resolved))
        if inner is None:
            continue
        hops += 1
        more = _parts(inner)
        if hops > MAX_HOPS:
            return Target(None)
        if more is None:
            return Target(None, inner)
        resolved.pop()
        pending = more + pending
    return Target("/".join(resolved))


def _parts(target: str) -> list[str] | None:
    """A relative target's components; None for an absolute one."""
    return None if _ABSOLUTE.match(target) else target.replace("\\", "/").split("/")


class _Link(NamedTuple):
    path: str
    target: str
    """As written in the symlink."""
    leads_to: Target


class SymlinkView:
    """The symlinks of one commit's tree, judged by the path rules of ``paths``."""

    def __init__(self, links: Mapping[str, str], paths: PathClassifier) -> None:
        self.links = links
        """The symlinks judged, as given: a reader that shares one mapping between commits may share the view."""
        self._paths = paths
        self._links = {path: _Link(path, target, resolve(path, links)) for path, target in links.items()}
        self._aliases = [
            link
            for link in self._links.values()
            if link.leads_to.path is not None and (paths.match(link.path) or paths.match(link.path + _FOLDER_PROBE))
        ]

    def __call__(self, change: FileChange) -> Iterator[Finding]:
        """Findings for ``change`` beyond what its own path says: as a symlink, or as a symlink's target."""
        own = {rule.category for path in change.paths for rule in self._paths.match(path)}
        link = self._links.get(change.path) if change.status != "deleted" else None
        found = self._as_symlink(link) if link is not None else self._through_symlinks(change.path)
        for rule, message in found:
            if rule.category not in own:
                own.add(rule.category)
                yield _finding(change, rule, message)

    def _as_symlink(self, link: _Link) -> Iterator[tuple[Rule, str]]:
        if link.leads_to.outside is not None:
            yield OUTSIDE_RULE, f"the symlink leads to {link.target}: {OUTSIDE_RULE.description}"
            outside = link.leads_to.outside.lstrip("/\\")
            for rule in self._paths.match(outside):
                yield rule, f"the symlink leads out of the repository to {link.target}: {rule.description}"
        elif link.leads_to.path is not None:
            target = link.leads_to.path
            for rule in (*self._paths.match(target), *self._paths.match(target + _FOLDER_PROBE)):
                yield rule, f"the symlink leads to {target}: {rule.description}"

    def _through_symlinks(self, path: str) -> Iterator[tuple[Rule, str]]:
        for link in self._aliases:
            target = link.leads_to.path
            assert target is not None
            if path != target and not path.startswith(target + "/"):
                continue
            alias = link.path + path[len(target) :]
            for rule in self._paths.match(alias):
                yield rule, f"it is {alias} through the symlink {link.path} → {link.target}: {rule.description}"


def _finding(change: FileChange, rule: Rule, message: str) -> Finding:
    assert rule.category is not None
    verb = "adds" if change.status == "added" else "edits"
    return Finding(
        commit=change.commit,
        path=change.path,
        line=change.added[0].number if change.added else None,
        category=rule.category,
        rule=rule.id,
        message=f"{verb} {change.path}: {message}",
        severity=Severity.WARNING,
    )
