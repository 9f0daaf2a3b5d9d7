"""The weekly governance loop: reviews, observation outcomes, action status, staff voice, pause.

Status changes go through lifecycle.plan_move / action_move (the one table of allowed moves);
a control a review lifts goes through controls.lift_control (the one set of lift rules).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TypedDict, cast

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only, selectinload

from .. import plain_rows
from ..clock import now_utc, to_london, today
from ..database import fixed, read_rows, violates_unique
from ..extensions import db
from ..flags import last_reviews
from ..formatting import format_date
from ..lifecycle import MoveRefused, R, action_move, current_reviews, first_review_date, ready_to_close_by
from ..models import (
    ONE_REVIEW_PER_DATE,
    Acknowledgement,
    AckResponse,
    AckSubject,
    Action,
    ActionStatus,
    ControlDecisionKind,
    InterimControl,
    Meeting,
    Observation,
    ObservationStatus,
    Outcome,
    Plan,
    Progress,
    Review,
    ReviewControlDecision,
    ReviewDecision,
    ReviewEntry,
    User,
)
from ..plain_rows import Rows
from ..plan_reads import name_of, plain_collections, read_each
from . import audit, notifications
from .controls import ControlError, lift_control
from .escalations import raise_escalation
from .paging import Page, one_page
from .plans import PlanConflict, PlanError, extend_plan, require_editable, require_move


class EntryValues(TypedDict, total=False):
    """One action's line of a weekly review."""

    action: Action
    progress: Progress
    measured_value: float | None
    note: str | None


class ControlDecisionValues(TypedDict, total=False):
    """What a weekly review decides for one active control."""

    control: InterimControl
    decision: ControlDecisionKind
    rationale: str | None


def review_statement(review: Review) -> str:
    """What the staff member confirms for one weekly review."""
    return (
        f"I have read the weekly review of {format_date(review.review_date)} for "
        f"improvement plan {review.plan.reference}, including each action's progress and the decision."
    )


def find_submission(token: str | None) -> Review | None:
    """The review already saved from this form load (a double-clicked save), if any."""
    if not token:
        return None
    return db.session.scalar(select(Review).where(Review.submission_token == token))


def record_review(
    actor: User,
    plan: Plan,
    *,
    review_date: date,
    entries: Sequence[EntryValues],
    control_decisions: Sequence[ControlDecisionValues],
    summary: str,
    decision: ReviewDecision,
    next_review_date: date,
    extend_to: date | None = None,
    extend_reason: str | None = None,
    escalation_reason: str | None = None,
    corrects: Review | None = None,
    submission_token: str | None = None,
) -> Review:
    """Record a weekly review of an active plan; the staff member is then asked to acknowledge it.
    An "Escalate" decision opens an escalation to the registered managers with its reason."""
    require_editable(plan)
    require_move(plan, "review")
    if review_date < plan.start_date or review_date > today():
        raise PlanError("The review date must be between the plan's start and today.")
    if next_review_date <= review_date:
        raise PlanError("The next review must be after this one.")
    if corrects is not None and corrects.plan_id != plan.id:
        raise PlanError("A correction must refer to a review of the same plan.")
    if corrects is None and _reviewed_on(plan, review_date):
        raise PlanError(already_reviewed(review_date), field="review_date")
    if find_submission(submission_token) is not None:  # the same plan's double-click never gets here
        raise PlanConflict(FORM_USED)
    if decision is ReviewDecision.READY_TO_CLOSE:  # next comes the closure, by the planned end
        next_review_date = ready_to_close_by(review_date, next_review_date, plan.planned_end_date)
    # Built apart from the session and added whole at the end, so it is inserted once, complete.
    review = Review(
        review_date=review_date,
        reviewer_id=actor.id,
        summary=summary.strip(),
        decision=decision,
        next_review_date=next_review_date,
        corrects=corrects,
        submission_token=submission_token,
    )
    for entry in entries:
        action: Action = entry["action"]
        value = entry.get("measured_value")
        if value is not None and not action.has_measure:
            raise PlanError(f"{action.ref} has no measure, so it takes no measured value.")
        review.entries.append(
            ReviewEntry(
                action_id=action.id,
                progress=entry["progress"],
                measured_value=value,
                note=(entry.get("note") or "").strip(),
            )
        )
    for item in control_decisions:
        control, kind = item["control"], item["decision"]
        rationale = (item.get("rationale") or "").strip()
        if kind is not ControlDecisionKind.KEEP:
            _lift_in_review(actor, control, kind, review_date, rationale)
        review.control_decisions.append(
            ReviewControlDecision(control_id=control.id, decision=kind, rationale=rationale)
        )
    if decision is ReviewDecision.EXTEND:
        _extend(actor, plan, review, extend_to, extend_reason)
    plan.next_review_date = next_review_date
    plan.reviews.append(review)
    _insert(review)
    audit.record(
        actor,
        "recorded",
        "review",
        review.id,
        plan_id=plan.id,
        changes={
            "review_date": review_date,
            "decision": decision,
            "next_review_date": next_review_date,
            "corrects": corrects.id if corrects else None,
            "entries": {e["action"].ref: [e["progress"].value, e.get("measured_value")] for e in entries},
        },
    )
    notifications.review_recorded(review)
    if decision is ReviewDecision.ESCALATE:
        raise_escalation(actor, plan, escalation_reason, review)
    return review


