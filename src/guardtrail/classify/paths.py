"""Path rules: which changed files are sensitive, by category."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from guardtrail.classify.base import Blobs
from guardtrail.classify.hidden import CONFUSABLE_PATH, HIDDEN, described, finding
from guardtrail.classify.lookalike import disguising_characters, skeleton
from guardtrail.classify.secrets.engine import fold_case
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

    With ``as_tools_see``, a path matches as checkouts on case-insensitive and Windows file
    systems resolve it (:func:`without_trailing_dots`): ``.Claude/settings.json``, ``claude.md``,
    ``GNUMAKEFILE`` and ``CLAUDE.md.`` are the files the rules name there. A plain name then
    matches a file name in any case, and a folder only in its own case: ``BUILD`` names Bazel's
    file, not every ``build/`` folder.

    The other globs become one regex, compiled when a path first holds one of their literal
    parts (:func:`glob_needles`): a path that holds none cannot match, and most paths of a
    commit hold none, so a hook compiles few of the rules' regexes, or none.
    """

    def __init__(self, globs: Sequence[str], *, as_tools_see: bool = False) -> None:
        names = frozenset(g.strip() for g in globs if not _WILDCARD.search(g.strip()))
        self._names = names
        self._folded = frozenset(name.casefold() for name in names) if as_tools_see else None
        wild = [g for g in globs if _WILDCARD.search(g.strip())]
        self._patterns = [_glob_regex(g) for g in wild]
        # DOTALL: a file name may hold a newline, and must not slip past a rule because of it
        self._flags = re.DOTALL | (re.IGNORECASE if as_tools_see else 0)
        self._needles = glob_needles(wild, folded=as_tools_see)
        """Literal parts one of which every path the regex matches holds; None: no shortcut."""

    @functools.cached_property
    def _regex(self) -> re.Pattern[str] | None:
        if not self._patterns:
            return None
        self._needles = None  # compiled: the regex alone is as quick as the look for literals
        return re.compile("|".join(f"(?:{p})" for p in self._patterns), self._flags)

    def _may_match(self, path: str) -> bool:
        """False when ``path`` holds none of the literal parts the regex needs: it cannot match."""
        needles = self._needles
        if needles is None:
            return True
        probe = fold_case(path) if self._flags & re.IGNORECASE else path
        return any(needle in probe for needle in needles)

    def matches(self, path: str) -> bool:
        if self._folded is not None:
            path = without_trailing_dots(path)
            if path.rsplit("/", 1)[-1].casefold() in self._folded:
                return True
        if self._names and not self._names.isdisjoint(path.split("/")):
            return True
        if not self._patterns or not self._may_match(path):
            return False
        regex = self._regex
        return regex is not None and regex.fullmatch(path) is not None


def without_trailing_dots(path: str) -> str:
    """``path`` with the trailing dots and spaces Windows drops from each component dropped."""
    if not path.endswith((".", " ")) and "./" not in path and " /" not in path:
        return path
    return "/".join(part.rstrip(". ") or part for part in path.split("/"))


_WILDCARD = re.compile(r"[*?\[/]")
_NOT_LITERAL = frozenset({"**/", "/**", "**", "*", "?"})


def glob_needles(globs: Sequence[str], *, folded: bool) -> tuple[str, ...] | None:
    """For each glob, the longest run of literal characters in it, which every path the glob
    matches (as :func:`_glob_regex` reads it) holds as written, or in any case when ``folded``
    (as :func:`~guardtrail.classify.secrets.engine.fold_case` lowers it); None when a glob has
    no such run, or one that is not ASCII (whose case folding :func:`fold_case` does not
    promise to follow)."""
    needles = []
    for glob in globs:
        pattern = glob.strip()
        pattern = pattern.strip("/") if "/" in pattern.rstrip("/") else pattern.rstrip("/")
        literals = [
            token
            for token in _GLOB_TOKEN.findall(pattern)
            if token not in _NOT_LITERAL and not (token.startswith("[") and len(token) > 2)
        ]
        needle = max(literals, key=len, default="")
        if not needle or not needle.isascii():
            return None
        needles.append(needle.lower() if folded else needle)
    return tuple(dict.fromkeys(needles))


def literal_glob(path: str) -> str:
    """A glob matching the repository-relative file ``path`` and nothing else: anchored at the
    root, its wildcard characters matched as themselves."""
    return "/" + re.sub(r"[*?\[]", lambda match: f"[{match.group(0)}]", path.strip("/"))


def compile_globs(globs: Sequence[str], *, as_tools_see: bool = False) -> GlobSet:
    return GlobSet(globs, as_tools_see=as_tools_see)


class PathClassifier:
    """Gives each changed path the categories its rules match (rename: both sides count).

    Rules match paths as tools see them (any case, Windows' trailing dots and spaces dropped);
    the policy's ``ignore`` list only as written, so that it never ignores more than it says.
    A path that matches no rule but whose look-alike skeleton (:mod:`lookalike`) does is an
    imitation of a sensitive path: ``hidden-text.confusable-path``, high confidence, so that it
    blocks in any commit until an approval covers it, as Trojan Source does. It is reported as
    hidden text, not in the imitated category: the tools that read the real file do not read
    the imitation, but a reviewer and any tool that folds names take one for the other.
    """

    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        extra: Mapping[Category, Sequence[str]] | None = None,
        ignore: Sequence[str] = (),
    ) -> None:
        compiled = [_CompiledRule(rule, compile_globs(rule.paths, as_tools_see=True)) for rule in rules if rule.paths]
        for category, globs in (extra or {}).items():
            rule = Rule(
                id=f"{category.value}.policy-paths",
                description=f"listed as {category.value} in the repository's policy",
                category=category,
                paths=tuple(globs),
            )
            compiled.append(_CompiledRule(rule, compile_globs(globs, as_tools_see=True)))
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

    def imitated(self, path: str) -> tuple[Rule, ...]:
        """The rules ``path`` imitates: those its look-alike skeleton matches and it does not."""
        if path.isascii() and not HIDDEN.search(path):
            return ()
        real = {rule.id for rule in self.match(path)}
        return tuple(rule for rule in self.match(skeleton(path)) if rule.id not in real)

    def __call__(self, change: FileChange, blobs: Blobs) -> Iterable[Finding]:
        del blobs  # paths alone decide
        seen: set[Category] = set()
        line = change.added[0].number if change.added else None
        verb = _VERBS.get(change.status, "changes")
        shown = f"{change.old_path} → {change.path}" if change.status == "renamed" else change.path
        for path in change.paths:
            for rule in self.match(path):
                assert rule.category is not None
                if rule.category in seen:
                    continue
                seen.add(rule.category)
                yield Finding(
                    commit=change.commit,
                    path=change.path,
                    line=line,
                    category=rule.category,
                    rule=rule.id,
                    message=f"{verb} {shown}: {rule.description}",
                    severity=Severity.WARNING,
                )
        yield from self._imitations(change, verb, shown)

    def _imitations(self, change: FileChange, verb: str, shown: str) -> Iterator[Finding]:
        for path in change.paths:
            imitated = self.imitated(path)
            if not imitated:
                continue
            what = imitated[0]
            assert what.category is not None
            names = described(disguising_characters(path))
            message = f"{verb} {shown}: the name imitates a {what.category.value} path with {names}"
            yield finding(
                change, None, CONFUSABLE_PATH, message, (f"it reads as {skeleton(path)!r}: {what.description}",)
            )
            return  # one per change: both sides of a rename imitate alike
