"""The detect-secrets engine, wrapped once with explicit configuration.

Nothing here reads or changes detect-secrets' process-wide settings: the plugins are built
directly with their parameters, and each plugin's ``analyze_string`` and the heuristic filters
are called as plain functions. That keeps results independent of call order and skips the
per-line settings machinery of ``scan_line`` (the slow part of detect-secrets).

detect-secrets itself (about 100 ms to import) is loaded only when a plugin first runs: the
keywords and triggers that decide whether one runs are spelled out here, so a change in which
no line wakes a plugin never imports it.

Plugins whose token formats ``rules/secrets.yaml`` covers more precisely (GitHub, GitLab,
Slack, Stripe, npm, PyPI, SendGrid, OpenAI, Square, Telegram, Twilio, Azure, private keys,
URL credentials) are not run here, so one secret yields one finding with the sharper rule id.
"""

from __future__ import annotations

import enum
import functools
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from guardtrail.classify import offline_requests

BASE64_LIMIT = 4.5
"""detect-secrets' default Shannon entropy limit for quoted base64 strings."""
HEX_LIMIT = 3.0
"""detect-secrets' default Shannon entropy limit for quoted hex strings."""
MAX_PLUGIN_LINE = 4096
"""Longer lines (minified code, data) get only token formats: our own rules and detect-secrets'
token plugins (AWS keys, JWTs, ...), never its keyword and entropy plugins, whose regexes cost
too much there."""
PATHS_REMEMBERED = 65536
"""Paths whose file type and filter verdict are kept: a history names each path many times."""

_HASH_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})
"""Hex lengths of MD5, SHA-1 (git object ids), SHA-224/256/384/512: digests, not secrets."""
_DIGEST_CONTEXT = re.compile(r"sha(?:1|224|256|384|512)[-:=]|--hash=|integrity|checksum|digest|data:[\w/+.-]+;base64,")
"""Words that put a digest on the line; searched in :func:`fold_case` of it, as are the other
lower-case regexes that stand for case-insensitive ones (those get none of sre's shortcuts)."""


QUOTED_BASE64 = re.compile(r"""(['"])([A-Za-z0-9+/=\\_-]{23,})\1""")
QUOTED_HEX = re.compile(r"""(['"])([0-9a-fA-F]{9,})\1""")
"""The quoted strings the entropy plugins could report: entropy never exceeds log2(length),
so base64 needs more than 2**4.5 (~22.6) characters and hex more than 2**3."""


DISCORD_TOKEN = re.compile(r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}")
"""detect-secrets' ``DiscordBotTokenDetector.denylist`` pattern, known without importing it."""

DISCORD_SIEVE = (re.compile(r"\.[a-zA-Z\d_-]{6}\."),)
"""The part of ``DISCORD_TOKEN`` that starts with a literal."""


