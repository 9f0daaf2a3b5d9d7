"""The register's queries: filters from the URL, flags, sorting, pagination, the summary strip, and
the rows as a spreadsheet-safe CSV.

Every query is scoped by `policy.visible_controls`. The flags exist twice on purpose: as SQL
conditions here (so "flagged only" filters and counts in the database), reading their codes and
thresholds from flags.py, and as the pure rule `flags.control_flags` (so a row shows its flags
without another query); the tests hold them equal.
A page of the register is a fixed number of statements whatever the number of controls.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache, lru_cache, reduce
from operator import add
from typing import Any, NamedTuple

from markupsafe import Markup, escape
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, aliased, contains_eager, joinedload, selectinload

from .. import policy
from ..database import fixed, read_rows
from ..extensions import db
from ..flags import NOT_CHECKED, NOT_CHECKED_DAYS, PLAN_CLOSED, REVIEW_PASSED, control_flags, review_due
from ..models import (
    REFERENCE_ORDER,
    ControlCheck,
    ControlKind,
    ControlStatus,
    InterimControl,
    Plan,
    PlanStatus,
    Role,
    Service,
    User,
)
from ..params import choice_arg, id_arg, page_arg, text_arg
from ..plain_rows import Rows, columns_of, fill
from ..search import folded_contains, reference_contains, text_contains

PAGE_SIZE = 25
MAX_SEARCH = 100
MAX_PAGE = 100_000  # beyond any real register; keeps OFFSET within BIGINT

FLAG_LABELS = {
    REVIEW_PASSED: "Review date passed",
    NOT_CHECKED: f"Not checked for {NOT_CHECKED_DAYS} days",
    PLAN_CLOSED: "Plan closed while the control is still active",
}

# Status filter values, in the order the select offers them; the default shows controls in force.
STATUSES = {
    "active": ControlStatus.ACTIVE,
    "ongoing_monitoring": ControlStatus.ONGOING_MONITORING,
    "lifted": ControlStatus.LIFTED,
    "all": None,
}
STATUS_LABELS = {
    "active": "Active (in force)",
    "ongoing_monitoring": ControlStatus.ONGOING_MONITORING.label,
    "lifted": "Lifted",
    "all": "Any status",
}

Staff = aliased(User, name="staff_member")
Responsible = aliased(User, name="responsible_person")

# The columns a person may sort by: (key, heading). Anything else falls back to the default.
COLUMNS = [
    ("reference", "Plan"),
    ("staff", "Staff member"),
    ("service", "Service"),
    ("control", "Control"),
    ("responsible", "Responsible"),
    ("started", "Started"),
    ("review_by", "Review by"),
    ("last_check", "Last check"),
    ("days", "Days in force"),
    ("flags", "Flags"),
]
SORT_KEYS = {key for key, _ in COLUMNS}
# How the table lays them out: fewer, wider columns, each heading its first column's facts with
# the others stacked beneath (staff and service under the plan, the person responsible under the
# control, the start under the review date), so that the flags and the row's own controls fit
# at 1280 px and on a tablet. Every key stays sortable from its column's heading.
TABLE_COLUMNS = [
    ("reference", "staff", "service"),
    ("control", "responsible"),
    ("review_by", "started"),
    ("last_check",),
    ("days",),
    ("flags",),
]
DEFAULT_SORT = "review_by"


# --- Flags: the rule is flags.control_flags; here is its SQL twin


def flag_conditions(
    today: date | BindParameter[date],
    plan_closed: ColumnElement[bool] | None = None,
    not_checked_since: date | BindParameter[date] | None = None,
    *,
    of_controls_in_force: bool = False,
) -> dict:
    """flags.control_flags as SQL conditions on InterimControl joined to its Plan (or, given
    `plan_closed`, on InterimControl alone, with that condition saying whether its plan is closed).
    `today` may be a bound parameter, with `not_checked_since` then another (`FLAG_PARAMETERS`).
    With `of_controls_in_force` the statement keeps only controls in force already, so the
    conditions leave that test out (counting the group's 8,754, it was 0.7 of 4.3 ms on SQLite)."""
    in_force = true() if of_controls_in_force else InterimControl.status == ControlStatus.ACTIVE
    last_seen = func.coalesce(InterimControl.last_checked_on, InterimControl.start_date)
    if not_checked_since is None:
        assert isinstance(today, date)
        not_checked_since = today - timedelta(days=NOT_CHECKED_DAYS)
    return {
        REVIEW_PASSED: and_(in_force, InterimControl.review_due_on() < today),
        NOT_CHECKED: and_(in_force, last_seen <= not_checked_since),
        PLAN_CLOSED: and_(in_force, Plan.status == PlanStatus.CLOSED if plan_closed is None else plan_closed),
    }


def days_in_force(start_date: date, lifted_on: date | None, today: date) -> int:
    """Whole days from the start to the lift (or to today while it is still in force)."""
    return max(((lifted_on or today) - start_date).days, 0)


# --- Filters from the URL


@dataclass(frozen=True)
class RegisterFilters:
    """What the person asked for, parsed from the query string; anything unknown is ignored."""

    service: int | None = None
    kind: str | None = None
    responsible: int | None = None
    status: str = "active"
    flagged: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT
    direction: str = "asc"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> RegisterFilters:
        """Read with `params`: ids within BIGINT, listed values only, the page clamped."""
        sort = choice_arg(args, "sort", SORT_KEYS)
        return cls(
            service=id_arg(args, "service"),
            kind=choice_arg(args, "type", ControlKind._value2member_map_),
            responsible=id_arg(args, "responsible"),
            status=choice_arg(args, "status", STATUSES) or "active",
            flagged=choice_arg(args, "flagged", ("1", "y", "on", "true")) is not None,
            q=text_arg(args, "q", MAX_SEARCH),
            sort=sort or DEFAULT_SORT,
            direction="desc" if sort and choice_arg(args, "dir", ("desc",)) else "asc",
            page=page_arg(args, maximum=MAX_PAGE),
        )

    @property
    def is_filtered(self) -> bool:
        """Whether anything narrows the default view (for the empty-state wording)."""
        return bool(self.service or self.kind or self.responsible or self.flagged or self.q or self.status != "active")

    def to_args(self, **changes) -> dict:
        """The query-string arguments that reproduce these filters (defaults left out)."""
        f = replace(self, **changes)
        args = {
            "q": f.q,
            "service": f.service,
            "type": f.kind,
            "responsible": f.responsible,
            "status": f.status if f.status != "active" else None,
            "flagged": "1" if f.flagged else None,
            "sort": f.sort if f.sort != DEFAULT_SORT or f.direction != "asc" else None,
            "dir": f.direction if f.direction != "asc" else None,
            "page": f.page if f.page > 1 else None,
        }
        return {k: v for k, v in args.items() if v not in (None, "")}

    def sorted_by(self, key: str) -> dict:
        """Arguments for a column heading's link: ascending first, then the other way."""
        direction = "desc" if self.sort == key and self.direction == "asc" else "asc"
        return self.to_args(sort=key, direction=direction, page=1)

    def as_audit(self) -> dict:
        """The filters of an export, in full, for the audit trail."""
        return {
            "service": self.service,
            "type": self.kind,
            "responsible": self.responsible,
            "status": self.status,
            "flagged": self.flagged,
            "q": self.q,
            "sort": self.sort,
            "dir": self.direction,
        }


# --- The rows


class RowNames(NamedTuple):
    """The names a row shows of its control's people and service."""

    staff: str
    service: str
    responsible: str
    continued_by: str | None  # who last recorded "reviewed: continue", if anyone


def names_of(control: InterimControl) -> RowNames:
    """A control's names from its plan and people (loaded, or loaded on demand)."""
    plan = control.plan
    by = control.continued_by
    return RowNames(plan.staff.name, plan.service.name, control.responsible.name, by.name if by else None)


@dataclass
class RegisterRow:
    """One control as the register shows it: the control (with its plan), the names it shows, the
    note of its last check, its flags and how long it has been in force."""

    control: InterimControl
    names: RowNames
    last_note: str | None
    today: date
    flags: list[str] = field(init=False)

    def __post_init__(self):
        c = self.control
        self.flags = control_flags(
            c.status, self.review_due, c.last_checked_on, c.start_date, c.plan.status, self.today
        )

    @property
    def review_due(self) -> date:
        """When the control's review is due: its review-by date, or the day it was continued until."""
        return review_due(self.control.review_by_date, self.control.continued_until)

    @property
    def days_in_force(self) -> int:
        return days_in_force(self.control.start_date, self.control.lifted_on, self.today)

    @property
    def days_since_check(self) -> int:
        c = self.control
        return (self.today - (c.last_checked_on or c.start_date)).days

    def flag_text(self, flag: str) -> str:
        """The flag as a person reads it, with the numbers that matter."""
        c = self.control
        if flag == REVIEW_PASSED:
            days = (self.today - self.review_due).days
            return f"Review {days} day{'s' if days != 1 else ''} overdue"
        if flag == NOT_CHECKED:
            days = self.days_since_check
            return f"Not checked for {days} days" if c.last_checked_on else f"Never checked ({days} days)"
        return "Plan closed, still active"

    def flag_badges(self) -> Markup:
        """The flags as small labelled badges. Written here rather than as a template macro: a
        register page's 25 rows spent 0.6 ms calling one."""
        return Markup(
            "".join(
                f'<span class="register-flag register-flag--{flag}">{escape(self.flag_text(flag))}</span>'
                for flag in self.flags
            )
        )


def _last_note():
    """The note of the newest check, as a correlated subquery (one SELECT for the whole page)."""
    return (
        select(ControlCheck.note)
        .where(ControlCheck.control_id == InterimControl.id)
        .order_by(ControlCheck.checked_on.desc(), ControlCheck.id.desc())
        .limit(fixed(1))
        .correlate(InterimControl)
        .scalar_subquery()
        .label("last_note")
    )


def _scoped(stmt, role: Role, many: bool, *, people: bool = True):
    """Join what the register shows and searches, and keep only controls a person of this role
    may see, with who they are left as bound parameters (`policy.viewer_parameters`). `many`:
    their plans span many services (`policy.sees_many_plans`).

    Without `people` only the plan is joined (a count that does not search needs no names: every
    control has a staff member, a service and a responsible person, so the count is the same).

    Over a few services (not `policy.sees_many_plans`) the controls are also named by their plans'
    ids, listed first, so that the database can start from the person's own plans instead of
    walking the controls in force in order and looking up each one's plan until a page is full:
    a line manager's first page took 2.6 ms against 5.1, a one-service registered manager's 3.3
    against 2.2 (the same rule as the summary's, which saves that registered manager 7 ms)."""
    visible_plan = policy.visible_controls_to(role)
    stmt = stmt.where(visible_plan)
    if not many:
        stmt = stmt.where(InterimControl.plan_id.in_(select(Plan.id).where(visible_plan)))
    return _joined(stmt, people=people)


def _joined(stmt, *, people: bool = True):
    """The control's plan joined, and with `people` its staff member, service and responsible person."""
    stmt = stmt.join(InterimControl.plan)
    if not people:
        return stmt
    return (
        stmt.join(Staff, Staff.id == Plan.staff_id)
        .join(Service, Service.id == Plan.service_id)
        .join(Responsible, Responsible.id == InterimControl.responsible_id)
    )


def _filtered(
    stmt, role: Role, many: bool, filters: RegisterFilters, today: date, *, people: bool = True, by_copy: bool = False
):
    """The controls matching `filters` that a person of this role may see. With `by_copy` (a count:
    nothing joined) who sees a control, its plan's service and whether its plan is closed are read
    from the control's copies of its plan's scope (migration 0032), so an index answers it without
    looking each control's plan up: the group's flagged count 5.8 → 2.2 ms on SQLite; its count of
    a search for "wojcik" 12.1 → 4.3 ms on SQLite (from the search index, migration 0034) and
    11.6 → 9.7 ms on PostgreSQL."""
    if by_copy:
        stmt = stmt.where(policy.visible_controls_by_copy(role))
        service_of, plan_closed = InterimControl.plan_service_id, InterimControl.plan_status == PlanStatus.CLOSED
    else:
        stmt = _scoped(stmt, role, many, people=people)
        service_of, plan_closed = Plan.service_id, None
    if filters.service:
        stmt = stmt.where(service_of == filters.service)
    if filters.kind:
        stmt = stmt.where(InterimControl.kind == ControlKind(filters.kind))
    if filters.responsible:
        stmt = stmt.where(InterimControl.responsible_id == filters.responsible)
    if STATUSES[filters.status] is not None:
        stmt = stmt.where(InterimControl.status == STATUSES[filters.status])
    if filters.flagged:
        stmt = stmt.where(or_(*flag_conditions(today, plan_closed).values()))
    if filters.q:
        stmt = stmt.where(_search_condition(filters.q, service_of, by_copy=by_copy))
    return stmt


def _search_condition(q: str, service_of: InstrumentedAttribute[Any], *, by_copy: bool) -> ColumnElement[bool]:
    """A control matches a search through its plan (the reference, the staff member's name), its
    responsible person's name, its service's name or its detail. The people and services that
    match are each found once, in their own few hundred rows, rather than tested on every
    control's joined rows. With `by_copy` (a count: the plans are not joined) the plans that
    match are found the same way, so the count reads the controls alone, and on SQLite from one
    index (`ix_interim_controls_search`). A page's ids test the joined plan instead: on PostgreSQL
    the plans as a list of their own took the group's first page of "wojcik" 4.8 → 15.4 ms."""
    named = select(User.id).where(folded_contains(User.search_name, q))
    services = select(Service.id).where(text_contains(Service.name, q))
    of_plan = or_(reference_contains(Plan.reference, q), Plan.staff_id.in_(named))
    return or_(
        InterimControl.plan_id.in_(select(Plan.id).where(of_plan)) if by_copy else of_plan,
        InterimControl.responsible_id.in_(named),
        service_of.in_(services),
        _detail_contains(q),
    )


_Detailed = aliased(InterimControl, name="detailed")


def _detail_contains(q: str) -> ColumnElement[bool]:
    """The control's folded detail contains `q`. On PostgreSQL the controls whose detail does are
    found once, from a trigram index (migration 0036), and each control is looked up in that
    list: tested control by control, the details of the group's 8,754 controls in force were most
    of a search's 12 ms count. SQLite reads each detail from the register's search index (0034)."""
    if db.engine.dialect.name != "postgresql":
        return folded_contains(InterimControl.search_detail, q)
    return InterimControl.id.in_(select(_Detailed.id).where(folded_contains(_Detailed.search_detail, q)))


SORTS_BY_NAME = ("staff", "service", "responsible")  # the sorts that need the people joined
SORTS_BY_PLAN = (*SORTS_BY_NAME, "reference", "flags")  # and those that need the plan


def _order(filters: RegisterFilters, today: date) -> list:
    descending = filters.direction == "desc"
    key = filters.sort
    expression: Any
    if key == "days":  # more days in force = an earlier start
        expression, descending = InterimControl.start_date, not descending
    elif key == "reference":  # by year, then number: PIP-2026-10000 comes after PIP-2026-9999
        return [*(c.desc() if descending else c.asc() for c in REFERENCE_ORDER), InterimControl.id]
    else:  # only the expression asked for is built (the flags' and the types' are long)
        expression = {
            "staff": lambda: Staff.name,
            "service": lambda: Service.name,
            "control": lambda: case(*[(InterimControl.kind == k, k.label) for k in ControlKind], else_=""),
            "responsible": lambda: Responsible.name,
            "started": lambda: InterimControl.start_date,
            "review_by": InterimControl.review_due_on,
            "last_check": lambda: InterimControl.last_checked_on,
            "flags": lambda: reduce(add, [case((c, 1), else_=0) for c in flag_conditions(today).values()]),
        }[key]()
    ordered = expression.desc() if descending else expression.asc()
    if key == "last_check":  # never checked is the stalest: first going up, last coming down
        ordered = ordered.nulls_last() if descending else ordered.nulls_first()
    return [ordered, InterimControl.id]


ROW_PLAN_COLUMNS = (
    Plan.reference,
    Plan.reference_year,
    Plan.reference_number,
    Plan.status,
    Plan.stage,
    Plan.under_appeal,
    Plan.staff_id,
    Plan.manager_id,
    Plan.service_id,
)


def _rows_statement(role: Role, many: bool, filters: RegisterFilters, today: date):
    return _with_rows(_filtered(select(InterimControl, _last_note()), role, many, filters, today)).order_by(
        *_order(filters, today)
    )


def _with_rows(stmt):
    """What a row reads of its control's plan and people, from the joins already made."""
    return stmt.options(
        # Of the plan, what a row shows and the policy reads: not its long texts and lists.
        contains_eager(InterimControl.plan).load_only(*ROW_PLAN_COLUMNS),
        contains_eager(InterimControl.plan).contains_eager(Plan.staff.of_type(Staff)),
        contains_eager(InterimControl.plan).contains_eager(Plan.service),
        contains_eager(InterimControl.responsible.of_type(Responsible)),
        joinedload(InterimControl.continued_by),  # "Continued until … by …", in the same SELECT
    )


@dataclass
class RegisterPage:
    rows: list[RegisterRow]
    total: int
    page: int
    pages: int


def register_page(user, filters: RegisterFilters, today: date, total: int | None = None) -> RegisterPage:
    """One page of the register: a count (unless the caller knows it, or a first page that is not
    full shows how many there are) and one SELECT with joins, whatever the page holds. The page's
    controls are chosen by their ids and sort keys alone, then read whole: sorting every matching
    control with all its columns, its last check's note and its plan's appeal looked up, cost more
    than the rest of the page."""
    if not policy.can_view_register(user):
        return RegisterPage(rows=[], total=0, page=1, pages=1)
    statements = _page_statements(user.role, policy.sees_many_plans(user), replace(filters, page=1), today)
    values = policy.viewer_parameters(user)

    def rows_from(offset: int) -> list[RegisterRow]:
        result = read_rows(statements.rows, {**values, PAGE_OFFSET: offset}).all()
        return [_page_row(values, today) for values in result]

    rows = None
    if total is None and filters.page == 1:
        # A first page that is not full holds every match, so there is nothing left to count (most
        # searches, a person's own controls, a small service's filters).
        rows = rows_from(0)
        total = len(rows) if len(rows) < PAGE_SIZE else None
    if total is None:
        total = db.session.scalar(statements.total, values) or 0
    pages = max(math.ceil(total / PAGE_SIZE), 1)
    page = min(filters.page, pages)
    return RegisterPage(
        rows=rows if rows is not None else rows_from((page - 1) * PAGE_SIZE), total=total, page=page, pages=pages
    )


PAGE_OFFSET = "page_offset"


class PageStatements(NamedTuple):
    total: Select[Any]  # how many controls match
    rows: Select[Any]  # one page of them, from the PAGE_OFFSET-th, with their plans and people


@lru_cache(maxsize=64)
def _page_statements(role: Role, many: bool, filters: RegisterFilters, today: date) -> PageStatements:
    """`register_page`'s statements for these filters (on page 1: the offset is a bound parameter),
    for anyone of this role, with who they are as bound parameters: built once for the pages asked
    for most (building and keying them was 1.3 of the 3 ms of the group's first page)."""
    count = _filtered(
        select(func.count()).select_from(InterimControl),
        role,
        many,
        filters,
        today,
        people=False,
        by_copy=True,
    )
    order = _order(filters, today)
    on_page = (
        _ids_in_order(role, many, filters, today)
        .order_by(*order)
        .limit(fixed(PAGE_SIZE))
        .offset(bindparam(PAGE_OFFSET, type_=Integer, literal_execute=True))
    )
    return PageStatements(count, _page_rows(on_page).order_by(*order))


ContinuedBy = aliased(User, name="continued_by_person")

# A page's rows as plain rows (plain_rows): each control, and of its plan what a row shows and the
# policy reads (ROW_PLAN_COLUMNS).
CONTROL_COLUMNS, _control = columns_of(Rows(InterimControl))
ROW_PLAN_READ, _row_plan = columns_of(Rows(Plan, only=tuple(column.key for column in ROW_PLAN_COLUMNS)))


def _page_rows(on_page: Select[Any]) -> Select[Any]:
    """The controls `on_page` names, each with its plan (what a row shows and the policy reads of
    it), the names it shows and its last check's note, as columns: built into plain rows
    (`_page_row`). The people as rows of their own (joined and loaded whole) cost twice as much:
    the group senior's 25 rows 2.3 -> 1.2 ms on SQLite, 5.6 -> 4.1 ms on PostgreSQL (session 21);
    the controls and plans through the ORM, about 0.1 ms a row more (session 27)."""
    names = (Staff.name, Service.name, Responsible.name, ContinuedBy.name)
    return (
        _joined(select(*CONTROL_COLUMNS, *ROW_PLAN_READ, *names, _last_note()))
        .outerjoin(ContinuedBy, ContinuedBy.id == InterimControl.continued_by_id)
        .where(InterimControl.id.in_(on_page))
    )


def _page_row(values: Sequence[Any], today: date) -> RegisterRow:
    """A row of `_page_rows`' as the register shows it: its control, with its plan, as plain rows."""
    control, at = _control(values, 0)
    plan, at = _row_plan(values, at)
    fill(control, "plan", plan)
    *names, note = values[at:]
    return RegisterRow(control, RowNames(*names), note, today)


def _ids_in_order(role: Role, many: bool, filters: RegisterFilters, today: date):
    """The ids of the controls matching `filters`, with what their order reads joined.

    Sorted by the control's own columns, a senior's or HR's are found through each control's
    copies of its plan's scope, as the summary counts them: a one-service registered manager's
    first page 7.3 -> 5.1 ms on PostgreSQL, 1.4 -> 0.6 ms on SQLite. A line manager's few plans
    are still listed first (by the copies, PostgreSQL walked the group's controls in review order
    looking for theirs: 3.2 -> 6.5 ms), and a search still tests the joined plan
    (`_search_condition`: by the copies, the group's "lukasik" 8.6 -> 10.9 ms on PostgreSQL)."""
    if filters.sort in SORTS_BY_PLAN or role is Role.MANAGER or filters.q:
        return _filtered(select(InterimControl.id), role, many, filters, today, people=filters.sort in SORTS_BY_NAME)
    return _filtered(select(InterimControl.id), role, many, filters, today, by_copy=True)


def register_rows(user, filters: RegisterFilters, today: date) -> list[RegisterRow]:
    """Every row matching the filters, in the same order (for the CSV export, which also names who
    lifted each control)."""
    if not policy.can_view_register(user):
        return []
    statement = _rows_statement(user.role, policy.sees_many_plans(user), filters, today)
    result = db.session.execute(
        statement.options(selectinload(InterimControl.lifted_by)), policy.viewer_parameters(user)
    )
    return [RegisterRow(control, names_of(control), note, today) for control, note in result]


def register_row(control: InterimControl, today: date) -> RegisterRow:
    """One control's row, e.g. after a check or a lift (its plan and people are loaded on demand)."""
    note = db.session.scalar(
        select(ControlCheck.note)
        .where(ControlCheck.control_id == control.id)
        .order_by(ControlCheck.checked_on.desc(), ControlCheck.id.desc())
        .limit(fixed(1))
    )
    return RegisterRow(control, names_of(control), note, today)


# --- The summary strip and the filter choices


class OldestControl(NamedTuple):
    """The control in force the longest, as the summary strip names it."""

    id: int
    kind: ControlKind
    start_date: date
    reference: str
    staff_name: str


@dataclass
class Summary:
    """Controls in force the user may see: by type, how many are flagged (and why), the oldest."""

    by_kind: list[tuple[ControlKind, int]]
    total: int
    flagged: int
    by_flag: dict[str, int]
    oldest: OldestControl | None
    flagged_by_kind: dict[ControlKind, int]

    def count_of(self, filters: RegisterFilters) -> int | None:
        """How many controls `filters` match, where this summary has just counted them: those in
        force, of one type or not, flagged or not, so that the register's table does not count them
        again (the group's flagged page read its 8,754 controls in force twice). None for others."""
        if filters.status != "active" or filters.service or filters.responsible or filters.q:
            return None
        if filters.kind:
            counts = self.flagged_by_kind if filters.flagged else dict(self.by_kind)
            return counts.get(ControlKind(filters.kind), 0)
        return self.flagged if filters.flagged else self.total


def summary(user, today: date) -> Summary:
    """Two statements: counts by type with the flag totals, and the oldest control in force.

    Counting means reading every control in force (8,754 at 10,000 plans), each from the register
    index with its copy of who sees its plan (migration 0032): for the group 3.8 ms against 6.5
    joined to the plans, for one service 0.9 against 1.6 with its plans listed first. A line
    manager's few plans are still listed first, and each control looked up in that list (0.7 ms
    against 1.5 by the copies)."""
    statements = _summary_statements(user.role)
    values = {
        **policy.viewer_parameters(user),
        "flag_day": today,
        "flag_not_checked_since": today - timedelta(days=NOT_CHECKED_DAYS),
    }
    grouped = read_rows(statements.counts, values).all()
    oldest = read_rows(statements.oldest, values).first()
    by_kind_map = {ControlKind(row[0]): row[1] for row in grouped}
    by_kind = [(kind, by_kind_map[kind]) for kind in ControlKind if by_kind_map.get(kind)]
    by_flag = {flag: sum(int(row[3 + i] or 0) for row in grouped) for i, flag in enumerate(FLAG_LABELS)}
    return Summary(
        by_kind=by_kind,
        total=sum(by_kind_map.values()),
        flagged=sum(int(row[2] or 0) for row in grouped),
        by_flag=by_flag,
        oldest=OldestControl(*oldest) if oldest else None,
        flagged_by_kind={ControlKind(row[0]): int(row[2] or 0) for row in grouped},
    )


class SummaryStatements(NamedTuple):
    counts: Select[Any]  # by type: how many, how many flagged, and how many of each flag
    oldest: Select[Any]  # the control in force the longest, with its plan's reference and staff member


@cache
def _summary_statements(role: Role) -> SummaryStatements:
    """`summary`'s statements for a role, with who is looking and the day as bound parameters:
    built once, where building and keying them cost 1.5 ms a page."""
    visible_plan = policy.visible_controls_to(role)
    day = bindparam("flag_day", type_=Date)
    since = bindparam("flag_not_checked_since", type_=Date)
    in_force = InterimControl.status == ControlStatus.ACTIVE
    if role is not Role.MANAGER:
        # From the register index alone, through each control's copy of its plan's status,
        # service and manager: joined to its plan, each of 8,754 controls was a lookup.
        closed = InterimControl.plan_status == PlanStatus.CLOSED
        conditions = flag_conditions(day, closed, not_checked_since=since, of_controls_in_force=True)
        counted = select(InterimControl.kind).where(policy.visible_controls_by_copy(role))
    else:
        visible = select(Plan.id).where(visible_plan)
        closed = InterimControl.plan_id.in_(visible.where(Plan.status == PlanStatus.CLOSED))
        conditions = flag_conditions(day, closed, not_checked_since=since, of_controls_in_force=True)
        counted = select(InterimControl.kind).where(InterimControl.plan_id.in_(visible))
    assert list(conditions) == list(FLAG_LABELS)  # the order `summary` reads the sums in
    counts = (
        counted.add_columns(
            func.count(),  # count(*): PostgreSQL then reads the controls from their index alone
            # FILTER rather than sums of CASE: 7.0-8.1 -> 6.3-6.6 ms on SQLite, 7.2-7.4 -> 4.6-5.5 ms on
            # PostgreSQL, counting the group's 8,754 controls in force (session 15).
            func.count().filter(or_(*conditions.values())),
            *(func.count().filter(c) for c in conditions.values()),
        )
        .where(in_force)
        .group_by(InterimControl.kind)
    )
    # What the strip shows of it, as columns: no control, plan or person is built (in process, a
    # register of the group senior 8.8 -> 8.7 ms on SQLite, 7.2 -> 6.9 ms on PostgreSQL: session 20).
    oldest = (
        select(InterimControl.id, InterimControl.kind, InterimControl.start_date, Plan.reference, Staff.name)
        .join(InterimControl.plan)
        .join(Staff, Staff.id == Plan.staff_id)
        .where(visible_plan, in_force)
        .order_by(InterimControl.start_date, InterimControl.id)
        .limit(fixed(1))
    )
    return SummaryStatements(counts, oldest)


@dataclass
class FilterOptions:
    services: list[tuple[int, str]]
    responsible: list[tuple[int, str]]


def filter_options(user) -> FilterOptions:
    """The services and responsible people that appear on controls the user may see (one statement)."""
    if not policy.can_view_register(user):
        return FilterOptions(services=[], responsible=[])
    statement = _filter_options_statement(user.role, policy.sees_many_plans(user))
    rows = read_rows(statement, policy.viewer_parameters(user)).all()
    return FilterOptions(
        services=sorted(((r[1], r[2]) for r in rows if r[0] == "service"), key=_by_name),
        responsible=sorted(((r[1], r[2]) for r in rows if r[0] == "person"), key=_by_name),
    )


def _by_name(choice: tuple[int, str]) -> tuple[str, int]:
    """A filter choice's sort key: its name in any case, then its id."""
    return choice[1].lower(), choice[0]


@cache
def _filter_options_statement(role: Role, many: bool) -> Any:
    """`filter_options`'s statement for a role, with who is looking as bound parameters: built once.

    Over many services (`many`: `policy.sees_many_plans`), each service and each person is probed
    for one visible control through an index, which stops at the first match: a DISTINCT over every
    control would read them all (40,000 at 10,000 plans). (OFFSET 0 keeps PostgreSQL from turning
    the probe into a join over every control.) Over a few, the people are read off the visible
    controls, which are few: probing every person then read each one's controls elsewhere (30 ms
    for one service)."""
    visible_plan = policy.visible_controls_to(role)
    # Over a few services, the visible controls are read once for both lists (a CTE used twice is
    # materialised on both databases): read for each list, PostgreSQL's generic plan for the
    # statement took a registered manager's 9.5 ms to 16 ms from its sixth run.
    visible = (
        select(InterimControl.responsible_id, Plan.service_id)
        .join(InterimControl.plan)
        .where(visible_plan)
        .cte("visible_controls")
    )

    def on_visible_control(column, key: str):
        if not many:
            return column.in_(select(visible.c[key]))
        source = InterimControl.responsible_id if key == "responsible_id" else Plan.service_id
        return (
            select(literal(1))
            .select_from(InterimControl)
            .join(InterimControl.plan)
            .where(visible_plan, source == column)
            .offset(fixed(0))
            .exists()
        )

    services = select(literal("service"), Service.id, Service.name).where(on_visible_control(Service.id, "service_id"))
    people = select(literal("person"), User.id, User.name).where(on_visible_control(User.id, "responsible_id"))
    return union_all(services, people)


# --- CSV for spreadsheets

CSV_HEADINGS = [
    "Plan reference",
    "Staff member",
    "Service",
    "Control",
    "Detail",
    "Responsible person",
    "Status",
    "Started",
    "Review by",
    "Last check",
    "Last check note",
    "Days in force",
    "Flags",
    "Lifted or carried into monitoring on",
    "By",
    "Rationale",
    "Continued until",
    "Continued by",
    "Why it continues",
    "Plan stage",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Text a spreadsheet would run as a formula (starting = + - @, tab or CR) gets a leading
    apostrophe, so it shows as typed; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def register_csv(rows: list[RegisterRow]) -> str:
    """The rows as CSV text with a byte-order mark (so Excel reads UTF-8) and ISO dates."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADINGS)
    for row in rows:
        c, names = row.control, row.names
        writer.writerow(
            [
                neutralise_cell(value)
                for value in (
                    c.plan.reference,
                    names.staff,
                    names.service,
                    c.kind.label,
                    c.detail,
                    names.responsible,
                    c.status.label,
                    c.start_date.isoformat(),
                    row.review_due.isoformat(),
                    c.last_checked_on.isoformat() if c.last_checked_on else "",
                    row.last_note or "",
                    row.days_in_force,
                    "; ".join(row.flag_text(f) for f in row.flags),
                    c.lifted_on.isoformat() if c.lifted_on else "",
                    c.lifted_by.name if c.lifted_by else "",
                    c.lift_rationale or "",
                    c.continued_until.isoformat() if c.continued_until else "",
                    names.continued_by or "",
                    c.continue_reason or "",
                    c.plan.stage.label,
                )
            ]
        )
    return "\ufeff" + buffer.getvalue()
