"""Path rules: which changed files are sensitive, by category."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from guardtrail.classify.base import Blobs
from guardtrail.model import Category, FileChange, Finding, Severity
from guardtrail.rules import Rule

_VERBS = {
    "added": "adds",
    "modified": "edits",
    "deleted": "deletes",
    "renamed": "renames",
    "copied": "copies",
    "typechange": "changes the type of",
}


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    spec: GlobSet


_GLOB_TOKEN = re.compile(r"\*\*/|/\*\*$|\*\*|\*|\?|\[[^\]/]*\]|[^*?\[]+|\[")


def _glob_regex(glob: str) -> str:
    """One gitignore-style glob as a regex over a repository-relative file path.

    As in ``.gitignore``: a glob without an inner ``/`` matches at any depth, a leading ``/``
    anchors it at the root, ``**`` spans folders, ``*`` and ``?`` stay within one, and a glob
    that names a folder matches every file below it.
    """
    pattern = glob.strip()
    folder_only = pattern.endswith("/")
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/") if anchored else pattern.rstrip("/")
    parts = []
    for token in _GLOB_TOKEN.findall(pattern):
        if token == "**/":
            parts.append("(?:.*/)?")
        elif token == "/**":
            parts.append("/.*")
        elif token == "**":
            parts.append(".*")
        elif token == "*":
            parts.append("[^/]*")
        elif token == "?":
            parts.append("[^/]")
        elif token.startswith("[") and len(token) > 2:
            body = token[1:-1]
            parts.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("[", "\\[") + "]")
        else:
            parts.append(re.escape(token))
    prefix = "" if anchored else "(?:.*/)?"
    suffix = "/.*" if folder_only else "(?:/.*)?"
    return f"{prefix}{''.join(parts)}{suffix}"


class GlobSet:
    """Gitignore-style globs (the syntax of every path list in rules and policy), compiled.

    Written here rather than taken from pathspec: its import pulls in asyncio and ssl, a third
    of the pre-commit hook's time budget, for what is a 25-line translation. Plain names
    (``Makefile``, ``CODEOWNERS``: most globs) are looked up in a set, not compiled: a glob
    without ``/`` matches any path component, so the hook pays no regex compile for them.
    """

    def __init__(self, globs: Sequence[str]) -> None:
        self._names = frozenset(g.strip() for g in globs if not _WILDCARD.search(g.strip()))
        patterns = [_glob_regex(g) for g in globs if _WILDCARD.search(g.strip())]
        # DOTALL: a file name may hold a newline, and must not slip past a rule because of it
        self._regex = re.compile("|".join(f"(?:{p})" for p in patterns), re.DOTALL) if patterns else None

    def matches(self, path: str) -> bool:
        if self._names and not self._names.isdisjoint(path.split("/")):
            return True
        return self._regex is not None and self._regex.fullmatch(path) is not None


_WILDCARD = re.compile(r"[*?\[/]")


def literal_glob(path: str) -> str:
    """A glob matching the repository-relative file ``path`` and nothing else: anchored at the
    root, its wildcard characters matched as themselves."""
    return "/" + re.sub(r"[*?\[]", lambda match: f"[{match.group(0)}]", path.strip("/"))


def compile_globs(globs: Sequence[str]) -> GlobSet:
    return GlobSet(globs)


class PathClassifier:
    """Gives each changed path the categories its rules match (rename: both sides count)."""

    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        extra: Mapping[Category, Sequence[str]] | None = None,
        ignore: Sequence[str] = (),
    ) -> None:
        compiled = [_CompiledRule(rule, compile_globs(rule.paths)) for rule in rules if rule.paths]
        for category, globs in (extra or {}).items():
            rule = Rule(
                id=f"{category.value}.policy-paths",
                description=f"listed as {category.value} in the repository's policy",
                category=category,
                paths=tuple(globs),
            )
            compiled.append(_CompiledRule(rule, compile_globs(globs)))
        self._rules = tuple(compiled)
        self._ignore = compile_globs(ignore) if ignore else None
        self._seen: dict[str, tuple[Rule, ...]] = {}

    def match(self, path: str) -> tuple[Rule, ...]:
        """The rules that ``path`` matches, at most one per category (memoised: paths recur)."""
        known = self._seen.get(path)
        if known is None:
            known = self._seen[path] = tuple(self._match(path))
        return known

    def _match(self, path: str) -> list[Rule]:
        if self._ignore is not None and self._ignore.matches(path):
            return []
        seen: set[Category] = set()
        matched = []
        for compiled in self._rules:
            category = compiled.rule.category
            if category is None or category in seen or not compiled.spec.matches(path):
                continue
            seen.add(category)
            matched.append(compiled.rule)
        return matched

    def __call__(self, change: FileChange, blobs: Blobs) -> Iterable[Finding]:
        del blobs  # paths alone decide
        seen: set[Category] = set()
        line = change.added[0].number if change.added else None
        verb = _VERBS.get(change.status, "changes")
        for path in change.paths:
            for rule in self.match(path):
                assert rule.category is not None
                if rule.category in seen:
                    continue
                seen.add(rule.category)
                shown = f"{change.old_path} → {change.path}" if change.status == "renamed" else change.path
                yield Finding(
                    commit=change.commit,
                    path=change.path,
                    line=line,
                    category=rule.category,
                    rule=rule.id,
                    message=f"{verb} {shown}: {rule.description}",
                    severity=Severity.WARNING,
                )