# What a value must look like for a plugin to report it, read off its own patterns.
ASCII_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
"""The non-ASCII letters a case-insensitive ASCII letter matches (dotted I, dotless i, long s,
Kelvin sign), each with the lower-case ASCII letter it matches."""
FOLDS_TO_ASCII = "".join(ASCII_FOLDS)
"""The non-ASCII letters a case-insensitive ``[a-zA-Z]`` matches: spelled out, the classes
below match what the plugins' case-insensitive ones do, at twice the speed."""
AWS_SECRET_KEY = re.compile(f"['\"][0-9a-zA-Z/+{FOLDS_TO_ASCII}]{{40}}['\"]")
"""The value of ``AWSKeyDetector``'s second pattern, ``aws.{0,20}?(?:key|...).{0,20}?['"]([0-9a-zA-Z/+]{40})['"]``
(case-insensitive): 40 characters in quotes. It wakes the plugin through :data:`QUOTED_SIEVE`
instead of the word ``aws``, which infrastructure code holds on every other line."""
AWS_VALUE = re.compile(f"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{{16}}|{AWS_SECRET_KEY.pattern}")
"""``AWSKeyDetector``: an access key id (its own pattern, case-sensitive), or a secret key."""
QUOTED_SIEVE = (
    re.compile(f"""'(?:[0-9a-fA-F]{{9,}}|[A-Za-z0-9+/=\\\\_\\-{FOLDS_TO_ASCII}]{{23,}})['"]"""),
    re.compile(f""""(?:[0-9a-fA-F]{{9,}}|[A-Za-z0-9+/=\\\\_\\-{FOLDS_TO_ASCII}]{{23,}})['"]"""),
)
"""Every line where ``QUOTED_BASE64``, ``QUOTED_HEX`` or ``AWS_SECRET_KEY`` matches holds a
match of one of these (either closing quote, the letters a case-insensitive class matches).
Each starts with a literal quote, which the regex engine finds several times faster than the
class ``['"]`` the triggers start with."""
ARTIFACTORY_VALUE = re.compile(r"A(?:KC|P[\dABCDEF])[a-zA-Z0-9]{8}")
"""``ArtifactoryDetector``: ``AKC`` and 10 more, or ``AP[0-9A-F]`` and 8 more."""
IBM_IAM_VALUE = re.compile(f"[a-zA-Z0-9_\\-{FOLDS_TO_ASCII}]{{44}}")
"""``IbmCloudIamDetector``: a 44-character key (case-insensitive)."""
IBM_COS_VALUE = re.compile(r"[0-9a-fA-F]{48}")
"""``IbmCosHmacDetector``: a secret key of 48 hex digits (case-insensitive; no letter folds
into a-f). Its assignment regex tries every position of a line: on a 3 MB minified line woken by
the word secret, this check costs an eighth of the plugin."""


@functools.cache
def _detect_secrets() -> SimpleNamespace:
    """The parts of detect-secrets guardtrail uses, imported on first call (the one place that
    does), with a ``requests`` that makes no request (:mod:`offline_requests`)."""
    try:
        with offline_requests.importing_offline():
            return _import_detect_secrets()
    except (ImportError, AttributeError):  # a detect-secrets that needs more of requests to import
        offline_requests.forget("detect_secrets")
        return _import_detect_secrets()


def _import_detect_secrets() -> SimpleNamespace:
    from detect_secrets.filters import heuristic
    from detect_secrets.plugins import keyword
    from detect_secrets.plugins.artifactory import ArtifactoryDetector
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.plugins.cloudant import CloudantDetector
    from detect_secrets.plugins.discord import DiscordBotTokenDetector
    from detect_secrets.plugins.high_entropy_strings import (
        Base64HighEntropyString,
        HexHighEntropyString,
        HighEntropyStringsPlugin,
    )
    from detect_secrets.plugins.ibm_cloud_iam import IbmCloudIamDetector
    from detect_secrets.plugins.ibm_cos_hmac import IbmCosHmacDetector
    from detect_secrets.plugins.jwt import JwtTokenDetector
    from detect_secrets.plugins.keyword import REGEX_BY_FILETYPE, KeywordDetector
    from detect_secrets.plugins.mailchimp import MailchimpDetector
    from detect_secrets.plugins.softlayer import SoftlayerDetector
    from detect_secrets.util.filetype import determine_file_type

    return SimpleNamespace(
        heuristic=heuristic,
        keyword=keyword,
        ArtifactoryDetector=ArtifactoryDetector,
        AWSKeyDetector=AWSKeyDetector,
        RegexBasedDetector=RegexBasedDetector,
        CloudantDetector=CloudantDetector,
        DiscordBotTokenDetector=DiscordBotTokenDetector,
        Base64HighEntropyString=Base64HighEntropyString,
        HexHighEntropyString=HexHighEntropyString,
        HighEntropyStringsPlugin=HighEntropyStringsPlugin,
        IbmCloudIamDetector=IbmCloudIamDetector,
        IbmCosHmacDetector=IbmCosHmacDetector,
        JwtTokenDetector=JwtTokenDetector,
        REGEX_BY_FILETYPE=REGEX_BY_FILETYPE,
        KeywordDetector=KeywordDetector,
        MailchimpDetector=MailchimpDetector,
        SoftlayerDetector=SoftlayerDetector,
        determine_file_type=determine_file_type,
    )


