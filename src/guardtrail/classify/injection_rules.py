"""The injection rules, and the matching the prefilter and the reading of bait share.

:mod:`injection` (the entry points and the prefilter) and :mod:`bait` (the reading, loaded only
for text that passes the prefilter) both match the rules of ``rules/injection.yaml`` the same
way; that way lives here, below both. The module docstring of ``injection`` says what counts.
"""

from __future__ import annotations

import binascii
import functools
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import ahocorasick_rs

from guardtrail.rule_files import load_rules
from guardtrail.rules import Rule

MAX_PER_FILE = 20
"""Findings reported per file (or message)."""
ASK_PREFIX = "Asks the reading agent to "
"""How every ``ask`` rule's description begins; the report quotes what follows."""

_NEGATED = re.compile(
    r"\b(?:not|never|no|don'?t|doesn'?t|avoid|nor)\b(?:[^.,;:!?]{0,15}|[^;:!?]{0,50}\b(?:or|nor)\s+)$", re.I
)
"""Text right before an ask that negates it: "never use --no-verify", "do not read .env or print secrets"."""
BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{24,}={0,2}")
"""A run of base64 long enough to spell a sentence."""
_MAX_DECODED = 4096
"""Characters of one base64 run decoded: bait is short, and a data blob must not cost much."""


# -- the rules -----------------------------------------------------------------------------


class _Rules(NamedTuple):
    address: tuple[Rule, ...]
    override: tuple[Rule, ...]
    conceal: tuple[Rule, ...]
    ask: tuple[Rule, ...]
    mention: tuple[Rule, ...]
    prefilter: tuple[str, ...]
    """The address and override keywords: a text holding none of them cannot be bait."""
    automaton: ahocorasick_rs.AhoCorasick
    """The ``prefilter`` words in one automaton: a file's text is searched once, in Rust, not
    once per word."""
    pieces: ahocorasick_rs.AhoCorasick
    """The words of the ``prefilter`` keywords (``ignore the``: ``ignore``, ``the``), all found
    where they overlap (:func:`may_address`)."""
    needs: tuple[frozenset[int], ...]
    """Per ``prefilter`` keyword, the indexes of its words in ``pieces`` (and no words at all when
    a rule has no keyword: then every text may match)."""


@functools.cache
def injection_rules() -> _Rules:
    """The rules of ``rules/injection.yaml``, by the part of bait each recognises."""
    rules = load_rules("injection")

    def of(field: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in rules if rule.field == field)

    address, override = of("address"), of("override")
    words = tuple(dict.fromkeys(word for rule in (*address, *override) for word in rule.keywords))
    automaton = ahocorasick_rs.AhoCorasick(list(words))
    pieces = list(dict.fromkeys(piece for word in words for piece in word.split()))
    needs = tuple(frozenset(pieces.index(piece) for piece in word.split()) for word in words)
    if any(not rule.keywords for rule in (*address, *override)):
        needs += (frozenset(),)  # a rule without keywords may match any text
    pieces_automaton = ahocorasick_rs.AhoCorasick(pieces)
    return _Rules(address, override, of("conceal"), of("ask"), of("mention"), words, automaton, pieces_automaton, needs)


def may_address(text: str) -> bool:
    """Whether an address or override rule could match ``text``, or any text made of it by taking
    spans away (markup, quotes, code spans, bullets) or joining its whitespace, as the grading
    of a passage does: each word of one of their keywords occurs in it. Those changes put spaces
    where they take text away, so the words they leave were in ``text``, and every such rule
    asks for a keyword. False: the passage addresses no one and overrides nothing."""
    rules = injection_rules()
    found = {index for index, _, _ in rules.pieces.find_matches_as_indexes(text.lower(), overlapping=True)}
    return any(needed <= found for needed in rules.needs)


def rule_match(rule: Rule, text: str, lowered: str | None = None) -> re.Match[str] | None:
    """The first match of ``rule`` in ``text`` that counts: one of its keywords occurs, no
    allowlist regex matches it, and (for an ``ask``) it is not negated ("never use --no-verify")."""
    lowered = text.lower() if lowered is None else lowered
    if rule.keywords and not any(word in lowered for word in rule.keywords):
        return None
    for match in rule.regex.finditer(text):
        if any(re.search(allowed, match.group(0)) for allowed in rule.allowlist):
            continue
        if rule.field == "ask" and _NEGATED.search(text, max(0, match.start() - 30), match.start()):
            continue
        return match
    return None


def first_match(rules: Sequence[Rule], text: str, lowered: str) -> tuple[Rule, re.Match[str]] | None:
    """The first of ``rules`` that counts a match in ``text``, with its match."""
    for rule in rules:
        match = rule_match(rule, text, lowered)
        if match is not None:
            return rule, match
    return None


def base64_runs(text: str) -> Iterator[str]:
    """What :data:`BASE64_RUN` finds in ``text``, in order. ASCII text is cut first, in C, into
    the stretches of base64 characters and ``=``: a run lies within one, and the regex reads only
    those of 24 characters or more, not every character of a source file."""
    if not text.isascii():
        yield from (run.group(0) for run in BASE64_RUN.finditer(text))
        return
    for stretch in text.translate(_NOT_BASE64).split():
        if len(stretch) >= 24:
            yield from (run.group(0) for run in BASE64_RUN.finditer(stretch))


_NOT_BASE64 = str.maketrans({chr(code): " " for code in range(128) if not (chr(code).isalnum() or chr(code) in "+/=")})
"""The ASCII characters no base64 run holds, as spaces."""


def decoded_base64(run: str) -> str | None:
    """The text a base64 run spells, when it is readable text (else None: a hash, a key, an image)."""
    run = run[:_MAX_DECODED]
    run = run[: len(run) - len(run) % 4] if not run.endswith("=") else run
    try:
        decoded = binascii.a2b_base64(run).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    readable = sum(char.isprintable() or char in "\n\t" for char in decoded)
    if " " not in decoded or readable < 0.95 * len(decoded):
        return None
    return decoded


def mentions_attack(text: str) -> bool:
    """Whether ``text`` names the attack class ("prompt injection", "jailbreak", "attackers")."""
    return first_match(injection_rules().mention, text, text.lower()) is not None
