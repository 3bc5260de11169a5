"""Secrets in added lines: our token rules (``rules/secrets.yaml``) and detect-secrets' plugins.

Every added line of every commit is scanned, whoever wrote it. One keyword pass over a file's
added text (a single compiled alternation) picks the lines and the detectors worth running,
so the cost grows with the number of lines, not with lines times rules. The same pass marks
the lines holding an escape, which are scanned again decoded (:mod:`encodings`); a binary
file is searched in its printable runs, with the token formats that have a fixed prefix only.

Findings never carry the value: the message shows its first characters, ``secret_hash`` is the
SHA-1 that detect-secrets baselines store, and ``fingerprint`` hashes rule, value and path.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import dataclasses
import functools
import hashlib
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from guardtrail.classify.base import Blobs
from guardtrail.classify.encodings import ESCAPE_KEYWORDS, binary_strings, decoded
from guardtrail.classify.secrets import engine as secret_engine
from guardtrail.classify.secrets.engine import fold_case
from guardtrail.errors import GuardtrailError
from guardtrail.model import AddedLine, Category, Confidence, FileChange, Finding, Severity, Skipped
from guardtrail.rule_files import documented_examples, load_rules
from guardtrail.rules import NEAR_SPAN, Rule, spans_lines

try:
    import ahocorasick_rs as _ahocorasick
except ImportError:  # pragma: no cover - a platform without its wheel: the regex pass does the same work
    _ahocorasick = None  # type: ignore[assignment]

# Written in lower case and searched in fold_case(text): what re.IGNORECASE finds, at a
# fraction of the cost (a case-insensitive regex gets none of sre's literal shortcuts).
_PRAGMA = re.compile(r"pragma:\s*allowlist[ -]secret")
_PRAGMA_NEXTLINE = re.compile(r"pragma:\s*allowlist[ -]nextline[ -]secret")
_PLACEHOLDER = re.compile(
    r"example|xxxx|\*\*\*|your|placeholder|redacted|changeme|change_me|dummy|sample|fake|"
    r"<[\w .:/@-]+>|^<|>$|\$\{|\{\{|%\(|\$\(|\.\.\.|…|0{8}|12345678|abcdefgh|^\$|^%\w+%$"
)
"""Also a value holding a ``<name>`` to fill in, or starting with ``<`` or ending with ``>``
(markup); a lone ``<`` or ``>`` inside is a character of the value (WordPress salts)."""
_PUBLIC = re.compile(
    r"pk_(?:live|test)_|pk\.eyJ|sb_publishable_"
    # SSH public keys, base64 of the key type's length and name: ssh-ed25519, ssh-rsa, ssh-dss,
    # ecdsa-sha2-*, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com
    r"|AAAA(?:C3NzaC1lZDI1NTE5|B3NzaC1yc2E|B3NzaC1kc3M|E2VjZHNh|GnNrLXNzaC1lZDI1NTE5|InNrLWVjZHNh)"
)
MIN_DISTINCT_CHARS = 5
"""A value with fewer distinct characters (``aaaaaaaa``, ``ab-ab-ab``) is a placeholder."""
FILE_SCOPES = {"secret.kubernetes-secret": re.compile(r"^kind:\s*[\"']?Secret[\"']?\s*$", re.MULTILINE)}
"""Rules that only hold inside files of one kind, and the regex the whole file must match."""
PATH_SCOPES = {"secret.rails-master-key": re.compile(r"(?:^|/)config/(?:master|credentials/[\w-]+)\.key$")}
"""Rules that only hold in files of one name, and the regex their path must match: a file that
holds one bare key, which anywhere else would be a digest or an id. They run on every line of
such a file, and on no other."""
KEY_BLOCK_RULES = frozenset({"secret.private-key"})
"""Rules whose match is a key's header, the same for every key of its type: a finding of theirs
is identified (hashed, fingerprinted) by the whole key, so that a baseline entry or an
Allow-secret for one key clears no other one in the same file."""
_KEY_END = re.compile(r"END[A-Z0-9 ]{0,30} PRIVATE KEY|^Private-MAC: ")
MAX_KEY_LINES = 200
"""A key block longer than this (no end line in sight) is identified by its first lines."""
_SCOPED_SUFFIXES = (".yaml", ".yml")
MEMO_LINES = 65536
"""Lines whose secrets the scanner remembers (it forgets them all when full): about 300 bytes a
line of code, 20 MB in all; 60 MB at most, for lines of :data:`MEMO_LINE_LENGTH`."""
MEMO_LINE_LENGTH = 512
"""Longer lines are rarely repeated and are not remembered."""
MAX_BINARY_BYTES = 32 * 1024 * 1024
"""Binary files larger than this are not searched for printable runs (disk images, archives
of releases): the cost of a scan stays bounded whatever a commit adds."""
DFA_AFTER_CHARS = 1 << 20
"""Characters a keyword index searches with its NFA before it builds the DFA: about where the
DFA's faster search has paid for its five more milliseconds of building."""
MIN_PREFIX = 3
"""The shortest keyword that counts as a token's fixed prefix (``hf_``, ``xox``, ``ghp_``)."""
DECODED_DETAIL = "found after decoding the line's \\u, \\x or percent escapes"
BINARY_DETAIL = "found in a printable run of the binary file's bytes"


