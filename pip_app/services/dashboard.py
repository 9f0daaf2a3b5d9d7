"""What needs each person today: read-only queries scoped by the access policy.

A registered manager may have thousands of open plans. What needs attention on each, and from
which day, is kept by every change to it (services/attention.py), so the flagged list is the
most urgent LIMIT plans whose day has come, with their kept facts seen today (flags.flags_on).
Every list is bounded, so the statements per request do not grow with the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload, selectinload

from .. import policy
from ..clock import today
from ..database import constant, fixed, generic_plans, read_rows
from ..extensions import db
from ..flags import Flag, FlagFact, flags_on
from ..models import (
    REFERENCE_NEWEST_FIRST,
    REFERENCE_ORDER,
    Acknowledgement,
    AckResponse,
    AckSubject,
    Action,
    Appeal,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    ApproverRole,
    Closure,
    ClosureOutcome,
    ControlStatus,
    DisagreementResponse,
    Escalation,
    InterimControl,
    Observation,
    ObservationStatus,
    Plan,
    PlanAttention,
    PlanStatus,
    PlanVersion,
    Review,
    Role,
    Service,
    User,
)
from ..plain_rows import Rows, columns_of
from .outbox import outbox_counts
from .plan_rows import PlanRow, first_plan_rows_query, plan_rows, plan_rows_query
from .regulatory import TRIGGER_CONTROL_KINDS

OPEN = (PlanStatus.ACTIVE, PlanStatus.PAUSED)
LIMIT = 20  # the most urgent of each list; the plans list and the register show them all


@dataclass
class Board:
    """The lists a dashboard shows; empty lists render as friendly empty states."""

    role: Role
    plans: list[Plan] | list[PlanRow] = field(default_factory=list)
    open_count: int = 0
    drafts: list[PlanRow] = field(default_factory=list)
    flagged: list[tuple[PlanRow, list[Flag]]] = field(default_factory=list)
    more_flagged: bool = False
    more_due: bool = False
    more_observations: bool = False
    due_this_week: list[PlanRow] = field(default_factory=list)
    observations_to_record: list[Any] = field(
        default_factory=list
    )  # rows: id, plan_id, shift, scheduled_on, reference, observer_name
    to_acknowledge: list[tuple[Plan, str, str]] = field(default_factory=list)  # (plan, what, anchor)
    recently_closed: list[Plan] = field(default_factory=list)
    closed: list[Plan] = field(default_factory=list)  # a staff member's own closed plans
    counts: dict[str, int] = field(default_factory=dict)
    to_decide: list[Waiting] = field(default_factory=list)
    more_to_decide: bool = False
    # Disagreements waiting for a response (issue 18): (acknowledgement, plan reference, staff name).
    disagreements: list[tuple[Acknowledgement, str, str]] = field(default_factory=list)
    more_disagreements: bool = False


@dataclass(frozen=True)
class Waiting:
    """A decision waiting for this person: a request for approval or an escalation."""

    plan_id: int
    reference: str
    staff_name: str
    what: str
    since: datetime
    anchor: str


# What plan_flags() reads, and no more: a version's snapshot (the whole plan as JSON) and the
# long texts of actions and reviews would be parsed for fifty plans to be thrown away.
FLAG_OPTIONS = (
    joinedload(Plan.staff),
    joinedload(Plan.service),
    selectinload(Plan.controls),
    selectinload(Plan.observations),
    selectinload(Plan.actions).load_only(Action.plan_id, Action.number, Action.status),
    selectinload(Plan.versions).load_only(PlanVersion.plan_id, PlanVersion.version, PlanVersion.created_at),
    selectinload(Plan.acknowledgements),
    selectinload(Plan.reviews).load_only(
        Review.plan_id, Review.review_date, Review.created_at, Review.corrects_review_id
    ),
)


def dashboard_for(user: User) -> Board:
    """Build the board for this user's role."""
    board = Board(role=user.role)
    if user.role is Role.ADMIN:
        outbox = outbox_counts()
        board.counts = {
            "users": db.session.scalar(select(func.count(User.id))) or 0,
            "services": db.session.scalar(select(func.count(Service.id))) or 0,
            "outbox_pending": outbox.pending,
            "outbox_retrying": outbox.retrying,
            "outbox_failed": outbox.failed,
        }
    elif user.role is Role.STAFF:
        _staff_board(user, board)
    elif user.role is Role.HR:
        board.recently_closed = _recently_closed(user)
        _decisions_board(user, board)
    else:
        # Measured in process on PostgreSQL at 10,000 plans (app and server CPU, docs/PERFORMANCE.md,
        # session 20): a registered manager's board 15.5 -> 12.5 ms, a line manager's 12.9 -> 11.0,
        # the group senior's 14.3 -> 13.4. A staff member's board (above) gains nothing, and the
        # registers and plans list lose (session 19).
        generic_plans()
        _manager_board(user, board)
        _decisions_board(user, board)
    return board


