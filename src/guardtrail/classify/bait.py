"""Reading added text for injection bait: its passages, what the rules see in each, the grade.

``injection`` holds the entry points and the prefilter; this module is imported only for a text
that passes it, so an ordinary change never pays for compiling what is below. The module
docstring of ``injection`` says what counts and how the combination is graded.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from guardtrail.classify.hidden import HIDDEN, decoded_tags, has_hidden
from guardtrail.classify.injection_rules import (
    ASK_PREFIX,
    MAX_PER_FILE,
    base64_runs,
    decoded_base64,
    first_match,
    injection_rules,
    may_address,
    mentions_attack,
    rule_match,
)
from guardtrail.model import AddedLine, Category, Confidence, Finding, Severity
from guardtrail.rules import Rule

_QUOTED = re.compile(
    r'"[^"\n]{2,300}"|\'[^\'\n]{2,300}\'|\u201c[^\u201d\n]{2,300}\u201d|\u2018[^\u2019\n]{2,300}\u2019|`[^`\n]{1,300}`'
)
"""Quoted phrases: straight, curly and back quotes."""
_SHOWN_ATTRIBUTE = re.compile(r"""\b(?:alt|title|aria-label)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_CODE_SPAN = re.compile(r"`[^`\n]{1,300}`")
_MARKUP = re.compile(r"<(?!/?system>)[A-Za-z/!][^>\n]{0,300}>|`|\*\*|\\[nrt]")
_LEADER = re.compile(r"^\s*(?:[#/!;]+|\*+(?!\*)|--+)\s?")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class Passage:
    """A stretch of text a reader takes as a whole: a comment block, a docstring, a paragraph, a value."""

    text: str
    """Its lines (comment leaders removed), joined with newlines."""
    line: int
    """The first line, in the file (or message)."""
    hidden: str | None = None
    """How it was hidden from a human reader ("in an HTML comment", "as base64"), if it was."""
    item: bool = False
    """A list item or array value: a run of such items holding override phrases is a phrase list."""
    mention: bool = False
    """A passage right before it names the attack class: its quoted phrases are examples."""


# -- grading -------------------------------------------------------------------------------


class Signals(NamedTuple):
    """What the rules saw in one passage."""

    address: str | None
    """The addressed phrase ("AI agents reading this"), as the report may quote it."""
    override: Rule | None
    conceal: Rule | None
    asks: tuple[Rule, ...]

    def confidence(self, *, hidden: bool) -> Confidence | None:
        """The grade of the combination (the module docstring says why); None: not bait."""
        if self.asks and (self.address or self.override):
            return Confidence.HIGH
        if self.address and (self.override or self.conceal):
            return Confidence.MEDIUM
        if self.override and hidden:
            return Confidence.MEDIUM
        return None


def _unmarked(text: str) -> str:
    """``text`` without markup; an HTML tag leaves the text of its ``alt``, ``title`` and
    ``aria-label`` attributes, which readers of the source (and models) see."""
    return _MARKUP.sub(lambda m: " ".join(["", *(a or b for a, b in _SHOWN_ATTRIBUTE.findall(m.group(0))), ""]), text)


def _flat(text: str) -> str:
    return " ".join(_unmarked(text).split())


def signals(text: str, *, mention: bool = False) -> Signals:
    """The rules' view of one passage. Quoted phrases count for nothing where the passage, or the
    one before it (``mention``), names the attack class: a security document's examples."""
    if not may_address(text):  # graded as nothing, as below: skip the regexes
        return Signals(address=None, override=None, conceal=None, asks=())
    rules = injection_rules()
    if mention or mentions_attack(text):
        text = _QUOTED.sub(" ", text)
    lines = "\n".join(_BULLET.sub("", _unmarked(line)).strip() for line in text.splitlines())
    address = first_match(rules.address, lines, lines.lower())
    spoken = _flat(_CODE_SPAN.sub(" ", text))  # an override shown as `code` is an example of one
    override = first_match(rules.override, spoken, spoken.lower())
    if address is None and override is None:  # graded as nothing whatever else it holds: skip the rest
        return Signals(address=None, override=None, conceal=None, asks=())
    flat = _flat(text)
    flat_lowered = flat.lower()
    conceal = first_match(rules.conceal, flat, flat_lowered)
    asks = tuple(rule for rule in rules.ask if rule_match(rule, flat, flat_lowered))
    return Signals(
        address=_phrase(address[1].group(0)) if address else None,
        override=override[0] if override else None,
        conceal=conceal[0] if conceal else None,
        asks=asks,
    )