FORM_USED = "This review form has already been saved once. Open a new review form to record another review."


def already_reviewed(review_date: date) -> str:
    """Why a second review of a date is refused, and what to do instead."""
    return (
        f"A weekly review of {format_date(review_date)} is already recorded for this plan. "
        "To change it, use “Record a correction” beside that review."
    )


def _reviewed_on(plan: Plan, review_date: date) -> bool:
    """The plan has a review of this date (not counting corrections)."""
    return (
        db.session.scalar(
            select(Review.id)
            .where(Review.plan_id == plan.id, Review.review_date == review_date, Review.corrects_review_id.is_(None))
            .limit(fixed(1))
        )
        is not None
    )


def _insert(review: Review) -> None:
    """Insert the review now, in a savepoint, so a review of the same date or from the same form
    saved by someone else in the meantime (the checks above passed for both) is refused cleanly
    by its unique index instead of failing the request."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        if violates_unique(error, ONE_REVIEW_PER_DATE, "reviews", ("plan_id", "review_date")):
            raise PlanConflict(already_reviewed(review.review_date), field="review_date") from error
        if violates_unique(error, "uq_reviews_submission_token", "reviews", ("submission_token",)):
            raise PlanConflict(FORM_USED) from error
        raise


def _lift_in_review(
    actor: User, control: InterimControl, kind: ControlDecisionKind, review_date: date, rationale: str
) -> None:
    """A review lifts a control, or carries it into monitoring, on the review's date; a refusal
    names the control, as the review form shows it above the whole form."""
    try:
        lift_control(
            actor,
            control,
            review_date,
            rationale,
            carry_into_monitoring=kind is ControlDecisionKind.MONITOR,
            via="review",
        )
    except ControlError as error:
        raise PlanError(f"{control.kind.label}: {error}") from error


def _extend(actor: User, plan: Plan, review: Review, extend_to: date | None, extend_reason: str | None) -> None:
    """A review's decision to extend: a later end date and the reason, on the review and the plan."""
    extend_plan(actor, plan, extend_to, extend_reason, field="extend_to")
    review.extend_to, review.extend_reason = extend_to, (extend_reason or "").strip()


def record_observation(
    actor: User, observation: Observation, *, status: ObservationStatus, outcome: Outcome | None, notes: str | None
) -> None:
    """Record what happened to a planned observed shift: done (with outcome), missed, or cancelled."""
    require_editable(observation.plan)
    if observation.status is not ObservationStatus.PLANNED:
        raise PlanError("This observation already has its outcome recorded.")
    notes = (notes or "").strip() or None
    if status is ObservationStatus.DONE:
        if outcome is None:
            raise PlanError("Choose the outcome: met, partly met or not met.")
        if observation.scheduled_on > today():
            raise PlanError("An observation cannot be recorded as done before its date.")
    elif status is ObservationStatus.CANCELLED and not notes:
        raise PlanError("Give the reason for cancelling the observation.")
    elif status is ObservationStatus.PLANNED:
        raise PlanError("Choose done, missed or cancelled.")
    observation.status = status
    observation.outcome = outcome if status is ObservationStatus.DONE else None
    observation.notes = notes
    observation.recorded_at = now_utc()
    db.session.flush()
    audit.record(
        actor,
        "recorded",
        "observation",
        observation.id,
        plan_id=observation.plan_id,
        changes={"status": status, "outcome": observation.outcome, "notes": notes},
    )
    notifications.observation_changed(observation)


