"""The plans list: every plan the person may see, filtered, one page at a time, and the filter choices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .. import policy
from ..database import LIKE_ESCAPE, contains_pattern
from ..extensions import db
from ..models import REFERENCE_NEWEST_FIRST, Plan, PlanStatus, PlanVersion, RiskArea, Service, User

PAGE_SIZE = 50
MAX_PAGE = 100_000  # beyond any real list; keeps OFFSET within PostgreSQL's bigint


@dataclass
class PlanList:
    """One page of the list, how many plans match in all, and the filter choices."""

    plans: list[Plan]
    total: int
    page: int
    pages: int
    staff: list[User]
    services: list[Service]


def plan_list(user: User, args: Mapping[str, str]) -> PlanList:
    """The plans `user` may see, filtered by status, service, staff member, risk area and text."""
    query = select(Plan).where(policy.visible_plans(user))
    if args.get("status") in PlanStatus._value2member_map_:
        query = query.where(Plan.status == PlanStatus(args["status"]))
    if args.get("risk_area") in RiskArea._value2member_map_:
        query = query.where(Plan.risk_area == RiskArea(args["risk_area"]))
    if args.get("service", "").isdigit():
        query = query.where(Plan.service_id == int(args["service"]))
    if args.get("staff", "").isdigit():
        query = query.where(Plan.staff_id == int(args["staff"]))
    text = args.get("q", "").strip()[:100]
    if text:
        pattern = contains_pattern(text)
        query = query.join(User, User.id == Plan.staff_id).where(
            or_(
                *(
                    column.ilike(pattern, escape=LIKE_ESCAPE)
                    for column in (Plan.reference, User.name, Plan.risk_statement)
                )
            )
        )
    page = min(max(int(args["page"]) if args.get("page", "").isdigit() else 1, 1), MAX_PAGE)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    plans = db.session.scalars(
        query.options(joinedload(Plan.staff), joinedload(Plan.service))
        .order_by(*REFERENCE_NEWEST_FIRST)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    visible = select(Plan.staff_id, Plan.service_id).where(policy.visible_plans(user)).subquery()
    staff = db.session.scalars(select(User).where(User.id.in_(select(visible.c.staff_id))).order_by(User.name)).all()
    services = db.session.scalars(
        select(Service).where(Service.id.in_(select(visible.c.service_id))).order_by(Service.name)
    ).all()
    return PlanList(list(plans), total, page, max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), list(staff), list(services))


def plan_version(plan: Plan, version: int) -> tuple[PlanVersion | None, PlanVersion | None]:
    """An issued version of the plan and the one before it (None where there is none)."""

    def get(number: int) -> PlanVersion | None:
        return db.session.scalar(
            select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == number)
        )

    return get(version), get(version - 1)
