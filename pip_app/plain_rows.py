"""Rows read for a page that only shows them, as plain instances of their mapped classes.

Loading a row through the ORM costs far more than reading it: each statement builds its rows'
loaders afresh, and each row is tracked in the session (about 0.15 ms a statement and 10 µs a
row on the plan page, three quarters of what its reads cost). A page that only shows what it
reads (a GET) reads its plan's rows here instead: one Core SELECT for each collection, each row
an instance of its model holding its values and what `Rows` joins to it, attached to no session.

Its columns, relationships read and properties answer as on any instance; anything not read
raises `UnmappedInstanceError` (nothing is loaded behind the page's back), and setting an
attribute raises `AttributeError`: a plain row cannot be changed or saved. The parts of the page
that change anything read the plan through the ORM, as before; the page's templates and functions
read both alike (`tests/test_plain_rows.py` renders every plan of the demo data both ways, as
every demo person, and compares). A plain row does not point back at the row that holds it (an
action at its plan): that would be a cycle only the cyclic garbage collector frees.

    ACTIONS = Rows(Action, names=("owner",), values={"kept_drawing": KEPT_DRAWING})
    actions = rows_where(ACTIONS, Action.plan_id, plan.id)

Declare each `Rows` once, at import time: each is a key of the statements built for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, bindparam, inspect, select
from sqlalchemy.orm import Mapper, RelationshipProperty
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from .database import read_rows
from .models import User


def plain(model: type, values: Mapping[str, Any]) -> Any:
    """An instance of `model` holding `values` (its attributes by name), in no session."""
    row: Any = object.__new__(model)
    row.__dict__.update(values)
    return row


def is_plain(row: Any) -> bool:
    """Whether `row` was read here (not through the ORM)."""
    return "_sa_instance_state" not in row.__dict__


def loaded(row: Any, key: str) -> bool:
    """Whether `row`'s attribute `key` was read (a plain row's, or an ORM row's not to be loaded)."""
    return key in row.__dict__


def fill(row: Any, key: str, value: Any) -> None:
    """Set what `row`'s relationship `key` holds, as read: on an ORM row as loaded (no change to
    save), on a plain row as any of its values."""
    if is_plain(row):
        row.__dict__[key] = value
    else:
        set_committed_value(row, key, value)


@dataclass(frozen=True, eq=False)
class Rows:
    """How a model's rows are read as plain rows.

    `only`: these of its columns (with its primary key), else every column the ORM loads (not the
    deferred ones, not those in `omit`). `names`: relationships to a person, each joined for their
    id and name alone (as `plan_reads.name_of`). `whole`: relationships to one row, each joined as
    `Rows` of its own (LEFT OUTER: None where there is none). `values`: the model's query
    expressions (`query_expression()`), each computed in the SELECT; those not given are None, as
    the ORM leaves them. `children`: one-to-many relationships, each read as `Rows` of its own in
    one more SELECT for all the rows read (`read_children`)."""

    model: type
    only: tuple[str, ...] = ()
    omit: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    whole: Mapping[str, Rows] = field(default_factory=dict)
    values: Mapping[str, ColumnElement[Any]] = field(default_factory=dict)
    children: Mapping[str, Rows] = field(default_factory=dict)


# Builds one row (and those joined to it) from a result row, from a position in it; returns it
# with the position after its columns.
Builder = Callable[[Sequence[Any], int], tuple[Any, int]]


def _shape(rows: Rows, table: Any, joins: list[tuple[Any, Any]], top: bool) -> tuple[list[Any], Builder]:
    """The columns of `rows` read from `table` (the model's table, or an alias of it), the tables
    joined for it appended to `joins`, and how to build each row from them."""
    mapper: Mapper[Any] = inspect(rows.model)
    keys: list[str] = []
    columns: list[Any] = []
    nulls: list[str] = []
    for prop in mapper.column_attrs:
        [column] = prop.columns[:1]
        if prop.strategy_key == (("query_expression", True),):
            if prop.key in rows.values:
                keys.append(prop.key)
                columns.append(rows.values[prop.key])
            else:
                nulls.append(prop.key)
        elif (
            (rows.only and prop.key not in rows.only and not column.primary_key)
            or prop.key in rows.omit
            or (prop.deferred and prop.key not in rows.only)
        ):
            continue
        elif column.table is mapper.local_table:
            keys.append(prop.key)
            columns.append(table.c[column.key])
        else:  # a column_property: an expression correlated to the model's own table
            if not top:
                raise TypeError(f"{prop} is an expression: read {rows.model.__name__} as a collection")
            keys.append(prop.key)
            columns.append(prop.expression)
    unknown = set(rows.only) | set(rows.omit) | set(rows.values)
    unknown -= {prop.key for prop in mapper.column_attrs}
    if unknown:
        raise TypeError(f"{rows.model.__name__} has no columns {sorted(unknown)}")
    builders: list[tuple[str, Builder]] = []
    joined = [(name, Rows(User, only=("name",))) for name in rows.names] + list(rows.whole.items())
    for name, part in joined:
        relationship: RelationshipProperty[Any] = mapper.relationships[name]
        if relationship.uselist:
            raise TypeError(f"{relationship} is a collection: it cannot be joined to each row")
        alias: Any = inspect(part.model).local_table.alias()
        pairs = relationship.local_remote_pairs or ()
        joins.append((alias, and_(*(alias.c[remote.key] == table.c[local.key] for local, remote in pairs))))
        part_columns, part_builder = _shape(part, alias, joins, top=False)
        columns += part_columns
        builders.append((name, _or_none(part_builder, inspect(part.model).primary_key[0].key)))
    width = len(keys)
    model = rows.model

    def build(values: Sequence[Any], at: int) -> tuple[Any, int]:
        row = plain(model, dict(zip(keys, values[at : at + width], strict=True)))
        attributes = row.__dict__
        for key in nulls:
            attributes[key] = None
        at += width
        for name, builder in builders:
            attributes[name], at = builder(values, at)
        return row, at

    return columns, build


