"""What a URL may carry: the one integer converter every route uses, and the parsers every list and
filter reads its query string with.

The rules, everywhere:
- Digits are ASCII digits. (`str.isdigit()` also accepts "²" and "١", which `int()` then refuses
  or reads as another number.)
- An id is 1 … 2³¹−1, the range of the INTEGER columns every id and version number is stored in
  (PostgreSQL's int4): a larger one would overflow on PostgreSQL (and past 2⁶³ on SQLite).
  In a path anything else is 404; in a query string it is ignored, as if absent.
- A page number is clamped to 1 … a maximum (an offset past it would overflow, and no real list
  is that long); anything that is not a number is page 1.
- A date is YYYY-MM-DD within EARLIEST_DATE … LATEST_DATE (a day added to 9999-12-31 overflows,
  and no record of this service falls outside the window). A bad date is not ignored: the list
  says what is wrong with it (`BadParameter`), so a filter never silently shows everything.
- An enum or choice value is one of the listed values, else ignored.

Pure apart from reading a MultiDict (`request.args`): nothing here touches Flask or the database.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date
from enum import Enum
from typing import Any, TypeVar

from werkzeug.routing import IntegerConverter, Map

from .formatting import format_date

MAX_ID = 2**31 - 1  # INTEGER, the type of every id and version column
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DEFAULT_MAX_PAGE = 100_000

_DIGITS = re.compile(r"[0-9]{1,30}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

E = TypeVar("E", bound=Enum)


class BadParameter(ValueError):
    """A query parameter that is present but unusable; the message says why, in the app's words."""


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits, 1 … 2³¹−1, else the route does not match (404).
    Registered in place of Werkzeug's own `int` converter by the app factory."""

    regex = r"[0-9]+"  # Werkzeug's \d+ also matches the digits of other scripts

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def ascii_int(raw: str | None) -> int | None:
    """The whole number written in ASCII digits (surrounding spaces allowed), else None."""
    text = (raw or "").strip()
    return int(text) if _DIGITS.fullmatch(text) else None


def parse_id(raw: str | int | None) -> int | None:
    """An id within the id columns' INTEGER (1 … 2³¹−1), else None."""
    number = (
        raw if isinstance(raw, int) and not isinstance(raw, bool) else ascii_int(raw if isinstance(raw, str) else None)
    )
    return number if number is not None and 1 <= number <= MAX_ID else None


def parse_page(raw: str | None, maximum: int = DEFAULT_MAX_PAGE) -> int:
    """A page number clamped to 1 … maximum; page 1 for anything that is not a number."""
    number = ascii_int(raw)
    return 1 if number is None else min(max(number, 1), maximum)


def in_window(day: date) -> bool:
    """Whether a date falls within the dates the service records (EARLIEST_DATE … LATEST_DATE)."""
    return EARLIEST_DATE <= day <= LATEST_DATE


def window_message(what: str = "The date") -> str:
    """The refusal for a date outside the window, e.g. "The date must be between 1 Jan 2000 and …"."""
    return f"{what} must be between {format_date(EARLIEST_DATE)} and {format_date(LATEST_DATE)}."


def parse_date(raw: str | None, what: str = "The date") -> date | None:
    """A YYYY-MM-DD date within the window; None when empty; `BadParameter` when unusable."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise BadParameter(f"{what} must be a date, like 2026-11-23.") from None
    if not in_window(day):
        raise BadParameter(window_message(what))
    return day


def parse_choice(raw: str | None, choices: Collection[str]) -> str | None:
    """The value if it is one of `choices`, else None."""
    return raw if raw is not None and raw in choices else None


def parse_enum(raw: str | None, enum_cls: type[E]) -> E | None:
    """The enum member whose value this is, else None."""
    return enum_cls._value2member_map_.get(raw) if raw is not None else None  # type: ignore[return-value]


def parse_text(raw: str | None, max_length: int) -> str:
    """Search text: spaces collapsed, at most `max_length` characters."""
    return " ".join((raw or "").split())[:max_length]


# Readers of a query string (any Mapping with .get, such as request.args; the first of repeated names)


def id_arg(args: Mapping[str, Any], name: str) -> int | None:
    """The id in `name`, or None (absent, not a number, or out of range)."""
    return parse_id(args.get(name))


def page_arg(args: Mapping[str, Any], name: str = "page", maximum: int = DEFAULT_MAX_PAGE) -> int:
    """The page number in `name` (1 … maximum)."""
    return parse_page(args.get(name), maximum)


def date_arg(args: Mapping[str, Any], name: str, what: str | None = None) -> date | None:
    """The date in `name`, None when absent or empty; `BadParameter` when unusable."""
    return parse_date(args.get(name), what or f"The “{name}” date")


def enum_arg(args: Mapping[str, Any], name: str, enum_cls: type[E]) -> E | None:
    """The member of `enum_cls` named by its value in `name`, or None."""
    return parse_enum(args.get(name), enum_cls)


def choice_arg(args: Mapping[str, Any], name: str, choices: Collection[str]) -> str | None:
    """The value of `name` if it is one of `choices`, or None."""
    return parse_choice(args.get(name), choices)


def text_arg(args: Mapping[str, Any], name: str, max_length: int) -> str:
    """The search text in `name`, spaces collapsed, at most `max_length` characters."""
    return parse_text(args.get(name), max_length)
