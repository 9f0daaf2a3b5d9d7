"""Keyboard only: the weekly review form is reached, filled and saved with Tab, Space and Enter;
focus lands on the form after it opens and on the saved message after it closes, and both are
announced (role="status" / role="alert"). The register's filters, sorting and "record a check" work
the same way, with focus kept on the control used or moved to the announced result count."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import InterimControl, PlanStatus, Review
from pip_app.services.plans import issue_plan
from tests.browser import test_register_journey
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_register_journey import TODAY
from tests.factories import PASSWORD, approve_for_issue, make_action, make_control

pytestmark = pytest.mark.browser


@pytest.fixture
def plan(world, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=date.today() - timedelta(days=10),
        evidence_sources=["audit"],
    )
    make_control(plan, world["senior"])
    make_action(plan, 1, measure_name="MAR compliance", measure_unit="%", measure_target=90, measure_consecutive=2)
    approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def focused(page) -> str:
    return page.evaluate(
        "document.activeElement && (document.activeElement.id || document.activeElement.textContent.trim().slice(0, 40))"
    )


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


def shift_tab_to(page, element_id: str, limit: int = 80) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Shift+Tab")
    raise AssertionError(f"Shift+Tab never reached #{element_id}")


def tab_to_element(page, link, limit: int = 120) -> None:
    for _ in range(limit):
        if link.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached the link")


def choose_by_arrows(page, select_id: str, label: str) -> None:
    """Arrow down a focused <select> (each step is a change, as in Chromium) until `label` is chosen."""
    select = page.locator(f"#{select_id}")
    expect(select).to_be_focused()
    for _ in range(select.locator("option").count()):
        if select.evaluate("el => el.options[el.selectedIndex].text") == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label!r} is not an option of #{select_id}")


# The register journey's controls fixture, shared here by name (pytest finds fixtures in the module).
controls = test_register_journey.controls


@pytest.fixture
def register(app, world, controls):
    """The register's controls (see test_register_journey), with the senior also covering Brook Lodge,
    so that the service filter is offered."""
    world["senior"].services.append(world["other"])
    db.session.commit()
    return controls


def test_register_filters_and_a_check_by_keyboard_alone(live_server, page, world, register, console_errors):
    home_id = world["home"].id
    sign_in(page, live_server, world["senior"].email, PASSWORD)
    page.goto(f"{live_server}/register")
    expect(page.locator("tbody.register-control")).to_have_count(4)
    page.evaluate("window.__marker = 1")

    # Service, by arrow keys: each step updates the table in place and focus stays on the select.
    tab_to(page, "service")
    choose_by_arrows(page, "service", "Larkfield House")
    expect(page).to_have_url(re.compile(rf"/register\?(.*&)?service={home_id}(&|$)"))
    expect(page.locator("tbody.register-control")).to_have_count(3)
    expect(page.get_by_role("cell", name="Brook Lodge")).to_have_count(0)
    expect(page.locator("#service")).to_be_focused()

    # "Flagged only", with Space.
    tab_to(page, "flagged")
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"flagged=1"))
    expect(page.locator("tbody.register-control")).to_have_count(2)
    expect(page.locator("#flagged")).to_be_focused()

    # Back to the search box, type, and Enter submits the filters.
    shift_tab_to(page, "q")
    page.keyboard.type("agnieszka")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=agnieszka"))
    url = page.url
    assert f"service={home_id}" in url and "flagged=1" in url
    rows = page.locator("tbody.register-control")
    expect(rows).to_have_count(1)
    expect(page.locator(f"#register-control-{register['unchecked']}")).to_contain_text("Agnieszka Łukasik")
    expect(page.locator(".register-results__count")).to_have_text("1 control.")
    # The new count is announced through a live region that stays on the page.
    expect(page.get_by_role("status").filter(has_text="1 control.")).to_have_id("register-announcer")
    expect(page.locator("#q")).to_be_focused()
    assert page.evaluate("window.__marker") == 1, "filtered in place, without a reload"

    # Sorting replaces the link that had focus: focus goes to the announced count, not <body>.
    sort = page.get_by_role("link", name=re.compile("^Staff member"))
    tab_to_element(page, sort)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=staff"))
    count = page.locator(".register-results__count")
    expect(count).to_be_focused()
    expect(count).to_have_text("1 control.")
    expect(page.locator("#register-announcer")).to_have_text("1 control.")

    # Record a check from the row: Enter opens the form in place with focus in the note,
    # Enter on the button saves it and focus lands on the announced notice.
    row = page.locator(f"#register-control-{register['unchecked']}")
    tab_to_element(page, row.get_by_role("link", name=re.compile("^Record a check")))
    page.keyboard.press("Enter")
    note = row.get_by_label("What was checked")
    expect(note).to_be_focused()
    page.keyboard.type("Notes signed off at handover; checked by keyboard.")
    save = row.get_by_role("button", name="Record check")
    tab_to_element(page, save)
    page.keyboard.press("Enter")
    notice = row.get_by_role("status")
    expect(notice).to_contain_text("Check recorded")
    expect(notice).to_be_focused()
    db.session.commit()
    assert db.session.get(InterimControl, register["unchecked"]).last_checked_on == TODAY
    assert page.evaluate("window.__marker") == 1
    assert console_errors == []


def test_plan_page_control_forms_by_keyboard_alone(live_server, page, world, plan, console_errors):
    """On the plan page, Enter on "Record a check" opens the form in place with focus in it; its
    Cancel closes it and focus goes to the panel's heading, not to <body>; a check saves by keyboard."""
    control = plan.controls[0]
    sign_in(page, live_server, world["senior"].email, PASSWORD)
    page.goto(f"{live_server}/plans/{plan.id}")
    panel = page.locator("#controls-panel")
    tab_to_element(page, panel.get_by_role("link", name=re.compile("^Record a check")))
    page.keyboard.press("Enter")
    note = panel.get_by_label("What was checked")
    expect(note).to_be_focused()
    assert_accessible(page, "plan page, check form open")

    tab_to_element(page, panel.get_by_role("link", name="Cancel"))
    page.keyboard.press("Enter")
    expect(panel.get_by_label("What was checked")).to_have_count(0)
    expect(page.locator("#controls-h")).to_be_focused()

    tab_to_element(page, panel.get_by_role("link", name=re.compile("^Record a check")))
    page.keyboard.press("Enter")
    expect(note).to_be_focused()
    page.keyboard.type("Senior sign-off seen on 3 escalations")
    tab_to_element(page, panel.get_by_role("button", name="Record check"))
    page.keyboard.press("Enter")
    expect(panel.get_by_role("status")).to_be_focused()
    expect(panel.get_by_role("status")).to_contain_text("Check recorded")
    expect(panel).to_contain_text("Senior sign-off seen on 3 escalations")
    db.session.rollback()  # end this thread's read, to see the server's write
    assert db.session.get(InterimControl, control.id).last_checked_on is not None
    assert console_errors == []
