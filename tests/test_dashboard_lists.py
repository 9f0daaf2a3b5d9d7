"""The dashboard's plan lists come from the review queue's index, one status at a time (session 21):
whatever the plans' dates and statuses, they hold exactly the first plans of the whole list."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import PlanStatus
from pip_app.services.dashboard import LIMIT, dashboard_for
from tests import factories


def queue_key(plan):
    """The lists' order: soonest review first (none last), then service, manager and reference."""
    return (
        plan.next_review_date is None,
        plan.next_review_date or today(),
        plan.service_id,
        plan.manager_id,
        plan.reference_year,
        plan.reference_number,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_board_lists_the_first_open_plans_and_the_weeks_reviews_in_order(world, make_plan, seed):
    chance = random.Random(seed)
    day = today()
    second_manager = factories.make_user(
        "manager", email="second.manager@example.test", services=[world["home"]], line_manager=world["senior"]
    )
    plans = []
    for _ in range(LIMIT * 2 + 5):
        plan = make_plan(
            staff=world["staff"],
            manager=chance.choice([world["manager"], second_manager]),
            service=world["home"],
            start=day - timedelta(days=30),
            weeks=12,
            status=chance.choice([PlanStatus.ACTIVE, PlanStatus.ACTIVE, PlanStatus.PAUSED, PlanStatus.CLOSED]),
        )
        # Few dates, so that many plans share one and the order within a day counts; some none.
        plan.next_review_date = chance.choice([None, *(day + timedelta(days=d) for d in (-3, 0, 0, 2, 2, 2, 9))])
        plans.append(plan)
    db.session.commit()

    for who in ("senior", "manager"):
        board = dashboard_for(world[who])
        mine = [p for p in plans if who == "senior" or p.manager_id == world["manager"].id]
        open_plans = sorted((p for p in mine if p.status in (PlanStatus.ACTIVE, PlanStatus.PAUSED)), key=queue_key)
        assert [row.id for row in board.plans] == [p.id for p in open_plans[:LIMIT]], who
        week = [
            p
            for p in open_plans
            if p.status is PlanStatus.ACTIVE and p.next_review_date and day <= p.next_review_date <= day + timedelta(6)
        ]
        assert [row.id for row in board.due_this_week] == [p.id for p in week[:LIMIT]], who
        assert board.more_due == (len(week) > LIMIT), who
