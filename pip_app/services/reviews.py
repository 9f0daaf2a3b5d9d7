"""The weekly governance loop: reviews, observation outcomes, action status, staff voice, pause."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..clock import today
from ..extensions import db
from ..lifecycle import first_review_date
from ..models import (
    AckResponse, AckSubject, Acknowledgement, Action, ActionStatus, ControlDecisionKind, ControlStatus,
    Observation, ObservationStatus, Outcome, Plan, PlanStatus, Review, ReviewControlDecision,
    ReviewDecision, ReviewEntry,
)
from . import audit
from .plans import PlanConflict, PlanError, require_editable


def review_statement(review: Review) -> str:
    """What the staff member confirms for one weekly review."""
    return (f"I have read the weekly review of {review.review_date.day} {review.review_date:%b %Y} for "
            f"improvement plan {review.plan.reference}, including each action's progress and the decision.")


def find_submission(token: str | None) -> Review | None:
    """The review already saved from this form load (a double-clicked save), if any."""
    if not token:
        return None
    return db.session.scalar(select(Review).where(Review.submission_token == token))


def record_review(actor, plan: Plan, *, review_date: date, entries: list[dict], control_decisions: list[dict],
                  summary: str, decision: ReviewDecision, next_review_date: date, extend_to: date | None = None,
                  extend_reason: str | None = None, corrects: Review | None = None,
                  submission_token: str | None = None) -> Review:
    """Record a weekly review of an active plan; the staff member is then asked to acknowledge it."""
    from .. import policy

    require_editable(plan)
    if plan.status is not PlanStatus.ACTIVE:
        raise PlanError("Reviews are recorded on an active plan. Resume the plan first.")
    if review_date < plan.start_date or review_date > today():
        raise PlanError("The review date must be between the plan's start and today.")
    if next_review_date <= review_date:
        raise PlanError("The next review must be after this one.")
    if corrects is not None and corrects.plan_id != plan.id:
        raise PlanError("A correction must refer to a review of the same plan.")
    review = Review(plan=plan, review_date=review_date, reviewer_id=actor.id, summary=summary.strip(),
                    decision=decision, next_review_date=next_review_date, corrects=corrects,
                    submission_token=submission_token)
    db.session.add(review)
    for entry in entries:
        action: Action = entry["action"]
        value = entry.get("measured_value")
        if value is not None and not action.has_measure:
            raise PlanError(f"{action.ref} has no measure, so it takes no measured value.")
        review.entries.append(ReviewEntry(action_id=action.id, progress=entry["progress"],
                                          measured_value=value, note=(entry.get("note") or "").strip()))
    for item in control_decisions:
        control, kind = item["control"], item["decision"]
        rationale = (item.get("rationale") or "").strip()
        if kind is not ControlDecisionKind.KEEP:
            if not policy.can_lift_control(actor, control):
                raise PlanError("Only a registered manager (senior) can lift an interim control.")
            if not rationale:
                raise PlanError(f"Give the rationale for lifting the control: {control.kind.label}.")
            control.status = ControlStatus.LIFTED if kind is ControlDecisionKind.LIFT else ControlStatus.ONGOING_MONITORING
            control.lifted_on, control.lift_rationale, control.lifted_by_id = review_date, rationale, actor.id
            audit.record(actor, "lifted" if kind is ControlDecisionKind.LIFT else "carried_into_monitoring",
                         "control", control.id, plan_id=plan.id, changes={"rationale": rationale, "via": "review"})
        review.control_decisions.append(ReviewControlDecision(control_id=control.id, decision=kind, rationale=rationale))
    if decision is ReviewDecision.EXTEND:
        if extend_to is None or extend_to <= plan.planned_end_date:
            raise PlanError("To extend, choose a new end date after the current one.")
        if not (extend_reason or "").strip():
            raise PlanError("Say why the plan is being extended.")
        review.extend_to, review.extend_reason = extend_to, extend_reason.strip()
        audit.record(actor, "extended", "plan", plan.id, plan_id=plan.id,
                     changes={"planned_end_date": [plan.planned_end_date, extend_to], "reason": extend_reason.strip()})
        plan.planned_end_date = extend_to
    plan.next_review_date = next_review_date
    db.session.flush()
    audit.record(actor, "recorded", "review", review.id, plan_id=plan.id, changes={
        "review_date": review_date, "decision": decision, "next_review_date": next_review_date,
        "corrects": corrects.id if corrects else None,
        "entries": {e["action"].ref: [e["progress"].value, e.get("measured_value")] for e in entries}})
    return review


def record_observation(actor, observation: Observation, *, status: ObservationStatus,
                       outcome: Outcome | None, notes: str | None) -> None:
    """Record what happened to a planned observed shift: done (with outcome), missed, or cancelled."""
    from ..clock import now_utc

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
    audit.record(actor, "recorded", "observation", observation.id, plan_id=observation.plan_id,
                 changes={"status": status, "outcome": observation.outcome, "notes": notes})


def set_action_status(actor, action: Action, status: ActionStatus, evidence: str, on: date) -> None:
    """Completed (it was done) → assured (evidence that practice changed), or not met with a reason."""
    require_editable(action.plan)
    evidence = (evidence or "").strip()
    if not evidence:
        raise PlanError("Give the evidence (or, for not met, the reason).")
    if on > today() or on < action.plan.start_date:
        raise PlanError("The date must be between the plan's start and today.")
    if status is ActionStatus.COMPLETED:
        if action.status is not ActionStatus.OPEN:
            raise PlanError(f"{action.ref} is already {action.status.label.lower()}.")
        action.completion_evidence, action.completed_on = evidence, on
    elif status is ActionStatus.ASSURED:
        if action.status is not ActionStatus.COMPLETED:
            raise PlanError(f"{action.ref} must be completed before it can be assured.")
        action.assurance_evidence, action.assured_on = evidence, on
    elif status is ActionStatus.NOT_MET:
        if action.status is ActionStatus.ASSURED:
            raise PlanError(f"{action.ref} is already assured.")
        action.status_reason = evidence
    else:
        raise PlanError("Choose completed, assured or not met.")
    old = action.status
    action.status = status
    db.session.flush()
    audit.record(actor, "status_changed", "action", action.id, plan_id=action.plan_id,
                 changes={"ref": action.ref, "status": [old, status], "evidence": evidence, "on": on})


def acknowledge_review(actor, review: Review, *, response: AckResponse, comment: str | None) -> Acknowledgement:
    """The staff member's response to one weekly review; after it the review cannot change."""
    plan = review.plan
    if plan.staff_id != actor.id:
        raise PlanError("Only the person on the plan can acknowledge its reviews.")
    if any(a.review_id == review.id and a.user_id == actor.id for a in plan.acknowledgements):
        raise PlanConflict("You have already acknowledged this review.")
    comment = (comment or "").strip() or None
    if response is AckResponse.DISAGREE and not comment:
        raise PlanError("Say what you disagree with, so your manager can discuss it with you.")
    ack = Acknowledgement(plan=plan, user_id=actor.id, subject=AckSubject.REVIEW, plan_version=plan.version,
                          review=review, statement=review_statement(review), response=response, comment=comment)
    if comment:
        review.staff_comment = comment
    db.session.add(ack)
    db.session.flush()
    audit.record(actor, "acknowledged", "review", review.id, plan_id=plan.id,
                 changes={"response": response, "comment": comment})
    return ack


