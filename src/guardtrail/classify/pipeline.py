"""Run every analyser over every file change of a commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from guardtrail.classify.analysers import CONTENT_ANALYSERS, OnDemand  # each analyser imports on first use
from guardtrail.classify.base import Analyser, Blobs, Symlinks
from guardtrail.classify.hidden import analyse_hidden_text
from guardtrail.classify.injection import analyse_injection
from guardtrail.classify.injection_rules import injection_rules
from guardtrail.classify.paths import PathClassifier, compile_globs, literal_glob
from guardtrail.classify.secrets.scanner import SecretScanner, redact_in
from guardtrail.classify.submodules import analyse_submodules
from guardtrail.classify.symlinks import SymlinkView
from guardtrail.errors import GuardtrailError
from guardtrail.model import Category, FileChange, Finding
from guardtrail.policy import Policy
from guardtrail.rule_files import load_rules
from guardtrail.rules import Rule


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
    from guardtrail.classify.secrets.engine import default_plugins

    check_secret_rule_ids(policy)
    off = policy.disabled_rules
    rules = [*(rule for rule in load_rules("secrets") if rule.id not in off), *policy.secret_rules]
    return SecretScanner(rules, [plugin for plugin in default_plugins() if plugin.rule not in off])


def _shipped_secret_rule_ids() -> frozenset[str]:
    """Ids of every secret detector guardtrail ships: ``rules/secrets.yaml`` and the plugins."""
    from guardtrail.classify.secrets.engine import default_plugins

    return frozenset(rule.id for rule in load_rules("secrets")) | {plugin.rule for plugin in default_plugins()}


def check_secret_rule_ids(policy: Policy) -> None:
    """The policy's own secret rules take no id guardtrail ships, and each id it switches off
    names a rule that exists (a misspelt id would silently disable nothing): a
    :class:`GuardtrailError` naming the policy's line otherwise."""
    known = _shipped_secret_rule_ids()
    own = {rule.id for rule in policy.secret_rules}
    if taken := sorted(own & known, key=policy.rule_lines.__getitem__):
        raise GuardtrailError(
            f"{policy.source}:{policy.rule_lines[taken[0]]}: secret rule id {taken[0]!r} is already taken:"
            " choose another"
        )
    if unknown := sorted(policy.disabled_rules - known - own, key=policy.rule_lines.__getitem__):
        raise GuardtrailError(
            f"{policy.source}:{policy.rule_lines[unknown[0]]}: secrets.disable: no secret rule {unknown[0]!r}"
            " (use the ids reports show, e.g. secret.jwt)"
        )


