"""The formal letters' rules (issue 20, point 2), over plain values: which letter follows which
stage, when a warning expires by default and whether it is still in force, the words a letter
uses where the manager writes none, which letters carry a right of appeal, and when an appeal is
due — plus `LetterFacts`, what the PDF prints (filled by services/letters.py, drawn by
pdf/letter.py).

Kinds and stages are their stored values ("improvement_note", "stage_1", …), so this module
needs no model import. Why these rules:

- An improvement note is the outcome of formal stage 1, a final written warning of stage 2, a
  hearing outcome of the capability hearing (Acas Code: the formal steps in order). An invitation
  can precede any formal meeting; appeal letters follow an appeal, whatever the stage.
- A warning stays on file for a set time (Acas guidance: commonly 6 months for a first written
  warning, 12 months for a final one); the manager may choose otherwise, never a day already past.
- An outcome letter states the right of appeal and its deadline: APPEAL_WORKING_DAYS UK working
  days after the day it is sent (the bank holidays of the staff member's nation); an appeal
  outcome is final.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .formatting import format_date
from .notifications.due import add_working_days

INVITATION = "invitation"
IMPROVEMENT_NOTE = "improvement_note"
FINAL_WARNING = "final_warning"
HEARING_OUTCOME = "hearing_outcome"
APPEAL_INVITATION = "appeal_invitation"
APPEAL_OUTCOME = "appeal_outcome"

WARNINGS = (IMPROVEMENT_NOTE, FINAL_WARNING)  # letters that expire, listed for HR
APPEALABLE = (IMPROVEMENT_NOTE, FINAL_WARNING, HEARING_OUTCOME)  # outcome letters with a right of appeal
APPEAL_LETTERS = (APPEAL_INVITATION, APPEAL_OUTCOME)
# The stage a plan must be at for its outcome letter (other kinds: any stage).
STAGE_OF = {IMPROVEMENT_NOTE: "stage_1", FINAL_WARNING: "stage_2", HEARING_OUTCOME: "hearing"}
EXPIRY_MONTHS = {IMPROVEMENT_NOTE: 6, FINAL_WARNING: 12}

DEFAULT_CONSEQUENCES = {
    IMPROVEMENT_NOTE: (
        "If the required improvement is not made and sustained within the timescale, the next step may be "
        "formal stage 2 of the capability procedure, which can lead to a final written warning."
    ),
    FINAL_WARNING: (
        "This is a final written warning. If the required improvement is not made and sustained within the "
        "timescale, you may be invited to a capability hearing, which can lead to your dismissal."
    ),
}

ACCOMPANIED = (
    "You have the right to be accompanied at the meeting by a colleague or a trade-union representative "
    "(Employment Relations Act 1999, section 10). Please tell us beforehand who will accompany you. If "
    "they cannot come at this time, you may suggest another time within five working days."
)

# Each part of a letter's content in words, in the order a letter reads (what changed since drafting).
PARTS = {
    "stage": "the plan's stage",
    "plan_type": "the plan's type",
    "concern": "the concern",
    "meeting": "the meeting",
    "actions": "the improvement required",
    "end_date": "the timescale",
    "next_review": "the next review date",
    "support": "the support",
    "consequences": "the consequences",
    "expires_on": "the expiry date",
    "outcome": "the outcome",
    "appeal": "the appeal",
    "contact": "who to contact",
    "inputs": "the choices made when drafting",
}


def stage_refusal(kind: str, stage: str, stage_labels: dict[str, str]) -> str | None:
    """Why a letter of `kind` cannot be drafted for a plan at `stage` (None: it can)."""
    needed = STAGE_OF.get(kind)
    if needed is None or needed == stage:
        return None
    return (
        f"This letter is the outcome of {stage_labels.get(needed, needed).lower()}: the plan is at "
        f"{stage_labels.get(stage, stage).lower()}. Move the plan to that stage first."
    )


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day where it is shorter: 31 Aug + 6 → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def default_expiry(kind: str, today: date) -> date | None:
    """A warning's default expiry: 6 months for an improvement note, 12 for a final warning."""
    months = EXPIRY_MONTHS.get(kind)
    return add_months(today, months) if months else None


def expiry_refusal(kind: str, expires_on: date | None, today: date) -> str | None:
    """Why this expiry date will not do (None: it will, or the letter has none)."""
    if kind not in WARNINGS:
        return None
    if expires_on is None:
        return "Enter the date the warning expires."
    if expires_on <= today:
        return f"The warning must expire after today ({format_date(today)})."
    return None


def invitation_meeting_refusal(meeting_kind: str | None, held_on: date | None, today: date) -> str | None:
    """Why this meeting cannot be the one an invitation invites to (None: it can)."""
    if meeting_kind is None or held_on is None:
        return "Choose the formal meeting the letter invites to (record it under Meetings first)."
    if meeting_kind != "formal":
        return "An invitation is to a formal meeting: choose a formal meeting, not a supervision or review."
    if held_on < today:
        return (
            f"That meeting was on {format_date(held_on)}, which has passed: an invitation is sent before the meeting."
        )
    return None


def appeal_deadline(kind: str, sent_on: date, working_days: int, region: str = "ENG") -> date | None:
    """The last day to appeal an outcome letter sent on `sent_on` (None: the letter has no appeal)."""
    if kind not in APPEALABLE:
        return None
    return add_working_days(sent_on, working_days, region)


def changed_since_drafted(drafted: dict, now: dict) -> list[str]:
    """The parts of a letter that would read differently if it were drafted now, in words, in the
    order the letter reads (empty: it still says what the plan says). `drafted`: its content as
    fixed then; `now`: the content built from the plan as it is now."""
    order = list(PARTS)
    keys = sorted(set(drafted) | set(now), key=lambda k: order.index(k) if k in order else len(order))
    return [PARTS.get(key, key) for key in keys if drafted.get(key) != now.get(key)]


def in_words(parts: list[str]) -> str:
    """The parts in a phrase: "the concern and the support", "the concern, the support and the
    expiry date" ("" for none)."""
    return " and ".join(parts) if len(parts) <= 2 else ", ".join(parts[:-1]) + " and " + parts[-1]


def warning_in_force(expires_on: date | None, today: date) -> bool:
    """A sent warning is in force up to and including its expiry date."""
    return expires_on is not None and today <= expires_on


@dataclass(frozen=True)
class LetterFacts:
    """Everything the PDF prints of one letter: its `content` as fixed when drafted, and the
    record's own facts (version, sent, the appeal deadline)."""

    kind: str
    title: str
    reference: str
    staff: str
    service: str
    manager: str
    version: int
    drafted_on: date
    sent_on: date | None
    expires_on: date | None
    appeal_by: date | None
    appeal_working_days: int
    content: dict = field(default_factory=dict)
    generated_by: str = ""
