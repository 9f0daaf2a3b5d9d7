"""Appeals on a plan (issue 20, point 3): the staff member lodges one against a sent outcome letter
(an improvement note, a final written warning, a capability hearing's outcome) within its deadline,
or HR records one on their behalf (late only with the reason it is accepted); HR or a registered
manager chooses a hearer not previously involved (appeal_rules.hearer_problem, over
`involvement`); the appeal hearing — a meeting of kind "appeal", with a companion or the staff
member's choice to attend alone — is linked; the hearer alone decides, with reasons. One appeal
awaits its outcome per plan; while it does, the plan is "Under appeal" (Plan.under_appeal).
Every change is audited in its transaction; the hearer and the staff member are emailed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..appeal_rules import hearer_problem, lateness_problem
from ..clock import today
from ..database import fixed
from ..extensions import db
from ..formatting import format_date
from ..models import (
    Appeal,
    AppealOutcome,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    AuditEvent,
    CompanionKind,
    Letter,
    LetterKind,
    Meeting,
    MeetingKind,
    NotificationKind,
    Plan,
    PlanStage,
    Role,
    User,
    meeting_attendees,
    user_services,
)
from ..notifications.due import Due
from ..refusals import Conflict, Refusal
from . import audit
from .outbox import enqueue

GROUNDS_MAX = 4000
REASONS_MAX = 4000
OUTCOME_LETTERS = (LetterKind.IMPROVEMENT_NOTE, LetterKind.FINAL_WARNING, LetterKind.HEARING_OUTCOME)
ALREADY_OPEN = "An appeal on this plan is already waiting for its outcome: only one at a time."
NONE_OPEN = "There is no appeal on this plan waiting for its outcome now: reload the page."


@dataclass
class AppealValues:
    """An appeal as a form gives it (text already stripped); `lodged_on` is today for the staff
    member's own, the day HR received it for one HR records."""

    letter_id: int | None
    grounds: str
    lodged_on: date
    late_reason: str = ""


@dataclass
class OutcomeValues:
    """The hearer's decision as the form gives it."""

    outcome: AppealOutcome
    reasons: str
    decided_on: date


# --- What the panel reads ----------------------------------------------------------------------


def open_appeal(plan: Plan) -> Appeal | None:
    """The plan's appeal waiting for its outcome, if any."""
    return next((a for a in plan.appeals if a.is_open), None)


def appealable_letters(plan: Plan) -> list[Letter]:
    """The plan's sent outcome letters not yet appealed (one appeal per letter), newest first."""
    appealed = {a.letter_id for a in plan.appeals}
    letters = [x for x in plan.letters if x.kind in OUTCOME_LETTERS and x.is_sent and x.id not in appealed]
    return sorted(letters, key=lambda x: (x.sent_on, x.id), reverse=True)


def letter_in_words(letter: Letter) -> str:
    """ "Improvement note (version 1), sent 23 Nov 2026: appeal by 30 Nov 2026"."""
    words = f"{letter.kind.label} (version {letter.version}), sent {format_date(letter.sent_on)}"
    return words + (f": appeal by {format_date(letter.appeal_by)}" if letter.appeal_by else "")


