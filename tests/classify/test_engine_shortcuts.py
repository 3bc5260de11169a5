"""The shortcuts around detect-secrets change no answer: sieves pick every line a trigger picks,
``requires`` holds on every line a plugin reports, and our indirect-reference check agrees with
detect-secrets' own on every line."""

from __future__ import annotations

import random
import re

import pytest
from detect_secrets.filters.heuristic import is_indirect_reference as detect_secrets_is_indirect_reference

from guardtrail.classify.secrets import engine as secret_engine
from guardtrail.rule_files import load_rules

_ALPHABET = "aAzZ09fF+/=_-.'\"[]() :!=\tkeyKEYsecretpw\vMNO"

_HANDWRITTEN = [
    "secret = get_secret_key()",
    "password = request.headers['apikey']",
    "api_key := os.environ['KEY']",
    "token !== fetch(token)",
    "x == y[0]",
    "a: b(c",
    "a: b(c\v)",
    "a = b(c) \v d",
    "key = 'AKIAIOSFODNN7EXAMPLEAKIAIOSFODNN7EXAMPLE'",
    "aws_secret_key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'",
    'AWS_TOKEN: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE\u212aEY"',  # the Kelvin sign folds to k
    "aws_region = 'us-east-1'; key = AKIAIOSFODNN7EXAMPLE",
    "aws_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'",  # the quotes need not match
    "AWS_PASS='wJalrXUtnFEMI/K7MDENG/bPxRfiCYz\u017fXAMPLEKEY'",  # the long s folds to s
    "x = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'",  # no aws: the plugin runs, reports nothing
    "ibm_cloud_iam_key = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR'",
    "cos_secret_access_key = '0123456789ABCDEFabcdef0123456789abcdef0123456789'",
    "artifactory = AKCp5budTFpbypBqQbGJPz3pGCi28pPivfWczqjfYb9drAmd9LbRZbj6UpKFxJXA8ksWGc9fM",
    "password = 'AP6xxxxxxxxxx'",
    "x = AKCabcdefghij",
    'x = "APBabcdefgh"',
    'blob = "c2VjcmV0LXZhbHVlLXRoYXQtbG9va3MtcmFuZG9tLTEyMzQ1Njc4"',
    "digest = 'deadbeefcafe1234'",
    "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs",
    "\u017fecret = 'KELVIN" + "\u017f\u212a" * 20 + "'",  # long s and Kelvin sign fold to ASCII
]


def _corpus(count: int = 4000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    lines = [*_HANDWRITTEN]
    for rule in load_rules("secrets"):
        for text in (*rule.examples.match, *rule.examples.no_match):
            lines += text.split("\n")
    for _ in range(count):
        lines.append("".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 80))))
        runs = [rng.choice(_ALPHABET[:12]) * rng.randint(1, 50) for _ in range(3)]
        lines.append(rng.choice(["", "key = ", "aws_token: ", "x("]) + rng.choice("'\"") + "".join(runs) + "'")
    return lines


CORPUS = _corpus()
PLUGINS = secret_engine.default_plugins()


def test_indirect_reference_check_agrees_with_detect_secrets_on_every_line() -> None:
    disagree = [
        line
        for line in CORPUS
        if secret_engine.is_indirect_reference(line) != detect_secrets_is_indirect_reference(line)
    ]

    assert disagree == []
    assert sum(secret_engine.is_indirect_reference(line) for line in CORPUS) > 100  # not vacuous


@pytest.mark.parametrize("plugin", [p for p in PLUGINS if p.sieve], ids=lambda p: p.rule)
def test_a_sieve_picks_every_line_its_trigger_picks(plugin: secret_engine.Plugin) -> None:
    assert plugin.trigger is not None
    picked = [line for line in CORPUS if plugin.trigger.search(line)]

    assert picked
    assert [line for line in picked if not any(sieve.search(line) for sieve in plugin.sieve)] == []


