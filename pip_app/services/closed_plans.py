"""The closed-plans list HR (all services) and registered managers (their services) see: one
page of closed plans, filtered, newest closure first, and each one's closure acknowledgement."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import policy
from ..clock import LONDON
from ..database import fixed
from ..extensions import db
from ..models import Acknowledgement, AckSubject, Closure, ClosureOutcome, Plan, PlanStatus, User


def _utc_start(day: date) -> datetime:
    """The first moment of a UK calendar day, as the naive UTC the database stores."""
    return datetime.combine(day, time.min, LONDON).astimezone(UTC).replace(tzinfo=None)


def closed_plans(
    user: User,
    *,
    service_id: int | None = None,
    outcome: ClosureOutcome | None = None,
    closed_from: date | None = None,
    closed_to: date | None = None,
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[Plan], int]:
    """Closed plans this user may see, newest closure first, filtered; and how many match."""
    query = (
        select(Plan)
        .join(Closure, Closure.plan_id == Plan.id)
        .where(policy.visible_plans(user), Plan.status == PlanStatus.CLOSED)
    )
    if service_id is not None:
        query = query.where(Plan.service_id == service_id)
    if outcome is not None:
        query = query.where(Closure.outcome == outcome)
    if closed_from is not None:
        query = query.where(Closure.closed_at >= _utc_start(closed_from))
    if closed_to is not None and closed_to < date.max:  # nothing closes after the last day there is
        query = query.where(Closure.closed_at < _utc_start(closed_to + timedelta(days=1)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    plans = db.session.scalars(
        query.options(
            joinedload(Plan.staff), joinedload(Plan.service), joinedload(Plan.closure).joinedload(Closure.closed_by)
        )
        .order_by(Closure.closed_at.desc(), Plan.id.desc())
        .limit(fixed(per_page))
        .offset(fixed((page - 1) * per_page))
    ).all()
    return list(plans), total or 0


def closure_acks_for(plans: list[Plan]) -> dict[int, Acknowledgement]:
    """The staff member's closure acknowledgement for each listed plan, in one query."""
    if not plans:
        return {}
    staff_of = {p.id: p.staff_id for p in plans}
    acks = db.session.scalars(
        select(Acknowledgement).where(
            Acknowledgement.plan_id.in_(list(staff_of)), Acknowledgement.subject == AckSubject.CLOSURE
        )
    ).all()
    return {a.plan_id: a for a in acks if staff_of.get(a.plan_id) == a.user_id}