def hearing_meetings(plan: Plan) -> list[Meeting]:
    """The plan's appeal hearings (meetings of kind "appeal"), newest first."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.plan_id == plan.id, Meeting.kind == MeetingKind.APPEAL)
            .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        )
    )


def _stage_words(stage: str) -> str:
    try:
        return PlanStage(stage).label.split(" (")[0].lower()
    except ValueError:
        return "a formal stage"


def _approval_words(approval: Approval) -> str:
    if approval.kind is ApprovalKind.STAGE:
        return f"the move to {_stage_words(str((approval.proposal or {}).get('to', '')))}"
    return "the closure of the plan" if approval.kind is ApprovalKind.CLOSURE else "the plan before issue"


def involvement(plan: Plan) -> dict[int, str]:
    """Everyone previously involved in decisions on the plan, with the first thing each did, in
    words: the staff member, the line manager and whoever created it; who asked for or decided an
    approval, decided an escalation, drafted or sent a letter, closed it, attended a formal meeting
    or recorded a regulatory decision. None of them may hear an appeal on it."""
    found: dict[int, str] = {}

    def note(person: int | None, what: str) -> None:
        if person is not None:
            found.setdefault(person, what)

    note(plan.staff_id, "is the staff member who appeals")
    note(plan.manager_id, "is the plan's line manager")
    creator = db.session.scalar(
        select(AuditEvent.actor_id)
        .where(AuditEvent.plan_id == plan.id, AuditEvent.entity == "plan", AuditEvent.verb == "created")
        .order_by(AuditEvent.id)
        .limit(fixed(1))
    )
    note(creator, "created the plan")
    for approval in plan.approvals:
        what = _approval_words(approval)
        note(approval.requested_by_id, f"asked for approval of {what} on {format_date(approval.requested_at)}")
        if approval.decided_by_id is not None and approval.status is not ApprovalStatus.PENDING:
            verb = "approved" if approval.status is ApprovalStatus.APPROVED else "returned"
            note(approval.decided_by_id, f"{verb} {what} on {format_date(approval.decided_at)}")
    for escalation in plan.escalations:
        note(escalation.decided_by_id, f"decided on the escalation on {format_date(escalation.decided_on)}")
    for letter in plan.letters:
        name = letter.kind.label.lower()
        note(letter.drafted_by_id, f"drafted the {name} on {format_date(letter.drafted_at)}")
        note(letter.sent_by_id, f"sent the {name} on {format_date(letter.sent_on)}")
    if plan.closure is not None:
        note(plan.closure.closed_by_id, f"closed the plan on {format_date(plan.closure.closed_at)}")
    formal = db.session.execute(
        select(meeting_attendees.c.user_id, Meeting.held_on)
        .join(Meeting, Meeting.id == meeting_attendees.c.meeting_id)
        .where(Meeting.plan_id == plan.id, Meeting.kind == MeetingKind.FORMAL)
        .order_by(Meeting.held_on, Meeting.id)
    ).all()
    for person, held_on in formal:
        note(person, f"attended the formal meeting of {format_date(held_on)}")
    for decision in plan.regulatory_decisions:
        note(decision.decided_by_id, f"recorded a regulatory decision on {format_date(decision.decided_on)}")
    return found


def hearer_candidates(plan: Plan) -> list[User]:
    """Who could hear an appeal on this plan at all: the active registered managers of its service
    and the active HR advisers (both may read the plan), by name."""
    seniors = select(user_services.c.user_id).where(user_services.c.service_id == plan.service_id)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                ((User.role == Role.SENIOR) & User.id.in_(seniors)) | (User.role == Role.HR),
            )
            .order_by(User.name, User.id)
        )
    )


def _hearer_refusal(plan: Plan, person: User, involved: dict[int, str]) -> str | None:
    problem = hearer_problem(person.id, person.name, person.role.value, person.active, involved)
    if problem is None and person.role is Role.SENIOR and plan.service_id not in person.service_ids:
        return f"{person.name} is not a registered manager of {plan.service.name}: choose one who is, or HR."
    return problem


def eligible_hearers(plan: Plan) -> list[User]:
    """The candidates not previously involved: the only people the hearer list offers."""
    involved = involvement(plan)
    return [p for p in hearer_candidates(plan) if _hearer_refusal(plan, p, involved) is None]


# --- Operations --------------------------------------------------------------------------------


def _lodge(actor: User, plan: Plan, values: AppealValues, *, by_hr: bool) -> Appeal:
    if plan.is_draft:
        raise Conflict("A draft plan has no decision to appeal.")
    if open_appeal(plan) is not None:
        raise Conflict(ALREADY_OPEN)
    letter = next((x for x in appealable_letters(plan) if x.id == values.letter_id), None)
    if letter is None:
        raise Conflict("That letter cannot be appealed now: it has been appealed already, or reload the page.")
    if values.lodged_on > today():
        raise Refusal("An appeal cannot be received on a day still to come.", field="lodged_on")
    problem = lateness_problem(values.lodged_on, letter.appeal_by, by_hr=by_hr, late_reason=values.late_reason)
    if problem is not None:
        raise Refusal(problem, field="late_reason" if by_hr else "letter")
    late = not (letter.appeal_by is None or values.lodged_on <= letter.appeal_by)
    appeal = Appeal(
        plan=plan,
        letter=letter,
        grounds=values.grounds,
        lodged_on=values.lodged_on,
        lodged_by=actor,
        late_reason=values.late_reason if late else None,
    )
    db.session.add(appeal)
    db.session.flush()
    db.session.expire(plan, ["under_appeal"])  # read again when next shown: the plan is now under appeal
    audit.record(
        actor,
        "recorded" if by_hr else "lodged",
        "appeal",
        appeal.id,
        plan_id=plan.id,
        changes={
            "letter": letter_in_words(letter),
            "grounds": values.grounds,
            "lodged_on": values.lodged_on,
            "late_reason": appeal.late_reason,
        },
    )
    return appeal


def lodge_appeal(actor: User, plan: Plan, values: AppealValues) -> Appeal:
    """The staff member appeals against one of the plan's outcome letters, within its deadline."""
    return _lodge(actor, plan, AppealValues(values.letter_id, values.grounds, today()), by_hr=False)


def record_appeal(actor: User, plan: Plan, values: AppealValues) -> Appeal:
    """HR records an appeal the staff member made another way (by letter, by email), on the day it
    was received; after the deadline only with the reason it is accepted late."""
    return _lodge(actor, plan, values, by_hr=True)


def _require_open(plan: Plan) -> Appeal:
    appeal = open_appeal(plan)
    if appeal is None:
        raise Conflict(NONE_OPEN)
    return appeal