_WHAT = {
    ApprovalKind.ISSUE: "Approve the plan before issue",
    ApprovalKind.CLOSURE: "Approve the closure",
    ApprovalKind.STAGE: "Approve a move to a formal stage",
}


def _decisions_board(user: User, board: Board) -> None:
    """Requests this person may approve (their services' plans, or HR's when HR approves; never
    a plan they manage) and, for a registered manager, escalations waiting for a decision."""
    if user.role not in (Role.HR, Role.SENIOR):
        return
    statements, parameters = _decision_statements(user.role), policy.viewer_parameters(user)
    waiting = [
        Waiting(plan_id, ref, name, _WHAT[kind], at, "decisions")
        for kind, at, plan_id, ref, name in read_rows(statements.requests, parameters)
    ]
    if statements.escalations is not None:
        waiting += [
            Waiting(plan_id, ref, name, "Decide on the escalation", at, "decisions")
            for at, plan_id, ref, name in read_rows(statements.escalations, parameters)
        ]
    if statements.regulatory is not None:
        waiting += [
            Waiting(
                plan_id,
                ref,
                name,
                "Record the regulatory decisions",
                min(
                    [at for at in (closed, staged, since and datetime.combine(since, time(12))) if at is not None]
                    or [datetime.combine(today(), time(12))]
                ),
                "regulatory",
            )
            for plan_id, ref, name, closed, since, staged in read_rows(statements.regulatory, parameters)
        ]
    waiting += [
        Waiting(
            plan_id,
            ref,
            name,
            "Appeal to hear" if hearer == user.id else "Appeal waiting for a hearer",
            datetime.combine(lodged_on, time(12)),
            "appeal",
        )
        for hearer, lodged_on, plan_id, ref, name in read_rows(statements.appeals, parameters)
    ]
    waiting.sort(key=lambda w: w.since)
    board.more_to_decide = len(waiting) > LIMIT
    board.to_decide = waiting[:LIMIT]


class DecisionStatements(NamedTuple):
    requests: Select[Any]
    appeals: Select[Any]
    escalations: Select[Any] | None  # a registered manager's only
    regulatory: Select[Any] | None  # the same