def _phrase(matched: str) -> str:
    """The addressed phrase as a report quotes it: one line, trimmed, at most 48 characters."""
    phrase = " ".join(matched.split()).strip(" .,;:!?-\"'(")
    if phrase.startswith(("![", "[")) and "]" not in phrase:
        phrase = phrase.lstrip("![")
    return phrase if len(phrase) <= 48 else phrase[:47] + "…"


# -- passages of each kind of text ---------------------------------------------------------


class _Syntax(NamedTuple):
    line: tuple[str, ...]
    """Line comment leaders."""
    block: tuple[tuple[str, str], ...] = ()
    """Block comment delimiters, tried before the line leaders."""
    quotes: str = "'\""
    docstrings: bool = False
    """Python: a triple-quoted string that opens a line is a docstring (read); others are values."""


_HASH = _Syntax(("#",))
_SLASH = _Syntax(("//",), (("/*", "*/"),))
_SYNTAX: dict[str, _Syntax] = {
    **dict.fromkeys((".py", ".pyi", ".pyw"), _Syntax(("#",), docstrings=True)),
    **dict.fromkeys(
        (".sh", ".bash", ".zsh", ".fish", ".rb", ".pl", ".pm", ".r", ".ps1", ".psm1", ".tf", ".hcl", ".nix"), _HASH
    ),
    **dict.fromkeys((".cmake", ".mk", ".conf", ".properties", ".jl", ".ex", ".exs", ".cr"), _HASH),
    **dict.fromkeys((".cfg", ".ini"), _Syntax((";", "#"))),
    **dict.fromkeys((".nim", ".coffee", ".awk", ".tcl", ".dockerfile", ".gitignore", ".env", ".editorconfig"), _HASH),
    **dict.fromkeys(
        (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go", ".java", ".kt", ".kts"),
        _Syntax(("//",), (("/*", "*/"),), quotes="'\"`"),
    ),
    **dict.fromkeys(
        (".rs", ".scala", ".groovy", ".gradle", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".m", ".mm"), _SLASH
    ),
    **dict.fromkeys((".cs", ".swift", ".dart", ".proto", ".zig", ".sol", ".css", ".scss", ".less"), _SLASH),
    ".php": _Syntax(("//", "#"), (("/*", "*/"),)),
    **dict.fromkeys((".vue", ".svelte"), _Syntax(("//",), (("/*", "*/"), ("<!--", "-->")), quotes="'\"`")),
    ".sql": _Syntax(("--",), (("/*", "*/"),)),
    ".lua": _Syntax(("--",), (("--[[", "]]"),)),
    **dict.fromkeys((".hs", ".elm", ".purs"), _Syntax(("--",), (("{-", "-}"),))),
}
_HASH_NAMES = frozenset(
    {"Dockerfile", "Containerfile", "Makefile", "makefile", "GNUmakefile", "Gemfile", "Rakefile", "Vagrantfile"}
    | {"Justfile", "justfile", "Procfile", "BUILD", "WORKSPACE", ".bashrc", ".zshrc", ".profile", ".gitattributes"}
)
_DATA = frozenset({".json", ".jsonc", ".json5", ".yaml", ".yml", ".toml"})
_ROWS = frozenset({".jsonl", ".ndjson", ".csv", ".tsv"})
"""Files of records, one a line: each record is an item of one list (a data set's rows)."""


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def passages(path: str, added: Sequence[AddedLine]) -> list[Passage]:
    """The passages of the added lines of ``path``, by the kind of file it is."""
    name = path.rsplit("/", 1)[-1]
    extension = _extension(name)
    syntax = _SYNTAX.get(extension) or (_HASH if name in _HASH_NAMES or name.startswith("Dockerfile") else None)
    found: list[Passage] = []
    for hunk in _hunks(added):
        if syntax is not None:
            found += _code_passages(hunk, syntax)
        elif extension in _ROWS:
            found += [Passage(line.text.replace('"', " "), line.number, item=True) for line in hunk]
        elif extension in _DATA:
            found += _data_passages(hunk)
        else:
            found += _prose_passages(hunk)
    return found


def _hunks(added: Sequence[AddedLine]) -> Iterator[list[AddedLine]]:
    """Runs of consecutive added lines: a passage never spans lines the change did not add."""
    run: list[AddedLine] = []
    for line in added:
        if run and line.number != run[-1].number + 1:
            yield run
            run = []
        run.append(line)
    if run:
        yield run


class _Lexer:
    """Finds the comments and docstrings of code, line by line, skipping string literals.

    It jumps from one character that may open something to the next (a regex search in C), so
    an ordinary line costs one search, not a Python step per character."""

    def __init__(self, syntax: _Syntax) -> None:
        self.syntax = syntax
        self.inside: tuple[str, bool] | None = None
        """Within a multi-line construct: its closing delimiter, and whether its text is read."""
        openers = [*(('"""', "'''") if syntax.docstrings else ()), *(o for o, _ in syntax.block), *syntax.line]
        self._next = re.compile("|".join([*map(re.escape, openers), *map(re.escape, syntax.quotes)]))

    def fragments(self, text: str) -> tuple[list[str], bool]:
        """The comment or docstring text of one line, and whether the line holds code besides."""
        found: list[str] = []
        code = False
        index = 0
        if not text.strip() and self.inside is not None and self.inside[1]:
            return [""], False  # a blank line inside a docstring or block comment goes on with it
        while index < len(text):
            if self.inside is not None:
                close, read = self.inside
                end = text.find(close, index)
                if read:
                    found.append(text[index : len(text) if end < 0 else end])
                if end < 0:
                    return found, code
                self.inside = None
                index = end + len(close)
                continue
            token = self._next.search(text, index)
            stop = len(text) if token is None else token.start()
            code = code or (stop > index and not text[index:stop].isspace())
            if token is None:
                break
            index = self._enter(text, token.group(0), token.start(), found)
            if index < 0:
                return found, code
            code = code or token.group(0) in self.syntax.quotes
        return found, code

    def _enter(self, text: str, token: str, at: int, found: list[str]) -> int:
        """Where to go on after ``token`` at ``at``; -1 when the rest of the line is a comment."""
        if token in ('"""', "'''"):
            docstring = text[:at].strip().lower() in ("", "r", "u", "b", "f", "rb", "br")
            self.inside = (token, docstring)
            found += [""] if docstring else []  # the passage starts on this line, even if empty
            return at + 3
        for opening, close in self.syntax.block:
            if token == opening:
                self.inside = (close, True)
                found.append("")
                return at + len(opening)
        if token in self.syntax.line:
            found.append(text[at + len(token) :])
            return -1
        return self._skip_string(text, at)

    def _skip_string(self, text: str, index: int) -> int:
        quote = text[index]
        index += 1
        while index < len(text):
            if text[index] == "\\":
                index += 2
                continue
            if text[index] == quote:
                return index + 1
            index += 1
        if quote == "`":  # a template literal goes on
            self.inside = ("`", False)
        return index


def _code_passages(hunk: Sequence[AddedLine], syntax: _Syntax) -> Iterator[Passage]:
    """Comment blocks and docstrings: consecutive comment lines join; a comment after code stands alone."""
    lexer = _Lexer(syntax)
    block: list[str] = []
    first = 0
    for added in hunk:
        found, code = lexer.fragments(added.text)
        if block and (code or not found):
            yield Passage("\n".join(block), first)
            block = []
        if found:
            first = first if block else added.number
            block += [_LEADER.sub("", fragment) for fragment in found]
            if code:
                yield Passage("\n".join(block), first)
                block = []
    if block:
        yield Passage("\n".join(block), first)


_DATA_KEY = re.compile(r"""^\s*(?:-\s+)?(?:"[^"]*"|'[^']*'|[\w.@/$-]+)\s*[:=]""")
_DATA_ITEM = re.compile(r"""^\s*(?:-\s|["'].*["'],?\s*$)""")
_BLOCK_SCALAR = re.compile(r"[:=]\s*[|>][-+]?\d*\s*$")
_DATA_COMMENT = re.compile(r"^\s*(?:#|//)")
_DATA_PUNCTUATION = re.compile(r"^[\s{}\[\],]*$|^\s*\[[^\]=]*\]\s*$")


def _data_line_kind(line: str) -> str:
    """``end`` (punctuation, a table header), ``comment``, ``item``, ``value`` (a key) or ``more``."""
    if _DATA_PUNCTUATION.match(line):
        return "end"
    if _DATA_COMMENT.match(line):
        return "comment"
    if _DATA_ITEM.match(line) and not _DATA_KEY.match(line.lstrip("- ")):
        return "item"
    return "value" if _DATA_KEY.match(line) else "more"


def _data_passages(hunk: Sequence[AddedLine]) -> Iterator[Passage]:
    """YAML, JSON and TOML: each value (a key's value with its continuation lines, each list
    item) and each comment block is a passage."""
    text: list[str] = []
    first, kind = 0, ""
    scalar: int | None = None  # within a YAML block scalar (``key: |``): the key's indentation
    for added in hunk:
        indent = len(added.text) - len(added.text.lstrip())
        if scalar is not None and (indent > scalar or not added.text.strip()):
            text.append(added.text)  # its lines are text, however much they look like keys
            continue
        scalar = None
        line_kind = _data_line_kind(added.text)
        continues = line_kind == "more" or (line_kind == "comment" and kind == "comment")
        if text and not continues:
            yield Passage("\n".join(text), first, item=kind == "item")
            text = []
        if line_kind == "end":
            continue
        if not text:
            first, kind = added.number, "value" if line_kind == "more" else line_kind
        if kind == "comment":
            text.append(_LEADER.sub("", added.text))
        else:  # a value without its key and quotes: what a reader reads
            value = _DATA_KEY.sub("", added.text, count=1) if line_kind == "value" else added.text
            text.append(value.replace('"', " "))
            if line_kind == "value" and _BLOCK_SCALAR.search(added.text):
                scalar = indent
    if text:
        yield Passage("\n".join(text), first, item=kind == "item")


_HTML_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.S)
_MD_COMMENT = re.compile(r"^[ \t]*\[(?://|comment)\]:\s*(?:#|<>)\s*(.*)$", re.M)
_HIDDEN_ELEMENT = re.compile(
    r"<(\w+)\b[^>]*?(?:display\s*:\s*none|visibility\s*:\s*hidden|\bhidden\b|aria-hidden\s*=\s*[\"']?true)[^>]*>"
    r"(.*?)(?:</\1\s*>|\Z)|<details\b[^>]*>(.*?)(?:</details\s*>|\Z)",
    re.S | re.I,
)
_HIDING = (
    (_HTML_COMMENT, "in an HTML comment"),
    (_MD_COMMENT, "in a Markdown comment"),
    (_HIDDEN_ELEMENT, "in a hidden HTML element"),
)
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~)", re.M)
_HEADING = re.compile(r"^\s*(?:#{1,6}\s|=+\s*$|-+\s*$)")


