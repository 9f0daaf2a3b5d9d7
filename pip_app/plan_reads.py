"""What a plan route reads with the plan (`PlanReads`), and how it is read (`read_plan`,
`read_collections`).

The plan is read with one SELECT of its own row, with the rows it names joined in (its people,
its closure), then one SELECT per collection it needs, each carrying only its own rows' loader
options. SQLAlchemy's `selectinload` reads the collections in as many statements, but gives each
of them every loader option of the plan's statement and builds the cache key of all of them
again, every time: on the plan page that was two thirds of the 10 ms spent loading, whatever the
plan's size. Reading the plan's own row first also lets a refused request stop there.

A many-to-many between the rows of two collections read (an observation's focus: some of the
plan's actions) is filled from the ids of its link table's rows, read with each row of the first
collection in its own SELECT ("4,7,9"): the rows at both ends are already loaded, a `selectinload`
of it cost more than the rest of the observations' SELECT, and a statement of its own was one
round trip more to PostgreSQL on every plan page.

A spec is declared once and composed with `+`:

    PLAN_PAGE = PlanReads(
        joined=(joinedload(Plan.staff), joinedload(Plan.manager)),
        collections={"actions": (joinedload(Action.owner),), "observations": ()},
        links=(Observation.focus,),
    ) + DECISIONS

Declare specs once, at import time: each is a key of the statements built for it.
`as_options()` gives the same reads as ordinary loader options, for code that loads plans
through `session.get` or a query of its own (tests, bench, lists of plans).

A page that only shows the plan (the plan page's GET) reads it and its collections as plain rows
instead (`pip_app/plain_rows.py`): `read_plan(..., plain=Rows(Plan, ...))` and
`read_collections(..., plain={name: Rows(...)})`, with the same statements' shape and the same
probes of which collections are empty. `collection_of` reads one the policy needs first.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, func, inspect, select
from sqlalchemy.orm import joinedload, selectinload, with_expression
from sqlalchemy.orm.interfaces import LoaderOption
from sqlalchemy.orm.relationships import RelationshipDirection

from .database import fixed
from .extensions import db
from .measures import DRAWING
from .models import Action, ActionChart, Closure, ControlCheck, InterimControl, Observation, Plan, User
from .plain_rows import Rows, fill, is_plain, loaded, read_children, rows_where

# Loader options relative to a collection's rows (`joinedload(Action.owner)`, `load_only(...)`):
# typed loosely because SQLAlchemy types `Load.options` by a private base class.
RowOptions = tuple[Any, ...]


@dataclass(frozen=True, eq=False)
class PlanReads:
    """`joined`: loader options of the plan's own SELECT (relationships to one row, or a small
    collection joined in). `collections`: each one-to-many collection of the plan to read, by
    name, with the loader options of its rows (relative to them: `joinedload(Action.owner)`).
    `links`: many-to-many relationships from the rows of one collection to the rows of another
    (`Observation.focus`), filled from the link table once both are read. `columns`: values
    computed from the plan's row in its own SELECT (scalar subqueries correlated to it), by name:
    `read_with_plan(plan)` gives them."""

    joined: tuple[LoaderOption, ...] = ()
    collections: Mapping[str, RowOptions] = field(default_factory=dict)
    links: tuple[Any, ...] = ()
    columns: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.collections:
            prop = getattr(Plan, name).property
            if prop.direction is not RelationshipDirection.ONETOMANY:
                raise TypeError(f"Plan.{name} is not a one-to-many collection")
        for link in self.links:
            _link_ends(link.property, self.collections)  # raises if either end is not read

    def __add__(self, other: PlanReads) -> PlanReads:
        collections = dict(self.collections)
        for name, options in other.collections.items():
            collections[name] = collections.get(name, ()) + options
        links = self.links + tuple(link for link in other.links if link not in self.links)
        return PlanReads(self.joined + other.joined, collections, links, {**self.columns, **other.columns})

    def as_options(self) -> tuple[LoaderOption, ...]:
        """The same reads as loader options (`selectinload` for each collection and link)."""
        linked: dict[str, RowOptions] = {}
        for link in self.links:
            owners, _ = _link_ends(link.property, self.collections)
            linked[owners] = linked.get(owners, ()) + (selectinload(link),)
        return self.joined + tuple(
            selectinload(getattr(Plan, name)).options(*options, *linked.get(name, ()))
            for name, options in self.collections.items()
        )


def _link_ends(prop: Any, collections: Mapping[str, RowOptions]) -> tuple[str, str]:
    """The names of the plan's collections holding a link's rows and its targets (both must be
    read, and the targets' order must be the link's: it is kept from their collection)."""
    if prop.secondary is None:
        raise TypeError(f"{prop} is not a many-to-many relationship")
    by_class = {getattr(Plan, name).property.mapper.class_: name for name in collections}
    owners, targets = by_class.get(prop.parent.class_), by_class.get(prop.mapper.class_)
    if owners is None or targets is None:
        raise TypeError(f"{prop} links rows of collections that are not read")
    target_order = getattr(Plan, targets).property.order_by or ()
    if [str(c) for c in prop.order_by or ()] != [str(c) for c in target_order]:
        raise TypeError(f"{prop} is not ordered as Plan.{targets}")
    return owners, targets


PLAN_ROW = PlanReads()  # the plan's own row, nothing joined


def name_of(person: Any) -> Any:
    """A person joined to each row (`Action.owner`) for the name a page shows of them, and nothing
    else: 2 of the 18 columns of `users` (not their password hash or two-factor secret). Anything
    else of theirs is read if asked for; the plan's own people are read whole."""
    return joinedload(person).load_only(User.name)