def prepare(plugins: Iterable[Plugin]) -> None:
    """Import detect-secrets and build ``plugins`` now instead of on first use: a history scan
    does it once before it forks its workers, which then share it all instead of each
    importing detect-secrets (25 ms of CPU here)."""
    for plugin in plugins:
        if plugin.kind is Kind.ENTROPY:
            plugin.entropy  # noqa: B018 - a cached property, computed here for its cache
    _secret_filters()
    _denylist_words()


def baseline_header() -> dict[str, Any]:
    """``version``, ``plugins_used`` and ``filters_used`` as ``detect-secrets scan`` writes them
    at the head of a new baseline: every plugin of detect-secrets and its default filters, read
    inside its transient settings (its process-wide ones are as they were afterwards). Left out
    is the filter that has detect-secrets verify secrets with their providers: guardtrail never
    does, and detect-secrets' own tools reading the baseline then make no request either."""
    _detect_secrets()
    from detect_secrets.__version__ import VERSION
    from detect_secrets.settings import default_settings

    with default_settings() as settings:
        return {"version": VERSION, **settings.json()}


@dataclass(frozen=True)
class Plugin:
    """One detect-secrets plugin and what wakes it: keywords in a line, or a trigger regex."""

    rule: str
    """Our rule id for its findings, ``secret.<name>``."""
    description: str
    make: Callable[[], Any]
    """Builds the detect-secrets plugin (importing detect-secrets): called once, on first use."""
    keywords: tuple[str, ...] = ()
    """Lower-case words one of which must occur in a line before the plugin runs on it."""
    trigger: re.Pattern[str] | None = None
    """For values no keyword announces: a regex run once over a file's added text; the
    plugin also runs on the lines where it matches."""
    sieve: tuple[re.Pattern[str], ...] = ()
    """Cheaper regexes, one of which matches on every line ``trigger`` matches: when given,
    they run over the added text and ``trigger`` only on the lines they pick."""
    requires: re.Pattern[str] | None = None
    """A regex that matches every line the plugin could report on (read off the plugin's own
    patterns): the scanner skips the plugin on other lines, whatever keyword woke it."""
    prefixed: bool = False
    """A token format with a fixed prefix (``AKIA…``): precise enough to search the printable
    runs of binary files with."""

    @functools.cached_property
    def plugin(self) -> Any:
        """The detect-secrets plugin object (a ``BasePlugin``)."""
        return self.make()

    @functools.cached_property
    def kind(self) -> Kind:
        """Which of detect-secrets' plugin families it is, asked once: ``isinstance`` on its
        ABC-based classes costs more per line than the rest of a plugin's call."""
        ds = _detect_secrets()
        found = self.plugin
        if isinstance(found, ds.HighEntropyStringsPlugin):
            return Kind.ENTROPY
        if isinstance(found, ds.KeywordDetector):
            return Kind.KEYWORD
        return Kind.TOKEN if isinstance(found, ds.RegexBasedDetector) else Kind.OTHER

    @functools.cached_property
    def entropy(self) -> Callable[[str], float]:
        """An entropy plugin's ``calculate_shannon_entropy``, bit for bit, counting each value
        in one pass where detect-secrets' method makes a pass per character of the charset."""
        ds = _detect_secrets()
        found = self.plugin
        method = type(found).calculate_shannon_entropy
        if method is ds.HighEntropyStringsPlugin.calculate_shannon_entropy:
            return functools.partial(charset_entropy, found.charset)
        if method is ds.HexHighEntropyString.calculate_shannon_entropy:
            return functools.partial(hex_entropy, found.charset)
        return cast(Callable[[str], float], found.calculate_shannon_entropy)


class Kind(enum.Enum):
    """The plugin families whose calls and filters differ."""

    ENTROPY = "entropy"
    """``HighEntropyStringsPlugin``: quoted strings, kept above an entropy limit."""
    KEYWORD = "keyword"
    """``KeywordDetector``: a value assigned to a secret-looking name, by file type."""
    TOKEN = "token"
    """``RegexBasedDetector``: a token format."""
    OTHER = "other"
    """Any other ``BasePlugin``: only the filters every plugin gets."""