class Classifier:
    """The analysers for one run, configured once from the policy."""

    def __init__(self, policy: Policy, *, secrets: bool = True) -> None:
        self._ignore = compile_globs(policy.ignore) if policy.ignore else None
        baseline = baseline_rule(policy)  # after the shipped rules: theirs names the usual baselines
        self._path_rules = PathClassifier([*load_rules("paths"), baseline], extra=policy.paths)
        self._baseline = PathClassifier([baseline])
        self._content: tuple[OnDemand, ...] = CONTENT_ANALYSERS
        self._scanner = policy_scanner(policy)  # redacts every finding, even when it does not report secrets
        self._always: tuple[Analyser, ...] = (
            analyse_hidden_text,
            analyse_injection,
            *((self._scanner,) if secrets else ()),
        )

    def prepare(self) -> None:
        """Build now what the analysers build on first use (detect-secrets' plugins, the
        injection rules): before forking workers, so that they share it."""
        self._scanner.prepare()
        injection_rules()

    @property
    def scanner(self) -> SecretScanner:
        """The run's secret scanner: the surfaces and the redaction of a report use it too."""
        return self._scanner

    def classify(self, changes: Iterable[FileChange], blobs: Blobs) -> list[Finding]:
        """Every analyser's findings on each of ``changes``, with no secret value left in them."""
        return self.classify_range([changes], blobs)

    def classify_range(self, change_sets: Iterable[Iterable[FileChange]], blobs: Blobs) -> list[Finding]:
        """The findings of every commit's changes, in order, each batch analyser run once for all.

        A change a batch analyser handles (a workflow, audited by zizmor) waits until every
        commit has been read; then each batch analyser runs once over all the changes it
        handles, and those changes are classified with what it returns. The other changes are
        classified as they come, so a range holds in memory only the changes that wait, and a
        range with none starts no process and imports no batch analyser.

        Path rules say only the path (shown as such anyway) and a rule's description: they skip
        the redaction, whose scan of their wording ("tokens and secrets") would wake
        detect-secrets on every workflow edit. The content analysers quote the file."""
        views: dict[str, SymlinkView] = {}
        slots = [self.classify_now(change, blobs, views) for changes in change_sets for change in changes]
        return self.classify_waiting(slots, blobs)

    def classify_now(
        self, change: FileChange, blobs: Blobs, views: dict[str, SymlinkView]
    ) -> list[Finding] | FileChange:
        """The findings of ``change``, or the change itself when a batch analyser handles it
        (:meth:`classify_waiting` then classifies it with the others). ``views`` keeps the
        symlinks of the commit being classified: pass the same dict for a range's changes."""
        if not self._ignored(change) and any(e.batch and e.handles(change.path) for e in self._content):
            return change
        return self._classify(change, blobs, self._content, views)

    def classify_waiting(self, slots: Sequence[list[Finding] | FileChange], blobs: Blobs) -> list[Finding]:
        """The findings of :meth:`classify_now`'s ``slots``, in order, the changes that waited
        classified now, each batch analyser run once over all those it handles."""
        waiting = [slot for slot in slots if isinstance(slot, FileChange)]
        if not waiting:
            return [finding for slot in slots if not isinstance(slot, FileChange) for finding in slot]
        content = self._prepared(waiting, blobs)
        views: dict[str, SymlinkView] = {}
        return [
            finding
            for slot in slots
            for finding in (self._classify(slot, blobs, content, views) if isinstance(slot, FileChange) else slot)
        ]

    def _ignored(self, change: FileChange) -> bool:
        return self._ignore is not None and all(self._ignore.matches(p) for p in change.paths)

    def _prepared(self, changes: Sequence[FileChange], blobs: Blobs) -> tuple[Analyser, ...]:
        """The content analysers, each batch one run over the ``changes`` it handles."""
        return tuple(
            entry.batch()([c for c in changes if entry.handles(c.path)], blobs) if entry.batch else entry
            for entry in self._content
        )

    def _classify(
        self, change: FileChange, blobs: Blobs, content: Sequence[Analyser], views: dict[str, SymlinkView]
    ) -> list[Finding]:
        ignored = self._ignored(change)
        path_rules = self._baseline if ignored else self._path_rules
        analysers: Sequence[Analyser] = self._always if ignored else (*content, analyse_submodules, *self._always)
        found = list(path_rules(change, blobs))
        quoting = [finding for analyser in analysers for finding in analyser(change, blobs)]
        quoting += self._symlinked(change, blobs, views)  # even in an ignored folder; they quote targets
        return found + redact_secrets(quoting, change, self._scanner)

    def _symlinked(self, change: FileChange, blobs: Blobs, views: dict[str, SymlinkView]) -> list[Finding]:
        """What the symlinks of ``change``'s commit make of it (:mod:`symlinks`), when ``blobs``
        can list them. Only the current commit's view is kept: changes come commit by commit,
        and a commit that changes no symlink shares its parent's (the same mapping), and view."""
        if not isinstance(blobs, Symlinks):
            return []
        view = views.get(change.commit)
        if view is None:
            links = blobs.symlinks(change.commit)
            last = next(iter(views.values()), None)
            views.clear()
            same = last is not None and last.links is links
            view = views[change.commit] = last if last is not None and same else SymlinkView(links, self._path_rules)
        return list(view(change))


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
