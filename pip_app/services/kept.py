"""What is kept of each plan, worked out again in the transaction of every change to it: its flag
facts (`attention.py`) and its measured actions' charts (`charts_kept.py`).

Each is a `Kept`: which plans a changed row may move (`plans_named`), and how to work those plans'
rows out again from the database and replace them (`refresh`). Whatever a flush adds, changes or
deletes is offered to each; before the transaction commits, the plans they named are refreshed,
in the order the `Kept`s were registered. A savepoint's release fires the same event, so a change
made in one is refreshed there: each `Kept` also notes the plans it refreshed in the session, so
that a page answered before the commit can tell what it read before the change
(`Kept.changed_plans`). The session ends with the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

from ..models import Plan


@dataclass(frozen=True)
class Kept:
    """`name`: its keys in `Session.info`. `plans_named(session, row)`: the plans (ids, plans, or
    rows naming theirs) whose kept rows this added, changed or deleted row may move.
    `refresh(connection, plan_ids)`: work those out again and replace them."""

    name: str
    plans_named: Callable[[Session, Any], list[Any]]
    refresh: Callable[[Connection, Iterable[int]], None]

    def changed_plans(self, session: Session) -> set[int]:
        """The plans this session has changed (flushed first), refreshed already or not yet."""
        if session.new or session.dirty or session.deleted:
            session.flush()
        pending = {i for named in session.info.get(self._pending, ()) if (i := plan_id_of(named)) is not None}
        refreshed: set[int] = session.info.get(self._refreshed, set())
        return pending | refreshed

    @property
    def _pending(self) -> str:
        return f"kept.{self.name}.pending"

    @property
    def _refreshed(self) -> str:
        return f"kept.{self.name}.refreshed"


_KEPT: dict[str, Kept] = {}
BATCH = 500  # plans refreshed per round of statements


def keep(kept: Kept) -> None:
    """Keep `kept` current in every session of the process (listening once, however many apps)."""
    _KEPT.setdefault(kept.name, kept)
    for name, listener in (("before_flush", _note_changed_plans), ("before_commit", _refresh_changed_plans)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def lock_plans(connection: Connection, plan_ids: list[int]) -> None:
    """One transaction at a time per plan, from here to its commit, for what is kept of it
    (PostgreSQL; SQLite has one writer anyway): two changes to one plan at once (checks of two of
    its controls) each worked out its facts before the other committed, and the later one's
    replaced the other's row (or failed on it). Waiting here, each reads what the one before
    committed. In id order, so that transactions refreshing several plans (a staff member's nation)
    queue."""
    connection.execute(select(Plan.id).where(Plan.id.in_(plan_ids)).order_by(Plan.id).with_for_update(key_share=True))


def plan_id_of(named: Any) -> int | None:
    """A plan's id from what `plans_named` gave, once flushed: an id, a plan, or a row naming its plan."""
    if named is None or isinstance(named, int):
        return named
    if isinstance(named, Plan):
        return named.id
    return named.plan_id if hasattr(named, "plan_id") else None


def _note_changed_plans(session: Session, _context: Any, _instances: Any) -> None:
    modified = [i for i in session.dirty if session.is_modified(i, include_collections=False)]
    changed = [*session.new, *session.deleted, *modified]
    for kept in _KEPT.values():
        pending = session.info.setdefault(kept._pending, [])
        for instance in changed:
            pending += kept.plans_named(session, instance)


def _refresh_changed_plans(session: Session) -> None:
    session.flush()  # the commit's own flush comes after this event: what it holds names its plans now
    for kept in _KEPT.values():
        ids = {i for named in session.info.pop(kept._pending, []) if (i := plan_id_of(named)) is not None}
        if ids:
            kept.refresh(session.connection(), ids)
            session.info.setdefault(kept._refreshed, set()).update(ids)