def fold_case(text: str) -> str:
    """``text`` lower-cased as a case-insensitive regex reads it (a long s, U+017F, matches
    ``s``; the Kelvin sign, U+212A, ``k``), without moving offsets (a few characters lower to
    two). A lower-case regex finds in it what the same regex with ``re.IGNORECASE`` finds in
    ``text``."""
    if text.isascii():
        return text.lower()
    folded = text
    for char, ascii_letter in ASCII_FOLDS.items():  # str.translate would cost a dict look-up a character
        if char in folded:
            folded = folded.replace(char, ascii_letter)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(low if len(low := char.lower()) == 1 else char for char in folded)


def _words(first: str, *rest: str) -> tuple[str, ...]:
    """``first`` joined to each of ``rest`` directly, by ``_`` and by ``-``."""
    return tuple(f"{first}{sep}{word}" for word in rest for sep in ("", "_", "-"))


def _assigned(*words: str) -> tuple[str, ...]:
    """Each of ``words`` followed by a character that can open an assignment in
    ``RegexBasedDetector.build_assignment_regex``: a closing quote or bracket, a space, ``=``
    or ``:``. Plain ``key`` or ``token`` would wake a plugin on most lines of code."""
    return tuple(word + follower for word in words for follower in "\"']=: ")


_SECRET_WORDS = ("key", "pwd", "pw", "pass", "token", "api")
_KEYWORD_DENYLIST = (
    *_words("api", "key"),
    *_words("auth", "key"),
    *_words("service", "key"),
    *_words("account", "key"),
    *_words("db", "key", "pass"),
    *_words("database", "key", "pass"),
    *_words("priv", "key"),
    *_words("private", "key"),
    *_words("client", "key"),
    *_words("key", "pass"),
    "password",
    "passwd",
    "pwd",
    "secret",
    "contraseña",
    "contrasena",
)
"""detect-secrets' KeywordDetector denylist (``api_?key``, ``password``, ...) spelled out."""


def default_plugins() -> tuple[Plugin, ...]:
    """The detect-secrets plugins guardtrail runs, with detect-secrets' default parameters."""
    return (
        Plugin(
            "secret.aws-access-key",
            "AWS access key",
            lambda: _detect_secrets().AWSKeyDetector(),
            ("akia", "asia", "abia", "acca", "a3t"),
            trigger=AWS_SECRET_KEY,
            sieve=QUOTED_SIEVE,
            requires=AWS_VALUE,
            prefixed=True,
        ),
        Plugin(
            "secret.artifactory",
            "Artifactory credential",
            lambda: _detect_secrets().ArtifactoryDetector(),
            ("akc", *_words("ap", *"0123456789abcdef")),
            requires=ARTIFACTORY_VALUE,
        ),
        Plugin(
            "secret.cloudant",
            "Cloudant credential",
            lambda: _detect_secrets().CloudantDetector(),
            ("cloudant", *_words("cl", *_SECRET_WORDS)),
        ),
        Plugin(
            "secret.discord-bot-token",
            "Discord bot token",
            lambda: _detect_secrets().DiscordBotTokenDetector(),
            trigger=DISCORD_TOKEN,
            sieve=DISCORD_SIEVE,
        ),
        Plugin(
            "secret.ibm-cloud-iam",
            "IBM Cloud IAM key",
            lambda: _detect_secrets().IbmCloudIamDetector(),
            _assigned("key", "pwd", "pass", "password", "token"),
            requires=IBM_IAM_VALUE,
        ),
        Plugin(
            "secret.ibm-cos-hmac",
            "IBM COS HMAC credential",
            lambda: _detect_secrets().IbmCosHmacDetector(),
            ("secret",),
            requires=IBM_COS_VALUE,
        ),
        Plugin("secret.jwt", "JSON web token", lambda: _detect_secrets().JwtTokenDetector(), ("eyj",)),
        Plugin("secret.mailchimp", "Mailchimp API key", lambda: _detect_secrets().MailchimpDetector(), ("-us",)),
        Plugin(
            "secret.softlayer",
            "SoftLayer credential",
            lambda: _detect_secrets().SoftlayerDetector(),
            ("softlayer", *_words("sl", *_SECRET_WORDS)),
        ),
        Plugin(
            "secret.keyword",
            "Secret assigned to a secret-looking name",
            lambda: _detect_secrets().KeywordDetector(),
            _KEYWORD_DENYLIST,
        ),
        Plugin(
            "secret.high-entropy-base64",
            "High-entropy base64 string",
            lambda: _detect_secrets().Base64HighEntropyString(BASE64_LIMIT),
            trigger=QUOTED_BASE64,
            sieve=QUOTED_SIEVE,
        ),
        Plugin(
            "secret.high-entropy-hex",
            "High-entropy hex string",
            lambda: _detect_secrets().HexHighEntropyString(HEX_LIMIT),
            trigger=QUOTED_HEX,
            sieve=QUOTED_SIEVE,
        ),
    )


