"""The compact provider table of ``rules/secrets.yaml`` (its ``providers:`` section), compiled
into ordinary :class:`~guardtrail.rules.Rule` objects.

Most providers' keys have no prefix of their own: a 32-character hex value is a Sendbird token
only next to the word ``sendbird``. Writing a regex, keywords and examples for each of hundreds
of such providers by hand would bury the few facts that differ (the names, the alphabet, the
length) in boilerplate, so each row (a line ``id | description | names | prefix | value``)
states only those, and this module writes the rest:

- names (``near``): the provider's names, one of which must occur (any case) at most
  :data:`~guardtrail.rules.NEAR_SPAN` characters before the value: on the same line, or across line breaks
  on the lines before it (``easyinsight credentials`` / ``key: …``, as TruffleHog's prefix
  regexes allow), when the scanner sees those lines together (a whole file, a run of added
  lines; :func:`~guardtrail.rules.spans_lines`). They are the rule's keywords, so the regex never runs on
  a line without one of them, and the lines after a name are looked at only when it occurs.
- ``prefix``: a literal the value starts with (case-sensitive); without ``near`` it is the
  keyword.
- ``value``: ``<alphabet> <length>`` or ``<alphabet> <min>-<max>`` (alphabets in
  :data:`ALPHABETS`), or ``uuid``.

Each row gets match and no-match examples built from a sample value that is derived from its
id (a hash, so obviously generated and never a real key), in the places such a key sits: an
unquoted env line, a JSON member. The no-match examples prove that the name is required and
that the length is exact.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any

from guardtrail.errors import GuardtrailError
from guardtrail.model import Category
from guardtrail.rules import NEAR_GAP, Examples, LazyExamples, Rule, as_strings

ALPHABETS = {
    "hex": "0-9a-f",
    "HEX": "0-9A-F",
    "hexany": "0-9a-fA-F",
    "lower": "a-z0-9",
    "upper": "A-Z0-9",
    "alnum": "A-Za-z0-9",
    "urlsafe": "A-Za-z0-9_-",
    "base64": "A-Za-z0-9+/",
    "digits": "0-9",
}
"""The value alphabets a row may name, as regex class bodies."""
_SAMPLE_CHARS = {
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "hexany": "0123456789abcdefABCDEF",
    "lower": "abcdefghijklmnopqrstuvwxyz0123456789",
    "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "alnum": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "urlsafe": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
    "base64": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "digits": "0123456789",
}
_BYTE_TO_CHAR = {
    name: bytes(ord(chars[byte % len(chars)]) for byte in range(256)) for name, chars in _SAMPLE_CHARS.items()
}
"""For each alphabet, a ``bytes.translate`` table taking any byte to one of its characters."""
_ENTROPY = {"hex": 3.0, "HEX": 3.0, "hexany": 3.0, "lower": 3.0, "digits": 2.5, "uuid": 3.0}
"""Minimum bits per character of a value, by alphabet (others: :data:`DEFAULT_ENTROPY`); lower
for short values, whose entropy cannot exceed log2 of their length."""
DEFAULT_ENTROPY = 3.5
_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_VALUE = re.compile(r"(?P<alphabet>\w+)(?: (?P<low>\d+)(?:-(?P<high>\d+))?)?")
_LETTERED = frozenset({"lower", "upper", "alnum", "urlsafe", "base64"})
"""Alphabets with letters enough to spell names: a value of theirs that reads as words
(``EnableWebhookUpdates``, ``read_only_access``, ``ADMINISTRATOR``) is a name, not a key."""
_WORDS = r"(?:[A-Z]?[a-z]+(?:[A-Z][a-z]+)*|[a-z]+(?:[_-][a-z]+)+|[A-Z]+(?:[_-][A-Z]+)*)"
"""Camel case, snake or kebab case, upper case: each split into words one way only, so a
failed match never backtracks through the ways of splitting."""
_COLUMNS = ("id", "name", "near", "prefix", "value")
"""The cells of a row, in order."""
MIN_NEAR = 4
"""Shorter names (``mux``, ``wit``) occur inside too many ordinary words to announce a key."""


@dataclass(frozen=True)
class ValueSpec:
    """What a provider's value looks like: an alphabet and a length range, or a UUID."""

    alphabet: str
    """A key of :data:`ALPHABETS`, or ``uuid``."""
    low: int = 36
    high: int = 36

    @property
    def pattern(self) -> str:
        if self.alphabet == "uuid":
            return _UUID
        span = f"{{{self.low}}}" if self.low == self.high else f"{{{self.low},{self.high}}}"
        return f"[{ALPHABETS[self.alphabet]}]{span}"

    @property
    def boundary(self) -> str:
        """The characters that may not touch the value on either side: a value is never the
        middle of a longer run of its own alphabet (or of letters and digits)."""
        extra = "" if self.alphabet == "uuid" else ALPHABETS[self.alphabet].replace("A-Za-z0-9", "")
        return f"A-Za-z0-9{extra}" if self.alphabet != "uuid" else "A-Za-z0-9-"

    def sample(self, seed: str, *, length: int | None = None) -> str:
        """A value of this shape derived from ``seed`` (a hash: generated, never a real key)."""
        if self.alphabet == "uuid":
            hexed = hashlib.sha256(seed.encode()).hexdigest()
            return f"{hexed[:8]}-{hexed[8:12]}-4{hexed[13:16]}-a{hexed[17:20]}-{hexed[20:32]}"
        wanted = self.low if length is None else length
        drawn = hashlib.shake_256(seed.encode()).digest(wanted).translate(_BYTE_TO_CHAR[self.alphabet]).decode()
        return drawn


