"""The capability stages a plan moves through, and what a move needs: pure rules over plain values.

- A plan starts informal and moves forward one stage at a time: informal → formal stage 1
  (improvement note) → formal stage 2 (final written warning) → capability hearing. Never back,
  never skipping one (the Acas Code's formal steps come in order).
- Each move follows a formal meeting the staff member was invited to in writing at least N UK
  working days before (the setting FORMAL_NOTICE_WORKING_DAYS, default 5). Working days are
  counted as the meeting rules count them (pip_app/notifications/due.py), with the bank holidays
  of the staff member's nation (`nation`: "ENG", "SCT", "WLS", "NIR"): the meeting falls on
  or after the Nth working day after the day notice was given, so notice on a Monday allows a
  meeting on the Monday after, not on the Friday.
- The meeting has been held (the stage is its outcome), and one meeting decides one move.

Stages are their stored values ("informal", "stage_1", ...), so this module needs no model import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .formatting import format_date
from .notifications.due import working_days_after

STAGES = ("informal", "stage_1", "stage_2", "hearing")
FORMAL_NOTICE_WORKING_DAYS = 5  # the default of the setting of the same name (pip_app/config.py)
# The calendars other than England's, named in a refusal so that a manager in Scotland, Wales or
# Northern Ireland sees why a day they did not count was left out.
CALENDAR_NAMES = {"SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}


def next_stage(current: str) -> str | None:
    """The one stage a plan at `current` may move to (None: the last, or an unknown stage)."""
    if current not in STAGES or current == STAGES[-1]:
        return None
    return STAGES[STAGES.index(current) + 1]


def stage_move_refusal(current: str, target: str, labels: dict[str, str]) -> str | None:
    """Why a plan at `current` may not move to `target` (None: it may). `labels`: each stage's
    words, for the message."""
    allowed = next_stage(current)
    if target == allowed:
        return None
    if allowed is None:
        return f"The plan is at the last stage ({labels.get(current, current)}): there is no further stage to move to."
    if target == current:
        return f"The plan is already at {labels.get(current, current).lower()}."
    if target in STAGES and STAGES.index(target) < STAGES.index(current):
        return "A plan moves forward through the stages, never back."
    return f"A plan moves one stage at a time: from {labels.get(current, current).lower()} the next is {labels.get(allowed, allowed).lower()}."


def notice_working_days(notice_given_on: date, held_on: date, nation: str = "ENG") -> int:
    """UK working days from the day notice was given to the meeting (the meeting day counts)."""
    return working_days_after(notice_given_on, held_on, nation)


@dataclass(frozen=True)
class FormalMeetingFacts:
    """What the rule reads of the meeting a move names."""

    kind: str  # MeetingKind value
    held_on: date
    notice_given_on: date | None
    already_used: bool  # an earlier approved move named it


def formal_meeting_refusal(
    meeting: FormalMeetingFacts | None, today: date, required: int, nation: str = "ENG"
) -> str | None:
    """Why this meeting cannot be the one a move to a formal stage follows (None: it can)."""
    if meeting is None:
        return (
            "Record the formal meeting first (Meetings: a formal meeting, with the date written notice "
            "was given): a move to a formal stage follows one."
        )
    if meeting.kind != "formal":
        return "Choose a formal meeting: the move follows a formal meeting, not a supervision or review."
    if meeting.held_on > today:
        return (
            f"The formal meeting is on {format_date(meeting.held_on)}, after today: "
            "the stage can change once it has been held."
        )
    if meeting.notice_given_on is None:
        return "The formal meeting has no date of written notice: record when the invitation was given."
    given = notice_working_days(meeting.notice_given_on, meeting.held_on, nation)
    if given < required:
        counted = f" (counting {CALENDAR_NAMES[nation]}'s bank holidays)" if nation in CALENDAR_NAMES else ""
        return (
            f"Notice was given {given} working day{'s' if given != 1 else ''} before the meeting{counted}; "
            f"at least {required} are needed."
        )
    if meeting.already_used:
        return "That formal meeting already decided an earlier move: each move follows its own formal meeting."
    return None
