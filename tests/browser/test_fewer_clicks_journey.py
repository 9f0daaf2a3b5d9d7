"""Issue 22, point 7, in a real browser: every remaining observed shift cancelled with one reason
in place, and an action withdrawn while amending, with the issue section following at once."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import Observation, PlanStatus
from pip_app.services import plans as plan_ops
from tests import factories
from tests.browser.conftest import sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def plan_id(world):
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=today() - timedelta(weeks=2),
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    factories.make_action(plan)
    factories.make_action(plan)
    factories.approve_for_issue(plan)
    plan_ops.issue_plan(world["manager"], plan)
    for days in (-1, 3, 10):
        db.session.add(Observation(plan=plan, scheduled_on=today() + timedelta(days=days), observer=world["senior"]))
    db.session.commit()
    return plan.id


@pytest.mark.parametrize("width", [1280, 390])
def test_cancel_the_remaining_observations_then_withdraw_an_action(
    live_server, page, console_errors, world, plan_id, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}")
    expect(page.locator("#plan-flags")).to_contain_text("without an outcome")
    panel = page.locator("#observations-panel")
    panel.get_by_text("Cancel all 3 remaining observations").click()
    panel.get_by_label("Reason for cancelling them").fill("The plan is closing early: practice is assured.")
    panel.get_by_role("button", name="Cancel them all").click()
    expect(panel.locator(".saved-notice")).to_contain_text("3 observed shifts cancelled.")
    expect(panel.get_by_text("Cancelled", exact=True)).to_have_count(3)
    expect(page.locator("#plan-flags")).not_to_contain_text("without an outcome")

    page.goto(f"{live_server}/plans/{plan_id}/edit")
    actions = page.locator("#actions")
    actions.get_by_text("Withdraw A2", exact=True).first.click()
    actions.get_by_label("Why it is withdrawn").last.fill("Replaced by paired working on the late shift.")
    actions.get_by_role("button", name="Withdraw A2").click()
    expect(actions.locator(".saved-notice")).to_contain_text("A2 withdrawn.")
    expect(page.locator("#issue")).to_contain_text("A2: Withdrawn")
    expect(page.locator("#issue").get_by_role("button", name="Issue version 2")).to_be_visible()
    assert console_errors == []
