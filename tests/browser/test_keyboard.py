"""Keyboard only: the weekly review form is reached, filled and saved with Tab, Space and Enter;
focus lands on the form after it opens and on the saved message after it closes, and both are
announced (role="status" / role="alert")."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import PlanStatus, Review
from pip_app.services.plans import issue_plan
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, make_action, make_control

pytestmark = pytest.mark.browser


@pytest.fixture
def plan(world, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT,
                     start=date.today() - timedelta(days=10), evidence_sources=["audit"])
    make_control(plan, world["senior"])
    make_action(plan, 1, measure_name="MAR compliance", measure_unit="%", measure_target=90, measure_consecutive=2)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def focused(page) -> str:
    return page.evaluate("document.activeElement && (document.activeElement.id || document.activeElement.textContent.trim().slice(0, 40))")


def tab_to(page, element_id: str, limit: int = 80) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_review_form_by_keyboard_alone(live_server, page, world, plan, console_errors):
    sign_in(page, live_server, world["manager"].email, PASSWORD)
    page.goto(f"{live_server}/plans/{plan.id}")
    link = page.get_by_role("link", name="Record this week's review")
    for _ in range(80):
        if link.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#review-form-h")).to_be_focused()
    assert_accessible(page, "review form")

    # A first save with nothing chosen: the error summary is announced and takes focus.
    tab_to(page, "review-save")
    page.keyboard.press("Enter")
    expect(page.locator("#reviews-panel .error-summary")).to_be_focused()
    expect(page.locator("#reviews-panel .error-summary")).to_have_attribute("role", "alert")

    action = plan.actions[0]
    tab_to(page, f"review-progress_{action.id}-0")
    page.keyboard.press("Space")
    tab_to(page, f"review-value_{action.id}")
    page.keyboard.type("88")
    tab_to(page, "review-summary")
    page.keyboard.type("Keyboard-only review: steady progress.")
    tab_to(page, "review-save")
    page.keyboard.press("Enter")
    notice = page.locator("#reviews-panel .saved-notice")
    expect(notice).to_have_text("Weekly review saved. The staff member will be asked to acknowledge it.")
    expect(notice).to_be_focused()
    expect(notice).to_have_attribute("role", "status")
    db.session.commit()
    assert db.session.scalar(select(Review)).entries[0].measured_value == 88
    assert console_errors == [] or all("422" in e for e in console_errors)