def raw_secrets(plugin: Plugin, path: str, line: str) -> Iterator[str]:
    """The values ``plugin`` reports on ``line`` before filtering (no settings consulted)."""
    kind = plugin.kind
    if len(line) > MAX_PLUGIN_LINE and kind is not Kind.TOKEN:
        return
    found = plugin.plugin
    if kind is Kind.ENTROPY:
        # Entropy never exceeds log2 of the number of distinct characters (nor of the length):
        # skip the values too short or too uniform to pass the limit without computing it.
        limit = found.entropy_limit
        fewest = 2**limit
        entropy = plugin.entropy
        for value in found.analyze_string(line):
            if len(value) > fewest and len(set(value)) >= fewest and entropy(value) > limit:
                yield value
    elif kind is Kind.KEYWORD:
        yield from keyword_values(found, line, _keyword_regexes(path))
    else:
        yield from found.analyze_string(line)


def keyword_values(found: Any, line: str, regexes: dict[re.Pattern[str], int] | None) -> Iterator[str]:
    """``KeywordDetector.analyze_string(line, denylist_regex_to_group=regexes)``: the same values,
    at a fraction of the cost on long lines.

    Most of its regexes start with the denylist group (``(api_?key|...|secret|...)\\w*``), and
    ``search`` tries them at every position of the line, with ``re.IGNORECASE`` (which gets none
    of sre's shortcuts). A match can only start where a denylist word does: here each such
    regex is tried, in the same order, with ``match`` at just those positions (found by
    ``str.find`` in :func:`fold_case` of the line), and the first match is what ``search``
    returns. The regex that starts with a quote and ends with the word (``"bar" == password``)
    runs only on lines with a comparison, which it requires."""
    keyword = _detect_secrets().keyword
    if found.keyword_exclude is not None or not _denylist_words():
        yield from found.analyze_string(line, denylist_regex_to_group=regexes)
        return
    table = keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP if regexes is None else regexes
    starts: list[int] | None = None
    for regex, group in table.items():
        if _leads_with_denylist(regex):
            if starts is None:
                starts = _denylist_starts(line)
            match = next((match for at in starts if (match := regex.match(line, at))), None)
        elif regex is keyword.PRECEDED_BY_EQUAL_COMPARISON_SIGNS_QUOTES_REQUIRED_REGEX:
            match = regex.search(line) if _COMPARISON.search(line) else None
        else:
            match = regex.search(line)
        if match:
            yield match.group(group)


@functools.lru_cache(maxsize=64)
def _leads_with_denylist(regex: re.Pattern[str]) -> bool:
    """Whether every match of ``regex`` starts with the denylist group: its pattern starts so
    and has no ``|`` outside groups and classes."""
    pattern = regex.pattern
    return pattern.startswith(_detect_secrets().keyword.DENYLIST_REGEX) and not has_top_level_branch(pattern)


def has_top_level_branch(pattern: str) -> bool:
    """Whether ``pattern`` has a ``|`` outside every group and character class."""
    depth = at = 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 1
        elif char == "[":
            at += 2 if pattern.startswith("[^", at) else 1
            at += pattern[at] == "]"  # a "]" first in a class is a literal
            while pattern[at] != "]":
                at += 2 if pattern[at] == "\\" else 1
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            return True
        at += 1
    return False