def parse_value(text: Any, where: str) -> ValueSpec:
    """``hex 32``, ``alnum 32-45`` or ``uuid``."""
    spec = _value_spec(text) if isinstance(text, str) else None
    if spec is None:
        raise GuardtrailError(
            f"{where}: 'value' should be '<alphabet> <length>' or 'uuid' (alphabets: {sorted(ALPHABETS)})"
        )
    if spec.high < spec.low:
        raise GuardtrailError(f"{where}: value length {spec.low}-{spec.high} is empty")
    return spec


@functools.lru_cache(maxsize=256)
def _value_spec(text: str) -> ValueSpec | None:
    """The spec ``text`` spells, or None; the table names a few dozen, each many times."""
    match = _VALUE.fullmatch(text)
    if match is None or (match["alphabet"] != "uuid" and (match["alphabet"] not in ALPHABETS or not match["low"])):
        return None
    if match["alphabet"] == "uuid":
        return ValueSpec("uuid")
    low = int(match["low"])
    return ValueSpec(match["alphabet"], low, int(match["high"] or low))


def compile_providers(table: Any, source: str) -> tuple[Rule, ...]:
    """The rules of the ``providers:`` table (a block of text, one row a line, cells split by
    ``|``: id, description, names, prefix, value; ``#`` starts a comment line); ``source``
    names the file in errors, with the row's line."""
    if not isinstance(table, str):
        raise GuardtrailError(f"{source}: 'providers' should be a block of text (providers: |)")
    rules = []
    for number, line in enumerate(table.splitlines(), start=1):
        row = line.strip()
        if not row or row.startswith("#"):
            continue
        cells = [cell.strip() for cell in row.split("|")]
        if len(cells) != len(_COLUMNS):
            raise GuardtrailError(f"{source}: providers line {number}: expected {len(_COLUMNS)} cells split by '|'")
        entry: dict[str, Any] = {key: cell for key, cell in zip(_COLUMNS, cells, strict=True) if cell}
        entry["near"] = entry.get("near", "").split()
        rules.append(provider_rule(entry, f"{source}: providers line {number}"))
    return tuple(rules)