class Detector(Protocol):
    """Finds secret values in one line; ``keywords`` gate whether it runs at all."""

    @property
    def rule(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def keywords(self) -> tuple[str, ...]: ...

    @property
    def trigger(self) -> re.Pattern[str] | None: ...

    @property
    def sieve(self) -> tuple[re.Pattern[str], ...]: ...

    @property
    def requires(self) -> re.Pattern[str] | None: ...

    @property
    def secret_type(self) -> str:
        """The ``type`` of its entries in a detect-secrets baseline."""
        ...

    def find(self, path: str, line: str) -> Iterator[str]: ...


class EscapeMarker:
    """No detector: its keywords (:data:`encodings.ESCAPE_KEYWORDS`) mark the lines that hold
    an escape, found by the same keyword pass as every detector's, so that only those lines
    are decoded (:meth:`SecretScanner._decoded_secrets`) and the others cost nothing more."""

    rule = "escape"
    description = "an escape to decode"
    keywords = ESCAPE_KEYWORDS
    trigger = None
    sieve = ()
    requires = None
    secret_type = ""

    def find(self, path: str, line: str) -> Iterator[str]:
        del path, line
        return iter(())


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value`` over its own alphabet."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


@dataclass(frozen=True)
class RuleDetector:
    """One rule of ``rules/secrets.yaml``: regex (group ``secret`` if any), entropy, allowlist."""

    spec: Rule

    @functools.cached_property
    def allowlist(self) -> tuple[re.Pattern[str], ...]:
        """Compiled on first use: most rules never match anything in a run."""
        return tuple(re.compile(pattern) for pattern in self.spec.allowlist)

    @property
    def rule(self) -> str:
        return self.spec.id

    @property
    def description(self) -> str:
        return self.spec.description

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.spec.keywords

    @property
    def trigger(self) -> re.Pattern[str] | None:
        """A rule without keywords runs its own regex over a file's added text."""
        scoped = self.spec.id in FILE_SCOPES or self.spec.id in PATH_SCOPES
        return None if self.spec.keywords or scoped else self.spec.regex

    @property
    def sieve(self) -> tuple[re.Pattern[str], ...]:
        return ()

    @property
    def requires(self) -> re.Pattern[str] | None:
        return None

    @property
    def secret_type(self) -> str:
        return self.spec.description

    def find(self, path: str, line: str) -> Iterator[str]:
        del path
        return (secret for _, secret in self.values(line))

    def values(self, text: str) -> Iterator[tuple[int, str]]:
        """Where each value the rule finds in ``text`` starts, and the value, kept by the rule's
        entropy and allowlist."""
        regex = self.spec.regex
        named = "secret" in regex.groupindex
        for match in regex.finditer(text):
            secret = match.group("secret") if named else match.group(0)
            if not secret or (self.spec.entropy and shannon_entropy(secret) < self.spec.entropy):
                continue
            if not any(allowed.search(match.group(0)) for allowed in self.allowlist):
                yield match.start("secret") if named else match.start(), secret


@dataclass(frozen=True)
class PluginDetector:
    """One detect-secrets plugin behind the same interface."""

    plugin: secret_engine.Plugin

    @property
    def rule(self) -> str:
        return self.plugin.rule

    @property
    def description(self) -> str:
        return self.plugin.description

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.plugin.keywords

    @property
    def trigger(self) -> re.Pattern[str] | None:
        return self.plugin.trigger

    @property
    def sieve(self) -> tuple[re.Pattern[str], ...]:
        return self.plugin.sieve

    @property
    def requires(self) -> re.Pattern[str] | None:
        return self.plugin.requires

    @property
    def secret_type(self) -> str:
        """The plugin's own, which detect-secrets compares when it reads a baseline."""
        return str(self.plugin.plugin.secret_type)

    def find(self, path: str, line: str) -> Iterator[str]:
        return secret_engine.detect(self.plugin, path, line)


def alternation(words: Iterable[str]) -> str:
    """One regex matching any of ``words``, as a trie (``gh(?:o_|p_)``) so that the regex
    engine tests one branch per character instead of every word at every position."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict[str, Any]) -> str:
        options = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if "" in node:
            return f"(?:{'|'.join(options)})?" if options else ""
        return options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"

    return branch(trie)


class KeywordIndex:
    """One pass over a file's added text: which lines may hold which detectors' secrets.

    The pass is an Aho-Corasick automaton (ahocorasick_rs) finding every occurrence of every
    keyword; without the library, one compiled alternation finds the longest word at each
    position and wakes the detectors of the words inside it too. The automaton starts as an
    NFA, built in a millisecond, and becomes a DFA (six to build, twice as fast to search)
    once the run has searched :data:`DFA_AFTER_CHARS`: a hook's few lines never pay for the
    DFA, a tree or a history gets it.
    """

    def __init__(self, detectors: Sequence[Detector]) -> None:
        by_word: dict[str, set[int]] = {}
        for index, detector in enumerate(detectors):
            for word in detector.keywords:
                by_word.setdefault(word.lower(), set()).add(index)
        self._by_word = {word: frozenset(ids) for word, ids in by_word.items()}
        words = list(self._by_word)
        self._ids = tuple(self._by_word[word] for word in words)
        """The detector ids of each automaton pattern, by its index."""
        self._automaton = _automaton(words, dfa=False) if _ahocorasick is not None else None
        self._searched = 0
        """Characters the NFA has searched; past :data:`DFA_AFTER_CHARS` it is replaced."""
        triggers: dict[re.Pattern[str], set[int]] = {}
        sieved: dict[tuple[re.Pattern[str], ...], dict[re.Pattern[str], set[int]]] = {}
        for index, detector in enumerate(detectors):
            if detector.trigger is None:
                continue
            group = sieved.setdefault(detector.sieve, {}) if detector.sieve else triggers
            group.setdefault(detector.trigger, set()).add(index)
        self._triggers = tuple(triggers.items())
        self._sieved = tuple((sieve, tuple(group.items())) for sieve, group in sieved.items())

    def prepare(self) -> None:
        """Build the DFA now: the run is about to search more than :data:`DFA_AFTER_CHARS`."""
        if self._automaton is not None and self._searched < DFA_AFTER_CHARS:
            self._searcher(self._automaton, DFA_AFTER_CHARS)

    def _searcher(self, automaton: _ahocorasick.AhoCorasick, chars: int) -> _ahocorasick.AhoCorasick:
        """The automaton to search ``chars`` more characters with: ``automaton``, or the DFA
        once the run has searched enough to repay building it."""
        if self._searched < DFA_AFTER_CHARS:
            self._searched += chars
            if self._searched >= DFA_AFTER_CHARS:
                automaton = self._automaton = _automaton(self._by_word, dfa=True) or automaton
        return automaton

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        # A lookahead, so a match consumes nothing: a word that starts inside another and ends
        # past it ("_token=" in "segment_api_token=") is found at its own position.
        return re.compile(f"(?=({alternation(self._by_word)}))") if self._by_word else None

    @functools.cached_property
    def _wakes(self) -> dict[str, frozenset[int]]:
        # The longest word matches at a position and hides the words inside it ("sk-ant-"
        # hides "sk"): each word also wakes the detectors of every word it contains.
        words = self._by_word
        return {word: frozenset().union(*(ids for other, ids in words.items() if other in word)) for word in words}

    def candidates(self, text: str, lowered: str | None = None) -> dict[int, set[int]]:
        """Where each line worth a look starts in ``text`` (lines joined by newlines) → the
        indices of the detectors to run on it. Lines without a hit cost nothing in Python.
        ``lowered`` is ``fold_case(text)``, when the caller has it already."""
        found: dict[int, set[int]] = {}
        lowered = fold_case(text) if lowered is None else lowered
        if self._automaton is not None:
            ids = self._ids
            automaton = self._searcher(self._automaton, len(lowered))
            matches = automaton.find_matches_as_indexes(lowered, overlapping=True)
            _wake(found, text, [(start, ids[word]) for word, start, _ in matches])
        elif self._pattern is not None:
            wakes = self._wakes
            _wake(found, text, [(m.start(), wakes[m.group(1)]) for m in self._pattern.finditer(lowered)])
        for trigger, indices in self._triggers:
            _wake(found, text, [(match.start(), indices) for match in trigger.finditer(text)])
        for sieve, group in self._sieved:
            picked: dict[int, set[int]] = {}
            for regex in sieve:
                _wake(picked, text, [(match.start(), ()) for match in regex.finditer(text)])
            for start in picked:
                end = text.find("\n", start)
                content = text[start:] if end < 0 else text[start:end]
                for trigger, indices in group:
                    if trigger.search(content):
                        found.setdefault(start, set()).update(indices)
        return found


def _wake(found: dict[int, set[int]], text: str, hits: Iterable[tuple[int, Iterable[int]]]) -> None:
    """Add each hit's detector ids to the entry of the line holding its offset (offsets ascend).

    Looks for the line's ends only when a hit falls past the previous line, so the cost
    follows the number of hits, not of lines."""
    end = -1
    woken: set[int] = set()
    for offset, ids in hits:
        if offset > end:
            start = text.rfind("\n", 0, offset) + 1
            end = text.find("\n", offset)
            if end < 0:
                end = len(text)
            woken = found.setdefault(start, set())
        woken.update(ids)


def _automaton(words: Iterable[str], *, dfa: bool = True) -> _ahocorasick.AhoCorasick | None:
    """An Aho-Corasick automaton over ``words`` reporting every occurrence (overlapping ones
    too), a DFA or a contiguous NFA (the same matches, in the same order); a match's pattern
    index is the word's position in ``words``."""
    chosen = list(words)
    if not chosen:
        return None
    kind = _ahocorasick.Implementation.DFA if dfa else _ahocorasick.Implementation.ContiguousNFA
    return _ahocorasick.AhoCorasick(chosen, matchkind=_ahocorasick.MatchKind.Standard, implementation=kind)


class BinaryKeywords:
    """Where in a binary file's bytes one of ``words`` stands, written in ASCII or in UTF-16LE,
    ignoring case: one Aho-Corasick pass over the bytes (lower-cased as ASCII), where a regex
    for printable runs would step through every byte."""

    def __init__(self, words: Iterable[str]) -> None:
        narrow = sorted({word.lower() for word in words})
        chosen = [word.encode("latin-1") for word in (*narrow, *("\0".join(word) for word in narrow))]
        self._automaton = (
            _ahocorasick.BytesAhoCorasick(
                chosen, matchkind=_ahocorasick.MatchKind.Standard, implementation=_ahocorasick.Implementation.DFA
            )
            if _ahocorasick is not None and chosen
            else None
        )
        self._pattern = re.compile(b"|".join(re.escape(word) for word in chosen)) if chosen else None

    def __call__(self, data: bytes) -> list[int]:
        lowered = data.lower()  # ASCII letters only: offsets stay
        if self._automaton is not None:
            return [start for _, start, _ in self._automaton.find_matches_as_indexes(lowered, overlapping=True)]
        return [] if self._pattern is None else [match.start() for match in self._pattern.finditer(lowered)]


def key_block(text: str, start: int, index: int, number: Callable[[int], int]) -> str:
    """The key whose header is the line starting at ``start`` in ``text`` (index ``index``): that
    line and the added lines after it, consecutive in the file, to the one that ends the key."""
    lines: list[str] = []
    while len(lines) < MAX_KEY_LINES:
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        lines.append(line)
        if _KEY_END.search(line) or end < 0 or number(index + 1) != number(index) + 1:
            break
        start, index = end + 1, index + 1
    return "\n".join(lines)


def _allowlisted(text: str, start: int, line: str, index: int, number: Callable[[int], int]) -> bool:
    """The line (index ``index``, starting at ``start`` in ``text``) carries ``pragma: allowlist
    secret``, or the line before it in the file the ``nextline`` form."""
    if _PRAGMA.search(fold_case(line)):
        return True
    if index == 0 or number(index - 1) != number(index) - 1:
        return False
    previous = text[text.rfind("\n", 0, start - 1) + 1 : start - 1]
    return bool(_PRAGMA_NEXTLINE.search(fold_case(previous)))


def whole_file_lines(text: str) -> str:
    """A file's lines joined by newlines, as :meth:`SecretScanner.scan_lines` joins them: each
    without the ``\\r`` that ended it, no empty line after a final newline."""
    body = text[:-1] if text.endswith("\n") else text
    body = body.replace("\r\n", "\n") if "\r" in body else body
    return body[:-1] if body.endswith("\r") else body


def _line_number(index: int) -> int:
    """The line number of the line at ``index`` of a whole file: lines count from 1."""
    return index + 1


def is_prefixed(rule: Rule) -> bool:
    """Whether ``rule`` is a token format with a fixed prefix (``ghp_``, ``glpat-``, ``sk-ant-``)
    or a private key's header: precise enough to search random bytes with. Read off the rule
    itself, so every rule added qualifies or not by what it is: its keywords are
    :data:`MIN_PREFIX` characters or more, and every value its own examples match starts with
    one of them."""
    if rule.id in KEY_BLOCK_RULES:
        return True
    if not rule.keywords or min(map(len, rule.keywords)) < MIN_PREFIX or rule.pattern is None:
        return False
    detector = RuleDetector(rule)
    values = [value for example in rule.examples.match for value in detector.find("", example)]
    return bool(values) and all(fold_case(value).startswith(rule.keywords) for value in values)


def is_look_alike(secret: str) -> bool:
    """A value that looks like a secret and is none: a placeholder, a public value, a published
    example, or base64 of prose."""
    return is_placeholder(secret) or is_public_value(secret) or is_documented_example(secret) or decodes_to_text(secret)


def is_placeholder(secret: str) -> bool:
    """Documented examples, templates and filler: ``AKIA…EXAMPLE``, ``<your-key>``, ``${VAR}``, ``xxxx``."""
    return len(set(secret)) < MIN_DISTINCT_CHARS or bool(_PLACEHOLDER.search(fold_case(secret)))


def is_public_value(secret: str) -> bool:
    """Keys meant to be shown: Stripe ``pk_``, Mapbox ``pk.``, Supabase publishable, and SSH
    public keys (``AAAAC3NzaC1lZDI1NTE5…``), which look random but are never secrets."""
    return bool(_PUBLIC.match(secret))


def is_documented_example(secret: str) -> bool:
    """A published sample value (``rules/secrets.yaml``'s ``documented-examples``), a piece of
    one that a rule captured, or a capture that runs on past one (the Azure emulator's key and
    the rest of its connection string)."""
    examples = documented_examples("secrets")
    return secret in examples or (
        len(secret) >= MIN_PIECE * 2 and any(secret in example or example in secret for example in examples)
    )


_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_WORD = re.compile(r"[(\"'\u00ab\u201c]*[^\W\d_]+(?:['\u2019-][^\W\d_]+)*[)\"'\u00bb\u201d.,;:!?]*")
"""A word as prose writes it: letters of any script, maybe quoted, bracketed or followed by
punctuation."""
_CREDENTIAL_WORDS = re.compile(r"pass|pwd|secret|token|key|auth|login|credential")
"""Words that make decoded text a credential's setting, not prose (searched in lower case)."""
MIN_TEXT_WORDS = 3
WORD_SHARE = 0.7
"""The share of a decoded value's space-separated pieces that must be words."""


def decodes_to_text(secret: str) -> bool:
    """Base64 of plain prose (``SGVsbG8gd29ybGQsIHRoaXMgaXMgYSB0ZXN0``: "Hello world, this is a
    test", or a copyright line, a French sentence): random-looking, but it encodes words, not a
    key. A password encoded alone (a Kubernetes Secret, a Docker ``auth``) has no spaces
    between words and stays a secret, and so does text that names a credential
    (``login ops password Xq7…``)."""
    if not _BASE64.fullmatch(secret):
        return False
    padded = secret.replace("-", "+").replace("_", "/").rstrip("=")
    try:
        decoded = base64.b64decode(padded + "=" * (-len(padded) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return reads_as_prose(decoded.split())


def reads_as_prose(pieces: Sequence[str]) -> bool:
    """Whether the space-separated ``pieces`` of a text are mostly words, three or more, none
    naming a credential (random characters with spaces between are not prose)."""
    if len(pieces) < MIN_TEXT_WORDS or not all(piece.isprintable() for piece in pieces):
        return False
    words = sum(1 for piece in pieces if _WORD.fullmatch(piece))
    named = any(_CREDENTIAL_WORDS.search(piece.lower()) for piece in pieces)
    return words >= MIN_TEXT_WORDS and words >= WORD_SHARE * len(pieces) and not named


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def crc32_base62_ok(secret: str) -> bool:
    """GitHub's and npm's token checksum: the last six characters are the CRC32 of the random
    part (after the four-character prefix), in base62, zero-padded."""
    body, tail = secret[4:-6], secret[-6:]
    crc = zlib.crc32(body.encode("ascii", "replace"))
    digits = ""
    while crc:
        crc, digit = divmod(crc, 62)
        digits = _BASE62[digit] + digits
    return digits.rjust(6, "0") == tail


CHECKSUMS: dict[str, Callable[[str], bool]] = {"crc32-base62": crc32_base62_ok}
"""The checksums a rule's ``checksum`` may name."""


def confidence(detector: Detector, secret: str) -> Confidence | None:
    """High for a token whose checksum holds, medium for one whose checksum fails (a made-up or
    mistyped value: still reported), None for rules without a checksum."""
    name = detector.spec.checksum if isinstance(detector, RuleDetector) else None
    if name is None:
        return None
    check = CHECKSUMS.get(name)
    if check is None:
        raise GuardtrailError(f"rule {detector.rule}: unknown checksum {name!r}")
    return Confidence.HIGH if check(secret) else Confidence.MEDIUM


def secret_hash(secret: str) -> str:
    """SHA-1 hex of the value, exactly as detect-secrets stores ``hashed_secret``."""
    return hashlib.sha1(secret.encode("utf-8")).hexdigest()


def fingerprint(rule: str, hashed: str, path: str) -> str:
    """A short stable id for one secret in one file under one rule."""
    return hashlib.sha256(f"{rule}\0{hashed}\0{path}".encode("utf-8", "surrogateescape")).hexdigest()[:16]


def redact(secret: str) -> str:
    """The first four characters and an ellipsis; nothing at all for short values."""
    return f"{secret[:4]}…" if len(secret) >= 16 else "…"


MIN_PIECE = 8
"""Characters of a secret a text must quote in a row to count as quoting it: a quote cut short
(a parse error's snippet of the line) keeps only a piece of the value, and hides it no less."""


def redact_in(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of ``secrets``, and each piece of one (``MIN_PIECE`` characters or
    more, the whole value when shorter), replaced where it stands: by ``redact(secret)`` when
    it is the value or its start, by ``…`` when it is from further in (no characters it did not
    show)."""
    for secret in sorted(set(secrets), key=len, reverse=True):  # a value inside a longer one goes with it
        text = _redact_pieces(text, secret)
    return text


def _redact_pieces(text: str, secret: str) -> str:
    """:func:`redact_in` for one secret: one look-up per position of ``text``, and a piece is
    grown only where one starts."""
    size = min(MIN_PIECE, len(secret))
    starts = {secret[i : i + size] for i in range(len(secret) - size + 1)}
    parts: list[str] = []
    kept = position = 0
    while position <= len(text) - size:
        if text[position : position + size] not in starts:
            position += 1
            continue
        end = position + size
        while end < len(text) and text[position : end + 1] in secret:
            end += 1
        parts += (text[kept:position], redact(secret) if secret.startswith(text[position:end]) else "…")
        kept = position = end
    return "".join(parts) + text[kept:]


class _PathContext:
    """A path, and what the plugins read of it (:func:`secret_engine.path_context`), looked up
    on first use: a change that wakes no plugin never loads detect-secrets."""

    def __init__(self, path: str) -> None:
        self.path = path

    @functools.cached_property
    def plugins(self) -> tuple[bool, Any, bool]:
        return secret_engine.path_context(self.path)


class SecretScanner:
    """The secret analyser for one run: rules loaded and the keyword index built once."""

    def __init__(
        self,
        rules: Sequence[Rule] | None = None,
        plugins: Sequence[secret_engine.Plugin] | None = None,
    ) -> None:
        chosen = load_rules("secrets") if rules is None else rules
        engine = secret_engine.default_plugins() if plugins is None else plugins
        self._detectors: tuple[Detector, ...] = (
            *(RuleDetector(rule) for rule in chosen if not rule.fallback),
            *(PluginDetector(plugin) for plugin in engine),
            *(RuleDetector(rule) for rule in chosen if rule.fallback),
        )
        self._escapes = len(self._detectors)
        """The id of the :class:`EscapeMarker` among the keyword index's detectors."""
        self._index = KeywordIndex([*self._detectors, EscapeMarker()])
        self._scoped = {i: FILE_SCOPES[d.rule] for i, d in enumerate(self._detectors) if d.rule in FILE_SCOPES}
        self._requires = (*(detector.requires for detector in self._detectors), None)
        self._plugins = frozenset(index for index, d in enumerate(self._detectors) if isinstance(d, PluginDetector))
        self._memo: dict[tuple[str, tuple[int, ...], object], tuple[tuple[Detector, str, str | None], ...]] = {}

    def prepare(self) -> None:
        """Get ready for a large scan now (before forking workers, which then share it): import
        detect-secrets and build its plugins, instead of when a line first wakes one, and the
        keyword DFA, instead of when the NFA has searched enough."""
        secret_engine.prepare(d.plugin for d in self._detectors if isinstance(d, PluginDetector))
        self._index.prepare()

    def secret_types(self, rules: Iterable[str]) -> dict[str, str]:
        """The detect-secrets baseline ``type`` of each of ``rules`` (ids of this scanner's detectors)."""
        wanted = set(rules)
        return {detector.rule: detector.secret_type for detector in self._detectors if detector.rule in wanted}

    def secret_values(self, path: str, text: str, *, rules: Collection[str] = ()) -> list[str]:
        """The values this scanner would report as secrets in ``text``, its lines read as added
        lines of ``path``, each once: what no other output may show either. The detectors of
        ``rules`` run on every line, whatever wakes them: the rules of findings already made on
        these lines, file-scoped ones (which only the whole file can wake) included."""
        forced = {index for index, detector in enumerate(self._detectors) if detector.rule in rules}
        candidates = self._index.candidates(text)
        values: dict[str, None] = {}
        start = 0
        for line in text.split("\n"):  # a few short lines: no ``requires`` shortcut, as in :meth:`_scan`
            woken = candidates.get(start, set())
            detectors = sorted((woken | forced) - {self._escapes})
            if detectors:
                values.update(dict.fromkeys(secret for _, secret in self._line_secrets(path, line, detectors)))
            if self._escapes in woken:
                values.update(dict.fromkeys(written for _, _, written in self._decoded_secrets(path, line)))
            start += len(line) + 1
        consecutive = int  # these lines follow one another: a line's index is its number
        values.update(dict.fromkeys(secret for *_, secret in self._spanning_secrets(text, candidates, consecutive)))
        return list(values)

    def _decoded_secrets(self, path: str, line: str) -> list[tuple[Detector, str, str]]:
        """The secrets ``line`` hides behind escapes (:func:`encodings.decoded`): each detector,
        the decoded value, and the value as written in ``line``. A value the line shows as it is
        is the plain scan's, and not repeated here."""
        view = decoded(line)
        if view is None:
            return []
        woken = sorted(set().union(*self._index.candidates(view.text).values()) - {self._escapes})
        found = []
        for detector, secret in self._line_secrets(path, view.text, woken) if woken else ():
            span = view.original_span(secret)
            if span is not None and secret not in line:
                found.append((detector, secret, line[span[0] : span[1]]))
        return found

    def __call__(self, change: FileChange, blobs: Blobs) -> Iterable[Finding]:
        if change.binary:
            return self._binary_change(change, blobs)
        if not change.added:
            return []
        content = self._scoped_content(change, blobs) if self._scoped else None
        return self.scan_lines(change.commit, change.path, change.added, content=content)

    def _scoped_content(self, change: FileChange, blobs: Blobs) -> str | None:
        """The file's text when a file-scoped rule matches an added line (read only then)."""
        if change.new_id is None or not self.needs_content(change.path, [line.text for line in change.added]):
            return None
        return blobs.blob(change.new_id).decode("utf-8", "replace")

    def _binary_change(self, change: FileChange, blobs: Blobs) -> list[Finding]:
        """:meth:`scan_binary` of a binary file a change adds or rewrites; not of one left unread
        for its size (``max_file_size`` is the user's limit) or a Git LFS pointer."""
        if change.new_id is None or change.new_id == change.old_id or change.skipped not in (None, Skipped.BINARY):
            return []
        new = blobs.blob(change.new_id)
        old = blobs.blob(change.old_id) if change.old_id is not None and len(new) <= MAX_BINARY_BYTES else None
        return self.scan_binary(change.commit, change.path, new, old)

    def scan_binary(self, commit: str, path: str, data: bytes, old: bytes | None = None) -> list[Finding]:
        """Findings of the high-confidence token formats (:func:`is_prefixed`) in the printable runs
        of the binary file ``data`` and of its members when it is a zip archive
        (:func:`encodings.binary_strings`: a key pasted into a ``.so``, a ``.pyc``, a ``.docx``),
        but for runs the file held already before (``old``). Line numbers mean nothing
        in a binary: the findings are about the whole file."""
        if len(data) > MAX_BINARY_BYTES:
            return []
        prefixed = self._prefixed
        runs = binary_strings(data, prefixed._binary_keywords)
        if old is not None and runs:
            before = set(binary_strings(old, prefixed._binary_keywords))
            runs = [run for run in runs if run not in before]
        numbers: list[int] = []
        texts: list[str] = []
        for run in runs:  # a gap between runs: no key block reads on into the next run
            first = numbers[-1] + 2 if numbers else 1
            lines = run.split("\n")
            numbers += range(first, first + len(lines))
            texts += (line.removesuffix("\r") for line in lines)
        if not texts:
            return []
        unique: dict[tuple[str, str | None], Finding] = {}  # a value the file repeats is one finding
        for finding in prefixed.scan_block(commit, path, numbers, texts):
            unique.setdefault((finding.rule, finding.secret_hash), finding)
        return [dataclasses.replace(finding, line=None, details=(BINARY_DETAIL,)) for finding in unique.values()]

    @functools.cached_property
    def _binary_keywords(self) -> BinaryKeywords:
        return BinaryKeywords(word for detector in self._detectors for word in detector.keywords)

    @functools.cached_property
    def _prefixed(self) -> SecretScanner:
        """This scanner restricted to its prefixed detectors (:func:`is_prefixed`), made for the
        first binary file: deriving them compiles every rule."""
        rules = [d.spec for d in self._detectors if isinstance(d, RuleDetector) and is_prefixed(d.spec)]
        plugins = [d.plugin for d in self._detectors if isinstance(d, PluginDetector) and d.plugin.prefixed]
        return SecretScanner(rules, plugins)

    def scan_text(self, commit: str, path: str, text: str) -> list[Finding]:
        """Findings in a whole file's ``text``, every line counting as added: the findings of
        :meth:`scan_lines` on its lines (each without its ``\\r``), from the text in one piece
        (a working-tree scan reads a line object per line of every file otherwise)."""
        content = text if path.endswith(_SCOPED_SUFFIXES) else None
        return self._scan(commit, path, whole_file_lines(text), _line_number, content)

    def scan_lines(
        self, commit: str, path: str, lines: Sequence[AddedLine], *, content: str | None = None
    ) -> list[Finding]:
        """Findings in ``lines`` of ``path``; ``content`` (the whole file) enables file-scoped rules."""
        return self.scan_block(
            commit, path, [line.number for line in lines], [line.text for line in lines], content=content
        )

    def needs_content(self, path: str, texts: Sequence[str]) -> bool:
        """Whether a file-scoped rule could apply to these added lines, so the file must be read."""
        scoped = [self._detectors[index] for index in self._scoped]
        return path.endswith(_SCOPED_SUFFIXES) and any(next(d.find(path, t), None) for d in scoped for t in texts)

    def scan_block(
        self, commit: str, path: str, numbers: Sequence[int], texts: Sequence[str], *, content: str | None = None
    ) -> list[Finding]:
        """Findings in the added lines ``texts`` of ``path``, numbered ``numbers`` in the new file."""
        text = "\n".join(texts)
        if text.count("\n") != max(0, len(texts) - 1):  # a "line" holding newlines: scan each part
            parts = [(number, part) for number, line in zip(numbers, texts, strict=True) for part in line.split("\n")]
            numbers = [number for number, _ in parts]
        return self._scan(commit, path, text, numbers.__getitem__, content)

    def scan_added(
        self,
        commit: str,
        path: str,
        text: str,
        hunks: Sequence[tuple[int, int]],
        content: Callable[[], str | None],
    ) -> list[Finding]:
        """Findings in the lines one commit adds to ``path``, given in one piece: ``text`` holds
        them joined by newlines, ``hunks`` says where each hunk starts (line index among them,
        line number in the file). ``content`` reads the whole file, called only when a
        file-scoped rule needs it. The same findings as :meth:`scan_block` on the same lines."""
        firsts = [index for index, _ in hunks]

        def number(index: int) -> int:
            first, number = hunks[bisect.bisect_right(firsts, index) - 1]
            return number + index - first

        whole = None
        if self._scoped and path.endswith(_SCOPED_SUFFIXES) and self.needs_content(path, text.split("\n")):
            whole = content()
        return self._scan(commit, path, text, number, whole)

    def _scan(
        self, commit: str, path: str, text: str, number: Callable[[int], int], content: str | None
    ) -> list[Finding]:
        """Findings in ``text``, added lines joined by newlines; ``number`` maps a line's index to
        its number in the file."""
        lowered = fold_case(text)
        candidates = self._index.candidates(text, lowered)
        for index, scope in self._scoped.items():
            if content is not None and scope.search(content):
                start = 0
                for line in text.split("\n"):
                    candidates.setdefault(start, set()).add(index)
                    start += len(line) + 1
        for index in self._path_scoped(path):
            start = 0
            for line in text.split("\n"):
                candidates.setdefault(start, set()).add(index)
                start += len(line) + 1
        pragmas = "allowlist" in lowered and "pragma" in lowered  # else no line carries one: no look per finding
        context = _PathContext(path)
        findings: list[Finding] = []
        requires = self._requires
        index = counted = 0  # the index of the line starting at ``counted``
        escaped: list[int] = []
        reported: dict[int, set[str]] = {}  # the rules found on each line, by where it starts
        for start in sorted(candidates):
            end = text.find("\n", start)
            line = text[start:] if end < 0 else text[start:end]
            woken = candidates[start]
            if self._escapes in woken:
                escaped.append(start)
                woken = woken - {self._escapes}
            runnable = tuple([d for d in sorted(woken) if (needed := requires[d]) is None or needed.search(line)])
            secrets = self._remembered_secrets(context, line, runnable) if runnable else ()
            if not secrets:
                continue
            reported[start] = {detector.rule for detector, _, _ in secrets}
            index += text.count("\n", counted, start)
            counted = start
            allowlisted = pragmas and _allowlisted(text, start, line, index, number)
            findings += (
                self._finding(
                    commit,
                    path,
                    number(index),
                    detector,
                    secret,
                    allowlisted,
                    hashed=secret_hash(key_block(text, start, index, number)) if hashed is None else hashed,
                )
                for detector, secret, hashed in secrets
            )
        if escaped:
            findings += self._decoded_findings(commit, path, text, number, escaped, reported, pragmas=pragmas)
        if self._spanning:
            findings += self._spanning_findings(commit, path, text, number, candidates, findings, pragmas=pragmas)
        return findings

    def _path_scoped(self, path: str) -> list[int]:
        """The detectors of :data:`PATH_SCOPES` whose files ``path`` names."""
        return [index for index, scope in self._path_scopes.items() if scope.search(path)]

    @functools.cached_property
    def _path_scopes(self) -> dict[int, re.Pattern[str]]:
        return {i: PATH_SCOPES[d.rule] for i, d in enumerate(self._detectors) if d.rule in PATH_SCOPES}

    @functools.cached_property
    def _spanning(self) -> dict[int, RuleDetector]:
        """The detectors whose provider names may stand on the lines before the value
        (:func:`~guardtrail.rules.spans_lines`), by index."""
        return {
            index: detector
            for index, detector in enumerate(self._detectors)
            if isinstance(detector, RuleDetector) and spans_lines(detector.spec.pattern)
        }

    def _spanning_findings(
        self,
        commit: str,
        path: str,
        text: str,
        number: Callable[[int], int],
        candidates: Mapping[int, Collection[int]],
        made: Iterable[Finding],
        *,
        pragmas: bool,
    ) -> list[Finding]:
        """Findings of the provider keys whose name stands on a line before the value's, but for
        a value a finding in ``made`` reports on its line already."""
        seen = {(finding.line, finding.secret_hash) for finding in made}
        findings: list[Finding] = []
        for start, index, detector, secret in self._spanning_secrets(text, candidates, number):
            end = text.find("\n", start)
            line = text[start:] if end < 0 else text[start:end]
            hashed = secret_hash(secret)
            if (number(index), hashed) in seen:
                continue
            seen.add((number(index), hashed))
            allowlisted = pragmas and _allowlisted(text, start, line, index, number)
            findings.append(self._finding(commit, path, number(index), detector, secret, allowlisted, hashed=hashed))
        return findings

    def _spanning_secrets(
        self, text: str, candidates: Mapping[int, Collection[int]], number: Callable[[int], int]
    ) -> Iterator[tuple[int, int, RuleDetector, str]]:
        """The values of provider keys in ``text`` (lines joined by newlines; ``number`` maps a
        line's index to its number in the file) whose provider's name stands on an earlier line
        within :data:`NEAR_SPAN` characters: where the value's line starts, its index, the
        detector and the value. Only the lines ``candidates`` woke with such a provider are
        looked from, over the lines after them that start within the span and follow them in
        the file (a run of added lines, not the next hunk)."""
        spanning = self._spanning
        index = counted = 0  # the index of the line starting at ``counted``
        for start in sorted(candidates):
            near = sorted(spanning.keys() & candidates[start])
            end = text.find("\n", start) if near else -1
            if end < 0:
                continue
            index += text.count("\n", counted, start)
            counted = start
            lines, stop = 0, end  # the lines after it in the span, next in the file; where they end
            while 0 <= stop <= end + NEAR_SPAN and number(index + lines + 1) == number(index) + lines + 1:
                lines += 1
                stop = text.find("\n", stop + 1)
            if not lines:
                continue
            window = (text[start:] if stop < 0 else text[start:stop]).replace("\n", " ")  # offsets stay
            for detector in (spanning[chosen] for chosen in near):
                for offset, secret in detector.values(window):
                    at = start + offset
                    if at <= end or is_look_alike(secret):
                        continue
                    line_start = text.rfind("\n", 0, at) + 1
                    yield line_start, index + text.count("\n", start, line_start), detector, secret

    def _decoded_findings(
        self,
        commit: str,
        path: str,
        text: str,
        number: Callable[[int], int],
        starts: Sequence[int],
        reported: Mapping[int, Collection[str]],
        *,
        pragmas: bool,
    ) -> list[Finding]:
        """Findings of the secrets the lines of ``text`` starting at ``starts`` (ascending) hide
        behind escapes, each on the line that holds it as written; but for those of a rule the
        plain scan already found on the line (a URL's password, percent-encoded as URLs want
        it, is one secret, not two)."""
        findings: list[Finding] = []
        index = counted = 0  # the index of the line starting at ``counted``
        for start in starts:
            end = text.find("\n", start)
            line = text[start:] if end < 0 else text[start:end]
            known = reported.get(start, ())
            found = [entry for entry in self._decoded_secrets(path, line) if entry[0].rule not in known]
            if not found:
                continue
            index += text.count("\n", counted, start)
            counted = start
            allowlisted = pragmas and _allowlisted(text, start, line, index, number)
            for detector, secret, _ in found:
                finding = self._finding(
                    commit, path, number(index), detector, secret, allowlisted, hashed=secret_hash(secret)
                )
                findings.append(dataclasses.replace(finding, details=(DECODED_DETAIL,)))
        return findings

    def _remembered_secrets(
        self, context: _PathContext, line: str, detectors: tuple[int, ...]
    ) -> Sequence[tuple[Detector, str, str | None]]:
        """:meth:`_line_secrets` with the hash identifying each value (None for a key block,
        which the caller hashes whole), remembered for short lines: a history repeats lines
        across commits and files (copies, moves, generated data), and each is examined once.
        A plugin reads no more of the path than :func:`secret_engine.path_context`, a rule
        none of it."""
        key = (line, detectors, None if self._plugins.isdisjoint(detectors) else context.plugins)
        memo = self._memo
        found = memo.get(key)
        if found is None:
            found = tuple(
                (detector, secret, None if detector.rule in KEY_BLOCK_RULES else secret_hash(secret))
                for detector, secret in self._line_secrets(context.path, line, detectors)
            )
            if len(line) <= MEMO_LINE_LENGTH:
                if len(memo) >= MEMO_LINES:
                    memo.clear()
                memo[key] = found
        return found

    def _line_secrets(self, path: str, line: str, detectors: Iterable[int]) -> list[tuple[Detector, str]]:
        """The secrets ``detectors`` find on ``line``, each value once (a value inside another
        one found first is the same secret), placeholders and public values left out."""
        kept: list[tuple[Detector, str]] = []
        for index in detectors:
            detector = self._detectors[index]
            for secret in detector.find(path, line):
                if is_look_alike(secret) or any(secret in seen or seen in secret for _, seen in kept):
                    continue
                kept.append((detector, secret))
        return kept

    @staticmethod
    def _finding(
        commit: str, path: str, line: int, detector: Detector, secret: str, allowlisted: bool, *, hashed: str
    ) -> Finding:
        """The finding of ``secret`` (shown redacted), identified by ``hashed``."""
        return Finding(
            commit=commit,
            path=path,
            line=line,
            category=Category.SECRET,
            rule=detector.rule,
            message=f"{detector.description}: {redact(secret)} (sha1 {hashed[:8]})",
            severity=Severity.ERROR,
            fail_closed=True,  # a secret blocks whoever wrote it, unless the decision stage clears it
            fingerprint=fingerprint(detector.rule, hashed, path),
            secret_hash=hashed,
            allowlisted=allowlisted,
            confidence=confidence(detector, secret),
        )
