"""What needs each person today: read-only queries scoped by the access policy, flags computed
by the pure rules in flags.py over plans loaded in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..clock import today
from ..extensions import db
from ..flags import Flag, plan_flags
from ..models import (
    AckSubject, Closure, Observation, ObservationStatus, Plan, PlanStatus, Review, Role,
    Service, User,
)

OPEN = (PlanStatus.ACTIVE, PlanStatus.PAUSED)


@dataclass
class Board:
    """The lists a dashboard shows; empty lists render as friendly empty states."""

    role: Role
    plans: list[Plan] = field(default_factory=list)
    drafts: list[Plan] = field(default_factory=list)
    flagged: list[tuple[Plan, list[Flag]]] = field(default_factory=list)
    due_this_week: list[Plan] = field(default_factory=list)
    observations_to_record: list[Observation] = field(default_factory=list)
    to_acknowledge: list[tuple[Plan, str, str]] = field(default_factory=list)  # (plan, what, anchor)
    recently_closed: list[Plan] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _open_plans(user: User, *conditions) -> list[Plan]:
    """Open plans the user may see, with everything the flags read, in a fixed number of queries."""
    return list(db.session.scalars(
        select(Plan).where(policy.visible_plans(user), *conditions)
        .options(joinedload(Plan.staff), joinedload(Plan.service), selectinload(Plan.controls),
                 selectinload(Plan.observations).joinedload(Observation.observer), selectinload(Plan.actions), selectinload(Plan.versions),
                 selectinload(Plan.acknowledgements),
                 selectinload(Plan.reviews).selectinload(Review.entries))
        .order_by(Plan.next_review_date.is_(None), Plan.next_review_date, Plan.reference)
    ))


def dashboard_for(user: User) -> Board:
    """Build the board for this user's role."""
    board = Board(role=user.role)
    if user.role is Role.ADMIN:
        board.counts = {"users": db.session.scalar(select(func.count(User.id))),
                        "services": db.session.scalar(select(func.count(Service.id)))}
    elif user.role is Role.STAFF:
        _staff_board(user, board)
    elif user.role is Role.HR:
        board.recently_closed = _recently_closed(user)
    else:
        _manager_board(user, board)
    return board


def _manager_board(user: User, board: Board) -> None:
    day = today()
    ack_days = current_app.config["ACK_OUTSTANDING_DAYS"]
    plans = _open_plans(user, Plan.status.in_(OPEN))
    if user.role is Role.MANAGER:
        plans = [p for p in plans if p.manager_id == user.id]
    board.plans = plans
    board.flagged = [(p, flags) for p in plans if (flags := plan_flags(p, day, ack_days))]
    board.due_this_week = [p for p in plans if p.status is PlanStatus.ACTIVE and p.next_review_date
                           and day <= p.next_review_date <= day + timedelta(days=6)]
    board.observations_to_record = sorted(
        (o for p in plans for o in p.observations
         if o.status is ObservationStatus.PLANNED and o.scheduled_on <= day
         and (o.observer_id == user.id or p.manager_id == user.id)),
        key=lambda o: o.scheduled_on)
    board.drafts = list(db.session.scalars(
        select(Plan).where(policy.visible_plans(user), Plan.status == PlanStatus.DRAFT, Plan.manager_id == user.id)
        .options(joinedload(Plan.staff), joinedload(Plan.service)).order_by(Plan.reference)))


def _staff_board(user: User, board: Board) -> None:
    plans = _open_plans(user, Plan.status != PlanStatus.DRAFT)
    board.plans = [p for p in plans if p.status in OPEN]
    for plan in plans:
        mine = [a for a in plan.acknowledgements if a.user_id == user.id]
        acked_version = max((a.plan_version for a in mine if a.subject is AckSubject.PLAN), default=0)
        if plan.status in OPEN and plan.version > acked_version:
            board.to_acknowledge.append((plan, f"version {plan.version} of your improvement plan", "acknowledge"))
        acked_reviews = {a.review_id for a in mine if a.subject is AckSubject.REVIEW}
        for review in plan.reviews:
            if review.id not in acked_reviews:
                board.to_acknowledge.append((plan, f"the weekly review of {review.review_date.day} {review.review_date:%b %Y}",
                                             f"review-{review.id}"))
        if plan.status is PlanStatus.CLOSED and not any(a.subject is AckSubject.CLOSURE for a in mine):
            board.to_acknowledge.append((plan, "the closure of your improvement plan", "closure-panel"))


def _recently_closed(user: User) -> list[Plan]:
    return list(db.session.scalars(
        select(Plan).join(Closure)
        .where(policy.visible_plans(user), Plan.status == PlanStatus.CLOSED)
        .options(joinedload(Plan.staff), joinedload(Plan.service), joinedload(Plan.closure))
        .order_by(Closure.closed_at.desc()).limit(20)))
