"""The staff member's acknowledgements: the exact statement shown, agree or disagree with comment."""

from __future__ import annotations

from ..extensions import db
from ..models import Acknowledgement, AckResponse, AckSubject, Plan, User
from . import audit, notifications
from .plans import PlanConflict, PlanError


def plan_statement(plan: Plan) -> str:
    """What the staff member is asked to confirm for the plan's current version."""
    return (
        f"I have read version {plan.version} of improvement plan {plan.reference} and discussed it with "
        "my line manager. I understand what I am asked to do differently, when, how it will be checked "
        "and what good looks like."
    )


def acknowledged_plan_version(plan: Plan) -> int:
    """The highest plan version the staff member has acknowledged (0 for none)."""
    return max(
        (a.plan_version for a in plan.acknowledgements if a.subject is AckSubject.PLAN and a.user_id == plan.staff_id),
        default=0,
    )


def plan_acknowledgement_due(plan: Plan) -> bool:
    """Whether the current version still waits for the staff member."""
    return not plan.is_draft and plan.version > acknowledged_plan_version(plan)


def acknowledge_plan(
    actor: User, plan: Plan, *, version: int, response: AckResponse, comment: str | None
) -> Acknowledgement:
    """Record the staff member's response to the version they were shown."""
    if plan.is_draft:
        raise PlanError("A draft is acknowledged once it is issued.")
    if version != plan.version:
        raise PlanConflict(
            f"This plan changed to version {plan.version} while you were reading it. Read the new version, then acknowledge it."
        )
    if acknowledged_plan_version(plan) >= version:
        raise PlanConflict(f"You have already acknowledged version {version}.")
    comment = (comment or "").strip() or None
    if response is AckResponse.DISAGREE and not comment:
        raise PlanError("Say what you disagree with, so your manager can discuss it with you.")
    ack = Acknowledgement(
        plan=plan,
        user_id=actor.id,
        subject=AckSubject.PLAN,
        plan_version=version,
        statement=plan_statement(plan),
        response=response,
        comment=comment,
    )
    db.session.add(ack)
    db.session.flush()
    audit.record(
        actor,
        "acknowledged",
        "plan",
        plan.id,
        plan_id=plan.id,
        changes={"version": version, "response": response, "comment": comment},
    )
    notifications.acknowledged(ack)
    return ack
