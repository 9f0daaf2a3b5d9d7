"""How dates, times and measured values read everywhere: pages, flags, drafted text and PDFs.

Pure functions over plain values (no Flask): templating registers them as filters, and the rule
modules, services and the PDF call them directly, so "23 Nov 2026" is written in one place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from .clock import LONDON

EMPTY = "\u2014"  # an em dash: no date
# English month names whatever the machine's locale, and without strftime (a page formats hundreds).
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def in_london(moment: datetime) -> datetime:
    """A time in Europe/London: a naive one is the UTC the database stores; an aware one is converted."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(LONDON)


def format_date(value: date | datetime | str | None, empty: str = EMPTY) -> str:
    """23 Nov 2026 (a stored time gives its UK calendar day; an issued version's snapshot keeps
    its dates as ISO text, which reads the same)."""
    if not value:  # None, "" (or a key an older snapshot lacks)
        return empty
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = in_london(value).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def format_day_month(value: date) -> str:
    """23 Nov: a date on a chart's axis."""
    return f"{value.day} {MONTHS[value.month - 1]}"


def format_datetime(value: datetime | None, empty: str = EMPTY) -> str:
    """23 Nov 2026, 14:05: a stored UTC time (or an aware time) shown in UK time."""
    if value is None:
        return empty
    local = in_london(value)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


def format_measure(value: float | None, unit: str | None = None, empty: str = "not recorded") -> str:
    """95%, 9 of 10, 3 per week: a number without a needless ".0", with its unit."""
    if value is None:
        return empty
    number = f"{value:g}"
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def format_baseline(text: str | None, figure: float | None) -> str:
    """A plan's baseline as written, with its figure added only when the text does not already
    give it: "MAR audit 62%", not "MAR audit 62% (62)"."""
    baseline = (text or "").strip() or EMPTY
    if figure is not None and f"{figure:g}" not in baseline:
        baseline += f" ({figure:g})"
    return baseline
