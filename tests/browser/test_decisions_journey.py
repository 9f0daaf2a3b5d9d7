"""Decisions that need a second person (issue 18), in a real browser: a weekly review that
escalates reaches the registered manager, whose decision the staff member reads in plain words;
closing "not achieved" before the planned end waits for the registered manager's approval."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import Escalation, Plan, PlanStatus
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.browser.test_accessibility_states import _only_deliberate
from tests.browser.test_review_loop import _fill_review
from tests.factories import PASSWORD
from tests.test_closure import ready_plan

pytestmark = pytest.mark.browser


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _fresh(model, ident):
    db.session.commit()  # end the test's read transaction so it sees what the server wrote
    return db.session.get(model, ident)


@pytest.fixture
def active_plan(world):
    """An issued plan that started three weeks ago: A1 measured, A2 not, one interim control."""
    return factories.make_issued_plan(world, today() - timedelta(weeks=3))


def test_a_review_escalates_the_registered_manager_decides_and_the_staff_member_reads_it(
    live_server, page, console_errors, world, active_plan
):
    plan_id, reference = active_plan.id, active_plan.reference
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}")
    _fill_review(
        page, review_date=today(), value=55, summary="Two unsigned MAR entries again.", progress=("Not met", "At risk")
    )
    form = page.locator("#reviews-panel form.review-form")
    form.get_by_label("Escalate", exact=True).check()
    page.get_by_role("button", name="Save review").click()
    expect(form.locator(".error-summary")).to_contain_text("Say why you are escalating.")
    form.get_by_label("Why escalate").fill("Not met in two reviews running despite paired rounds.")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("#reviews-panel .saved-notice")).to_contain_text("Weekly review saved")
    expect(page.locator("#plan-flags")).to_contain_text("waiting for a registered manager's decision")
    db.session.commit()  # see what the server wrote
    escalation = db.session.scalar(select(Escalation).where(Escalation.plan_id == plan_id))
    assert escalation is not None and escalation.is_open
    _sign_out(page)

    # The registered manager finds it on their dashboard and decides, with a rationale.
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then="/")
    waiting = page.locator("section").filter(has=page.get_by_role("heading", name="Waiting for your decision"))
    expect(waiting).to_contain_text("Decide on the escalation")
    waiting.get_by_role("link", name=reference).click()
    decisions = page.locator("#decisions")
    expect(decisions).to_contain_text("Not met in two reviews running despite paired rounds.")
    assert_accessible(page, "plan page with an escalation to decide")
    decisions.get_by_label("Decision", exact=True).select_option(label="Extend to a new end date")
    decisions.get_by_label("Rationale").fill("Two more weeks with the deputy observing every round.")
    decisions.get_by_role("button", name="Record the decision").click()
    expect(decisions.locator(".error-summary")).to_contain_text("Choose the new end date.")
    expect(decisions.get_by_label("Rationale")).to_have_value("Two more weeks with the deputy observing every round.")
    new_end = active_plan.planned_end_date + timedelta(weeks=2)
    decisions.get_by_label("New end date (to extend)").fill(new_end.isoformat())
    decisions.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    expect(page.locator("#plan-flags")).not_to_contain_text("waiting for a registered manager")
    assert _fresh(Plan, plan_id).planned_end_date == new_end
    _sign_out(page)

    # The staff member reads the decision in plain words.
    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then=f"/plans/{plan_id}")
    decided = page.locator("#decisions")
    expect(decided).to_contain_text(re.compile(r"decided on \d+ \w+ \d{4}: the plan is extended to "))
    expect(decided).to_contain_text("Two more weeks with the deputy observing every round.")
    expect(decided.get_by_role("button")).to_have_count(0)  # nothing to do here for them
    assert_accessible(page, "the staff member reads the decision")
    assert _only_deliberate(console_errors, 422) == []  # the two refusals above


def test_closing_not_achieved_before_the_end_waits_for_approval(live_server, page, console_errors, world):
    plan = ready_plan(world, factories.make_plan)
    plan.planned_end_date = today() + timedelta(days=14)
    db.session.commit()
    plan_id, control_id, a2_id = plan.id, plan.controls[0].id, plan.actions[1].id

    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}/close")
    expect(page.locator("#close-length")).to_contain_text("Closing before the planned end date needs the approval")
    page.get_by_label("Not achieved: formal capability procedure").check()
    page.locator(f"#close-control-{control_id}").get_by_label("Carry it into ongoing monitoring").check()
    page.locator(f"#close-control-{control_id}").get_by_label("Rationale").fill("Kept while the procedure runs.")
    page.locator(f"#close-reason-{a2_id}").get_by_role("textbox").fill("Not sustained across the audits.")
    page.get_by_label("How the risk is now controlled", exact=True).fill("Paired rounds continue.")
    page.get_by_label("Ongoing monitoring", exact=True).fill("Formal capability procedure from next week.")
    page.get_by_role("button", name="Close the plan").click()
    expect(page.get_by_text("The closure needs approval")).to_be_visible()
    assert _fresh(Plan, plan_id).status is PlanStatus.ACTIVE
    _sign_out(page)

    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then=f"/plans/{plan_id}#decisions")
    decisions = page.locator("#decisions")
    expect(decisions).to_contain_text("the outcome is “not achieved”")
    expect(decisions).to_contain_text("it closes before the planned end date")
    decisions.get_by_role("button", name="Approve and close the plan").click()
    expect(page.get_by_text("Approved: the plan is closed.")).to_be_visible()
    closed = _fresh(Plan, plan_id)
    assert closed.status is PlanStatus.CLOSED and closed.closure.closed_by_id == world["manager"].id
    assert console_errors == []
