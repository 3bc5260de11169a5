"""Run every analyser over every file change of a commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from guardtrail.classify.base import Analyser, Blobs
from guardtrail.classify.hidden import analyse_hidden_text
from guardtrail.classify.paths import PathClassifier, compile_globs
from guardtrail.decide.policy import Policy
from guardtrail.model import FileChange, Finding
from guardtrail.rules import load_rules


class Classifier:
    """The analysers for one run, configured once from the policy."""

    def __init__(self, policy: Policy, *, secrets: bool = True) -> None:
        self._ignore = compile_globs(policy.ignore) if policy.ignore else None
        self._path_rules = PathClassifier(load_rules("paths"), extra=policy.paths)
        self._content: tuple[Analyser, ...] = _content_analysers()
        self._always: tuple[Analyser, ...] = (analyse_hidden_text, *(_secret_analysers() if secrets else ()))

    def path_rules(self) -> PathClassifier:
        return self._path_rules

    def classify(self, changes: Iterable[FileChange], blobs: Blobs) -> list[Finding]:
        findings: list[Finding] = []
        for change in changes:
            ignored = self._ignore is not None and all(self._ignore.matches(p) for p in change.paths)
            analysers: Sequence[Analyser] = (
                self._always if ignored else (self._path_rules, *self._content, *self._always)
            )
            for analyser in analysers:
                findings.extend(analyser(change, blobs))
        return findings


def _content_analysers() -> tuple[Analyser, ...]:
    """Each imported only when a change's path is one it handles."""
    try:
        from guardtrail.classify.analysers import CONTENT_ANALYSERS
    except ImportError:  # pragma: no cover - while the analysers package is being built
        return ()
    return CONTENT_ANALYSERS


def _secret_analysers() -> tuple[Analyser, ...]:
    try:
        from guardtrail.classify.secrets import SecretScanner
    except ImportError:  # pragma: no cover - while the scanner is being built
        return ()
    return (SecretScanner(),)
