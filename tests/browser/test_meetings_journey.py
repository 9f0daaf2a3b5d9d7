"""A meeting in a real browser (issue 19): the manager records a supervision at which the staff
member was accompanied by a trade-union representative, then the date the minutes were shared;
the staff member reads the minutes and disagrees with them, in their own words. With htmx: the
panel opens when asked for and every form is swapped in place."""

from datetime import date

import pytest
from playwright.sync_api import expect

from pip_app.extensions import db
from pip_app.models import AckResponse, CompanionKind, Meeting
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _open_meetings(page):
    """The Meetings part of the plan page now shown, opened (its content loads when opened)."""
    page.locator("#meetings > summary").click()
    panel = page.locator("#meetings-panel")
    expect(panel.get_by_role("heading", name="Meetings", level=2)).to_be_visible()
    return panel


def test_supervision_with_a_union_companion_minutes_shared_and_disputed(
    app, live_server, page, console_errors, world, make_plan
):
    app.config["FROZEN_TODAY"] = "2026-11-23"
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=date(2026, 11, 2))
    plan_id = plan.id

    # 1. The manager records the supervision, with its minutes.
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}")
    panel = _open_meetings(page)
    panel.get_by_role("link", name="Record a meeting").click()
    form = page.locator("#meetings-panel form")
    form.get_by_label("Supervision").check()
    form.get_by_label("Date", exact=True).fill("2026-11-20")
    form.get_by_label("A trade-union representative").check()
    form.get_by_label("Companion's name").fill("Dave Morgan (UNISON)")
    form.get_by_label("What was discussed").fill("The MAR gaps on the late shift.")
    form.get_by_label("The staff member's account, in their own words").fill("The round is interrupted by call bells.")
    form.get_by_label("Decisions").fill("Protected medication round for four weeks.")
    form.get_by_role("button", name="Save the meeting").click()
    panel = page.locator("#meetings-panel")
    expect(panel.get_by_text("Meeting recorded.")).to_be_visible()
    expect(panel.get_by_text("Dave Morgan (UNISON) (a trade-union representative)")).to_be_visible()
    assert_accessible(page, "meetings panel (manager)")

    # 2. … and the date the minutes were shared with the staff member.
    panel.get_by_role("link", name="Edit this meeting").click()
    page.locator("#meetings-panel form").get_by_label("Minutes shared with the staff member on").fill("2026-11-23")
    page.locator("#meetings-panel form").get_by_role("button", name="Save the meeting").click()
    expect(page.locator("#meetings-panel").get_by_text("Meeting saved.")).to_be_visible()
    expect(page.locator("#meetings-panel").get_by_text("Waiting for")).to_be_visible()
    _sign_out(page)

    # 3. The staff member reads the minutes and disagrees, saying why.
    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then=f"/plans/{plan_id}")
    panel = _open_meetings(page)
    expect(panel.get_by_text("The round is interrupted by call bells.")).to_be_visible()
    panel.get_by_role("button", name="Send my answer").click()
    expect(
        page.locator("#meetings-panel").get_by_text("Choose agree, or disagree with a comment.").first
    ).to_be_visible()
    panel = page.locator("#meetings-panel")
    panel.get_by_label("I disagree, with comment").check()
    panel.get_by_label("Your comment").fill("I said the call bells and the phone, not only the bells.")
    panel.get_by_role("button", name="Send my answer").click()
    panel = page.locator("#meetings-panel")
    expect(panel.get_by_text("your answer to the minutes is recorded")).to_be_visible()
    expect(panel.get_by_text("disagreed with the minutes")).to_be_visible()
    assert_accessible(page, "meetings panel (staff)")

    db.session.commit()
    [meeting] = db.session.query(Meeting).all()
    assert meeting.companion_kind is CompanionKind.UNION_REP and meeting.minutes_shared_on == date(2026, 11, 23)
    assert meeting.minutes_response is AckResponse.DISAGREE
    # The one deliberate refusal (no answer chosen) is the only error the console shows.
    assert [e for e in console_errors if "status of 422" not in e] == []
