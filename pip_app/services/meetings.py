"""Meetings on a plan: record one, correct it, and the staff member's answer to its minutes.

The rules relating a meeting's dates and its companion are pip_app/meeting_rules.py's; here they
are enforced (a `Refusal` beside the field) along with the states: the minutes the staff member
has answered do not change afterwards, and they answer minutes only once they have them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..clock import now_utc, today
from ..extensions import db
from ..formatting import format_date
from ..meeting_rules import MeetingFacts, meeting_problems
from ..models import AckResponse, CompanionKind, Meeting, MeetingKind, Plan, Review, Role, User, user_services
from ..refusals import Conflict, Refusal
from . import audit

# What the staff member answers, and so what may not change once they have.
MINUTES = ("discussion", "staff_account", "decisions")


@dataclass
class MeetingValues:
    """A meeting as the form gives it (text already stripped)."""

    kind: MeetingKind
    held_on: date
    starts_at: time | None = None
    place: str = ""
    attendee_ids: Sequence[int] = ()
    other_attendees: str = ""
    note_taker: str = ""
    companion_kind: CompanionKind = CompanionKind.NONE
    companion_name: str = ""
    notice_given_on: date | None = None
    evidence_copies: str = ""
    discussion: str = ""
    staff_account: str = ""
    decisions: str = ""
    review_id: int | None = None
    minutes_shared_on: date | None = None

    def facts(self) -> MeetingFacts:
        return MeetingFacts(
            held_on=self.held_on,
            has_minutes=any(getattr(self, name) for name in MINUTES),
            companion_kind=self.companion_kind.value,
            companion_name=self.companion_name,
            notice_given_on=self.notice_given_on,
            minutes_shared_on=self.minutes_shared_on,
        )


def meeting_people(plan: Plan) -> list[User]:
    """Who may be ticked as attending: the staff member, their manager and the service's
    registered managers (anyone else is named in "other attendees")."""
    seniors = db.session.scalars(
        select(User)
        .join(user_services, user_services.c.user_id == User.id)
        .where(user_services.c.service_id == plan.service_id, User.role == Role.SENIOR, User.active.is_(True))
        .order_by(User.name)
    ).all()
    people = {plan.staff.id: plan.staff, plan.manager.id: plan.manager} | {s.id: s for s in seniors}
    return list(people.values())


def linkable_reviews(plan: Plan, meeting: Meeting | None = None) -> list[Review]:
    """The plan's weekly reviews a meeting may say it was: those no other meeting is linked to."""
    taken = set(
        db.session.scalars(select(Meeting.review_id).where(Meeting.plan_id == plan.id, Meeting.review_id.is_not(None)))
    )
    if meeting is not None:
        taken.discard(meeting.review_id)
    return [
        r
        for r in db.session.scalars(select(Review).where(Review.plan_id == plan.id).order_by(Review.review_date.desc()))
        if r.id not in taken
    ]


def plan_meetings(plan: Plan) -> list[Meeting]:
    """The plan's meetings, newest first, with who attended and the review each was."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.plan_id == plan.id)
            .options(selectinload(Meeting.attendees), joinedload(Meeting.review), joinedload(Meeting.recorded_by))
            .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        )
    )


def problems_with(values: MeetingValues) -> list[tuple[str, str]]:
    """What the meeting rules say of these values today, as (field, message)."""
    return meeting_problems(values.facts(), today())


def _check(plan: Plan, values: MeetingValues, meeting: Meeting | None = None) -> list[User]:
    """Refuse what the rules forbid; the attendees as users (only the plan's people)."""
    problems = problems_with(values)
    if problems:
        name, message = problems[0]
        raise Refusal(message, field=name)
    people = {p.id: p for p in meeting_people(plan)}
    if meeting is not None:
        people |= {u.id: u for u in meeting.attendees}  # someone who has since left stays on the record
    unknown = [i for i in values.attendee_ids if i not in people]
    if unknown:
        raise Refusal("Choose attendees from the list; name anyone else under “Other attendees”.", field="attendee_ids")
    if values.review_id is not None and values.review_id not in {r.id for r in linkable_reviews(plan, meeting)}:
        raise Refusal("Choose one of this plan's weekly reviews (each review has one meeting).", field="review_id")
    return [people[i] for i in values.attendee_ids]


def _columns(values: MeetingValues) -> dict[str, object]:
    columns = asdict(values)
    columns.pop("attendee_ids")
    columns["companion_name"] = values.companion_name or None
    return columns


def record_meeting(actor: User, plan: Plan, values: MeetingValues) -> Meeting:
    """Put a meeting on the plan's record (a draft plan's too: the supervision that set it up)."""
    if plan.is_closed:
        raise Conflict("This plan is closed and can no longer be changed.")
    attendees = _check(plan, values)
    meeting = Meeting(plan=plan, recorded_by=actor, attendees=attendees, **_columns(values))
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        actor,
        "recorded",
        "meeting",
        meeting.id,
        plan_id=plan.id,
        changes=_columns(values) | {"attendees": [u.name for u in attendees]},
    )
    return meeting


def update_meeting(actor: User, meeting: Meeting, values: MeetingValues) -> None:
    """Correct a meeting; the minutes the staff member has answered stay as they answered them."""
    plan = meeting.plan
    if plan.is_closed:
        raise Conflict("This plan is closed and can no longer be changed.")
    attendees = _check(plan, values, meeting)
    columns = _columns(values)
    changes = audit.field_diff(meeting, columns)
    if meeting.minutes_response is not None and (set(changes) & {*MINUTES, "minutes_shared_on", "held_on"}):
        raise Conflict(
            f"{plan.staff.name} has already answered these minutes, so they cannot change. "
            "Record what was said since as a new meeting.",
            field="discussion",
        )
    old_names, new_names = [u.name for u in meeting.attendees], [u.name for u in attendees]
    if old_names != new_names:
        changes["attendees"] = [old_names, new_names]
    for name, value in columns.items():
        setattr(meeting, name, value)
    meeting.attendees = attendees
    db.session.flush()
    if changes:
        audit.record(actor, "updated", "meeting", meeting.id, plan_id=plan.id, changes=changes)


def acknowledge_minutes(actor: User, meeting: Meeting, *, response: AckResponse, comment: str | None) -> None:
    """The staff member's answer to the minutes they were given: agree, or disagree with a comment."""
    if meeting.minutes_shared_on is None:
        raise Conflict("These minutes have not been shared with you yet.")
    if meeting.minutes_response is not None:
        raise Conflict(f"You answered these minutes on {format_date(meeting.minutes_acknowledged_at)}.")
    comment = (comment or "").strip() or None
    if response is AckResponse.DISAGREE and not comment:
        raise Refusal("Say what you disagree with, so your manager can discuss it with you.", field="comment")
    meeting.minutes_response, meeting.minutes_comment = response, comment
    meeting.minutes_acknowledged_at = now_utc()
    db.session.flush()
    audit.record(
        actor,
        "acknowledged",
        "meeting",
        meeting.id,
        plan_id=meeting.plan_id,
        changes={"response": response, "comment": comment},
    )
