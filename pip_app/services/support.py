"""Support on a plan: record what is offered to help the staff member, correct it, and say when
it was delivered. Support starts before it is delivered, and is not delivered on a day still to
come."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select

from ..clock import today
from ..extensions import db
from ..models import Plan, Support, SupportKind, User
from ..refusals import Conflict, Refusal
from . import audit


@dataclass
class SupportValues:
    """Support as the form gives it (text already stripped)."""

    kind: SupportKind
    description: str
    provided_by: str
    starts_on: date
    delivered_on: date | None = None
    note: str = ""


def plan_support(plan: Plan) -> list[Support]:
    """The plan's support, in the order it started."""
    return list(
        db.session.scalars(select(Support).where(Support.plan_id == plan.id).order_by(Support.starts_on, Support.id))
    )


def support_problems(values: SupportValues) -> list[tuple[str, str]]:
    """The dates' rules, as (form field, message): empty when the support may be saved."""
    if values.delivered_on is None:
        return []
    if values.delivered_on < values.starts_on:
        return [("delivered_on", "Support is delivered on or after the day it starts: check the dates.")]
    if values.delivered_on > today():
        return [("delivered_on", "Support cannot have been delivered on a day still to come.")]
    return []


def _check(plan: Plan, values: SupportValues) -> None:
    if plan.is_closed:
        raise Conflict("This plan is closed and can no longer be changed.")
    problems = support_problems(values)
    if problems:
        name, message = problems[0]
        raise Refusal(message, field=name)


def record_support(actor: User, plan: Plan, values: SupportValues) -> Support:
    """Put support on the plan's record."""
    _check(plan, values)
    support = Support(plan=plan, recorded_by=actor, **asdict(values))
    db.session.add(support)
    db.session.flush()
    audit.record(actor, "recorded", "support", support.id, plan_id=plan.id, changes=asdict(values))
    return support


def update_support(actor: User, support: Support, values: SupportValues) -> None:
    """Correct support, or record that (and when) it was delivered."""
    _check(support.plan, values)
    changes = audit.field_diff(support, asdict(values))
    for name, value in asdict(values).items():
        setattr(support, name, value)
    db.session.flush()
    if changes:
        audit.record(actor, "updated", "support", support.id, plan_id=support.plan_id, changes=changes)