@cache
def _decision_statements(role: Role) -> DecisionStatements:
    """What `_decisions_board` reads for someone with this role (HR or a registered manager), with
    who they are as bound parameters (`policy.viewer_parameters`). Built once per role: building
    and keying these statements cost more than running them."""
    me = bindparam(policy.VIEWER_ID, type_=Integer)
    my_services = policy.in_viewer_services(Plan.service_id)
    staff = aliased(User)
    approver = ApproverRole.HR if role is Role.HR else ApproverRole.SENIOR
    scope = [Plan.manager_id != me, Plan.service.has(approver_role=approver)]
    if role is Role.SENIOR:
        scope.append(my_services)
    requests = (
        select(Approval.kind, Approval.requested_at, Plan.id, Plan.reference, staff.name)
        .join(Plan, Plan.id == Approval.plan_id)
        .join(staff, staff.id == Plan.staff_id)
        .where(Approval.status == ApprovalStatus.PENDING, *scope)
        .order_by(Approval.requested_at, Approval.id)
        .limit(fixed(LIMIT + 1))
    )
    # Appeals (issue 20, point 3) this person is to hear, and — for HR, or a registered manager
    # of the plan's service — those still waiting for a hearer to be chosen.
    choose: ColumnElement[bool] = Appeal.hearer_id.is_(None)
    if role is Role.SENIOR:
        choose = and_(choose, my_services)
    # The open appeals are named first, from their own index: left to join them, SQLite started
    # from every user and their plans whenever the appeals table had no statistics (no appeal
    # yet, the common case): 0.8 ms a dashboard at 10,000 plans, against 0.03.
    still_open = select(Appeal.id).where(Appeal.outcome.is_(None))
    appeals = (
        select(Appeal.hearer_id, Appeal.lodged_on, Plan.id, Plan.reference, staff.name)
        .join(Plan, Plan.id == Appeal.plan_id)
        .join(staff, staff.id == Plan.staff_id)
        .where(Appeal.id.in_(still_open), or_(Appeal.hearer_id == me, choose))
        .order_by(Appeal.lodged_on, Appeal.id)
        .limit(fixed(LIMIT + 1))
    )
    if role is not Role.SENIOR:
        return DecisionStatements(requests, appeals, None, None)
    escalations = (
        select(Escalation.raised_at, Plan.id, Plan.reference, staff.name)
        .join(Plan, Plan.id == Escalation.plan_id)
        .join(staff, staff.id == Plan.staff_id)
        # decided_at is set with the decision; its index finds the few undecided ones.
        .where(Escalation.decided_at.is_(None), my_services)
        .order_by(Escalation.raised_at, Escalation.id)
        .limit(fixed(LIMIT + 1))
    )
    # Regulatory decisions to record (issue 20): since the first of the closure, the move to a
    # formal stage, and duties restricted or the person removed from regulated activity.
    restricted_since = (
        select(func.min(InterimControl.start_date))
        .where(
            InterimControl.plan_id == Plan.id,
            InterimControl.status == ControlStatus.ACTIVE,
            InterimControl.kind.in_(TRIGGER_CONTROL_KINDS),
        )
        .correlate(Plan)
        .scalar_subquery()
    )
    closed_at = select(Closure.closed_at).where(Closure.plan_id == Plan.id).correlate(Plan).scalar_subquery()
    staged_at = (
        select(func.min(Approval.decided_at))
        .where(
            Approval.plan_id == Plan.id,
            Approval.kind == ApprovalKind.STAGE,
            Approval.status == ApprovalStatus.APPROVED,
        )
        .correlate(Plan)
        .scalar_subquery()
    )
    # The plans themselves are found by what their flags keep (`services.attention`), in the order
    # of their index: testing the checklist's rules here cost PostgreSQL 2.6 ms a dashboard.
    regulatory = (
        select(Plan.id, Plan.reference, staff.name, closed_at, restricted_since, staged_at)
        .select_from(PlanAttention)
        .join(Plan, Plan.id == PlanAttention.plan_id)
        .join(staff, staff.id == Plan.staff_id)
        .where(PlanAttention.regulatory_needed.is_(True), my_services)
        .order_by(PlanAttention.plan_id)
        .limit(fixed(LIMIT + 1))
    )
    return DecisionStatements(requests, appeals, escalations, regulatory)


def _scope(role: Role, statuses: tuple[PlanStatus, ...] = OPEN) -> ColumnElement[bool]:
    """Plans of these statuses (by default the open ones) on the dashboard of someone with this
    role: a manager's own; a senior's whole service(s). Its values are `policy.viewer_parameters`."""
    status = Plan.status == statuses[0] if len(statuses) == 1 else Plan.status.in_(statuses)
    condition = and_(policy.visible_plans_to(role), status)
    if role is Role.MANAGER:
        return and_(condition, Plan.manager_id == bindparam(policy.VIEWER_ID, type_=Integer))
    return condition


def first_flagged(
    scope: ColumnElement[bool], day: date, limit: int, parameters: Mapping[str, Any] | None = None
) -> list[tuple[PlanRow, list[Flag]]]:
    """The first `limit` plans of `scope` (run with `parameters`) that need attention on `day`,
    soonest review first, with their flags. Which plans need attention, and why, is kept by every
    change to them (`services.attention`): a plan needs it from its `attention_from` day on, and
    its flags are its kept facts seen on `day`."""
    statements = _flagged_statements(scope)
    values = {**(parameters or {}), "flag_day": day, "room": limit}
    plans = plan_rows(statements.first, values)
    if not plans:
        return []
    facts: dict[int, list[list[Any]]] = {
        plan_id: kept for plan_id, kept in read_rows(statements.facts, {"ids": [plan.id for plan in plans]})
    }
    return [(plan, flags_on([FlagFact.from_json(fact) for fact in facts[plan.id]], day)) for plan in plans]