def _prose_passages(hunk: Sequence[AddedLine]) -> Iterator[Passage]:
    """Markdown, HTML and plain text: what is hidden from the rendered page first (each comment
    and hidden element a passage), then the paragraphs of what is left. A comment inside a
    fenced code block is shown, not hidden: it stays in the block's paragraph."""
    text = "\n".join(added.text for added in hunk)
    start = hunk[0].number
    fences = [match.start() for match in _FENCE_LINE.finditer(text)]
    for pattern, where in _HIDING:
        for match in pattern.finditer(text):
            if bisect.bisect_right(fences, match.start()) % 2:
                continue
            groups = match.groups()
            inner = next((group for group in (groups[1:] if len(groups) > 1 else groups) if group), "")
            if inner.strip():
                yield Passage(inner, start + text.count("\n", 0, match.start()), hidden=where)
            text = text[: match.start()] + re.sub(r"[^\n]", " ", match.group(0)) + text[match.end() :]
    yield from _paragraphs(text.split("\n"), start)


def _paragraphs(lines: Sequence[str], start: int) -> Iterator[Passage]:
    """Runs of non-blank lines. A heading joins the paragraph under it ("## For AI agents" over
    what it tells them); a fenced block stands alone. A paragraph right after one that names the
    attack class is marked, so that the examples it quotes count for nothing."""
    block: list[str] = []
    first = start
    mentions = False
    fenced = False
    for offset, line in enumerate([*lines, ""]):
        fence = bool(_FENCE.match(line))
        heading_only = len(block) == 1 and not fenced and bool(_HEADING.match(block[0]))
        if fence or (not line.strip() and not heading_only) or (not fenced and _HEADING.match(line)):
            if any(part.strip() for part in block):
                text = "\n".join(block)
                yield Passage(text, first, mention=mentions)
                mentions = mentions_attack(text) or (mentions and fenced)
            block = []
            fenced = fenced != fence
            if fence or not line.strip():
                continue
        if not line.strip():
            continue
        if not block:
            first = start + offset
        block.append(line)