# What the header's regulatory flag reads (issue 20), joined into the plan's own SELECT.
REGULATORY_FLAG_READS = PlanReads(joined=(joinedload(Plan.closure),), collections={"regulatory_decisions": ()})

# The note of a control's newest check ("" for none), read in its row: the plan page shows it.
NEWEST_CHECK_NOTE = func.coalesce(
    select(ControlCheck.note)
    .where(ControlCheck.control_id == InterimControl.id)
    .order_by(ControlCheck.checked_on.desc(), ControlCheck.id.desc())
    .limit(fixed(1))
    .scalar_subquery(),
    "",
)

# An action's progress chart as kept drawn (`Action.kept_drawing`; services.charts_kept), if it was
# drawn by this `DRAWING`.
KEPT_DRAWING = (
    select(ActionChart.drawing)
    .where(ActionChart.action_id == Action.id, ActionChart.drawn_by == DRAWING)
    .scalar_subquery()
)
KEPT_CHART = with_expression(Action.kept_drawing, KEPT_DRAWING)

# A control's people, for the "controls" collection: who is responsible, who lifted or continued
# it; and its newest check's note (`InterimControl.last_check_note`).
CONTROL_PEOPLE = (
    name_of(InterimControl.responsible),
    name_of(InterimControl.lifted_by),
    name_of(InterimControl.continued_by),
    with_expression(InterimControl.last_check_note, NEWEST_CHECK_NOTE),
)

# The plan's people and closure, and its controls, actions and observations with theirs: what the
# plan page and the summaries (closure summary, case bundle) both show.
PLAN_AND_ITS_PEOPLE = PlanReads(
    joined=(
        joinedload(Plan.staff),
        joinedload(Plan.manager),
        joinedload(Plan.service),
        joinedload(Plan.closure).joinedload(Closure.closed_by),
    ),
    collections={
        "controls": CONTROL_PEOPLE,
        "actions": (name_of(Action.owner),),
        "observations": (name_of(Observation.observer),),
    },
    links=(Observation.focus,),
)


@functools.cache
def _plan_values(reads: PlanReads) -> tuple[Any, ...]:
    """What the plan's own SELECT reads besides its row for these reads: whether it has any row in
    each collection to read (an index probe each), then the spec's `columns`."""
    has_rows = []
    for name in reads.collections:
        [plan_id_column] = getattr(Plan, name).property.remote_side
        has_rows.append(select(plan_id_column).where(plan_id_column == Plan.id).exists().label(f"has_{name}"))
    return (*has_rows, *(column.label(name) for name, column in reads.columns.items()))


@functools.cache
def _plan_statement(reads: PlanReads, lock: bool) -> Select[Any]:
    """The plan's own SELECT for these reads, built once per spec (and per lock)."""
    statement = select(Plan, *_plan_values(reads)).where(Plan.id == bindparam("plan_id")).options(*reads.joined)
    return statement.with_for_update(of=Plan) if lock else statement


# Where read_plan leaves, on the plan's instance state (`_info`), the collections it found empty,
# and the values of the spec's `columns`; and read_collections, those it read as plain rows.
EMPTY_COLLECTIONS = "plan_reads.empty"
COLUMNS = "plan_reads.columns"
PLAIN = "plan_reads.plain"


