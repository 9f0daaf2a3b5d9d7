"""The calendar invitation of an observed shift (iTIP, RFC 5546): METHOD:REQUEST when it is
planned or moved, METHOD:CANCEL when it is cancelled. The UID is the observation's own and the
same as in the plan's observations.ics download, so a calendar keeps one event per observed
shift; SEQUENCE is the observation's row version, which only goes up, so a later change
replaces an earlier one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar

from ..schedule import PRODID, clean_text, shift_window


def observation_uid(observation_id: int) -> str:
    """The stable UID of one observed shift (pip_app/plans/builder.py's download uses it too)."""
    return f"observation-{observation_id}@pip-app"


def invitation(
    *,
    observation_id: int,
    sequence: int,
    method: str,
    day: date,
    shift: str,
    summary: str,
    location: str,
    description: str,
    organizer: str,
    attendee: str,
    attendee_name: str,
    stamp: datetime,
) -> bytes:
    """One VEVENT for the shift's hours in Europe/London, with its VTIMEZONE."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(method)
    begins, ends = shift_window(day, shift)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", observation_uid(observation_id))
    event.add("dtstamp", stamp.astimezone(UTC).replace(microsecond=0) if stamp.tzinfo else stamp.replace(tzinfo=UTC))
    event.add("dtstart", begins)
    event.add("dtend", ends)
    event.add("sequence", sequence)
    event.add("summary", clean_text(summary))
    event.add("location", clean_text(location))
    event.add("description", clean_text(description))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer_address = icalendar.vCalAddress(f"mailto:{organizer}")
    organizer_address.params["cn"] = icalendar.vText("Improvement plans")
    event.add("organizer", organizer_address)
    attendee_address = icalendar.vCalAddress(f"mailto:{attendee}")
    attendee_address.params["cn"] = icalendar.vText(clean_text(attendee_name))
    attendee_address.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee_address.params["partstat"] = icalendar.vText("ACCEPTED")
    attendee_address.params["rsvp"] = icalendar.vText("FALSE")
    event.add("attendee", attendee_address)
    calendar.add_component(event)
    calendar.add_missing_timezones(first_date=date(day.year, 1, 1), last_date=date(day.year + 1, 1, 1))
    return bytes(calendar.to_ical())
