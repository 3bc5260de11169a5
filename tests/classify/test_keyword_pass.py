"""The Aho-Corasick keyword pass wakes every detector the regex pass woke, and finds the same secrets."""

from __future__ import annotations

import random
import re

import pytest

from guardtrail.classify.secrets import engine as secret_engine
from guardtrail.classify.secrets import scanner as secrets
from guardtrail.classify.secrets.scanner import SecretScanner
from guardtrail.model import Finding
from guardtrail.rule_files import load_rules

pytest.importorskip("ahocorasick_rs")

_LINES = [
    *(text for rule in load_rules("secrets") for text in (*rule.examples.match, *rule.examples.no_match)),
    "password = 'hunter2-Correct-Horse-7'",
    "aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'",
    'blob = "c2VjcmV0LXZhbHVlLXRoYXQtbG9va3MtcmFuZG9tLTEyMzQ1Njc4"',
    "npm_password=x sk-ant-api03 ghp_a gho_b sk key ke gh_ escape apache İstanbul KEY",
    "def changed(x):",
    "    return x * 2",
]


def _scanners(monkeypatch: pytest.MonkeyPatch) -> tuple[SecretScanner, SecretScanner]:
    fast = SecretScanner()
    with monkeypatch.context() as patched:
        patched.setattr(secrets, "_ahocorasick", None)
        regex = SecretScanner()
    return fast, regex


def _where(findings: list[Finding]) -> list[tuple[str, int | None, str, str | None, bool]]:
    return [(f.rule, f.line, f.message, f.fingerprint, f.allowlisted) for f in findings]


def test_every_line_the_regex_pass_picks_for_a_detector_is_picked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, regex = _scanners(monkeypatch)
    text = "\n".join(_LINES)

    woken = fast._index.candidates(text)
    picked = regex._index.candidates(text)
    assert picked
    for start, detectors in picked.items():
        assert start == 0 or text[start - 1] == "\n"
        assert detectors <= woken.get(start, set()), text[start:].partition("\n")[0]


def test_both_passes_find_the_same_secrets_in_the_rule_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, regex = _scanners(monkeypatch)
    numbers = list(range(1, len(_LINES) + 1))

    found = _where(fast.scan_block("c0ffee", "config/app.env", numbers, _LINES))

    assert found
    assert found == _where(regex.scan_block("c0ffee", "config/app.env", numbers, _LINES))


_WORDS = ("key", "secret", "pass", "istanbul", "aws", "sk")
_LETTERS = "aeikpstwyAEIKPSTWY \u0130\u0131\u017f\u212a\u00df\u03a3\u01c5\ufb01\u1e9e\u0399\u0345-_="


def _folding_corpus() -> list[str]:
    rng = random.Random(5)
    drawn = ("".join(rng.choices(_LETTERS, k=60)) for _ in range(3000))
    return ["\u0130stanbul \u212aEY \u017fecret PA\u017fS", *drawn]


def test_folding_keeps_offsets_and_finds_words_where_a_case_insensitive_regex_does() -> None:
    for text in _folding_corpus():
        folded = secret_engine.fold_case(text)
        assert len(folded) == len(text)
        for word in _WORDS:
            expected = {match.start() for match in re.finditer(f"(?={word})", text, re.IGNORECASE)}
            assert {at for at in range(len(text)) if folded.startswith(word, at)} == expected, (text, word)


@pytest.mark.parametrize(
    "regex",
    [secrets._PRAGMA, secrets._PRAGMA_NEXTLINE, secrets._PLACEHOLDER, secret_engine._DIGEST_CONTEXT],
    ids=["pragma", "pragma-nextline", "placeholder", "digest-context"],
)
def test_a_lower_case_regex_finds_in_folded_text_what_its_case_insensitive_self_finds(regex: re.Pattern[str]) -> None:
    insensitive = re.compile(regex.pattern, re.IGNORECASE)
    samples = [
        "# PRAGMA: Allowlist Secret",
        "# pragma: allowlist-nextline-secret",
        "\u017fha256:abc",
        "Data:image/png;BASE64,",
        "YOUR_\u212aEY",
        "<EXAMPLE>",
        "%PASSWORD%",
    ]
    texts = [*samples, *_folding_corpus()]
    hits = [text for text in texts if insensitive.search(text)]

    assert [text for text in texts if bool(regex.search(secret_engine.fold_case(text))) != (text in hits)] == []
    assert any(text in hits for text in samples)


def test_the_index_wakes_the_same_lines_once_it_has_built_its_dfa() -> None:
    index = SecretScanner()._index
    text = "\n".join(_LINES)
    before = index.candidates(text)
    nfa = index._automaton

    index.candidates("x = 1\n" * (secrets.DFA_AFTER_CHARS // 6 + 1))  # enough to repay the DFA

    assert index._searched >= secrets.DFA_AFTER_CHARS
    assert index._automaton is not nfa
    assert before
    assert index.candidates(text) == before