class FlaggedStatements(NamedTuple):
    first: Select[Any]  # the first plans needing attention: soonest review first, those without a date last
    facts: Select[Any]  # the kept facts of the plans chosen


@lru_cache(maxsize=16)
def _flagged_statements(scope: ColumnElement[bool]) -> FlaggedStatements:
    """`first_flagged`'s statements for a scope, built once (the dashboard's scopes are built once
    per role), with the day and the room left in the list as bound parameters. (The room is a
    LIMIT, yet bound, unlike others (`database.fixed`): written in, PostgreSQL planned one of the
    ranges afresh on every request, about 1.5 ms more of its time a page for the group senior.)

    The plans are read in three ranges, each stopping once it has enough: the active plans and the
    paused plans in their (status, next review) index, then those without a review date; the
    three are merged in the same statement. Three statements were three round trips to
    PostgreSQL (session 22)."""
    day, room = bindparam("flag_day", type_=Date), bindparam("room", type_=Integer)
    # Probed for each plan a range reads, by its key: the range stops once it has enough.
    needs_attention = exists().where(PlanAttention.plan_id == Plan.id, PlanAttention.attention_from <= day)

    def first(*conditions: ColumnElement[bool]) -> Select[Any]:
        return (
            select(Plan.id, Plan.next_review_date)
            .where(scope, *conditions, needs_attention)
            .order_by(Plan.next_review_date, Plan.id)
            .limit(room)
            .offset(fixed(0))
        )

    dated = Plan.next_review_date.is_not(None)
    ranges = [
        first(Plan.status == PlanStatus.ACTIVE, dated),
        first(Plan.status == PlanStatus.PAUSED, dated),  # a paused plan keeps its date
        first(Plan.next_review_date.is_(None)),
    ]
    return FlaggedStatements(
        first=_first_of_ranges(ranges, (Plan.next_review_date,), room),
        facts=select(PlanAttention.plan_id, PlanAttention.facts).where(
            PlanAttention.plan_id.in_(bindparam("ids", expanding=True))
        ),
    )


class BoardStatements(NamedTuple):
    scope: ColumnElement[bool]
    open_count: Select[Any]
    plans: Select[Any]
    due_this_week: Select[Any]
    observations_to_record: Select[Any]
    drafts: Select[Any]
    disagreements: Select[Any]


@cache
def _board_statements(role: Role) -> BoardStatements:
    """What `_manager_board` reads for someone with this role (a line manager or a registered
    manager), with who they are and the day as bound parameters (`_board_parameters`). Built once
    per role: building and keying a dozen statements cost more than running them."""
    scope, me = _scope(role), bindparam(policy.VIEWER_ID, type_=Integer)
    day = bindparam("flag_day", type_=Date)
    # Phrased on observations alone, so both halves use an index on observations (the observer;
    # the plans this person manages) instead of reading every open plan's schedule; as a union of
    # the two, because PostgreSQL tested the OR on every planned observation already due (1,500
    # at 10,000 plans: 2.8 ms, for a registered manager who observes nothing).
    to_record = (Observation.status == ObservationStatus.PLANNED, Observation.scheduled_on <= day)
    managed = select(Plan.id).where(Plan.manager_id == me, Plan.status.in_(OPEN))  # as the scope: only open plans
    mine = Observation.id.in_(
        union(
            select(Observation.id).where(Observation.observer_id == me, *to_record),
            select(Observation.id).where(Observation.plan_id.in_(managed), *to_record),
        )
    )
    # Disagreements nobody has answered on plans this person answers for (a closed plan's too:
    # the closure may be what was disagreed with), oldest first.
    answers_for = policy.visible_plans_to(role)
    if role is Role.MANAGER:
        answers_for = and_(answers_for, Plan.manager_id == me)
    staff, observer = aliased(User), aliased(User)
    return BoardStatements(
        scope=scope,
        open_count=select(func.count()).select_from(Plan).where(scope),  # count(*): from the index alone
        plans=_first_open_plans(role),
        # Active plans only (the status tested as equal), in the order of the review queue's index
        # (within a day, by service and manager, then reference), so PostgreSQL reads the week from
        # its start and stops when the list is full. Ordered by date and then reference, its generic
        # plan (`dashboard_for`) sorted every review of the week instead: 1,715 for the group senior,
        # 2.4 ms of the server's time against 0.2 (session 21).
        due_this_week=first_plan_rows_query(
            [
                _scope(role, (PlanStatus.ACTIVE,)),
                Plan.next_review_date.between(day, bindparam("week_end", type_=Date)),
            ],
            QUEUE_COLUMNS,
            fixed(LIMIT + 1),
        ),
        # What the list shows of each, as columns: no observation, plan or person is built.
        observations_to_record=select(
            Observation.id,
            Observation.plan_id,
            Observation.shift,
            Observation.scheduled_on,
            Plan.reference,
            observer.name.label("observer_name"),
        )
        .join(Plan, Plan.id == Observation.plan_id)
        .join(observer, observer.id == Observation.observer_id)
        .where(scope, mine, *to_record)
        .order_by(Observation.scheduled_on, Observation.id)
        .limit(fixed(LIMIT + 1)),
        drafts=plan_rows_query(
            policy.visible_plans_to(role), Plan.status == constant(Plan.status, PlanStatus.DRAFT), Plan.manager_id == me
        )
        .order_by(*REFERENCE_ORDER)
        .limit(fixed(LIMIT)),
        disagreements=select(*DISAGREEMENT_COLUMNS, Plan.reference, staff.name)
        .select_from(Acknowledgement)
        .join(Plan, Plan.id == Acknowledgement.plan_id)
        .join(staff, staff.id == Plan.staff_id)
        .where(answers_for, Plan.status != constant(Plan.status, PlanStatus.DRAFT))
        .where(Acknowledgement.response == AckResponse.DISAGREE)
        .where(~Acknowledgement.answered)
        .order_by(Acknowledgement.acknowledged_at, Acknowledgement.id)
        .limit(fixed(LIMIT + 1)),
    )