def cancel_remaining_observations(actor: User, plan: Plan, reason: str | None) -> list[Observation]:
    """Cancel every observed shift still planned, with one reason (at closure, say): each is
    cancelled, audited and its observer told exactly as if cancelled one by one."""
    require_editable(plan)
    reason = (reason or "").strip()
    remaining = [o for o in plan.observations if o.status is ObservationStatus.PLANNED]
    if not remaining:
        raise PlanConflict("No observed shift is still planned: there is nothing to cancel.")
    if not reason:
        raise PlanError("Give the reason for cancelling the observations.", "reason")
    for observation in remaining:
        record_observation(actor, observation, status=ObservationStatus.CANCELLED, outcome=None, notes=reason)
    return remaining


def set_action_status(actor: User, action: Action, status: ActionStatus, evidence: str, on: date) -> None:
    """Completed (it was done) → assured (evidence that practice changed), or not met with a reason."""
    require_editable(action.plan)
    evidence = (evidence or "").strip()
    if not evidence:
        raise PlanError("Give the evidence (or, for not met, the reason).")
    if on > today() or on < action.plan.start_date:
        raise PlanError("The date must be between the plan's start and today.")
    try:
        new_status = ActionStatus(
            action_move(action.status.value, status.value, ref=action.ref, current_label=action.status.label.lower())
        )
    except MoveRefused as refused:
        raise PlanError(str(refused)) from refused
    if new_status is ActionStatus.COMPLETED:
        action.completion_evidence, action.completed_on = evidence, on
    elif new_status is ActionStatus.ASSURED:
        action.assurance_evidence, action.assured_on = evidence, on
    else:
        action.status_reason = evidence
    old = action.status
    action.status = new_status
    db.session.flush()
    audit.record(
        actor,
        "status_changed",
        "action",
        action.id,
        plan_id=action.plan_id,
        changes={"ref": action.ref, "status": [old, new_status], "evidence": evidence, "on": on},
    )


def acknowledge_review(actor: User, review: Review, *, response: AckResponse, comment: str | None) -> Acknowledgement:
    """The staff member's response to one weekly review; after it the review cannot change."""
    plan = review.plan
    if any(a.review_id == review.id and a.user_id == actor.id for a in plan.acknowledgements):
        raise PlanConflict("You have already acknowledged this review.")
    comment = (comment or "").strip() or None
    if response is AckResponse.DISAGREE and not comment:
        raise PlanError("Say what you disagree with, so your manager can discuss it with you.")
    ack = Acknowledgement(
        plan=plan,
        user_id=actor.id,
        subject=AckSubject.REVIEW,
        plan_version=plan.version,
        review=review,
        statement=review_statement(review),
        response=response,
        comment=comment,
    )
    if comment:
        review.staff_comment = comment
    db.session.add(ack)
    db.session.flush()
    audit.record(
        actor, "acknowledged", "review", review.id, plan_id=plan.id, changes={"response": response, "comment": comment}
    )
    notifications.acknowledged(ack)
    return ack


def pause_plan(actor: User, plan: Plan, reason: str) -> None:
    """Pause an active plan (e.g. sickness): nothing is overdue while paused."""
    require_editable(plan)
    paused = require_move(plan, "pause")
    if not (reason or "").strip():
        raise PlanError("Give the reason for pausing the plan.")
    plan.status, plan.pause_reason, plan.paused_on = paused, reason.strip(), today()
    db.session.flush()
    audit.record(actor, "paused", "plan", plan.id, plan_id=plan.id, changes={"reason": reason.strip()})