def message_passages(message: str) -> list[Passage]:
    """The paragraphs of a commit message (git's trailers among them)."""
    return list(_paragraphs(message.split("\n"), 1))


# -- layers of hiding ----------------------------------------------------------------------


def _layers(passage: Passage) -> Iterator[Passage]:
    """The passage as shown, then what it hides: invisible characters stripped, Unicode tags
    decoded to the ASCII they spell, base64 runs decoded."""
    text = passage.text
    if has_hidden(text):
        smuggled = decoded_tags(text)
        stripped = HIDDEN.sub("", text)
        if smuggled.strip():
            yield Passage(smuggled, passage.line, hidden="as Unicode tag characters", mention=passage.mention)
        hidden = passage.hidden or ("with invisible characters" if stripped.strip() != text.strip() else None)
        yield Passage(stripped, passage.line, hidden=hidden, item=passage.item, mention=passage.mention)
    else:
        yield passage
    for run in base64_runs(text):
        decoded = decoded_base64(run)
        if decoded is not None:
            yield Passage(decoded, passage.line, hidden="as base64", mention=passage.mention)


# -- findings ------------------------------------------------------------------------------


def _asked(rule: Rule) -> str:
    return rule.description[len(ASK_PREFIX) :] if rule.description.startswith(ASK_PREFIX) else rule.description


