"""Minutes not shared within 5 working days (issue 19) are flagged beyond the meetings panel: in
the plan's header flags and on the dashboards of the plan's manager and the service's registered
managers — from the same rule (flags.minutes_overdue), a list's rows giving exactly the flags of
the plan loaded whole, and the SQL that finds flagged plans a superset of it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pip_app.extensions import db
from pip_app.flags import plan_flags
from pip_app.models import Meeting, MeetingKind, Plan, PlanAttention
from pip_app.services.plan_rows import load_flag_inputs, plan_rows, plan_rows_query

TODAY = date(2026, 11, 23)  # a Monday
START = date(2026, 11, 2)
MESSAGE = "Minutes of the meeting of 10 Nov 2026 not shared within 5 working days"


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


def meeting(plan, manager, held_on, shared_on=None) -> Meeting:
    m = Meeting(plan=plan, kind=MeetingKind.REVIEW, held_on=held_on, minutes_shared_on=shared_on, recorded_by=manager)
    db.session.add(m)
    db.session.commit()
    return m


@pytest.fixture
def plan(world, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START, weeks=8)
    plan.next_review_date = TODAY + timedelta(days=3)
    db.session.commit()
    return plan


@pytest.fixture
def late(plan, world):
    """Held Tuesday 10 Nov: due by Tuesday 17 Nov, not shared by Monday 23 Nov."""
    meeting(plan, world["manager"], date(2026, 11, 10))
    return plan


def test_the_plan_header_flags_minutes_not_shared_and_links_to_the_meetings(world, sign_in, late):
    page = sign_in(world["manager"]).get(f"/plans/{late.id}").text
    flags = page[page.index('id="plan-flags"') :][:2000]
    assert MESSAGE in flags and 'href="#meetings"' in flags


@pytest.mark.parametrize("who", ["manager", "senior"])
def test_the_managers_and_registered_managers_dashboards_show_it(world, sign_in, late, who):
    page = sign_in(world[who]).get("/").text
    assert MESSAGE in page
    assert f"/plans/{late.id}#meetings" in page


def test_other_dashboards_and_shared_minutes_do_not(world, sign_in, late):
    assert MESSAGE not in sign_in(world["other_manager"]).get("/").text
    assert MESSAGE not in sign_in(world["other_senior"]).get("/").text
    m = db.session.scalar(select(Meeting).where(Meeting.plan_id == late.id))
    m.minutes_shared_on = date(2026, 11, 20)  # late, but shared: nothing left to do
    db.session.commit()
    assert MESSAGE not in sign_in(world["manager"]).get("/").text
    assert MESSAGE not in sign_in(world["manager"]).get(f"/plans/{late.id}").text


def test_minutes_within_five_working_days_are_not_flagged(world, sign_in, plan):
    meeting(plan, world["manager"], date(2026, 11, 17))  # due by Tuesday 24 Nov
    meeting(plan, world["manager"], date(2026, 12, 1))  # still to come
    assert "not shared within 5 working days" not in sign_in(world["manager"]).get(f"/plans/{plan.id}").text


def test_a_rows_flags_are_the_whole_plans_and_the_sql_finds_it(app, world, make_plan, plan):
    other = make_plan(staff=world["other_staff"], manager=world["other_manager"], service=world["other"], start=START)
    meeting(plan, world["manager"], date(2026, 11, 10))
    meeting(plan, world["manager"], date(2026, 11, 12))
    meeting(plan, world["manager"], date(2026, 11, 3), shared_on=date(2026, 11, 20))
    meeting(other, world["other_manager"], date(2026, 11, 18))
    rows = plan_rows(plan_rows_query(Plan.id.in_([plan.id, other.id])).order_by(Plan.id))
    load_flag_inputs(rows)
    db.session.expire_all()
    whole = {
        p.id: p
        for p in db.session.scalars(
            select(Plan).where(Plan.id.in_([plan.id, other.id])).options(selectinload(Plan.meetings))
        )
    }
    for day in (TODAY, date(2026, 11, 26), date(2026, 12, 30)):
        for row in rows:
            assert plan_flags(row, day) == plan_flags(whole[row.id], day), (row.reference, day)
            if any(f.code == "minutes_late" for f in plan_flags(row, day)):
                found = db.session.scalars(
                    select(PlanAttention.plan_id).where(PlanAttention.attention_from <= day)
                ).all()
                assert row.id in found
    assert "Minutes of 2 meetings not shared" in plan_flags(rows[0], TODAY)[0].message