def resume_plan(actor: User, plan: Plan, *, planned_end_date: date | None = None) -> None:
    """Resume a paused plan; the next review falls on the next review day, the end date may move."""
    require_editable(plan)
    active = require_move(plan, "resume")
    changes: dict[str, object] = {"paused_on": plan.paused_on}
    if planned_end_date is not None:
        if planned_end_date < today():
            raise PlanError("The new end date cannot be in the past.")
        changes["planned_end_date"] = [plan.planned_end_date, planned_end_date]
        plan.planned_end_date = planned_end_date
    plan.status, plan.pause_reason, plan.paused_on = active, None, None
    plan.next_review_date = first_review_date(today(), plan.review_weekday, after=today())
    db.session.flush()
    audit.record(actor, "resumed", "plan", plan.id, plan_id=plan.id, changes=changes)


# What plan_flags() reads of a review's entries, for a list of reviews (`ids`).
_FLAG_ENTRIES = (
    select(ReviewEntry)
    .where(ReviewEntry.review_id.in_(bindparam("ids", expanding=True)))
    .options(load_only(ReviewEntry.review_id, ReviewEntry.action_id, ReviewEntry.progress))
)


def load_flag_entries(plans: list[Plan]) -> None:
    """Load the entries of each plan's last two reviews, the only ones plan_flags() reads, in one
    statement: loading every review's entries would build thousands of objects for fifty plans.
    Reviews whose entries are already loaded (the plan page's newest) are left as they are."""
    reviews = [review for plan in plans for review in last_reviews(plan, 2) if not plain_rows.loaded(review, "entries")]
    if not reviews:
        return
    by_review: dict[int, list[ReviewEntry]] = {review.id: [] for review in reviews}
    for entry in db.session.scalars(_FLAG_ENTRIES, {"ids": list(by_review)}):
        by_review[entry.review_id].append(entry)
    for review in reviews:
        plain_rows.fill(review, "entries", by_review[review.id])


def measured_values(plan: Plan) -> dict[int, list[tuple[date, float]]]:
    """For each action id, its measured values in review order (corrections replace what they
    correct), from the entries loaded with the plan's reviews."""
    return values_by_action(plan.reviews, ((r, e.action_id, e.measured_value) for r in plan.reviews for e in r.entries))


_MEASURED_VALUES = (
    select(ReviewEntry.review_id, ReviewEntry.action_id, ReviewEntry.measured_value)
    .join(Review)
    .where(Review.plan_id == bindparam("plan_id"), ReviewEntry.measured_value.is_not(None))
)


def stored_measured_values(plan: Plan) -> dict[int, list[tuple[date, float]]]:
    """`measured_values` read in one statement of three columns, without loading any entry (the
    plan page: its reviews are loaded without their entries)."""
    reviews = {r.id: r for r in plan.reviews}
    rows = read_rows(_MEASURED_VALUES, {"plan_id": plan.id}).all()
    return values_by_action(plan.reviews, ((reviews[r], a, v) for r, a, v in rows if r in reviews))


def values_by_action(
    reviews: Sequence[R], entries: Iterable[tuple[R, int, float | None]]
) -> dict[int, list[tuple[date, float]]]:
    """Each action's measured values in review order, from `entries` (review, action id, value) of
    `reviews` (a plan's, or several plans': an action's are all of one plan): corrections replace
    what they correct, and an entry without a value is left out."""
    position = {id(review): n for n, review in enumerate(current_reviews(reviews))}
    values: dict[int, list[tuple[date, float]]] = {}
    counted = sorted(
        (e for e in entries if id(e[0]) in position and e[2] is not None), key=lambda e: position[id(e[0])]
    )
    for review, action_id, value in counted:
        values.setdefault(action_id, []).append((review.review_date, cast(float, value)))
    return values


# What a review shows on the plan page: who recorded it, its entries and control decisions, and
# the review it corrects.
REVIEW_DETAIL = (
    joinedload(Review.reviewer),
    joinedload(Review.corrects),
    joinedload(Review.meeting),  # "From the review meeting of …", in the same statement
    selectinload(Review.entries),
    selectinload(Review.control_decisions),
)
EARLIER_PAGE_SIZE = 10


def from_meeting(review: Review) -> str | None:
    """Where a review came from, e.g. "From the review meeting of 23 Nov 2026" (None if not said)."""
    meeting = review.meeting
    return f"From the {meeting.kind.label.lower()} of {format_date(meeting.held_on)}" if meeting else None


