"""Run every analyser over every file change of a commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from guardtrail.classify.analysers import CONTENT_ANALYSERS  # each analyser imports on first use
from guardtrail.classify.base import Analyser, Blobs
from guardtrail.classify.hidden import analyse_hidden_text
from guardtrail.classify.paths import PathClassifier, compile_globs
from guardtrail.classify.secrets import SecretScanner
from guardtrail.decide.policy import Policy
from guardtrail.model import FileChange, Finding
from guardtrail.rules import load_rules


class Classifier:
    """The analysers for one run, configured once from the policy."""

    def __init__(self, policy: Policy, *, secrets: bool = True) -> None:
        self._ignore = compile_globs(policy.ignore) if policy.ignore else None
        self._path_rules = PathClassifier(load_rules("paths"), extra=policy.paths)
        self._content: tuple[Analyser, ...] = CONTENT_ANALYSERS
        self._always: tuple[Analyser, ...] = (analyse_hidden_text, *((SecretScanner(),) if secrets else ()))

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