@pytest.mark.parametrize("plugin", [p for p in PLUGINS if p.requires is not None], ids=lambda p: p.rule)
def test_a_plugin_reports_only_on_lines_its_requirement_matches(plugin: secret_engine.Plugin) -> None:
    reported = [line for line in CORPUS if list(plugin.plugin.analyze_string(line))]

    assert reported
    assert [line for line in reported if plugin.requires is not None and not plugin.requires.search(line)] == []


@pytest.mark.parametrize("plugin", [p for p in PLUGINS if p.keywords], ids=lambda p: p.rule)
def test_a_plugin_reports_only_on_lines_holding_one_of_its_keywords_or_its_trigger(
    plugin: secret_engine.Plugin,
) -> None:
    reported = [line for line in CORPUS if list(plugin.plugin.analyze_string(line))]

    def woken(line: str) -> bool:
        folded = secret_engine.fold_case(line)
        return any(word in folded for word in plugin.keywords) or bool(plugin.trigger and plugin.trigger.search(line))

    assert [line for line in reported if not woken(line)] == []


def test_entropy_plugins_skip_only_values_too_uniform_to_pass_their_limit() -> None:
    for plugin in (p for p in PLUGINS if p.rule.startswith("secret.high-entropy")):
        found = plugin.plugin
        for line in CORPUS:
            for value in found.analyze_string(line):
                if found.calculate_shannon_entropy(value) > found.entropy_limit:
                    assert len(set(value)) >= 2**found.entropy_limit, value


ENTROPY_PLUGINS = [p for p in PLUGINS if p.rule.startswith("secret.high-entropy")]


@pytest.mark.parametrize("plugin", ENTROPY_PLUGINS, ids=lambda p: p.rule)
def test_our_entropy_is_the_plugins_own_to_the_last_bit(plugin: secret_engine.Plugin) -> None:
    found = plugin.plugin
    numbers = ["7", "12", "8095", "1234567890", "0042" * 9, "3141592653589793238462643383"]
    values = [value for line in CORPUS for value in found.analyze_string(line)] + numbers
    mixed = [value for value in values if not value.isdigit()]

    assert [v for v in values if plugin.entropy(v) != found.calculate_shannon_entropy(v)] == []
    assert len(set(mixed)) > 100 and len(values) > len(mixed)  # not vacuous: both kinds of value


def test_the_letters_spelled_out_are_those_a_case_insensitive_class_matches() -> None:
    folds = re.compile("[a-zA-Z]", re.IGNORECASE)

    matched = "".join(chr(code) for code in range(0x80, 0x110000) if folds.match(chr(code)))

    assert matched == secret_engine.FOLDS_TO_ASCII


_OPERATORS = ["=", " = ", ":=", ": ", ":", "==", " != ", "===", "!==", "(", ".assign(", " ", "=>", "[0] = ", "[] = @"]
_VALUES = ['"hunter2abc"', "'s3cr3t-VALUE'", "`tick`", "bare_value", '"a,b"', '"x"', "''", '"bar";', "get()", '"v\'"']


def _keyword_line(rng: random.Random) -> str:
    """A line around one or two denylist words, in any case, with the letters that fold to them."""
    parts = []
    for _ in range(rng.randint(1, 2)):
        word = rng.choice(["api_key", "apikey", "db_pass", "password", "passwd", "pwd", "secret", "contraseña"])
        word = "".join(char.upper() if rng.random() < 0.3 else char for char in word)
        word = word.replace("s", rng.choice(["s", "S", "\u017f"])).replace("k", rng.choice(["k", "K", "\u212a"]))
        prefix = rng.choice(["", "my_", "x.", "  ", "const ", '"', "if (", "'v' == "])
        suffix = rng.choice(["", "_secure", "]", '"', "'", "2"])
        parts.append(prefix + word + suffix + rng.choice(_OPERATORS) + rng.choice(_VALUES))
    filler = rng.choice(["", " # note", "; x = 1", " " * rng.randint(0, 40) + "and more text"])
    return rng.choice(["", "x " * rng.randint(0, 30)]) + " ".join(parts) + filler


KEYWORD_CORPUS = CORPUS + [_keyword_line(random.Random(seed)) for seed in range(3000)]


