"""Issue 22, point 3: the register's own controls are on screen. At 1280 px (and on a 768 px
tablet, and a 390 px phone) each row's "Record a check" and "Lift" lie within the viewport, the table is no wider than
the page, and opening a check keeps its date field and button in view."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from pip_app.models import ControlKind
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

TODAY = date(2026, 11, 23)


@pytest.fixture
def flagged_control(app, world):
    """A control both past its review date and not checked for 9 days, with long text: the widest
    row the register draws (two flags, a long detail and last note, a long name)."""
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    staff = factories.make_user(
        "staff", name="Agnieszka Łukasik-Wiśniewska", services=[world["home"]], line_manager=world["manager"]
    )
    plan = factories.make_plan(
        staff=staff, manager=world["manager"], service=world["home"], start=TODAY - timedelta(days=20)
    )
    control = factories.make_control(
        plan,
        world["senior"],
        kind=ControlKind.ESCALATION_SIGN_OFF,
        detail="Every escalation decision on Agnieszka's shifts is confirmed by the senior on duty before handover.",
        review_by_date=TODAY - timedelta(days=5),
        last_checked_on=TODAY - timedelta(days=9),
    )
    return control.id


def _within(box, width: int) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", [1280, 768, 390])
def test_the_rows_actions_and_the_opened_check_are_within_the_viewport(
    live_server, page, console_errors, world, flagged_control, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then="/register")
    row = page.locator(f"#register-control-{flagged_control}")
    expect(row).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page, f"/register at {width} px")
    table = page.locator("table.register-table")
    assert _within(table.bounding_box(), width), table.bounding_box()
    for flag in ("Review 5 days overdue", "Not checked for 9 days"):
        assert _within(row.get_by_text(flag).bounding_box(), width), flag
    check = row.get_by_role("link", name="Record a check")
    lift = row.get_by_role("link", name="Lift")
    for link in (check, lift):
        link.scroll_into_view_if_needed()
        assert _within(link.bounding_box(), width), link.bounding_box()

    check.click()
    date_field = row.get_by_label("Date of the check")
    button = row.get_by_role("button", name="Record check")
    expect(date_field).to_be_visible()
    assert_accessible(page, f"/register with a check open at {width} px")
    for element in (date_field, row.get_by_label("What was checked"), button):
        element.scroll_into_view_if_needed()
        assert _within(element.bounding_box(), width), element.bounding_box()
    row.get_by_label("What was checked").fill("Both escalations signed off by the senior.")
    button.click()
    expect(row.locator(".saved-notice")).to_contain_text("Check recorded")
    assert console_errors == []
