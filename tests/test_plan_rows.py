"""Lists read plans as plain rows (services/plan_rows.py), not ORM objects. The flags a row gives
must be exactly the flags of the same plan loaded whole: checked on every open plan of seeded
provider groups (each seed a different random spread of overdue reviews, stale and lifted
controls, late and missing acknowledgements, corrections, struggling actions), on several days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.flags import plan_flags
from pip_app.models import Plan, PlanStatus, Review
from pip_app.services.plan_rows import load_flag_inputs, plan_rows, plan_rows_query
from pip_app.tools.seed import seed_scale

WHOLE = (
    selectinload(Plan.controls),
    selectinload(Plan.observations),
    selectinload(Plan.actions),
    selectinload(Plan.reviews).selectinload(Review.entries),
    selectinload(Plan.acknowledgements),
    selectinload(Plan.versions),
)


@pytest.mark.parametrize("seed", [3, 11])
def test_a_plans_row_has_the_flags_of_the_plan_loaded_whole(app, seed):
    seed_scale(40, services=2, staff=10, seed=seed)
    db.session.commit()
    open_plans = Plan.status.in_([PlanStatus.ACTIVE, PlanStatus.PAUSED])
    rows = plan_rows(plan_rows_query(open_plans).order_by(Plan.id))
    load_flag_inputs(rows)
    whole = {p.id: p for p in db.session.scalars(select(Plan).where(open_plans).options(*WHOLE))}
    assert len(rows) == len(whole) > 5
    flagged = 0
    for day in (today(), today() + timedelta(days=3), today() + timedelta(days=30)):
        for ack_days in (1, 3):
            for row in rows:
                expected = plan_flags(whole[row.id], day, ack_days)
                assert plan_flags(row, day, ack_days) == expected, (row.reference, day)
                flagged += bool(expected)
    assert flagged  # the seeds do produce flags to compare
    assert {row.staff_name for row in rows} == {whole[row.id].staff.name for row in rows}