def shown_review_ids(plan: Plan, waiting_on: User | None = None) -> list[int]:
    """The reviews the plan page shows, newest first: the newest, and for `waiting_on` every one
    they have not answered or answered today (so what they have just done stays in view)."""
    newest_first = sorted(plan.reviews, key=lambda r: (r.review_date, r.id), reverse=True)
    done_before_today = set()
    if waiting_on is not None:
        done_before_today = {
            a.review_id
            for a in plan.acknowledgements
            if a.user_id == waiting_on.id and a.review_id and to_london(a.acknowledged_at).date() < today()
        }
    return [
        r.id for n, r in enumerate(newest_first) if n == 0 or (waiting_on is not None and r.id not in done_before_today)
    ]


# The same, read as a plan is (plan_reads): the reviews' rows with their people and their few
# decisions on controls joined, built once, then their entries in one SELECT.
REVIEWS_WITH_PEOPLE = (
    select(Review)
    .where(Review.id.in_(bindparam("ids", expanding=True)))
    .options(
        name_of(Review.reviewer),
        joinedload(Review.corrects),
        joinedload(Review.meeting),
        joinedload(Review.control_decisions),
    )
)


# The same as plain rows (plain_rows), for a plan page whose plan's rows were read so: with whether
# each review decided anything on a control (most decided nothing: no statement for those).
REVIEW_SHOWN = Rows(
    Review, names=("reviewer",), whole={"corrects": Rows(Review, only=("review_date",)), "meeting": Rows(Meeting)}
)
ENTRY_SHOWN = Rows(ReviewEntry)
CONTROL_DECISION_SHOWN = Rows(ReviewControlDecision)
HAS_CONTROL_DECISIONS = (
    select(ReviewControlDecision.id).where(ReviewControlDecision.review_id == Review.id).exists().label("decided")
)


def reviews_in_full(ids: Sequence[int], plan: Plan | None = None) -> list[Review]:
    """These reviews with everything the page shows of them, in the order of `ids` (the entries of
    those whose entries were loaded already, for the flags, are not read again). Of a `plan` whose
    rows were read as plain rows (`plan_reads.plain_collections`), as plain rows too."""
    if not ids:
        return []
    if plan is not None and "reviews" in plain_collections(plan):
        return _plain_reviews_in_full(ids, plan)
    loaded = {r.id: r for r in db.session.scalars(REVIEWS_WITH_PEOPLE, {"ids": list(ids)}).unique()}
    read_each([r for r in loaded.values() if not plain_rows.loaded(r, "entries")], Review.entries)
    return [loaded[i] for i in ids]


def _plain_reviews_in_full(ids: Sequence[int], plan: Plan) -> list[Review]:
    read = plain_rows.rows_where(REVIEW_SHOWN, Review.id, list(ids), extra=(HAS_CONTROL_DECISIONS,))
    reviews = [review for review, _ in read]
    for review in reviews:  # the page reads it (`review_statement`); it does not hold these rows: no cycle
        plain_rows.fill(review, "plan", plan)
    read_each(reviews, Review.entries, ENTRY_SHOWN)
    plain_rows.refer([e for r in reviews for e in r.entries], ReviewEntry.action, plan.actions)
    decided = [review for review, any_decided in read if any_decided]
    for review, any_decided in read:
        if not any_decided:
            plain_rows.fill(review, "control_decisions", [])
    read_each(decided, Review.control_decisions, CONTROL_DECISION_SHOWN)
    plain_rows.refer([d for r in decided for d in r.control_decisions], ReviewControlDecision.control, plan.controls)
    by_id = {review.id: review for review in reviews}
    return [by_id[i] for i in ids]


def earlier_reviews(plan: Plan, shown: Sequence[int], number: int) -> Page[Review]:
    """Page `number` of the reviews the plan page does not show, newest first."""
    return one_page(
        select(Review)
        .where(Review.plan_id == plan.id, Review.id.not_in(list(shown)))
        .options(*REVIEW_DETAIL)
        .order_by(Review.review_date.desc(), Review.id.desc()),
        number,
        EARLIER_PAGE_SIZE,
    )