def _message(seen: Signals, hidden: str | None) -> str:
    """What the reviewer reads: the addressed phrase and what is asked, never the text itself."""
    who = f"addresses '{seen.address}'" if seen.address else "overrides the reader's instructions"
    if seen.asks:
        what = " and asks to " + " and to ".join(_asked(rule) for rule in seen.asks[:3])
    elif seen.address and seen.override:
        what = " and overrides its instructions"
    elif seen.address:
        what = " and asks it to act without the user knowing"
    else:
        what = ""
    return f"text {who}{what}" + (f" ({hidden})" if hidden else "")


def _phrase_lists(graded: Sequence[tuple[Passage, Signals]]) -> set[int]:
    """Indexes of the items in runs of list items of which two or more hold an address or an
    override: a filter's list of the phrases it rejects, not instructions."""
    skipped: set[int] = set()
    run: list[int] = []
    for index in range(len(graded) + 1):
        if index < len(graded) and graded[index][0].item:
            run.append(index)
            continue
        if sum(graded[i][1].override is not None or graded[i][1].address is not None for i in run) >= 2:
            skipped.update(run)
        run = []
    return skipped


def _listed(passage: Passage, seen: Signals) -> bool:
    """Whether one passage is itself a list of override phrases (Markdown bullets, a JSON array on
    one line). Not when the lines around the bullets call AI agents: then the list is what they
    are told to do."""
    if seen.override is None:
        return False
    lines = passage.text.splitlines()
    bullets = [line for line in lines if _BULLET.match(line)]
    if bullets and signals("\n".join(line for line in lines if not _BULLET.match(line))).address:
        return False
    units = bullets if len(bullets) >= 2 else [m.group(0) for m in _QUOTED.finditer(passage.text)]
    rules = injection_rules().override
    return sum(first_match(rules, unit, unit.lower()) is not None for unit in units) >= 2


def bait_findings(commit: str, path: str, found: Iterable[Passage]) -> Iterator[Finding]:
    """A finding for each passage (or what it hides) that the rules grade as bait."""
    graded = [(layer, signals(layer.text, mention=layer.mention)) for passage in found for layer in _layers(passage)]
    skipped = _phrase_lists(graded)
    reported = 0
    for index, (passage, seen) in enumerate(graded):
        confidence = seen.confidence(hidden=passage.hidden is not None)
        if confidence is None or index in skipped or _listed(passage, seen):
            continue
        rule = seen.asks[0] if seen.asks else seen.override or seen.conceal
        assert rule is not None  # a grade needs one of them
        yield Finding(
            commit=commit,
            path=path,
            line=passage.line,
            category=Category.INJECTION,
            rule=rule.id,
            message=_message(seen, passage.hidden),
            severity=Severity.ERROR if confidence is Confidence.HIGH else Severity.WARNING,
            confidence=confidence,
        )
        reported += 1
        if reported == MAX_PER_FILE:
            return
