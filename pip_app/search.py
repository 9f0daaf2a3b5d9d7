"""What a search box matches: names, control details and references through their folded forms,
other free text by case-insensitive LIKE; the search text's own % and _ always taken literally.

Names and control details are searched in their folded columns (`users.search_name`,
`interim_controls.search_detail`, see pip_app/folding.py) with the typed text folded the same way,
so "Lukasik", "ŁUKASIK" and "łukasik" all find "Łukasik" on SQLite as on PostgreSQL, with a plain
LIKE that neither database has to fold per row. (The register's search matched every control's
detail with ILIKE, which on SQLite called the Unicode lower() in Python for each of 8,000 controls,
twice a search: a third of the page.) A plan's reference is made by the app in one form
(PIP-2026-0042: ASCII, upper case), so the folded text upper-cased is its folded match; plain LIKE
then suits both databases (SQLite's ignores ASCII case, PostgreSQL's compares exactly). Text with
any character a reference never holds ("Wójcik") is not looked for in them, so a search for a name
need not read the plans' references (the register counts it from the controls alone). Other free
text (a risk statement, a service's name) is matched with ILIKE on the text as typed, which is
Unicode-case-insensitive on both (pip_app/database.py gives SQLite a Unicode lower()).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import InstrumentedAttribute

from .database import LIKE_ESCAPE, contains_pattern
from .folding import fold


def folded_contains(search_column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    """The folded text in `search_column` contains `text` folded (nothing matches if folding leaves nothing)."""
    folded = fold(text)
    return search_column.like(contains_pattern(folded), escape=LIKE_ESCAPE) if folded else false()


# Every character a plan's reference can hold: PIP-<year>-<number> (models.format_reference).
REFERENCE_CHARACTERS = frozenset("PI-0123456789")


def could_be_in_reference(text: str) -> bool:
    """Whether `text` folded could be part of a plan's reference: only a reference's characters."""
    folded = fold(text).upper()
    return bool(folded) and set(folded) <= REFERENCE_CHARACTERS


def reference_contains(reference_column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    """The plan reference in `reference_column` (always upper-case ASCII) contains `text` folded
    (false, with nothing to look up, for text no reference could contain)."""
    if not could_be_in_reference(text):
        return false()
    return reference_column.like(contains_pattern(fold(text).upper()), escape=LIKE_ESCAPE)


def text_contains(column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    """Free text in `column` contains `text`, in any case."""
    return column.ilike(contains_pattern(text), escape=LIKE_ESCAPE)
