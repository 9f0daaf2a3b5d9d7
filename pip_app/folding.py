"""Text folded for search: "Łukasik", "LUKASIK" and "łukasik" all become "lukasik".

A name is stored twice: as written (shown) and folded (`users.search_name`, searched), and the
text someone types is folded the same way, so a search ignores case and accents on SQLite as on
PostgreSQL without either database knowing anything about Unicode: both only compare the
folded strings with LIKE. Folding is done here, in Python, because neither database can do it
alike (SQLite's lower() is ASCII-only, PostgreSQL's `unaccent` is an extension we do not rely on).

The steps: compatibility decomposition (NFKD: "é" → "e" + a combining acute, "ﬁ" → "fi"),
full case folding (`str.casefold`: "ß" → "ss", "Σ" → "σ"), combining marks removed, then the
letters Unicode does not decompose but every reader treats as a base letter with a stroke or a
ligature ("ł" → "l", "ø" → "o", "æ" → "ae"), typographic apostrophes and dashes made plain, and
runs of white space made one space. Folding a folded string changes nothing.
"""

from __future__ import annotations

import re
import unicodedata

# Letters with no decomposition in Unicode, after case folding (so lower case only), and the
# letters people type for them on a UK keyboard.
LETTERS = {
    "ł": "l",  # Polish, Sorbian
    "ø": "o",  # Danish, Norwegian
    "đ": "d",  # Croatian, Vietnamese
    "ð": "d",  # Icelandic, Faroese
    "ħ": "h",  # Maltese
    "ŧ": "t",  # Sámi
    "ı": "i",  # Turkish dotless i
    "ȷ": "j",
    "ŋ": "n",  # Sámi
    "ß": "ss",  # casefold already does this; kept for clarity
    "ẞ": "ss",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",  # Icelandic
    "ſ": "s",  # long s (casefold gives "s"; kept for clarity)
}
# Apostrophes and dashes as word processors and phones type them: "O’Neill" finds "O'Neill".
PUNCTUATION = {
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\u2032": "'",
    "`": "'",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
}
_TABLE = str.maketrans({**LETTERS, **PUNCTUATION})
_SPACES = re.compile(r"\s+")

# Stored folded names are cut to this many characters: NFKD can make one character eighteen
# (U+FDFA), and a B-tree index entry on PostgreSQL holds at most about 2,700 bytes.
SEARCH_KEY_LENGTH = 480


def _fold_once(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.translate(_TABLE)).strip()


def fold(text: str) -> str:
    """`text` without case, accents or ligatures, for comparing what people type with what is stored."""
    folded = _fold_once(text)
    # One pass is enough for every single code point (checked over all of them); a second
    # catches anything a neighbour might still change, so folding a folded string is a no-op.
    again = _fold_once(folded)
    return folded if again == folded else _fold_once(again)


def search_key(name: str) -> str:
    """The folded form of a name as stored in a search column (bounded; see SEARCH_KEY_LENGTH)."""
    return fold(name)[:SEARCH_KEY_LENGTH]