def _info(plan: Plan) -> dict[str, Any]:
    """What was read with the plan besides its attributes: on its instance state, or on a plain
    row's own attributes."""
    if is_plain(plan):
        info: dict[str, Any] = plan.__dict__.setdefault("_plan_reads", {})
        return info
    return inspect(plan).info


@functools.cache
def _collection_statements(reads: PlanReads) -> tuple[tuple[str, Select[Any], tuple[Any, ...]], ...]:
    """Each collection's SELECT: its rows of one plan, in the relationship's order, each with the
    ids each of the links from them names (`_linked_ids`); and those links."""
    statements = []
    for name, options in reads.collections.items():
        prop = getattr(Plan, name).property
        [plan_id_column] = prop.remote_side
        rows = prop.mapper.class_
        links = tuple(link.property for link in reads.links if _link_ends(link.property, reads.collections)[0] == name)
        statement = (
            select(rows, *(_linked_ids(link) for link in links))
            .where(plan_id_column == bindparam("plan_id"))
            .options(*options)
            .order_by(*(prop.order_by or ()), *prop.mapper.primary_key)
        )
        statements.append((name, statement, links))
    return tuple(statements)


@functools.cache
def _linked_ids(prop: Any) -> Any:
    """The ids a row's many-to-many `prop` links it to, from the link table, as text: "4,7,9"
    (NULL for none; in no order)."""
    [(owner_key, owner_column)] = prop.synchronize_pairs
    [(_, target_column)] = prop.secondary_synchronize_pairs
    return (
        select(func.aggregate_strings(cast(target_column, String), ","))
        .where(owner_column == owner_key)
        .scalar_subquery()
    )


def read_plan(plan_id: int, reads: PlanReads, *, lock: bool = False, plain: Rows | None = None) -> Plan | None:
    """The plan's own row with what `reads` joins to it (locked for a write if `lock`), or None;
    its collections are read by `read_collections`, which reads none of those this row says are
    empty (most plans have no meetings, requests for approval or escalations: on PostgreSQL, a
    millisecond of the plan page's statements). With `plain`, as a plain row (`plain_rows`) with
    what that joins to it instead, for a page that only shows it."""
    if plain is not None:
        assert not lock, "a plain row cannot be changed"
        read = rows_where(plain, Plan.id, plan_id, extra=_plan_values(reads))
        row = read[0] if read else None
    else:
        row = db.session.execute(_plan_statement(reads, lock), {"plan_id": plan_id}).unique().one_or_none()
    if row is None:
        return None
    plan, *values = row
    has_rows, columns = values[: len(reads.collections)], values[len(reads.collections) :]
    info = _info(plan)
    info[EMPTY_COLLECTIONS] = frozenset(name for name, has in zip(reads.collections, has_rows, strict=True) if not has)
    info[COLUMNS] = dict(zip(reads.columns, columns, strict=True))
    return plan


def read_with_plan(plan: Plan) -> Mapping[str, Any]:
    """The `columns` of the spec `read_plan` read this plan with, as they were then (empty if it
    was read otherwise)."""
    values: Mapping[str, Any] = _info(plan).get(COLUMNS, {})
    return values


def read_collections(plan: Plan, reads: PlanReads, *, plain: Mapping[str, Rows] | None = None) -> None:
    """Read the collections `reads` names into `plan`, one SELECT each (none for a collection
    `read_plan` found empty). Call it right after `read_plan`, before anything on the plan
    changes: what a collection held is replaced. Those named in `plain` are read as plain rows
    (`plain_rows`), for a page that only shows them (without their `plan`: a row pointing back to
    its plan is a cycle only the cyclic garbage collector frees)."""
    info = _info(plan)
    empty = info.pop(EMPTY_COLLECTIONS, frozenset())
    if not reads.collections:
        return
    assert is_plain(plan) or not inspect(plan).modified, "read the collections before changing the plan"
    linked_ids: list[tuple[Any, Sequence[Any], Sequence[str | None]]] = []
    for name, statement, links in _collection_statements(reads):
        if name in empty:
            rows: Sequence[Any] = []
        elif plain and name in plain:
            rows = _plain_collection(plan, name, plain[name], links, linked_ids)
        elif links:
            result = db.session.execute(statement, {"plan_id": plan.id}).unique().all()
            rows = [row[0] for row in result]
            linked_ids += [(link, rows, [row[n] for row in result]) for n, link in enumerate(links, start=1)]
        else:
            rows = db.session.scalars(statement, {"plan_id": plan.id}).unique().all()
        fill(plan, name, list(rows))
    for link, owners, ids in linked_ids:
        _fill_link(plan, link, reads.collections, owners, ids)
    info[PLAIN] = frozenset(plain or ())