def provider_rule(entry: Any, source: str) -> Rule:
    """One row of the provider table as a :class:`Rule`."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise GuardtrailError(f"{source}: every provider needs an 'id'")
    where = f"{source}: provider {entry['id']}"
    unknown = set(entry) - set(_COLUMNS)
    if unknown:
        raise GuardtrailError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    near = tuple(word.lower() for word in as_strings(entry.get("near"), f"{where}: near"))
    prefix = entry.get("prefix")
    if prefix is not None and not isinstance(prefix, str):
        raise GuardtrailError(f"{where}: 'prefix' should be a string")
    if not near and not prefix:
        raise GuardtrailError(f"{where}: give 'near' (the provider's names) or a 'prefix'")
    short = [word for word in near if len(word) < MIN_NEAR]
    if short:
        raise GuardtrailError(f"{where}: name {short[0]!r} is too short to announce a key")
    value = parse_value(entry.get("value"), where)
    pattern = _pattern(near, prefix or "", value)
    rule_id = f"secret.{entry['id']}"
    return Rule(
        id=rule_id,
        description=str(entry.get("name") or entry["id"]),
        category=Category.SECRET,
        pattern=pattern,
        keywords=near or (prefix.lower(),),  # type: ignore[union-attr]  # prefix is set when near is not
        entropy=min(_ENTROPY.get(value.alphabet, DEFAULT_ENTROPY), 0.75 * math.log2(value.low)),
        examples=DerivedExamples(rule_id, near, prefix or "", value),
    )


def _escape(word: str) -> str:
    """``re.escape`` for the few words that need it (it costs 10 µs a word)."""
    return word if _PLAIN.fullmatch(word) else re.escape(word)


_PLAIN = re.compile(r"\w*")


def _pattern(near: tuple[str, ...], prefix: str, value: ValueSpec) -> str:
    boundary = value.boundary
    words = f"(?!{_WORDS}(?![{boundary}]))" if value.alphabet in _LETTERED and not prefix else ""
    secret = f"(?<![{boundary}])(?P<secret>{_escape(prefix)}{words}{value.pattern})(?![{boundary}])"
    if not near:
        return secret
    names = "|".join(_escape(word) for word in sorted(near, key=len, reverse=True))
    return f"(?i:{names}){NEAR_GAP}{secret}"


def _env_name(word: str) -> str:
    return word.upper().replace("-", "_").replace(".", "_").replace("/", "_")


class DerivedExamples(LazyExamples):
    """A row's :func:`_examples`, built when first read: only the test suite reads them, and
    building them for every row would cost each run (a hook is one) 20 ms."""

    _row: tuple[str, tuple[str, ...], str, ValueSpec]

    def __init__(self, rule_id: str, near: tuple[str, ...], prefix: str, value: ValueSpec) -> None:
        object.__setattr__(self, "_row", (rule_id, near, prefix, value))  # Examples is frozen

    def build(self) -> Examples:
        return _examples(*self._row)


def derived_record(examples: Examples) -> list[Any] | None:
    """The row a :class:`DerivedExamples` is built from, as JSON values (the rule cache keeps
    that, not the examples); None for examples of any other kind."""
    if not isinstance(examples, DerivedExamples):
        return None
    rule_id, near, prefix, value = examples._row
    return [rule_id, list(near), prefix, value.alphabet, value.low, value.high]


def examples_from_record(record: Any) -> DerivedExamples:
    """The :class:`DerivedExamples` of a :func:`derived_record`; TypeError for any other shape."""
    if not isinstance(record, list) or len(record) != 6:
        raise TypeError("derived examples")
    rule_id, near, prefix, alphabet, low, high = record
    if not (
        isinstance(rule_id, str)
        and isinstance(near, list)
        and all(isinstance(word, str) for word in near)
        and isinstance(prefix, str)
        and (alphabet == "uuid" or alphabet in ALPHABETS)
        and type(low) is int
        and type(high) is int
    ):
        raise TypeError("derived examples")
    return DerivedExamples(rule_id, tuple(near), prefix, ValueSpec(alphabet, low, high))


def _examples(rule_id: str, near: tuple[str, ...], prefix: str, value: ValueSpec) -> Examples:
    """A match in an unquoted env line and in a JSON member; no match without the name, or with
    a value one character short (left out where the name alone makes detect-secrets' keyword
    plugin report any value: ``..._SECRET=``)."""
    sample = prefix + value.sample(rule_id)
    short = prefix + value.sample(rule_id, length=value.low - 1) if value.alphabet != "uuid" else sample[:-1]
    if not near:
        return Examples(
            match=(f"TOKEN={sample}", f'{{"token": "{sample}"}}'),
            no_match=(f"BUILD_TAG={short}", f"BUILD_TAG={prefix}"),
        )
    name = near[0]
    env = _env_name(name)
    too_short = () if _KEYWORD_NAME.search(env) else (f"{env}_SETTING={short}",)
    return Examples(
        match=(f"{env}_TOKEN={sample}", f'{{"{name}": {{"token": "{sample}"}}}}'),
        no_match=(*too_short, f"BUILD_TAG={sample}"),
    )


_KEYWORD_NAME = re.compile(r"SECRET|PASS|PWD|KEY")
"""Words that make detect-secrets' keyword plugin report whatever value a name is given."""
