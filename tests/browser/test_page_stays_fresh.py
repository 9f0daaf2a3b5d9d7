"""Issue 22, point 2: an htmx answer refreshes everything its change shows in (the plan header
with the status, the flags, the builder's issue section), so nothing on the page is stale until a
reload. At a desktop width and on a phone."""

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import PlanStatus
from pip_app.services import plans as plan_ops
from tests import factories
from tests.browser.conftest import sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = [pytest.param((1280, 900), id="1280px"), pytest.param((390, 844), id="390px")]


@pytest.fixture
def active_plan(world):
    """An issued plan (version 1) with one action."""
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=today() - timedelta(weeks=2),
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    action = factories.make_action(plan)
    factories.approve_for_issue(plan)
    plan_ops.issue_plan(world["manager"], plan)
    db.session.commit()
    return plan.id, action.ref


def _mark(page) -> None:
    page.evaluate("window.__marker = 1")


def _not_reloaded(page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


@pytest.mark.parametrize("viewport", WIDTHS)
def test_amending_an_action_shows_the_unissued_change_and_the_issue_button(
    live_server, page, console_errors, world, active_plan, viewport
):
    plan_id, ref = active_plan
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}/edit")
    issue = page.locator("#issue")
    expect(issue).to_contain_text("No changes since version 1 was issued.")
    expect(issue.get_by_role("button", name="Issue version 2")).to_have_count(0)
    _mark(page)

    page.get_by_role("link", name=f"Edit {ref}").click()
    page.locator("#actions").get_by_label("What good looks like").first.fill(
        "No unsigned MAR entries in four consecutive weekly audits"
    )
    page.get_by_role("button", name=f"Save {ref}").click()
    expect(page.locator("#actions .saved-notice")).to_be_visible()

    expect(issue).to_contain_text("Unissued changes since version 1")
    expect(issue).not_to_contain_text("No changes since version 1 was issued.")
    expect(issue.get_by_role("button", name="Issue version 2")).to_be_visible()
    _not_reloaded(page)
    assert console_errors == []


def test_a_slow_save_is_not_cancelled_by_the_live_check_that_fires_during_it(
    live_server, page, console_errors, world, active_plan
):
    """The live check runs 500 ms after typing. A save still in flight then must land: the check
    waits for it (and is dropped with the form it belonged to) rather than aborting it."""
    plan_id, ref = active_plan
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}/edit")
    page.get_by_role("link", name=f"Edit {ref}").click()

    def slow_save(route) -> None:
        time.sleep(1.5)  # longer than the check's 500 ms delay, so the check fires mid-save
        route.continue_()

    page.route(re.compile(r"/plans/\d+/actions/\d+$"), slow_save)
    page.locator("#actions").get_by_label("What good looks like").first.fill(
        "No unsigned MAR entries in four consecutive weekly audits"
    )
    page.get_by_role("button", name=f"Save {ref}").click()
    expect(page.locator("#actions .saved-notice")).to_contain_text("saved")
    expect(page.locator("#issue")).to_contain_text("Unissued changes since version 1")
    assert console_errors == []


@pytest.mark.parametrize("viewport", WIDTHS)
def test_pausing_shows_paused_in_the_header_and_the_closure_panel(
    live_server, page, console_errors, world, active_plan, viewport
):
    plan_id, _ = active_plan
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}")
    expect(page.locator(".plan-header .status")).to_have_text("Active")
    _mark(page)

    page.locator("#reviews-panel summary", has_text="Pause the plan").click()
    page.get_by_label("Reason for pausing").fill("Sickness absence from Monday.")
    page.get_by_role("button", name="Pause plan").click()
    expect(page.locator("#reviews-panel .saved-notice")).to_contain_text("Plan paused.")

    expect(page.locator(".plan-header .status")).to_have_text("Paused")
    expect(page.locator(".plan-header")).to_contain_text("Sickness absence from Monday.")
    expect(page.locator("#next-review")).to_contain_text("paused")
    expect(page.locator("#closure-panel")).to_contain_text("This plan is paused.")
    _not_reloaded(page)
    assert console_errors == []
