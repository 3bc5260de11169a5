"""Look-alike names: what a path is made to look like with confusable or invisible characters.

``.github/workfl\u043ews/ci.yml`` with a Cyrillic o, ``CLAUDE.md`` with a zero-width space or in
fullwidth letters, ``.github\u2215workflows\u2215ci.yml`` (one file name holding division slashes) read as
the sensitive path they imitate, to a reviewer and to tools that normalise names, but no path
rule matches them. The skeleton of a name drops invisible characters, applies NFKD (fullwidth
and mathematical letters, ligatures), drops the accents and other combining marks that leaves
(``AGENTS\u0307.md``) and maps the confusables common in attacks (Cyrillic, Greek, Armenian and Latin
look-alikes of ASCII letters, dashes, dots and slashes) to ASCII: a name whose skeleton matches a
rule its real spelling does not is an imitation. A compact table, not Unicode's whole
``confusables.txt``: it covers the characters that imitate the ASCII of the names the rules list.
"""

from __future__ import annotations

import unicodedata

from guardtrail.classify.hidden import HIDDEN

_LOOKALIKES = {
    # Cyrillic
    "\u0430": "a",
    "\u0432": "b",
    "\u0435": "e",
    "\u0456": "i",
    "\u0458": "j",
    "\u043a": "k",
    "\u043e": "o",
    "\u0440": "p",
    "\u0441": "c",
    "\u0443": "y",
    "\u0445": "x",
    "\u0455": "s",
    "\u0501": "d",
    "\u04bb": "h",
    "\u04cf": "l",
    "\u051b": "q",
    "\u051d": "w",
    "\u0410": "A",
    "\u0412": "B",
    "\u0415": "E",
    "\u0406": "I",
    "\u0408": "J",
    "\u041a": "K",
    "\u041c": "M",
    "\u041d": "H",
    "\u041e": "O",
    "\u0420": "P",
    "\u0421": "C",
    "\u0422": "T",
    "\u0423": "Y",
    "\u0425": "X",
    "\u0405": "S",
    "\u04c0": "I",
    "\u04ae": "Y",
    "\u051c": "W",
    "\u051a": "Q",
    # Greek
    "\u03b1": "a",
    "\u03bf": "o",
    "\u03c1": "p",
    "\u03bd": "v",
    "\u03b9": "i",
    "\u03ba": "k",
    "\u03c5": "u",
    "\u03c7": "x",
    "\u03f2": "c",
    "\u03b5": "e",
    "\u0391": "A",
    "\u0392": "B",
    "\u0395": "E",
    "\u0396": "Z",
    "\u0397": "H",
    "\u0399": "I",
    "\u039a": "K",
    "\u039c": "M",
    "\u039d": "N",
    "\u039f": "O",
    "\u03a1": "P",
    "\u03a4": "T",
    "\u03a5": "Y",
    "\u03a7": "X",
    "\u03f9": "C",
    "\u03dc": "F",
    # Armenian and Latin extensions
    "\u0585": "o",
    "\u057d": "u",
    "\u0578": "n",
    "\u0581": "g",
    "\u0570": "h",
    "\u0131": "i",
    "\u0237": "j",
    "\u0251": "a",
    "\u0261": "g",
    "\u0269": "i",
    "\u01c0": "l",
    "\u1d04": "c",
    "\u1d0f": "o",
    "\u1d20": "v",
    "\u1d21": "w",
    "\u1d22": "z",
    "\ua731": "s",
    "\u0280": "r",
    "\u026a": "i",
    "\u028f": "y",
    "\u1d1c": "u",
    # punctuation that imitates a name's dashes, dots and folder separators
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2212": "-",
    "\u2024": ".",
    "\u2027": ".",
    "\u2215": "/",
    "\u2044": "/",
    "\u29f8": "/",
}
"""Look-alike characters and the ASCII they imitate (written escaped: the source shows no look-alike)."""
_CONFUSABLE = str.maketrans(_LOOKALIKES)


def skeleton(text: str) -> str:
    """``text`` as it reads: invisible characters and combining marks gone, look-alikes in ASCII."""
    if text.isascii() and not HIDDEN.search(text):
        return text
    decomposed = unicodedata.normalize("NFKD", HIDDEN.sub("", text))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).translate(_CONFUSABLE)


def disguising_characters(text: str) -> list[str]:
    """The distinct characters of ``text`` that :func:`skeleton` drops or changes, in order."""
    return list(dict.fromkeys(char for char in text if not char.isascii() and skeleton(char) != char))