def pause_plan(actor, plan: Plan, reason: str) -> None:
    """Pause an active plan (e.g. sickness): nothing is overdue while paused."""
    require_editable(plan)
    if plan.status is not PlanStatus.ACTIVE:
        raise PlanError("Only an active plan can be paused.")
    if not (reason or "").strip():
        raise PlanError("Give the reason for pausing the plan.")
    plan.status, plan.pause_reason, plan.paused_on = PlanStatus.PAUSED, reason.strip(), today()
    db.session.flush()
    audit.record(actor, "paused", "plan", plan.id, plan_id=plan.id, changes={"reason": reason.strip()})


def resume_plan(actor, plan: Plan, *, planned_end_date: date | None = None) -> None:
    """Resume a paused plan; the next review falls on the next review day, the end date may move."""
    require_editable(plan)
    if plan.status is not PlanStatus.PAUSED:
        raise PlanError("Only a paused plan can be resumed.")
    changes = {"paused_on": plan.paused_on}
    if planned_end_date is not None:
        if planned_end_date < today():
            raise PlanError("The new end date cannot be in the past.")
        changes["planned_end_date"] = [plan.planned_end_date, planned_end_date]
        plan.planned_end_date = planned_end_date
    plan.status, plan.pause_reason, plan.paused_on = PlanStatus.ACTIVE, None, None
    plan.next_review_date = first_review_date(today(), plan.review_weekday, after=today())
    db.session.flush()
    audit.record(actor, "resumed", "plan", plan.id, plan_id=plan.id, changes=changes)


def measured_values(plan: Plan) -> dict[int, list[tuple[date, float]]]:
    """For each action id, its measured values in review order (corrections replace what they correct)."""
    corrected = {r.corrects_review_id for r in plan.reviews if r.corrects_review_id}
    values: dict[int, list[tuple[date, float]]] = {}
    for review in sorted(plan.reviews, key=lambda r: (r.review_date, r.id)):
        if review.id in corrected:
            continue
        for entry in review.entries:
            if entry.measured_value is not None:
                values.setdefault(entry.action_id, []).append((review.review_date, entry.measured_value))
    return values