_COMPARISON = re.compile(r"[!=]{2}")
"""What ``"bar" == password`` needs (its regex's ``[!=]{2,3}``)."""


def _denylist_literals(entries: tuple[str, ...]) -> tuple[str, ...]:
    """Every word detect-secrets' denylist ``entries`` (``api_?key``, ``password``) spell, in
    lower case; nothing when an entry holds any other regex syntax (then the plugin's own
    search runs)."""
    words: list[str] = []
    for entry in entries:
        if not re.fullmatch(r"[a-zñ]+(?:_\?[a-zñ]+)*", entry):
            return ()
        spelled = [""]
        for piece in entry.split("_?"):
            spelled = [f"{word}{joint}{piece}" for word in spelled for joint in (("", "_") if word else ("",))]
        words += spelled
    return tuple(dict.fromkeys(words))


@functools.cache
def _denylist_words() -> tuple[str, ...]:
    return _denylist_literals(_detect_secrets().keyword.DENYLIST)


def _denylist_starts(line: str) -> list[int]:
    """Where a word of the denylist starts in ``line``, ignoring case as ``re.IGNORECASE`` does."""
    lowered = fold_case(line)
    starts: set[int] = set()
    for word in _denylist_words():
        at = lowered.find(word)
        while at >= 0:
            starts.add(at)
            at = lowered.find(word, at + 1)
    return sorted(starts)


def charset_entropy(charset: str, value: str) -> float:
    """``HighEntropyStringsPlugin.calculate_shannon_entropy``: the base method counts each
    character of the charset with ``str.count``; one ``Counter`` pass gives the same counts,
    summed in the same order, so the same float."""
    if not value:
        return 0.0
    counts = Counter(value)
    terms = _entropy_terms(len(value))
    entropy = 0.0
    for char in charset:
        count = counts.get(char)
        if count:
            entropy += terms[count]
    return entropy


@functools.lru_cache(maxsize=128)
def _entropy_terms(length: int) -> tuple[float, ...]:
    """``-p * log2(p)`` for ``p = count / length``, by count, each computed as detect-secrets does."""
    terms = [0.0]
    for count in range(1, length + 1):
        p_x = float(count) / length
        terms.append(-p_x * math.log(p_x, 2))
    return tuple(terms)


def hex_entropy(charset: str, value: str) -> float:
    """``HexHighEntropyString.calculate_shannon_entropy``: the base entropy, lowered for a value
    of digits only (a number is rarely a secret), as detect-secrets computes it."""
    entropy = charset_entropy(charset, value)
    if len(value) == 1:
        return entropy
    try:
        int(value)
    except ValueError:
        return entropy
    return entropy - 1.2 / math.log(len(value), 2)


def _file_type(path: str) -> Any:
    """detect-secrets' ``FileType`` of ``path``: ``determine_file_type`` reads only the
    extension ``os.path.splitext`` gives, and builds a table of 25 types on every call, so it
    is asked once per extension. Env and dotfile configs it does not know are config files
    (:func:`is_config_file`)."""
    extension = os.path.splitext(path)[1]
    return _extension_type(".cfg" if is_config_file(path) else extension)


CONFIG_FILE_NAMES = frozenset(
    {".env", ".envrc", ".pypirc", ".s3cfg", ".esmtprc", ".boto", ".tugboat", "credentials", ".credentials"}
    | {".bash_profile", ".bashrc", ".zshrc", ".profile"}
)
"""Names of files whose lines are ``NAME=value`` or ``name = value`` settings, unquoted as a
rule, that detect-secrets reads as plain text (where its keyword plugin wants quotes)."""
_CONFIG_NAME = re.compile(r"\.env(?:\.[\w-]+)*|[\w.-]+\.(?:env|cnf)|\.[\w.-]+\.cnf")


def is_config_file(path: str) -> bool:
    """Env files (``.env``, ``.env.production``, ``db.env``: Laravel, Rails dotenv, Docker
    Compose ``env_file``), ``my.cnf``, shell profiles (``export NAME=value``) and the dotfile
    configs of :data:`CONFIG_FILE_NAMES`: their values are found unquoted, as in other config
    files."""
    name = path.rsplit("/", 1)[-1]
    return name in CONFIG_FILE_NAMES or bool(_CONFIG_NAME.fullmatch(name))


