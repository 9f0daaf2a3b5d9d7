"""Escalations (issue 18): a plan escalated to the service's registered managers — by a weekly
review's "Escalate" decision, with its reason, or from the plan when it is at risk or not met in
two reviews running — stays open on their dashboard and in the plan's header until one of them
records a decision with a rationale and a date. A decision to extend moves the planned end date
(plans.extend_plan); the staff member and the manager are told.
"""

from __future__ import annotations

from datetime import date

from ..clock import now_utc, to_london, today
from ..extensions import db
from ..formatting import format_date
from ..models import Escalation, EscalationDecision, Plan, Review, User
from ..refusals import Conflict, Refusal
from . import audit, notifications
from .plans import extend_plan

TEXT_MAX = 4000


def _text(value: str | None, field: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Refusal(missing, field=field)
    if len(text) > TEXT_MAX:
        raise Refusal(f"Keep this to {TEXT_MAX:,} characters or fewer.", field=field)
    return text


def open_escalations(plan: Plan) -> list[Escalation]:
    return [e for e in plan.escalations if e.is_open]


def raise_escalation(actor: User, plan: Plan, reason: str | None, review: Review | None = None) -> Escalation:
    """Escalate an open plan to the registered managers, with the reason."""
    if plan.is_closed or plan.is_draft:
        raise Conflict("Only an issued, open plan can be escalated.")
    text = _text(reason, "escalation_reason" if review is not None else "reason", "Say why you are escalating.")
    escalation = Escalation(plan=plan, review=review, reason=text, raised_by_id=actor.id)
    db.session.add(escalation)
    db.session.flush()
    audit.record(
        actor,
        "escalated",
        "escalation",
        escalation.id,
        plan_id=plan.id,
        changes={"reason": text, "review_id": review.id if review is not None else None},
    )
    notifications.escalation_raised(escalation)
    return escalation


def decide_escalation(
    actor: User,
    escalation: Escalation,
    *,
    decision: EscalationDecision,
    rationale: str | None,
    decided_on: date | None,
    new_end_date: date | None = None,
) -> None:
    """Record what happens next: redesign the actions, extend to a new end date (which extends
    the plan), add or strengthen a control, move to the formal procedure, or no further action."""
    if not escalation.is_open:
        by = escalation.decided_by.name if escalation.decided_by else "someone else"
        raise Conflict(f"{by} has already decided on this escalation.")
    text = _text(rationale, "rationale", "Give the rationale for the decision.")
    raised_on = to_london(escalation.raised_at).date()
    if decided_on is None or decided_on > today() or decided_on < raised_on:
        raise Refusal(
            f"The decision date must be between the escalation ({format_date(raised_on)}) and today.",
            field="decided_on",
        )
    plan = escalation.plan
    if decision is EscalationDecision.EXTEND:
        extend_plan(actor, plan, new_end_date, text, field="new_end_date")
    actor_id = actor.id  # read first: reading an expired actor may flush, and the row is complete or undecided
    escalation.new_end_date = new_end_date if decision is EscalationDecision.EXTEND else None
    escalation.rationale, escalation.decided_on, escalation.decided_by_id = text, decided_on, actor_id
    escalation.decided_at, escalation.decision = now_utc(), decision
    db.session.flush()
    audit.record(
        actor,
        "decided",
        "escalation",
        escalation.id,
        plan_id=plan.id,
        changes={
            "decision": decision,
            "rationale": text,
            "decided_on": decided_on,
            "new_end_date": escalation.new_end_date,
        },
    )
    notifications.escalation_decided(escalation)


def decision_in_words(escalation: Escalation) -> str:
    """The decision as the staff member reads it."""
    if escalation.decision is None:
        return "Waiting for a registered manager's decision."
    what = {
        EscalationDecision.REDESIGN: "the plan's actions will be redesigned with you",
        EscalationDecision.EXTEND: f"the plan is extended to {format_date(escalation.new_end_date)}",
        EscalationDecision.CONTROL: "an interim control will be added or strengthened to keep people safe",
        EscalationDecision.FORMAL: "the plan moves to the formal capability procedure",
        EscalationDecision.NO_FURTHER_ACTION: "no further action: the plan continues as it is",
    }[escalation.decision]
    by = escalation.decided_by.name if escalation.decided_by else "A registered manager"
    return f"{by} decided on {format_date(escalation.decided_on)}: {what}."