def assign_hearer(actor: User, plan: Plan, hearer_id: int | None) -> Appeal:
    """Choose (or change) who hears the open appeal: someone not previously involved (checked)."""
    appeal = _require_open(plan)
    person = db.session.get(User, hearer_id) if hearer_id is not None else None
    if person is None:
        raise Refusal("Choose one of the people in the list.", field="hearer")
    problem = _hearer_refusal(plan, person, involvement(plan))
    if problem is not None:
        raise Refusal(problem, field="hearer")
    if appeal.hearer_id == person.id:
        return appeal
    before = appeal.hearer.name if appeal.hearer else None
    appeal.hearer = person
    db.session.flush()
    changes = {"hearer": person.name} | ({"instead_of": before} if before else {})
    audit.record(actor, "hearer_chosen", "appeal", appeal.id, plan_id=plan.id, changes=changes)
    if person.id != actor.id:
        _notify(person.id, NotificationKind.APPEAL_TO_HEAR, appeal, "hearer")
    return appeal


def link_hearing(actor: User, plan: Plan, meeting_id: int | None, *, unaccompanied: bool) -> Appeal:
    """Link the appeal hearing (a meeting of kind "appeal" on this plan). The staff member has the
    right to be accompanied: a hearing with no companion recorded is linked only when the form
    confirms they chose to attend alone."""
    appeal = _require_open(plan)
    meeting = db.session.get(Meeting, meeting_id) if meeting_id is not None else None
    if meeting is None or meeting.plan_id != plan.id or meeting.kind is not MeetingKind.APPEAL:
        raise Refusal("Choose one of the plan's appeal hearings in the list.", field="meeting")
    if meeting.companion_kind is CompanionKind.NONE and not unaccompanied:
        raise Refusal(
            "No companion is recorded for this hearing: record the companion on the meeting, or confirm "
            "the staff member chose to attend unaccompanied.",
            field="meeting",
        )
    if appeal.meeting_id == meeting.id:
        return appeal
    before = format_date(appeal.meeting.held_on) if appeal.meeting else None
    appeal.meeting = meeting
    db.session.flush()
    changes: dict[str, str] = {"hearing": format_date(meeting.held_on)} | ({"instead_of": before} if before else {})
    if meeting.companion_kind is CompanionKind.NONE:
        changes["unaccompanied"] = "The staff member chose to attend unaccompanied."
    audit.record(actor, "hearing_linked", "appeal", appeal.id, plan_id=plan.id, changes=changes)
    return appeal


def outcome_problems(appeal: Appeal | None, values: OutcomeValues) -> list[tuple[str, str]]:
    """The dates' rules, as (form field, message): empty when the outcome may be recorded."""
    if values.decided_on > today():
        return [("decided_on", "An outcome cannot be dated on a day still to come.")]
    if appeal is not None and appeal.meeting is not None and values.decided_on < appeal.meeting.held_on:
        return [("decided_on", f"The outcome comes after the hearing of {format_date(appeal.meeting.held_on)}.")]
    return []


def decide_appeal(actor: User, plan: Plan, values: OutcomeValues) -> Appeal:
    """The hearer records the outcome, with reasons, once the hearing is linked and has been held;
    the hearer rule is checked again (someone may have become involved since they were chosen)."""
    appeal = _require_open(plan)
    if appeal.hearer_id != actor.id:
        raise Conflict("Only the person chosen to hear this appeal records its outcome.")
    problem = _hearer_refusal(plan, actor, involvement(plan))
    if problem is not None:
        raise Refusal(f"{problem} HR or a registered manager can choose another hearer.")
    if appeal.meeting is None:
        raise Refusal("Link the appeal hearing first: the outcome follows the hearing.")
    if appeal.meeting.held_on > today():
        raise Refusal(f"The hearing is on {format_date(appeal.meeting.held_on)}: record the outcome once it is held.")
    problems = outcome_problems(appeal, values)
    if problems:
        raise Refusal(problems[0][1], field=problems[0][0])
    if not values.reasons.strip():
        raise Refusal("Give the reasons for the outcome.", field="reasons")
    appeal.outcome, appeal.outcome_reasons, appeal.decided_on = values.outcome, values.reasons, values.decided_on
    appeal.decided_by = actor
    db.session.flush()
    db.session.expire(plan, ["under_appeal"])
    audit.record(
        actor,
        "decided",
        "appeal",
        appeal.id,
        plan_id=plan.id,
        changes={"outcome": values.outcome.value, "reasons": values.reasons, "decided_on": values.decided_on},
    )
    _notify(plan.staff_id, NotificationKind.APPEAL_DECIDED, appeal, "outcome")
    return appeal


def _notify(person: int, kind: NotificationKind, appeal: Appeal, occasion: str) -> None:
    """An email through the outbox: to the hearer when chosen, to the staff member when decided."""
    plan = appeal.plan
    details = {"appeal_id": appeal.id}
    enqueue([Due(person, kind, "appeal", appeal.id, occasion, plan.id, plan.reference, details)])


def appeals_newest_first(plan: Plan) -> Sequence[Appeal]:
    """Every appeal on the plan, the open one first, then the decided ones newest first."""
    return sorted(plan.appeals, key=lambda a: (a.is_open, a.id), reverse=True)
