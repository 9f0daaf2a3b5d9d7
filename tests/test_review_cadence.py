"""Review dates follow the plan (issue 22, point 5): a second review of the same date is refused
with a clear message and never counts as a second review running; a review that finds the plan
ready to close is not followed by a review after the planned end, and leads to the closure."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.flags import plan_flags
from pip_app.lifecycle import ready_to_close_by
from pip_app.models import Review
from tests.issued_plan import TODAY, review_data

pytestmark = pytest.mark.usefixtures("frozen_today")  # the issued plan's day (tests/issued_plan.py)


def test_ready_to_close_is_never_followed_by_a_review_after_the_planned_end():
    end = date(2026, 12, 14)
    assert ready_to_close_by(date(2026, 12, 9), date(2026, 12, 16), end) == end
    assert ready_to_close_by(date(2026, 12, 2), date(2026, 12, 9), end) == date(2026, 12, 9)  # sooner stays
    assert ready_to_close_by(date(2026, 12, 15), date(2026, 12, 22), end) == date(2026, 12, 16)  # past its end


def test_a_ready_to_close_review_leads_to_the_closure(manager, plan):
    db.session.refresh(plan)
    plan.planned_end_date = TODAY + timedelta(days=3)
    db.session.commit()
    data = review_data(plan, **{"review-decision": "ready_to_close"})  # next review proposed TODAY + 7
    panel = manager.post(f"/plans/{plan.id}/reviews", data=data, htmx=True)
    assert panel.status_code == 200
    db.session.expire_all()
    review = db.session.scalar(select(Review).where(Review.plan_id == plan.id))
    assert review.next_review_date == plan.next_review_date == TODAY + timedelta(days=3)
    assert "close by 26 Nov 2026" in panel.text
    step = re.search(r'<div class="next-step no-print" id="ready-to-close">(.*?)</div>', panel.text, re.S)
    assert step and f'href="/plans/{plan.id}/close">Close the plan</a>' in step.group(1)
    assert "by 26 Nov 2026" in step.group(1)
    assert 'id="ready-to-close"' in manager.get(f"/plans/{plan.id}").text


def test_a_continue_review_offers_no_closure_step(manager, plan):
    panel = manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan), htmx=True)
    assert panel.status_code == 200 and 'id="ready-to-close"' not in panel.text


def test_a_second_review_of_the_same_day_is_refused_and_is_not_a_second_review_running(manager, plan):
    a2 = plan.actions[1]
    first = manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan, day=TODAY), htmx=True)
    assert first.status_code == 200  # A2 at risk
    again = manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan, day=TODAY, token="tok-2"), htmx=True)
    assert again.status_code == 422
    assert "A weekly review of 23 Nov 2026 is already recorded for this plan" in again.text
    assert "Record a correction" in again.text
    assert db.session.scalar(select(func.count(Review.id)).where(Review.plan_id == plan.id)) == 1
    db.session.expire_all()
    flags = [f.message for f in plan_flags(plan, TODAY)]
    assert not any(f"{a2.ref} at risk or not met in two reviews running" in m for m in flags), flags