@functools.lru_cache(maxsize=1024)
def _extension_type(extension: str) -> Any:
    return _detect_secrets().determine_file_type(f"file{extension}")


def _keyword_regexes(path: str) -> dict[re.Pattern[str], int] | None:
    """The KeywordDetector's regexes for the type of file ``path`` names (None: its default)."""
    return cast("dict[re.Pattern[str], int] | None", _detect_secrets().REGEX_BY_FILETYPE.get(_file_type(path)))


def path_context(path: str) -> tuple[bool, Any, bool]:
    """All that :func:`detect` reads of ``path``: whether detect-secrets ignores the file, its
    type, and whether it is a config file of literal values. Two paths with the same context
    get the same answers on the same line."""
    return _ignored_file(path), _file_type(path), is_config_file(path)


@functools.lru_cache(maxsize=PATHS_REMEMBERED)
def _ignored_file(path: str) -> bool:
    """detect-secrets' filters for files whose values are never secrets: lock files, and
    Swagger files, which ``is_swagger_file`` finds with ``re.search(".*swagger.*", path)``: true
    exactly when the path holds ``swagger`` (``.*`` matches the empty string), at a cost that
    grows with the square of the path's length."""
    return bool(_detect_secrets().heuristic.is_lock_file(path) or "swagger" in path)


@functools.cache
def _secret_filters() -> tuple[Callable[[str], bool], ...]:
    heuristic = _detect_secrets().heuristic
    return (
        heuristic.is_sequential_string,
        heuristic.is_potential_uuid,
        heuristic.is_templated_secret,
        heuristic.is_prefixed_with_dollar_sign,
        heuristic.is_not_alphanumeric_string,
    )


def is_false_positive(plugin: Plugin, line: str, secret: str, *, literal: bool = False) -> bool:
    """detect-secrets' default heuristic filters on a value and its line (those on the file's
    path are :func:`detect`'s), plus digests for the entropy plugins. In a file of ``literal``
    values (an env file or a dotfile config, :func:`is_config_file`) nothing is a call or an
    index: ``DB_PASSWORD=Xq7(vR2)kL9`` is a password, not an indirect reference to one."""
    for check in _secret_filters():
        if check(secret):
            return True
    kind = plugin.kind
    # Passing no plugin skips is_likely_id_string's own isinstance: it never holds for tokens.
    if kind is not Kind.TOKEN and _detect_secrets().heuristic.is_likely_id_string(secret, line):
        return True
    if kind is Kind.ENTROPY:
        is_hex_digest = len(secret) in _HASH_LENGTHS and all(c in "0123456789abcdefABCDEF" for c in secret)
        if is_hex_digest or _DIGEST_CONTEXT.search(fold_case(line)):
            return True
    if kind is Kind.KEYWORD and (
        is_prose(secret)
        or is_file_name(secret)
        or echoes_its_name(line, secret)
        or names_a_reference(line, secret)
        or is_baseline_entry(line, secret)
    ):
        return True
    # A token format is a token even as a function argument; a keyword match is not.
    return kind is not Kind.TOKEN and not literal and is_indirect_reference(line)


_PROSE = re.compile(r"\w\s+\w")
_FILE_NAME = re.compile(
    r"[\w./-]*\w\.(?:ya?ml|json|toml|ini|cfg|conf|config|env|properties|xml|txt|md|rst|csv|log|lock"
    r"|py|js|mjs|cjs|ts|tsx|jsx|rb|go|rs|java|kt|php|sh|bash|ps1|tf|tfvars|sql|html?|css"
    r"|pem|key|crt|cer|der|pub|p12|pfx|jks|keystore|gpg|asc)",
    re.IGNORECASE,
)
_NAME_BEFORE = re.compile(r"([A-Za-z_$][\w.$-]*)[\W_]*$")