# The review queue's index (ix_plans_review_queue) after its status: the plans of one status are
# read from it in this order, with no sort.
QUEUE_COLUMNS = (Plan.next_review_date, Plan.service_id, Plan.manager_id, *REFERENCE_ORDER)


def _queue_order(columns: Sequence[Any]) -> list[Any]:
    """The review queue's order over these columns: soonest review first, a plan without one last."""
    first, *rest = columns
    return [first.asc().nulls_last(), *rest]


def _first_open_plans(role: Role) -> Select[Any]:
    """The first LIMIT open plans on the board, by next review (within a day, by service, manager
    and reference): the first LIMIT active ones and the first LIMIT paused ones, each read in the
    review queue's order, then merged. As one list of both statuses, PostgreSQL sorted every open
    plan in scope to find the first: 2,311 for the group senior, 1.8 ms of the server's time
    against 0.4 (session 21)."""
    ranges = [
        select(Plan.id, *QUEUE_COLUMNS)
        .where(_scope(role, (status,)))
        .order_by(*_queue_order(QUEUE_COLUMNS))
        .limit(fixed(LIMIT))
        for status in OPEN
    ]
    return _first_of_ranges(ranges, QUEUE_COLUMNS, fixed(LIMIT))


def _first_of_ranges(ranges: Sequence[Select[Any]], columns: Sequence[Any], limit: Any) -> Select[Any]:
    """The rows of the first `limit` plans of several ranges, in one statement. Each range selects
    the plan's id and `columns` and stops at its own LIMIT, read in its index's order; the ranges
    are merged and the first `limit` taken in the review queue's order over `columns` (then id).
    Each range a statement of its own was a round trip more to PostgreSQL, and one statement over
    all of them sorted every plan they hold (sessions 21 and 22)."""
    merged = union_all(*(select(plans.subquery()) for plans in ranges)).subquery()
    order = [*_queue_order([merged.c[column.key] for column in columns]), merged.c.id]
    chosen = select(merged.c.id).order_by(*order).limit(limit)
    return plan_rows_query(Plan.id.in_(chosen)).order_by(*_queue_order(columns), Plan.id)


