"""Which commits an assistant wrote: identities, trailers and markers from rules/assistants.yaml.

Every signal is text the assistant could have left out or forged; detection decides what is
gated, never what is trusted. Environment signals are for client hooks only: ``check`` judges
commits, not the shell it runs in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from guardtrail.model import Commit
from guardtrail.policy import Policy
from guardtrail.rule_files import load_rules
from guardtrail.rules import Rule

COMMIT_FIELDS = ("author", "committer", "trailer", "message")


@dataclass(frozen=True)
class Signal:
    """One piece of evidence that an assistant wrote a commit."""

    rule: str
    """The rule id, e.g. ``assistant.claude-code.co-author``."""
    evidence: str
    """The text that matched (an identity, a trailer line, a marker)."""
    confidence: str = "high"


def _field_texts(commit: Commit, field: str) -> Iterable[str]:
    if field == "author":
        yield str(commit.author)
    elif field == "committer":
        yield str(commit.committer)
    elif field == "trailer":
        for key, value in commit.trailers:
            yield f"{key}: {value}"
    elif field == "message":
        yield commit.message


def _marker(text: str, rule: Rule) -> str:
    match = rule.regex.search(text)
    if match is None:  # pragma: no cover - only called after a search matched
        return text
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    return text[start : end if end >= 0 else len(text)].strip()[:200]


class AuthorshipDetector:
    """Finds assistant signals in commits (and, for hooks, in an environment)."""

    def __init__(self, policy: Policy, rules: Iterable[Rule] | None = None) -> None:
        self._rules = tuple(rules if rules is not None else load_rules("assistants"))
        self._emails = frozenset(policy.assistant_emails)
        self._names = frozenset(policy.assistant_names)

    def commit_signals(self, commit: Commit) -> tuple[Signal, ...]:
        signals: list[Signal] = []
        for rule in self._rules:
            if rule.field not in COMMIT_FIELDS:
                continue
            for text in _field_texts(commit, rule.field):
                if rule.regex.search(text):
                    signals.append(Signal(rule.id, _marker(text, rule), rule.confidence))
                    break
        for person in (commit.author, commit.committer):
            if person.email.lower() in self._emails or person.name in self._names:
                signals.append(Signal("assistant.policy-identity", str(person)))
        return tuple(dict.fromkeys(signals))

    def env_signals(self, environ: Mapping[str, str]) -> tuple[Signal, ...]:
        """Signals from an agent session's environment (advisory: easily unset or inherited)."""
        signals = []
        for rule in self._rules:
            if rule.field != "env":
                continue
            for name, value in sorted(environ.items()):
                text = f"{name}={value}"
                if rule.regex.search(text):
                    signals.append(Signal(rule.id, text, rule.confidence))
        return tuple(signals)
