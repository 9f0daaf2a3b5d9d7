"""The core of the mission with JavaScript disabled (a council PC may block it): every change is
a real form, so authoring, acknowledging, observations and weekly reviews all still work.
(axe-core needs script to run, so accessibility is checked on the same pages in the other journeys.)"""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.models import Acknowledgement, Observation, Plan, PlanStatus, Review
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_plan_authoring_acknowledgement_and_review_without_javascript(live_server, no_js_page, world, app):
    page = no_js_page
    staff = world["staff"]
    sign_in(page, live_server, world["manager"].email, PASSWORD)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()

    # A new plan from a template: the template picker is a plain GET form.
    page.goto(f"{live_server}/plans/new")
    page.select_option("#template", "escalation")
    page.get_by_role("button", name="Use this template").click()
    page.select_option("#staff_id", str(staff.id))
    page.get_by_role("button", name="Save draft and continue").click()
    expect(page).to_have_url(f"{live_server}/plans/1/edit")

    # An extra action through the plain form (the <details> opens without script).
    page.get_by_text("Add an action").click()
    page.fill("#action-behaviour", "Sign the MAR at the time of each administration")
    page.fill("#action-when", "at every medication round")
    page.fill("#action-check_method", "Weekly MAR audit by the senior")
    page.fill("#action-success_criterion", "At least 90% MAR compliance across two consecutive audits")
    page.get_by_role("button", name="Add action").click()
    expect(page).to_have_url(f"{live_server}/plans/1/edit#actions")
    expect(page.get_by_role("heading", name="PIP-2026-0001/A5")).to_be_visible()

    # Observed shifts, then issue.
    page.fill("#schedule-per_week", "1")
    page.fill("#schedule-weeks", "2")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator("#observations tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Issue plan").click()
    expect(page).to_have_url(f"{live_server}/plans/1")
    expect(page.get_by_text(f"Waiting for {staff.name} to acknowledge version 1.")).to_be_visible()

    # The staff member acknowledges.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, staff.email, PASSWORD)
    page.goto(f"{live_server}/plans/1")
    page.get_by_role("radio", name="Agree", exact=True).check()
    page.get_by_role("button", name="Send my response").click()
    expect(page.get_by_text("Your acknowledgement has been recorded")).to_be_visible()

    # The manager records an observation outcome and a weekly review.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, world["manager"].email, PASSWORD)
    db.session.commit()
    first = db.session.scalars(select(Observation).order_by(Observation.scheduled_on)).first()
    app.config["FROZEN_TODAY"] = (first.scheduled_on + timedelta(days=1)).isoformat()
    page.goto(f"{live_server}/plans/1")
    page.get_by_role("link", name=f"Record outcome").first.click()
    page.get_by_role("radio", name="Done", exact=True).check()
    page.get_by_role("radio", name="Met", exact=True).check()
    page.get_by_label("Notes (the reason, if cancelled)").fill("Rationale recorded every time")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_text("Observation recorded.")).to_be_visible()

    page.get_by_role("link", name="Record this week's review").click()
    for fieldset in page.locator("fieldset.review-entry").all():
        if fieldset.get_by_role("radio", name="On track").count():
            fieldset.get_by_role("radio", name="On track").check()
    page.get_by_label("Overall summary").fill("A steady first week; rationale recorded on every shift.")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Weekly review saved.")).to_be_visible()

    db.session.commit()
    plan = db.session.get(Plan, 1)
    assert plan.status is PlanStatus.ACTIVE and len(plan.actions) == 5
    assert db.session.scalar(select(func.count(Review.id))) == 1
    assert db.session.scalar(select(func.count(Acknowledgement.id))) == 1
