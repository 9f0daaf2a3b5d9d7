"""Each measured action's progress chart, kept drawn in the transaction of every change to it.

A chart is drawn from the action's measure and the values its plan's weekly reviews recorded
(`measures.draw`), and nothing else: not the day, not who reads it. So it is drawn when one of
those changes, and kept (`ActionChart`), rather than on every view of the plan page, which read
every review's values and drew twenty charts each time (about a tenth of its CPU). It is kept
as the flags are (`kept.py`): whatever a flush adds, changes or deletes among the things a chart
is drawn from (an action, a review, a review's entry) names its plan, and before the transaction
commits that plan's charts are drawn again from the database (`redraw`) and replaced. A bulk
insert that bypasses the ORM (the seeds) calls `redraw_every_plan` itself. The test suite checks
after every test that each kept chart is the one drawn afresh (tests/conftest.py).

The plan page reads them with its actions (`plan_reads.KEPT_CHART`) and draws afresh, in its own
request, any chart it finds missing or drawn by an older `measures.DRAWING`, and every chart of a
plan changed in its own transaction (an answer to a recorded review is made before the commit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, insert, inspect, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..measures import DRAWING, Drawing, draw
from ..models import Action, ActionChart, Plan, Review, ReviewEntry
from .kept import BATCH, Kept, keep, lock_plans
from .reviews import stored_measured_values, values_by_action


class MeasuredAction(NamedTuple):
    id: int
    plan_id: int
    measure_baseline: float | None
    measure_target: float | None
    measure_unit: str | None
    measure_higher_is_better: bool
    measure_consecutive: int | None


class ReviewRow(NamedTuple):
    id: int
    plan_id: int
    review_date: date
    corrects_review_id: int | None


# `Action.has_measure`, as SQL.
HAS_MEASURE = (Action.measure_name.is_not(None), Action.measure_name != "", Action.measure_target.is_not(None))


def drawings_of(connection: Connection, plan_ids: list[int]) -> list[dict[str, Any]]:
    """The `ActionChart` rows of these plans' measured actions, drawn from the database."""
    actions = [
        MeasuredAction(*row)
        for row in connection.execute(
            select(*(getattr(Action, name) for name in MeasuredAction._fields))
            .where(Action.plan_id.in_(plan_ids), *HAS_MEASURE)
            .order_by(Action.id)
        )
    ]
    if not actions:
        return []
    reviews = {
        row.id: ReviewRow(*row)
        for row in connection.execute(
            select(*(getattr(Review, name) for name in ReviewRow._fields)).where(Review.plan_id.in_(plan_ids))
        )
    }
    entries = connection.execute(
        select(ReviewEntry.review_id, ReviewEntry.action_id, ReviewEntry.measured_value)
        .join(Review)
        .where(Review.plan_id.in_(plan_ids), ReviewEntry.measured_value.is_not(None))
    ).all()
    values = values_by_action(list(reviews.values()), ((reviews[r], a, v) for r, a, v in entries))
    return [
        {
            "action_id": action.id,
            "plan_id": action.plan_id,
            "drawing": draw(action, values.get(action.id, [])).as_json(),
            "drawn_by": DRAWING,
        }
        for action in actions
    ]


def redraw(connection: Connection, plan_ids: Iterable[int]) -> None:
    """Draw these plans' charts again from the database, and keep them."""
    ids = sorted(set(plan_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        lock_plans(connection, chunk)
        kept = drawings_of(connection, chunk)
        connection.execute(delete(ActionChart).where(ActionChart.plan_id.in_(chunk)))
        if kept:
            connection.execute(insert(ActionChart), kept)


def redraw_every_plan(connection: Connection) -> None:
    """Every plan's charts again: after a bulk insert (the seeds), or a change of `DRAWING`
    (`flask refresh-attention`)."""
    redraw(connection, connection.execute(select(Plan.id)).scalars())


def drawings(plan: Plan, actions: Sequence[Action]) -> dict[int, Drawing]:
    """The charts of the plan's measured `actions`, by action id: as kept, where each was read with
    its action; otherwise, or if the plan changed in this transaction, drawn afresh (one statement)."""
    measured = [action for action in actions if action.has_measure]
    kept = [action.kept_drawing for action in measured if action.kept_drawing is not None]
    if len(kept) < len(measured) or plan.id in CHARTS.changed_plans(db.session()):
        values = stored_measured_values(plan)
        return {action.id: draw(action, values.get(action.id, [])) for action in measured}
    return {action.id: Drawing.from_json(drawing) for action, drawing in zip(measured, kept, strict=True)}


# What a chart is drawn from, of each row that may move one (`measures.draw`, `values_by_action`):
# a change to anything else of it (an action's status, a review's summary) leaves its plan's charts
# as they are, and its answer is made from them as kept rather than drawn afresh.
DRAWN_FROM: dict[type, tuple[str, ...]] = {
    Action: ("plan_id", "measure_name", *MeasuredAction._fields[2:]),
    Review: ReviewRow._fields,
    ReviewEntry: ("review_id", "action_id", "measured_value"),
}


def _plans_named(session: Session, instance: Any) -> list[Any]:
    """The plans whose charts this added, changed or deleted instance may move: its own action's,
    or its review's."""
    drawn_from = DRAWN_FROM.get(type(instance))
    if drawn_from is None:
        return []
    if instance not in session.new and instance not in session.deleted:
        state = inspect(instance)
        if not any(state.attrs[name].history.has_changes() for name in drawn_from):
            return []
    if isinstance(instance, ReviewEntry):
        return [instance.review]
    return [instance.plan_id if instance.plan_id is not None else instance.plan]


CHARTS = Kept("charts", _plans_named, redraw)


def keep_charts() -> None:
    """Keep each measured action's chart drawn in every session's transactions."""
    keep(CHARTS)
