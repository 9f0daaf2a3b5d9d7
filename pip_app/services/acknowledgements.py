"""The staff member's acknowledgements: the exact statement shown, agree or disagree with comment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..lifecycle import diff_snapshots
from ..models import Acknowledgement, AckResponse, AckSubject, Plan, PlanVersion, User
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


@dataclass(frozen=True)
class ChangesSinceAcknowledged:
    """What the staff member is asked to acknowledge now, against the version they last did."""

    acknowledged: int  # the version they acknowledged last
    summaries: list[tuple[int, str]]  # (version, why it changed) for each version issued since
    rows: list[tuple[str, object, object]]  # (what, before, after)


def changes_since_acknowledged(plan: Plan) -> ChangesSinceAcknowledged | None:
    """What changed between the version the staff member last acknowledged and the current one
    (None when they have acknowledged none yet, or the current one already)."""
    acknowledged = acknowledged_plan_version(plan)
    if not acknowledged or not plan_acknowledgement_due(plan):
        return None
    versions = {
        v.version: v
        for v in db.session.scalars(
            select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version >= acknowledged)
        )
    }
    old, new = versions.get(acknowledged), versions.get(plan.version)
    if old is None or new is None:
        return None
    return ChangesSinceAcknowledged(
        acknowledged,
        [(n, versions[n].change_summary or "") for n in sorted(versions) if n > acknowledged],
        diff_snapshots(old.snapshot, new.snapshot),
    )


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
