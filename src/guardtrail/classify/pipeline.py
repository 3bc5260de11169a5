"""Run every analyser over every file change of a commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from guardtrail.classify.analysers import CONTENT_ANALYSERS  # each analyser imports on first use
from guardtrail.classify.base import Analyser, Blobs
from guardtrail.classify.hidden import analyse_hidden_text
from guardtrail.classify.paths import PathClassifier, compile_globs, literal_glob
from guardtrail.classify.secrets import SecretScanner, redact_in
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


def policy_scanner(policy: Policy) -> SecretScanner:
    """The secret scanner ``policy`` asks for: the shipped rules and detect-secrets plugins but
    those it disables, then its own rules (``secrets:``). The policy is the one the command
    judges by (the base revision's for a range), so a change cannot switch a rule off for itself."""
    if not policy.secret_rules and not policy.disabled_rules:
        return SecretScanner()
    from guardtrail.classify.secret_engine import default_plugins

    off = policy.disabled_rules
    rules = [*(rule for rule in load_rules("secrets") if rule.id not in off), *policy.secret_rules]
    return SecretScanner(rules, [plugin for plugin in default_plugins() if plugin.rule not in off])


class Classifier:
    """The analysers for one run, configured once from the policy."""

    def __init__(self, policy: Policy, *, secrets: bool = True) -> None:
        self._ignore = compile_globs(policy.ignore) if policy.ignore else None
        baseline = baseline_rule(policy)  # after the shipped rules: theirs names the usual baselines
        self._path_rules = PathClassifier([*load_rules("paths"), baseline], extra=policy.paths)
        self._baseline = PathClassifier([baseline])
        self._content: tuple[Analyser, ...] = CONTENT_ANALYSERS
        self._scanner = policy_scanner(policy)  # redacts every finding, even when it does not report secrets
        self._always: tuple[Analyser, ...] = (analyse_hidden_text, *((self._scanner,) if secrets else ()))

    @property
    def scanner(self) -> SecretScanner:
        """The run's secret scanner: the surfaces and the redaction of a report use it too."""
        return self._scanner

    def classify(self, changes: Iterable[FileChange], blobs: Blobs) -> list[Finding]:
        """Every analyser's findings on each of ``changes``, with no secret value left in them.

        Path rules say only the path (shown as such anyway) and a rule's description: they skip
        the redaction, whose scan of their wording ("tokens and secrets") would wake
        detect-secrets on every workflow edit. The content analysers quote the file."""
        findings: list[Finding] = []
        for change in changes:
            ignored = self._ignore is not None and all(self._ignore.matches(p) for p in change.paths)
            path_rules = self._baseline if ignored else self._path_rules
            analysers: Sequence[Analyser] = self._always if ignored else (*self._content, *self._always)
            findings.extend(path_rules(change, blobs))
            quoting = [finding for analyser in analysers for finding in analyser(change, blobs)]
            findings += redact_secrets(quoting, change, self._scanner)
        return findings


def redact_secrets(findings: Sequence[Finding], change: FileChange, scanner: SecretScanner) -> list[Finding]:
    """``findings`` of one change with each secret value their messages and details quote
    redacted in place. Analysers quote what they parse (a dependency's URL, a parse error's
    snippet of the line) and know nothing of secrets: this is the one step all their findings
    pass through on the way out, so a value the scan reports as a secret is never shown by any
    of them. Secret findings are the scanner's own, already redacted, and stay as they are."""
    if all(finding.category is Category.SECRET for finding in findings):
        return list(findings)
    known = flagged_values(findings, change, scanner)
    return [
        finding if finding.category is Category.SECRET else _redacted(finding, known, scanner) for finding in findings
    ]


def flagged_values(findings: Sequence[Finding], change: FileChange, scanner: SecretScanner) -> list[str]:
    """The values behind the secret findings among ``findings``, read again from their lines
    only (never the whole file): a finding may quote such a value cut short, or away from what
    made it a secret on its line (a keyword, the file's kind), where no scan of its own text
    would recognise it."""
    secrets = [finding for finding in findings if finding.category is Category.SECRET]
    lines = {finding.line for finding in secrets}
    texts = [added.text for added in change.added if added.number in lines]
    if not texts:
        return []
    return scanner.secret_values(change.path, "\n".join(texts), rules={finding.rule for finding in secrets})


def _redacted(finding: Finding, known: Sequence[str], scanner: SecretScanner) -> Finding:
    """``finding`` with ``known`` values, and those a scan of its own text finds, redacted."""
    texts = (finding.message, *finding.details)
    values = [*known, *scanner.secret_values(finding.path, "\n".join(texts))]
    if not values:
        return finding
    message, *details = (redact_in(text, values) for text in texts)
    return replace(finding, message=message, details=tuple(details))
