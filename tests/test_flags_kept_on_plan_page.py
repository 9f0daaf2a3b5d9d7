"""The plan page shows its flags from the plan's facts as kept (`services.attention`,
`plan_header.flags_today`), read with the plan, and works them out from the plan's rows only
when its own transaction changed the plan (the answer to a change is made before the commit
keeps the new facts). The suite checks after every test that the kept facts are the rules'."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from pip_app.extensions import db
from pip_app.flags import FlagFact
from pip_app.models import PlanAttention
from pip_app.services.attention import refresh_every_plan
from tests.issued_plan import review_data

pytestmark = pytest.mark.usefixtures("frozen_today")  # the issued plan's day (tests/issued_plan.py)

OVERDUE = FlagFact("review_overdue", date(2026, 1, 2), day=date(2026, 1, 1))
SHOWN = "Weekly review overdue since 1 Jan 2026"


def _keep_facts(plan_id: int, facts: list[FlagFact]) -> None:
    """Write a plan's kept facts by hand (never done by the app), so that a page shows what it read."""
    kept = [fact.as_json() for fact in facts]
    if db.session.get(PlanAttention, plan_id) is None:
        db.session.add(PlanAttention(plan_id=plan_id, attention_from=date(2026, 1, 2), facts=kept))
    else:
        db.session.execute(update(PlanAttention).where(PlanAttention.plan_id == plan_id).values(facts=kept))
    db.session.commit()


def _put_back() -> None:
    """Leave the kept facts as the app keeps them (the suite checks it after every test)."""
    refresh_every_plan(db.session.connection())
    db.session.commit()


def test_the_plan_page_shows_the_flags_of_the_facts_kept(plan, manager, count_queries):
    manager.get(f"/plans/{plan.id}")  # warm up
    with count_queries() as counter:
        before = manager.get(f"/plans/{plan.id}").text
    assert SHOWN not in before
    _keep_facts(plan.id, [*_kept_facts(plan.id), OVERDUE])
    with count_queries() as after_counter:
        after = manager.get(f"/plans/{plan.id}").text
    assert SHOWN in after and after_counter.count == counter.count  # read with the plan: no statement more
    _put_back()
    assert SHOWN not in manager.get(f"/plans/{plan.id}").text


def test_an_answer_to_a_change_works_the_flags_out_from_the_plan_as_changed(plan, manager):
    """Recording a review answers with the plan's header: its flags are the plan's as it now is,
    not the facts kept before the change (which the commit then replaces)."""
    _keep_facts(plan.id, [*_kept_facts(plan.id), OVERDUE])
    answer = manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan, value="91"), htmx=True)
    assert answer.status_code == 200 and "Weekly review" in answer.text
    assert SHOWN not in answer.text
    # The commit kept the facts the rules give (the hand-written one is gone).
    facts = db.session.scalar(select(PlanAttention.facts).where(PlanAttention.plan_id == plan.id)) or []
    assert OVERDUE.as_json() not in facts


def _kept_facts(plan_id: int) -> list[FlagFact]:
    kept = db.session.scalar(select(PlanAttention.facts).where(PlanAttention.plan_id == plan_id)) or []
    return [FlagFact.from_json(fact) for fact in kept]


def test_facts_kept_with_other_days_to_acknowledge_are_worked_out_with_the_days_now_set(app, plan, manager):
    """ACK_OUTSTANDING_DAYS changed and `flask refresh-attention` not yet run: the kept facts say
    3 days, the page says what the setting now says."""
    assert any(fact.code == "ack_outstanding" and fact.number == 3 for fact in _kept_facts(plan.id))
    app.config["FROZEN_TODAY"] = "2027-03-01"  # long after: the version is outstanding whatever the days
    assert "Not acknowledged for more than 3 days" in manager.get(f"/plans/{plan.id}").text
    app.config["ACK_OUTSTANDING_DAYS"] = 5
    try:
        page = manager.get(f"/plans/{plan.id}").text
        assert "Not acknowledged for more than 5 days" in page and "more than 3 days" not in page
    finally:
        app.config["ACK_OUTSTANDING_DAYS"] = 3