def columns_of(rows: Rows) -> tuple[list[Any], Builder]:
    """The columns `rows` reads of its model's own table, and how to build a row from them, for a
    statement of one's own that already joins what it needs (`rows` joins nothing itself)."""
    if rows.names or rows.whole:
        raise TypeError("columns_of reads one table: join the rest in the statement")
    columns, build = _shape(rows, inspect(rows.model).local_table, [], top=True)
    return columns, build


def _or_none(builder: Builder, key: str) -> Builder:
    """A joined row's builder: None where the join found no row (its primary key is NULL)."""

    def build(values: Sequence[Any], at: int) -> tuple[Any, int]:
        row, after = builder(values, at)
        return (None if getattr(row, key) is None else row), after

    return build


@dataclass(frozen=True)
class _Reader:
    statement: Select[Any]
    build: Builder
    extra: int  # values after the row's own (`rows_where`' `extra`)


@functools.cache
def _reader(rows: Rows, where: Any, many: bool, order_by: tuple[Any, ...], extra: tuple[Any, ...]) -> _Reader:
    mapper: Mapper[Any] = inspect(rows.model)
    table = mapper.local_table
    joins: list[tuple[Any, Any]] = []
    columns, build = _shape(rows, table, joins, top=True)
    source = table
    for alias, on in joins:
        source = source.outerjoin(alias, on)
    condition = where.in_(bindparam("key", expanding=True)) if many else where == bindparam("key")
    statement = select(*columns, *extra).select_from(source).where(condition).order_by(*order_by, *mapper.primary_key)
    return _Reader(statement, build, len(extra))


def rows_where(
    rows: Rows,
    where: Any,
    key: Any,
    *,
    order_by: tuple[Any, ...] = (),
    extra: tuple[Any, ...] = (),
) -> list[Any]:
    """The rows whose column `where` is `key` (or in `key`, a list), as plain rows, in `order_by`
    then primary key order. With `extra` (columns correlated to the model's table), each is a
    tuple: the row, then those values."""
    many = isinstance(key, list)
    if many and not key:
        return []
    reader = _reader(rows, where, many, order_by, extra)
    result = read_rows(reader.statement, {"key": key}).all()
    built = [reader.build(values, 0)[0] for values in result]
    mapper: Mapper[Any] = inspect(rows.model)
    for name, child in rows.children.items():
        read_children(built, mapper.relationships[name], child)
    if not reader.extra:
        return built
    return [(row, *values[-reader.extra :]) for row, values in zip(built, result, strict=True)]


def read_children(owners: Sequence[Any], relationship: Any, rows: Rows) -> None:
    """Read a one-to-many `relationship` (`Review.entries`, or its property) of every one of
    `owners` as plain rows, in one SELECT, in the relationship's order."""
    prop: RelationshipProperty[Any] = getattr(relationship, "property", relationship)
    [owner_column] = prop.remote_side
    owner_key = prop.mapper.get_property_by_column(owner_column).key
    by_owner: dict[Any, list[Any]] = {owner.id: [] for owner in owners}
    for row in rows_where(rows, owner_column, list(by_owner), order_by=tuple(prop.order_by or ())):
        by_owner[getattr(row, owner_key)].append(row)
    for owner in owners:
        fill(owner, prop.key, by_owner[owner.id])


def refer(rows: Sequence[Any], relationship: Any, targets: Sequence[Any]) -> None:
    """Set each of `rows`' many-to-one `relationship` (`ReviewEntry.action`) to the one of
    `targets` (rows read already) its foreign key names, as the ORM finds it in the session."""
    prop: RelationshipProperty[Any] = relationship.property
    [(local, remote)] = prop.local_remote_pairs or ()
    local_key = inspect(prop.parent).get_property_by_column(local).key
    remote_key = inspect(prop.mapper).get_property_by_column(remote).key
    by_key = {getattr(target, remote_key): target for target in targets}
    for row in rows:
        fill(row, prop.key, by_key.get(getattr(row, local_key)))
