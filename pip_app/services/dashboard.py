"""What needs each person today: read-only queries scoped by the access policy."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import policy
from ..clock import today
from ..extensions import db
from ..models import Closure, Plan, PlanStatus, Role, Service, User


@dataclass
class Board:
    """The lists a dashboard shows; empty lists render as friendly empty states."""

    role: Role
    plans: list[Plan] = field(default_factory=list)
    to_acknowledge: list[Plan] = field(default_factory=list)
    overdue_reviews: list[Plan] = field(default_factory=list)
    recently_closed: list[Plan] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _plans(user: User, *conditions, limit: int = 50) -> list[Plan]:
    query = (
        select(Plan)
        .where(policy.visible_plans(user), *conditions)
        .options(joinedload(Plan.staff), joinedload(Plan.service))
        .order_by(Plan.next_review_date.is_(None), Plan.next_review_date, Plan.reference)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def dashboard_for(user: User) -> Board:
    """Build the board for this user's role."""
    board = Board(role=user.role)
    if user.role is Role.ADMIN:
        board.counts = {
            "users": db.session.scalar(select(func.count(User.id))),
            "services": db.session.scalar(select(func.count(Service.id))),
        }
        return board
    if user.role is Role.STAFF:
        board.plans = _plans(user, Plan.status != PlanStatus.CLOSED)
        board.to_acknowledge = [p for p in board.plans if p.version > _acknowledged_version(user, p)]
        return board
    if user.role is Role.HR:
        board.recently_closed = list(
            db.session.scalars(
                select(Plan)
                .join(Closure)
                .where(policy.visible_plans(user), Plan.status == PlanStatus.CLOSED)
                .options(joinedload(Plan.staff), joinedload(Plan.service), joinedload(Plan.closure))
                .order_by(Closure.closed_at.desc())
                .limit(20)
            )
        )
        return board
    board.plans = _plans(user, Plan.status.in_([PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.PAUSED]))
    board.overdue_reviews = [
        p
        for p in board.plans
        if p.status is PlanStatus.ACTIVE and p.next_review_date and p.next_review_date < today()
    ]
    return board


def _acknowledged_version(user: User, plan: Plan) -> int:
    from ..models import AckSubject, Acknowledgement

    return (
        db.session.scalar(
            select(func.max(Acknowledgement.plan_version)).where(
                Acknowledgement.plan_id == plan.id,
                Acknowledgement.user_id == user.id,
                Acknowledgement.subject == AckSubject.PLAN,
            )
        )
        or 0
    )