def _manager_board(user: User, board: Board) -> None:
    day = today()
    statements = _board_statements(user.role)
    parameters = {**policy.viewer_parameters(user), "flag_day": day, "week_end": day + timedelta(days=6)}
    # One more than fits says whether there are more, without counting them all.
    flagged = first_flagged(statements.scope, day, LIMIT + 1, parameters)
    board.more_flagged = len(flagged) > LIMIT
    board.flagged = flagged[:LIMIT]
    board.open_count = read_rows(statements.open_count, parameters).scalar() or 0
    board.plans = plan_rows(statements.plans, parameters)
    due = plan_rows(statements.due_this_week, parameters)
    board.more_due, board.due_this_week = len(due) > LIMIT, due[:LIMIT]
    observations = list(read_rows(statements.observations_to_record, parameters))
    board.more_observations = len(observations) > LIMIT
    board.observations_to_record = observations[:LIMIT]
    board.drafts = plan_rows(statements.drafts, parameters)
    disagreements = read_rows(statements.disagreements, parameters).all()
    board.more_disagreements = len(disagreements) > LIMIT
    board.disagreements = [_disagreement(values) for values in disagreements[:LIMIT]]


# A disagreement waiting for a response, as the board lists it: what it links to and its date, as a
# plain row (plain_rows), with its plan's reference and staff member's name.
DISAGREEMENT_COLUMNS, _disagreement_ack = columns_of(Rows(Acknowledgement, only=("plan_id", "acknowledged_at")))


def _disagreement(values: Sequence[Any]) -> tuple[Acknowledgement, str, str]:
    ack, at = _disagreement_ack(values, 0)
    reference, name = values[at:]
    return ack, reference, name


def _staff_board(user: User, board: Board) -> None:
    """A staff member has few plans: load them whole and list what waits for them."""
    plans = list(
        db.session.scalars(
            select(Plan)
            .where(policy.visible_plans(user), Plan.status != constant(Plan.status, PlanStatus.DRAFT))
            .options(*FLAG_OPTIONS, joinedload(Plan.closure))
            .order_by(*REFERENCE_NEWEST_FIRST)
            .limit(fixed(LIMIT))
        )
    )
    board.plans = [p for p in plans if p.status in OPEN]
    board.closed = [p for p in plans if p.status is PlanStatus.CLOSED]
    for plan in plans:
        mine = [a for a in plan.acknowledgements if a.user_id == user.id]
        acked_version = max((a.plan_version for a in mine if a.subject is AckSubject.PLAN), default=0)
        if plan.status in OPEN and plan.version > acked_version:
            board.to_acknowledge.append((plan, f"version {plan.version} of your improvement plan", "your-plan"))
        acked_reviews = {a.review_id for a in mine if a.subject is AckSubject.REVIEW}
        for review in plan.reviews:
            if review.id not in acked_reviews:
                board.to_acknowledge.append(
                    (
                        plan,
                        f"the weekly review of {review.review_date.day} {review.review_date:%b %Y}",
                        f"review-{review.id}",
                    )
                )
        left = plan.closure is not None and plan.closure.outcome is ClosureOutcome.LEFT  # not asked
        if plan.status is PlanStatus.CLOSED and not left and not any(a.subject is AckSubject.CLOSURE for a in mine):
            board.to_acknowledge.append((plan, "the closure of your improvement plan", "closure-panel"))
    _responses_to_read(user, plans, board)


def _responses_to_read(user: User, plans: list[Plan], board: Board) -> None:
    """Answers to the person's disagreements they have not yet confirmed reading (issue 18): read
    only when one of their disagreements has been answered."""
    answered = {a.id: plan for plan in plans for a in plan.acknowledgements if a.user_id == user.id and a.answered}
    if not answered:
        return
    unread = db.session.scalars(
        select(DisagreementResponse.acknowledgement_id)
        .where(
            DisagreementResponse.acknowledgement_id.in_(list(answered)), DisagreementResponse.staff_read_at.is_(None)
        )
        .order_by(DisagreementResponse.responded_at)
    )
    for ack_id in unread:
        board.to_acknowledge.append((answered[ack_id], "the response to your disagreement", f"disagreement-{ack_id}"))


def _recently_closed(user: User) -> list[Plan]:
    return list(
        db.session.scalars(
            select(Plan)
            .join(Closure)
            .where(policy.visible_plans(user), Plan.status == PlanStatus.CLOSED)
            .options(joinedload(Plan.staff), joinedload(Plan.service), joinedload(Plan.closure))
            .order_by(Closure.closed_at.desc())
            .limit(fixed(20))
        )
    )
