"""Meeting routes: the plan's meetings (a part of the plan page loaded when opened), the form to
record or correct one, and the staff member's answer to the minutes they were given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload

from .. import policy
from ..access import plan_route
from ..clock import today
from ..meeting_rules import minutes_due_by, minutes_late
from ..models import AckResponse, CompanionKind, Meeting, MeetingKind, Plan
from ..plan_reads import PlanReads
from ..screens import Screen, problems_beside, submit
from ..services import meetings as meeting_ops
from . import bp
from .forms import MeetingForm, MinutesAcknowledgeForm, meeting_form

PANEL_READS = PlanReads(joined=(joinedload(Plan.staff), joinedload(Plan.manager)))


@dataclass(frozen=True)
class Row:
    """One meeting as the panel shows it to this person."""

    meeting: Meeting
    minutes_visible: bool  # the staff member reads the minutes once they have been shared
    late: bool  # not shared within 5 working days
    due_by: date
    may_acknowledge: bool


def meetings_context(plan: Plan, **overrides: Any) -> dict[str, Any]:
    """The meetings panel: the plan's meetings and, when open, the form being filled or corrected."""
    may_edit = policy.can_edit_plan(current_user, plan)
    is_staff = policy.can_acknowledge(current_user, plan)
    on, nation = today(), plan.staff.nation
    rows = [
        Row(
            meeting=m,
            minutes_visible=not is_staff or m.minutes_shared_on is not None,
            late=m.held_on <= on and minutes_late(m.held_on, m.minutes_shared_on, on, nation),
            due_by=minutes_due_by(m.held_on, nation),
            may_acknowledge=is_staff and m.minutes_shared_on is not None and m.minutes_response is None,
        )
        for m in meeting_ops.plan_meetings(plan)
    ]
    context = dict(
        plan=plan,
        rows=rows,
        may_edit=may_edit,
        editing=None,
        form=None,
        ack_form=MinutesAcknowledgeForm(formdata=None),
        answering=None,
        saved=None,
        saved_message=None,
        conflict=None,
        section_error=None,
    )
    context.update(overrides)
    return context


MEETINGS = Screen("meetings/page.html", {"panel": "meetings/_panel.html"}, meetings_context)


def _form(plan: Plan, meeting: Meeting | None = None, **kwargs: Any) -> MeetingForm:
    return meeting_form(
        meeting_ops.meeting_people(plan), meeting_ops.linkable_reviews(plan, meeting), meeting, **kwargs
    )


def _values(form: MeetingForm) -> meeting_ops.MeetingValues:
    return meeting_ops.MeetingValues(
        kind=MeetingKind(form.kind.data),
        held_on=form.held_on.data,
        starts_at=form.starts_at.data,
        place=form.place.data or "",
        attendee_ids=list(form.attendee_ids.data or []),
        other_attendees=form.other_attendees.data or "",
        note_taker=form.note_taker.data or "",
        companion_kind=CompanionKind(form.companion_kind.data),
        companion_name=form.companion_name.data or "",
        notice_given_on=form.notice_given_on.data,
        evidence_copies=form.evidence_copies.data or "",
        discussion=form.discussion.data or "",
        staff_account=form.staff_account.data or "",
        decisions=form.decisions.data or "",
        review_id=int(form.review_id.data) if form.review_id.data else None,
        minutes_shared_on=form.minutes_shared_on.data,
    )


def _rules_hold(form: MeetingForm) -> bool:
    """The meeting rules, each message beside its field (all at once, before saving)."""
    return problems_beside(form, meeting_ops.problems_with(_values(form)))


def _panel_url(plan: Plan) -> str:
    return url_for("plans.show", plan_id=plan.id, _anchor="meetings")


@bp.get("/<int:plan_id>/meetings")
@plan_route(reads=PANEL_READS)
def index(plan: Plan) -> ResponseReturnValue:
    """The plan's meetings (the panel for htmx, a page of its own otherwise)."""
    return MEETINGS.show(plan, "panel")


@bp.get("/<int:plan_id>/meetings/new")
@plan_route(policy.can_edit_plan, reads=PANEL_READS)
def new_meeting(plan: Plan) -> ResponseReturnValue:
    """The form for a meeting, dated today, with the staff member and their manager ticked."""
    form = _form(plan, formdata=None)
    form.held_on.data = today()
    form.attendee_ids.data = [plan.staff_id, plan.manager_id]
    return MEETINGS.show(plan, "panel", editing="new", form=form)


@bp.post("/<int:plan_id>/meetings")
@plan_route(policy.can_edit_plan, reads=PANEL_READS)
def record(plan: Plan) -> ResponseReturnValue:
    """Put a meeting on the plan's record."""
    form = _form(plan)
    return submit(
        MEETINGS,
        plan,
        "panel",
        form,
        lambda: meeting_ops.record_meeting(current_user, plan, _values(form)),
        url=_panel_url(plan),
        message="Meeting recorded.",
        checks=lambda: _rules_hold(form),
        kept={"form": form, "editing": "new"},
    )


@bp.get("/<int:plan_id>/meetings/<int:meeting_id>/edit")
@plan_route(policy.can_edit_plan, reads=PANEL_READS, parts={"meeting_id": Meeting})
def edit_meeting(plan: Plan, meeting: Meeting) -> ResponseReturnValue:
    """The meeting's form, filled in, to correct it or add the minutes and the date they were shared."""
    return MEETINGS.show(plan, "panel", editing=meeting.id, form=_form(plan, meeting, formdata=None))


@bp.post("/<int:plan_id>/meetings/<int:meeting_id>")
@plan_route(policy.can_edit_plan, reads=PANEL_READS, parts={"meeting_id": Meeting})
def update(plan: Plan, meeting: Meeting) -> ResponseReturnValue:
    """Correct a meeting (a stale copy of the form is refused with 409)."""
    form = _form(plan, meeting)
    return submit(
        MEETINGS,
        plan,
        "panel",
        form,
        lambda: meeting_ops.update_meeting(current_user, meeting, _values(form)),
        url=_panel_url(plan),
        message="Meeting saved.",
        stale=meeting,
        checks=lambda: _rules_hold(form),
        kept={"form": form, "editing": meeting.id},
    )


@bp.post("/<int:plan_id>/meetings/<int:meeting_id>/acknowledge")
@plan_route(policy.can_acknowledge, reads=PANEL_READS, parts={"meeting_id": Meeting})
def acknowledge_minutes(plan: Plan, meeting: Meeting) -> ResponseReturnValue:
    """The staff member agrees with the minutes, or disagrees and says why."""
    form = MinutesAcknowledgeForm()
    return submit(
        MEETINGS,
        plan,
        "panel",
        form,
        lambda: meeting_ops.acknowledge_minutes(
            current_user, meeting, response=AckResponse(form.response.data), comment=form.comment.data
        ),
        url=_panel_url(plan),
        message="Thank you: your answer to the minutes is recorded.",
        kept={"ack_form": form, "answering": meeting.id},
    )
