"""The plans list: every plan the person may see, filtered, one page at a time, and the filter choices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, or_, select
from sqlalchemy.orm import aliased, defer, joinedload

from .. import policy
from ..database import fixed, read_rows
from ..extensions import db
from ..models import (
    REFERENCE_NEWEST_FIRST,
    Acknowledgement,
    AuditEvent,
    Plan,
    PlanStage,
    PlanStatus,
    PlanVersion,
    RiskArea,
    Role,
    Service,
    User,
)
from ..params import enum_arg, id_arg, page_arg, text_arg
from ..search import folded_contains, reference_contains, text_contains
from ..services.paging import Page, one_page
from ..services.plan_rows import PlanRow, first_plan_rows, plan_rows, plan_rows_query

PAGE_SIZE = 50
MAX_PAGE = 100_000  # beyond any real list; keeps OFFSET within PostgreSQL's bigint
MAX_SEARCH = 100


@dataclass
class PlanList:
    """One page of the list, how many plans match in all, and the filter choices."""

    plans: list[PlanRow]
    total: int
    page: int
    pages: int
    staff: list[Any]  # (id, name) rows
    services: list[Any]


def plan_list(user: User, args: Mapping[str, str]) -> PlanList:
    """The plans `user` may see, filtered by status, service, staff member, risk area, stage and text
    (read with `params`: a value that is not one of these is ignored)."""
    conditions = [policy.visible_plans(user)]
    status, risk_area = enum_arg(args, "status", PlanStatus), enum_arg(args, "risk_area", RiskArea)
    if status is not None:
        conditions.append(Plan.status == status)
    if risk_area is not None:
        conditions.append(Plan.risk_area == risk_area)
    stage = enum_arg(args, "stage", PlanStage)
    if stage is not None:
        conditions.append(Plan.stage == stage)
    service_id, staff_id = id_arg(args, "service"), id_arg(args, "staff")
    if service_id is not None:
        conditions.append(Plan.service_id == service_id)
    if staff_id is not None:
        conditions.append(Plan.staff_id == staff_id)
    text = text_arg(args, "q", MAX_SEARCH)
    if text:
        conditions.append(
            or_(
                reference_contains(Plan.reference, text),
                Plan.staff_id.in_(select(User.id).where(folded_contains(User.search_name, text))),
                _risk_statement_contains(text),
            )
        )
    total = db.session.scalar(select(func.count(Plan.id)).where(*conditions)) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = page_arg(args, maximum=MAX_PAGE)
    plans = first_plan_rows(conditions, REFERENCE_NEWEST_FIRST, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    staff, services = _filter_choices(user)
    return PlanList(plans, total, page, pages, staff, services)


_Searched = aliased(Plan, name="searched")
TRIGRAM = 3  # the fewest characters a trigram index can find a text by


def _risk_statement_contains(text: str) -> ColumnElement[bool]:
    """The plan's risk statement contains `text`, in any case. On PostgreSQL, for text a trigram
    index can look up, the plans whose statement does are found once from that index (migration
    0040) and each plan is looked up in that list: tested plan by plan, the statements of the
    group's 10,000 plans were most of a search's count (16.6 → 1.6 ms of the server's CPU for
    "wojcik"; session 28). Shorter text reads every statement either way, and faster as it is."""
    if db.engine.dialect.name != "postgresql" or len(text) < TRIGRAM:
        return text_contains(Plan.risk_statement, text)
    return Plan.id.in_(select(_Searched.id).where(text_contains(_Searched.risk_statement, text)))


def _filter_choices(user: User) -> tuple[list[Any], list[Any]]:
    """The staff members and services on plans `user` may see, as (id, name) rows by name."""
    if not policy.can_list_plans(user):
        return [], []
    staff, services = _filter_choice_statements(user.role, policy.sees_many_plans(user))
    viewer = policy.viewer_parameters(user)
    return list(read_rows(staff, viewer)), list(read_rows(services, viewer))


@cache
def _filter_choice_statements(role: Role, many: bool) -> tuple[Select[Any], Select[Any]]:
    """`_filter_choices`' two statements for a role, with who is looking as bound parameters: built
    once. The people and services are read off the visible plans when they span a few services, or
    probed person by person and service by service when they span many (`many`:
    `policy.sees_many_plans`: reading every plan of a group took 9 ms, probing 2 ms; for one
    service, 0.5 and 10). OFFSET 0 keeps PostgreSQL from turning a probe into a join over every
    plan, and the visible plans into a probe of each service's plans: a one-service registered
    manager's services 9.0 -> 1.5 ms (the same on SQLite)."""
    visible = policy.visible_plans_to(role)

    def on_visible_plan(column: Any, plan_column: Any) -> ColumnElement[bool]:
        if not many:
            return column.in_(select(plan_column).where(visible).offset(fixed(0)))
        return select(literal(1)).select_from(Plan).where(visible, plan_column == column).offset(fixed(0)).exists()

    staff = select(User.id, User.name).where(on_visible_plan(User.id, Plan.staff_id)).order_by(User.name)
    services = select(Service.id, Service.name).where(on_visible_plan(Service.id, Plan.service_id))
    return staff, services.order_by(Service.name)


def plan_version(plan: Plan, version: int) -> tuple[PlanVersion | None, PlanVersion | None]:
    """An issued version of the plan and the one before it (None where there is none)."""

    def get(number: int) -> PlanVersion | None:
        return db.session.scalar(
            select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == number)
        )

    return get(version), get(version - 1)


HISTORY_PAGE_SIZE = 25
MAX_VERSIONS = 200  # far beyond any real plan; keeps the list bounded


def plan_history(user: User, plan: Plan, number: int) -> Page[AuditEvent]:
    """Page `number` of the plan's history as `user` may see it, newest first."""
    return one_page(
        select(AuditEvent)
        .where(policy.visible_history(user, plan))
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
        number,
        HISTORY_PAGE_SIZE,
    )


def plan_versions(plan: Plan) -> list[PlanVersion]:
    """Every issued version, oldest first, without their snapshots."""
    return list(
        db.session.scalars(
            select(PlanVersion)
            .where(PlanVersion.plan_id == plan.id)
            .options(defer(PlanVersion.snapshot), joinedload(PlanVersion.created_by))
            .order_by(PlanVersion.version)
            .limit(fixed(MAX_VERSIONS))
        )
    )


def plan_acknowledgements(plan: Plan) -> list[Acknowledgement]:
    """Every acknowledgement of the plan, oldest first (one per version, review and closure at most)."""
    return list(
        db.session.scalars(
            select(Acknowledgement)
            .where(Acknowledgement.plan_id == plan.id)
            .options(joinedload(Acknowledgement.user))
            .order_by(Acknowledgement.acknowledged_at, Acknowledgement.id)
        )
    )


def open_plans_for(user: User, staff_id: int | None) -> list[PlanRow]:
    """The plans of this staff member still open (draft, active, paused) that `user` may see."""
    if staff_id is None:
        return []
    return plan_rows(
        plan_rows_query(
            policy.visible_plans(user),
            Plan.staff_id == staff_id,
            Plan.status.in_([PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.PAUSED]),
        )
        .order_by(*REFERENCE_NEWEST_FIRST)
        .limit(fixed(10))
    )
