"""Run every analyser over every file change of a commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from guardtrail.classify.analysers import CONTENT_ANALYSERS  # each analyser imports on first use
from guardtrail.classify.base import Analyser, Blobs
from guardtrail.classify.hidden import analyse_hidden_text
from guardtrail.classify.paths import PathClassifier, compile_globs, literal_glob
from guardtrail.classify.secrets import SecretScanner
from guardtrail.decide.policy import Policy
from guardtrail.model import Category, FileChange, Finding
from guardtrail.rules import Rule, load_rules


def baseline_rule(policy: Policy) -> Rule:
    """The policy's secrets baseline, wherever the policy keeps it, is category ``policy``: its
    entries clear secrets, so a gated commit that edits it needs an approval, even where the
    policy ignores its folder. (The shipped rules cover only the usual names.)"""
    return Rule(
        id="policy.secret-baseline",
        description=f"{policy.baseline} is the policy's secrets baseline: its entries clear secrets",
        category=Category.POLICY,
        paths=(literal_glob(policy.baseline),),
    )


class Classifier:
    """The analysers for one run, configured once from the policy."""

    def __init__(self, policy: Policy, *, secrets: bool = True) -> None:
        self._ignore = compile_globs(policy.ignore) if policy.ignore else None
        baseline = baseline_rule(policy)  # after the shipped rules: theirs names the usual baselines
        self._path_rules = PathClassifier([*load_rules("paths"), baseline], extra=policy.paths)
        self._baseline = PathClassifier([baseline])
        self._content: tuple[Analyser, ...] = CONTENT_ANALYSERS
        self._always: tuple[Analyser, ...] = (analyse_hidden_text, *((SecretScanner(),) if secrets else ()))

    def classify(self, changes: Iterable[FileChange], blobs: Blobs) -> list[Finding]:
        findings: list[Finding] = []
        for change in changes:
            ignored = self._ignore is not None and all(self._ignore.matches(p) for p in change.paths)
            analysers: Sequence[Analyser] = (
                (self._baseline, *self._always) if ignored else (self._path_rules, *self._content, *self._always)
            )
            for analyser in analysers:
                findings.extend(analyser(change, blobs))
        return findings
