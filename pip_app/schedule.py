"""Observation schedules: spread "N observed shifts a week for W weeks" over a plan, and export
observations as an RFC 5545 calendar (.ics) in Europe/London time.

Pure Python (standard library + icalendar): no Flask, no database, deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

LONDON = ZoneInfo("Europe/London")
PRODID = "-//Improvement plans//EN"

# Local start and end of each shift (the values of models.Shift); an end before the start is
# on the next day (the night shift).
SHIFT_TIMES: dict[str, tuple[time, time]] = {
    "early": (time(7, 0), time(14, 30)),
    "late": (time(14, 0), time(21, 30)),
    "long_day": (time(7, 30), time(20, 0)),
    "night": (time(21, 0), time(7, 30)),
}

# Day offsets within a plan week (0 = the week's first day) for N observations a week: evenly
# spread, never bunched at the start (for N <= 4 no two in a week fall on consecutive days).
WEEK_PATTERNS: dict[int, tuple[int, ...]] = {
    1: (0,),
    2: (0, 3),
    3: (0, 2, 4),
    4: (0, 2, 4, 6),
    5: (0, 1, 3, 4, 6),
    6: (0, 1, 2, 4, 5, 6),
    7: (0, 1, 2, 3, 4, 5, 6),
}

MAX_WEEKS = 52
# iCalendar TEXT may not hold control characters other than tab (newlines are escaped).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Slot:
    """One planned observation: the date and the shift (a models.Shift value)."""

    scheduled_on: date
    shift: str


def _shift_value(shift: object) -> str:
    """The plain string value of a shift (accepts a models.Shift member or its value)."""
    value = getattr(shift, "value", shift)
    if not isinstance(value, str) or value not in SHIFT_TIMES:
        raise ValueError("Choose a shift: early, late, long day or night.")
    return str(value)


def _is_int(value: object) -> bool:
    """True for a real int (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _validate(start: date, end: date, per_week: int, weeks: int, avoid: frozenset[int]) -> None:
    """Raise ValueError with a message a form can show when the rule cannot be scheduled."""
    if not isinstance(start, date) or not isinstance(end, date):
        raise TypeError("start and end must be dates")
    if not _is_int(per_week) or not 1 <= per_week <= 7:
        raise ValueError("Choose between 1 and 7 observed shifts a week.")
    if not _is_int(weeks) or not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"Choose between 1 and {MAX_WEEKS} weeks of observations.")
    if end < start:
        raise ValueError("The end date must be on or after the start date.")
    if any(not _is_int(day) or not 0 <= day <= 6 for day in avoid):
        raise ValueError("Choose the days to avoid from Monday to Sunday.")
    free = 7 - len(avoid)
    if free == 0:
        raise ValueError("Leave at least one day of the week free for observations.")
    if per_week > free:
        days = "day" if free == 1 else "days"
        raise ValueError(
            f"Avoiding {len(avoid)} days leaves {free} {days} a week: choose {free} or fewer observed shifts a week."
        )


def _nearest_free_day(
    target: date,
    week_start: date,
    last_day: date,
    avoid: frozenset[int],
    taken: set[date],
    others: set[date],
) -> date | None:
    """The free day in the week nearest target; ties: the better-spaced, then the earlier day."""
    candidates = [
        day
        for day in (week_start + timedelta(days=n) for n in range(7))
        if day <= last_day and day.weekday() not in avoid and day not in taken
    ]
    if not candidates:
        return None

    def spacing(day: date) -> int:
        gaps = [abs((day - other).days) for other in others if other != day]
        return min(gaps, default=7)

    return min(candidates, key=lambda day: (abs((day - target).days), -spacing(day), day))


def generate_schedule(
    start: date,
    end: date,
    per_week: int,
    weeks: int,
    shift: str,
    *,
    avoid_weekdays: frozenset[int] = frozenset(),
) -> list[Slot]:
    """Spread per_week observed shifts over each of weeks plan weeks, within [start, end]."""
    avoid = frozenset(avoid_weekdays)
    _validate(start, end, per_week, weeks, avoid)
    shift_value = _shift_value(shift)
    pattern = WEEK_PATTERNS[per_week]
    chosen: list[date] = []
    for week in range(weeks):
        week_start = start + timedelta(days=7 * week)
        if week_start > end:
            break
        last_day = min(week_start + timedelta(days=6), end)
        # Slots that would fall after the plan's end are dropped, not squeezed in earlier.
        targets = [week_start + timedelta(days=n) for n in pattern]
        targets = [day for day in targets if day <= last_day]
        taken: set[date] = set()
        for index, target in enumerate(targets):
            if target.weekday() in avoid or target in taken:
                pending = {d for d in targets[index + 1 :] if d.weekday() not in avoid}
                day = _nearest_free_day(target, week_start, last_day, avoid, taken, taken | pending)
                if day is None:
                    continue
            else:
                day = target
            taken.add(day)
        chosen.extend(taken)
    return [Slot(day, shift_value) for day in sorted(chosen)]


def shift_window(day: date, shift: str) -> tuple[datetime, datetime]:
    """The aware Europe/London start and end of a shift worked on day (night ends next day)."""
    begins, ends = SHIFT_TIMES[_shift_value(shift)]
    start = datetime.combine(day, begins, tzinfo=LONDON)
    end_day = day + timedelta(days=1) if ends <= begins else day
    return start, datetime.combine(end_day, ends, tzinfo=LONDON)


def clean_text(value: str) -> str:
    """User text made safe for iCalendar TEXT: CRLF/CR become LF, other control characters go."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARS.sub("", value)


def build_ics(
    events: list[dict[str, Any]],
    *,
    calendar_name: str,
    dtstamp: datetime | None = None,
) -> bytes:
    """An RFC 5545 calendar (bytes, CRLF) of shift-long events in Europe/London time."""
    if dtstamp is None:
        dtstamp = datetime.now(UTC)
    elif dtstamp.tzinfo is None:
        dtstamp = dtstamp.replace(tzinfo=UTC)
    dtstamp = dtstamp.astimezone(UTC).replace(microsecond=0)

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # icalendar 7 does not know NAME (RFC 7986) or X-WR-CALNAME as TEXT, so escape them here;
    # a calendar's name is one line.
    name = icalendar.vText(" ".join(clean_text(calendar_name).split("\n")))
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/London")

    seen: set[str] = set()
    years: list[int] = []
    for item in events:
        uid = str(item["uid"])
        if uid in seen:
            raise ValueError(f"Duplicate event uid {uid!r}.")
        seen.add(uid)
        begins, ends = shift_window(item["date"], item["shift"])
        years += [begins.year, ends.year]
        location = item.get("location")
        cal.add_component(
            icalendar.Event.new(
                uid=uid,
                stamp=dtstamp,
                start=begins,
                end=ends,
                summary=clean_text(item["summary"]),
                description=clean_text(item.get("description") or "") or None,
                location=clean_text(location) if location else None,
            )
        )
    # Whole years around the events: every DST change they can touch, and a small VTIMEZONE.
    first = date(min(years, default=dtstamp.year), 1, 1)
    last = date(max(years, default=dtstamp.year) + 1, 1, 1)
    if events:
        cal.add_missing_timezones(first_date=first, last_date=last)
    else:  # RFC 5545 wants at least one component, so an empty feed still carries the zone.
        cal.add_component(icalendar.Timezone.from_tzid("Europe/London", first_date=first, last_date=last))
    return bytes(cal.to_ical())
