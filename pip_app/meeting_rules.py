"""What a meeting record must satisfy, and when its minutes are late: pure rules over plain values.

- Minutes are written after a meeting is held: a meeting dated after today may be recorded
  (it is planned, with its notice), but not with a discussion, an account or decisions.
- The companion (Employment Relations Act 1999 s.10) is a colleague or a trade-union
  representative or official, and is named; a name without a kind is as unclear as a kind
  without a name.
- Written notice comes before the meeting; the minutes are shared on or after it, and not on a
  day that has not come yet.
- The minutes are *late* when they were not shared within 5 UK working days of the meeting
  (counted as the acknowledgement reminders count them: pip_app/notifications/due.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .formatting import format_date
from .notifications.due import add_working_days, nation_code

MINUTES_DUE_WORKING_DAYS = 5


@dataclass(frozen=True)
class MeetingFacts:
    """What the rules read of a meeting being recorded."""

    held_on: date
    has_minutes: bool
    companion_kind: str  # CompanionKind value; "none" when not accompanied
    companion_name: str
    notice_given_on: date | None
    minutes_shared_on: date | None


def minutes_due_by(held_on: date, nation: object = None) -> date:
    """The last day the minutes may be shared without being late: 5 working days on, by the
    bank holidays of the staff member's nation (a Nation or its value; not recorded: England's)."""
    return add_working_days(held_on, MINUTES_DUE_WORKING_DAYS, nation_code(nation))


def minutes_late(held_on: date, shared_on: date | None, today: date, nation: object = None) -> bool:
    """Shared after the 5th working day, or not shared and that day has passed."""
    due = minutes_due_by(held_on, nation)
    return (shared_on or today) > due


def meeting_problems(facts: MeetingFacts, today: date) -> list[tuple[str, str]]:
    """Each rule the record breaks, as (form field, message); empty when it may be saved."""
    problems = []
    if facts.held_on > today and facts.has_minutes:
        problems.append(
            (
                "discussion",
                f"This meeting is dated {format_date(facts.held_on)}, after today: record its minutes "
                "once it has been held, or correct the date.",
            )
        )
    if facts.companion_kind != "none" and not facts.companion_name:
        problems.append(("companion_name", "Give the companion's name, or choose “Not accompanied”."))
    if facts.companion_kind == "none" and facts.companion_name:
        problems.append(
            ("companion_kind", "Say who the companion is (a colleague, or a trade-union representative or official).")
        )
    if facts.notice_given_on is not None and facts.notice_given_on > facts.held_on:
        problems.append(("notice_given_on", "Written notice is given before the meeting: check the date."))
    if facts.minutes_shared_on is not None:
        if facts.minutes_shared_on < facts.held_on:
            problems.append(("minutes_shared_on", "Minutes are shared after the meeting is held: check the date."))
        elif facts.minutes_shared_on > today:
            problems.append(("minutes_shared_on", "The minutes cannot have been shared on a day still to come."))
    return problems