@pytest.mark.parametrize(
    "file_type", [None, *sorted(secret_engine._detect_secrets().REGEX_BY_FILETYPE, key=str)], ids=str
)
def test_our_keyword_search_finds_what_the_keyword_plugin_finds_on_every_line(file_type: object) -> None:
    keyword = next(p for p in PLUGINS if p.rule == "secret.keyword").plugin
    regexes = None if file_type is None else secret_engine._detect_secrets().REGEX_BY_FILETYPE[file_type]

    ours = [list(secret_engine.keyword_values(keyword, line, regexes)) for line in KEYWORD_CORPUS]
    theirs = [list(keyword.analyze_string(line, denylist_regex_to_group=regexes)) for line in KEYWORD_CORPUS]

    assert [line for line, a, b in zip(KEYWORD_CORPUS, ours, theirs, strict=True) if a != b] == []
    assert sum(bool(found) for found in theirs) > 300  # not vacuous


def test_every_keyword_regex_but_the_comparison_one_is_searched_from_denylist_words_only() -> None:
    keyword = secret_engine._detect_secrets().keyword
    tables = [keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, *keyword.REGEX_BY_FILETYPE.values()]
    regexes = {regex for table in tables for regex in table}

    slow = {regex for regex in regexes if not secret_engine._leads_with_denylist(regex)}

    assert slow == {keyword.PRECEDED_BY_EQUAL_COMPARISON_SIGNS_QUOTES_REQUIRED_REGEX}


@pytest.mark.parametrize(
    ("pattern", "branches"),
    [
        ("a|b", True),
        ("(a)|b", True),
        (r"a\\|b", True),
        ("(a|b)c", False),
        ("[|]a", False),
        ("[]|]a", False),
        ("[^]|]a", False),
        (r"\|a", False),
        (r"[a\]|b]c", False),
    ],
)
def test_a_top_level_branch_is_told_from_one_inside_a_group_class_or_escape(pattern: str, branches: bool) -> None:
    assert secret_engine.has_top_level_branch(pattern) is branches


@pytest.mark.parametrize(
    "path",
    ["a.py", "x/y.tar.gz", ".bashrc", "dir.d/file", "a.PY", "noext", "a.", "x/.hidden.yml", "c.d/e.tf", "e.x.ample"],
)
def test_the_file_type_asked_by_extension_is_the_one_detect_secrets_gives_the_path(path: str) -> None:
    from detect_secrets.util.filetype import FileType, determine_file_type

    expected = FileType.CONFIG if secret_engine.is_config_file(path) else determine_file_type(path)
    assert secret_engine._file_type(path) == expected


@pytest.mark.parametrize(
    ("path", "config"),
    [
        (".env", True),
        ("web/.env.production", True),
        ("docker/db.env", True),
        ("etc/my.cnf", True),
        ("home/.pypirc", True),
        ("home/.bash_profile", True),
        ("src/env.py", False),
        ("environment.yml", False),
        ("docs/.envelope", False),
    ],
)
def test_env_files_and_dotfile_configs_are_read_as_config_files(path: str, config: bool) -> None:
    assert secret_engine.is_config_file(path) is config


def test_the_denylist_is_spelled_out_word_by_word_or_not_at_all() -> None:
    assert secret_engine._denylist_literals(("api_?key", "pwd", "db_?pass")) == (
        "apikey",
        "api_key",
        "pwd",
        "dbpass",
        "db_pass",
    )
    assert secret_engine._denylist_literals(("api_?key", "pass(word)?")) == ()  # other syntax: the plugin's search


def test_a_keyword_plugin_with_an_exclusion_runs_its_own_search() -> None:
    keyword = secret_engine._detect_secrets().KeywordDetector(keyword_exclude="ignored")
    lines = ["password = 'hunter2-horse'", "password = 'hunter2-horse' # ignored"]

    ours = [list(secret_engine.keyword_values(keyword, line, None)) for line in lines]

    assert ours == [list(keyword.analyze_string(line)) for line in lines]
    assert ours[0] and not ours[1]
