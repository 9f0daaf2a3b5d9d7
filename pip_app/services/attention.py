"""What needs attention on each plan, kept current in the transaction of every change to it.

A plan's flags are its facts seen on a day (`flags.flag_facts`, `flags.flags_on`), and the facts
never read today: they change only when the plan does. So they are kept, one `PlanAttention` row
per plan with the first day any of them flags, and the dashboards find the plans needing
attention today by that day, then say why from the kept facts, without reading each plan's
controls, observations, reviews and acknowledgements again.

Every change is caught where the ORM writes it (`kept.py`): whatever a flush adds, changes or
deletes among the things the flags read (`FLAG_INPUTS`) names its plan, and before the transaction
commits those plans' facts are worked out again from the database (`refresh`) and replaced. A bulk insert
that bypasses the ORM (the seeds) calls `refresh_every_plan` itself. The test suite checks after
every test that what is kept equals what the rules give (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Connection, delete, insert, inspect, select
from sqlalchemy.orm import Session

from ..flags import ACK_OUTSTANDING_DAYS, REGULATORY_NEEDED, attention_from, flag_facts
from ..models import (
    Acknowledgement,
    Action,
    Approval,
    Closure,
    ControlCheck,
    DisagreementResponse,
    Escalation,
    InterimControl,
    Meeting,
    Observation,
    Plan,
    PlanAttention,
    PlanVersion,
    RegulatoryDecision,
    Review,
    ReviewEntry,
    User,
)
from .kept import BATCH, Kept, keep, lock_plans
from .plan_rows import PlanRow, load_flag_inputs, plan_rows_query

# What the flags read, each naming its plan by its `plan_id` (the others below say how).
FLAG_INPUTS = (
    Acknowledgement,
    Action,
    Approval,
    Closure,
    Escalation,
    InterimControl,
    Meeting,
    Observation,
    PlanVersion,
    RegulatoryDecision,
    Review,
)


def ack_days() -> int:
    return int(current_app.config["ACK_OUTSTANDING_DAYS"]) if has_app_context() else ACK_OUTSTANDING_DAYS


def refresh(connection: Connection, plan_ids: Iterable[int], days: int | None = None) -> None:
    """Work out the facts of these plans again from the database, and keep them (a plan deleted,
    or with nothing to flag, loses its row)."""
    ids = sorted(set(plan_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        lock_plans(connection, chunk)
        kept = attention_rows(connection, chunk, days)
        connection.execute(delete(PlanAttention).where(PlanAttention.plan_id.in_(chunk)))
        if kept:
            connection.execute(insert(PlanAttention), kept)


def attention_rows(connection: Connection, plan_ids: list[int], days: int | None = None) -> list[dict[str, Any]]:
    """The `PlanAttention` rows of these plans, worked out from the database by the flags' rules."""
    days = ack_days() if days is None else days
    plans = [PlanRow(*row) for row in connection.execute(plan_rows_query(Plan.id.in_(plan_ids)))]
    load_flag_inputs(plans, connection.execute)
    rows = []
    for plan in plans:
        facts = flag_facts(plan, days)
        first = attention_from(facts)
        if first is not None:
            rows.append(
                {
                    "plan_id": plan.id,
                    "attention_from": first,
                    "facts": [f.as_json() for f in facts],
                    "regulatory_needed": any(f.code == REGULATORY_NEEDED for f in facts),
                }
            )
    return rows


def refresh_every_plan(connection: Connection, days: int | None = None) -> None:
    """Every plan's facts again: after a bulk insert, a migration, or a change of
    ACK_OUTSTANDING_DAYS (`flask refresh-attention`)."""
    refresh(connection, connection.execute(select(Plan.id)).scalars(), days)


def _plans_named(session: Session, instance: Any) -> list[Any]:
    """The plans (ids, or plans not yet given one) whose flags this changed instance may move."""
    if isinstance(instance, Plan):
        return [instance]
    if isinstance(instance, FLAG_INPUTS):
        return [instance.plan_id if instance.plan_id is not None else instance.plan]
    if isinstance(instance, ReviewEntry):
        return [instance.review]
    if isinstance(instance, ControlCheck):  # a check moves its control's last-checked date
        return [instance.control]
    if isinstance(instance, DisagreementResponse):
        return [instance.acknowledgement]
    if isinstance(instance, User):  # the regulatory and minutes flags read the staff member's nation and register
        state = inspect(instance)
        if instance.id is not None and any(
            state.attrs[name].history.has_changes() for name in ("nation", "professional_register")
        ):
            return list(session.scalars(select(Plan.id).where(Plan.staff_id == instance.id)))
    return []


ATTENTION = Kept("attention", _plans_named, refresh)


def keep_attention() -> None:
    """Keep each plan's flag facts current in every session's transactions."""
    keep(ATTENTION)