def plain_collections(plan: Plan) -> frozenset[str]:
    """The names of the plan's collections `read_collections` read as plain rows (none if none)."""
    names: frozenset[str] = _info(plan).get(PLAIN, frozenset())
    return names


def collection_of(plan: Plan, name: str) -> Sequence[Any]:
    """The plan's collection `name` as read with it, else read now: an ORM plan's as the ORM loads
    it, a plain plan's as plain rows of their own columns (a check made before the page reads its
    collections, e.g. whether HR may read a draft)."""
    if is_plain(plan) and not loaded(plan, name):
        prop = getattr(Plan, name).property
        [plan_id_column] = prop.remote_side
        order = tuple(prop.order_by or ())
        fill(plan, name, rows_where(_whole_rows(prop.mapper.class_), plan_id_column, plan.id, order_by=order))
    rows: Sequence[Any] = getattr(plan, name)
    return rows


@functools.cache
def _whole_rows(model: type) -> Rows:
    """A model's rows with their own columns and nothing joined, one spec a model (each is a key
    of the statements built for it)."""
    return Rows(model)


def _plain_collection(
    plan: Plan, name: str, rows_read: Rows, links: tuple[Any, ...], linked_ids: list[Any]
) -> list[Any]:
    """A collection of the plan read as plain rows, with the ids of each of its `links`
    (appended to `linked_ids`, as the ORM's are)."""
    prop = getattr(Plan, name).property
    [plan_id_column] = prop.remote_side
    read = rows_where(
        rows_read,
        plan_id_column,
        plan.id,
        order_by=tuple(prop.order_by or ()),
        extra=tuple(_linked_ids(link) for link in links),
    )
    rows = [values[0] for values in read] if links else read
    linked_ids += [(link, rows, [values[n] for values in read]) for n, link in enumerate(links, start=1)]
    return rows


def _fill_link(
    plan: Plan, prop: Any, collections: Mapping[str, RowOptions], owners: Sequence[Any], ids: Sequence[str | None]
) -> None:
    """Set the link `prop` of each of `owners` (rows of one of the plan's collections) to rows of
    another, from the ids read with each (`_linked_ids`): in the targets' collection order, nothing
    loaded twice."""
    _, targets_name = _link_ends(prop, collections)
    by_id = {str(target.id): target for target in getattr(plan, targets_name)}  # in the collection's order
    position = {target_id: index for index, target_id in enumerate(by_id)}
    # Each id read once (an attribute of a mapped row costs a microsecond a read): testing every
    # target against every owner was 0.7 ms of the plan page's 24 observations and 20 actions.
    for owner, text in zip(owners, ids, strict=True):
        target_ids = sorted(text.split(","), key=position.__getitem__) if text else []
        fill(owner, prop.key, [by_id[i] for i in target_ids])


@functools.cache
def _rows_of_each(relationship: Any) -> Select[Any]:
    """The SELECT of a one-to-many `relationship`'s rows for a list of owners (`ids`), in the
    relationship's order."""
    prop = relationship.property
    [owner_column] = prop.remote_side
    return (
        select(prop.mapper.class_)
        .where(owner_column.in_(bindparam("ids", expanding=True)))
        .order_by(*(prop.order_by or ()), *prop.mapper.primary_key)
    )


def read_each(owners: Sequence[Any], relationship: Any, plain: Rows | None = None) -> None:
    """Read a one-to-many `relationship` (`Review.entries`) of every one of `owners` in one
    SELECT, as `read_collections` reads a plan's: without `selectinload`'s per-statement cost. With
    `plain`, as plain rows (`plain_rows.read_children`), without their owner."""
    if not owners:
        return
    if plain is not None:
        read_children(owners, relationship, plain)
        return
    prop = relationship.property
    [owner_column] = prop.remote_side
    owner_key = prop.mapper.get_property_by_column(owner_column).key
    rows_by_owner: dict[Any, list[Any]] = {owner.id: [] for owner in owners}
    for row in db.session.scalars(_rows_of_each(relationship), {"ids": list(rows_by_owner)}):
        rows_by_owner[getattr(row, owner_key)].append(row)
    for owner in owners:
        fill(owner, prop.key, rows_by_owner[owner.id])