def is_prose(secret: str) -> bool:
    """Words separated by whitespace (``"A step newly reads a repository secret"``): a message
    or a description assigned to a secret-looking name, not a credential."""
    return bool(_PROSE.search(secret))


def is_file_name(secret: str) -> bool:
    """A file name or path with a common extension (``"secret.yaml"``, ``"certs/server.key"``):
    where a secret is kept, not the secret."""
    return bool(_FILE_NAME.fullmatch(secret))


def echoes_its_name(line: str, secret: str) -> bool:
    """The value spells (part of) the name it is assigned to, ignoring case, ``-`` and ``_``:
    ``SECRET = "secret"``, ``ALLOW_SECRET = "Allow-secret"`` are labels, not credentials."""
    name = _assigned_name(line, secret)
    value = _squash(secret)
    return name is not None and bool(value) and value in _squash(name)


_NAME_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_REFERENCE_WORDS = frozenset(
    {"name", "id", "ref", "path", "file", "env", "var", "header", "field", "label", "arn", "type"}
    | {"hasher", "algorithm", "algo", "policy", "mode", "length", "timeout", "ttl", "format", "backend"}
)
"""Last words of a name whose value says where a secret is or what it is called, not the secret."""


def names_a_reference(line: str, secret: str) -> bool:
    """The name the value is assigned to ends in a word like name, env or header
    (``secretName: tls-cert-prod``, ``SECRET_KEY_ENV = "DJANGO_SECRET_KEY"``,
    ``api_key_header = "X-Api-Key"``): the value names a secret, it is not one. Only the keyword
    plugin asks: a token format or a high-entropy value alarms whatever its name."""
    name = _assigned_name(line, secret)
    words = _NAME_WORDS.findall(name) if name else []
    return bool(words) and words[-1].lower() in _REFERENCE_WORDS


def _assigned_name(line: str, secret: str) -> str | None:
    """The name ``secret`` is assigned to on ``line`` (the last name before it), if any. The
    value stands after its name, which may hold it (``"passwordField": "password"``): it is
    looked for from the end."""
    at = line.rfind(secret)
    name = _NAME_BEFORE.search(line[:at]) if at > 0 else None
    return name.group(1) if name else None


_BASELINE_ENTRY = re.compile(r'"hashed_secret"\s*:\s*"([0-9a-f]{40})"')


def is_baseline_entry(line: str, secret: str) -> bool:
    """The SHA-1 a detect-secrets baseline stores under ``"hashed_secret"``: what a secret
    hashes to, not a secret (exactly that key and shape, so a credential cannot pass as one by
    its name alone)."""
    entry = _BASELINE_ENTRY.search(line)
    return entry is not None and entry.group(1) == secret


def _squash(text: str) -> str:
    return text.lower().replace("-", "").replace("_", "")


INDIRECT_REFERENCE = re.compile(r"[:!=]\s*[\w.-]+[\[\(][^\v\]\)]*[\]\)]")
r"""detect-secrets' indirect-reference pattern ``([^\v=!:]*)\s*(:=?|[!=]{1,3})\s*([\w.-]+[\[\(][^\v]*[\]\)])``
reduced to what decides *whether* it matches somewhere in a line: its leading group can match
empty, an operator can always match as its own last character, and some closing bracket
follows an opening one (no ``\v`` between) exactly when the first one after it does. The
original retries its leading ``[^\v=!:]*`` from every position: half a millisecond a line."""


def is_indirect_reference(line: str) -> bool:
    """``detect_secrets.filters.heuristic.is_indirect_reference``, same answers, far faster:
    ``secret = get_secret_key()``, ``secret = request.headers['apikey']``."""
    return len(line) <= 1000 and bool(INDIRECT_REFERENCE.search(line))


def detect(plugin: Plugin, path: str, line: str) -> Iterator[str]:
    """The secrets ``plugin`` finds on ``line`` that survive detect-secrets' filters. Of the
    path, only :func:`path_context` changes the answer."""
    if _ignored_file(path):
        return iter(())
    raw = dict.fromkeys(raw_secrets(plugin, path, line))
    literal = is_config_file(path)
    return (secret for secret in raw if not is_false_positive(plugin, line, secret, literal=literal))
