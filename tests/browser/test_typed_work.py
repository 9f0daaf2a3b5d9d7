"""Typed work is not lost (issue 22, point 6), at 390 px and 1280 px: the review form has an
address of its own, so Back and Forward find it; leaving a form with unsaved changes asks first;
what was typed is put back when the form is opened again (the closure's reasons after a trip
from its gate to the plan page); long text shows a counter before its limit (point 9)."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pip_app.extensions import db
from pip_app.models import Observation, Shift
from tests import factories
from tests.browser.conftest import sign_in_quickly
from tests.browser.test_review_loop import (
    _action_fieldset,
    active_plan,  # noqa: F401 (a fixture)
    reviewed_plan,  # noqa: F401 (a fixture)
)
from tests.factories import PASSWORD
from tests.test_closure import ready_plan

pytestmark = pytest.mark.browser
SUMMARY = "Week 3: MAR signed at every round I checked; two late entries on Sunday."
REASON = "Completed; the monthly MAR audit will show whether it holds."


class Dialogs:
    """Answers beforeunload dialogs: stay on the page (dismiss) or leave (accept)."""

    def __init__(self, page):
        self.seen: list[str] = []
        self.leave = False
        page.on("dialog", self.answer)

    def answer(self, dialog):
        self.seen.append(dialog.type)
        dialog.accept() if self.leave else dialog.dismiss()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_review_form_survives_a_stray_click_and_back(live_server, page, console_errors, active_plan, width):  # noqa: F811
    p = active_plan
    page.set_viewport_size({"width": width, "height": 844})
    dialogs = Dialogs(page)
    sign_in_quickly(page, live_server, p.manager.email, PASSWORD, then=f"/plans/{p.id}")
    page.get_by_role("link", name="Record this week's review").click()
    form = page.locator("#reviews-panel form.review-form")
    expect(form.get_by_label("Overall summary")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/plans/{p.id}/reviews/new")  # an address of its own
    form.get_by_label("Overall summary").fill(SUMMARY)

    # A stray click on the navigation: the browser asks first; staying keeps the text.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    expect(page).to_have_url(f"{live_server}/plans/{p.id}/reviews/new")
    assert dialogs.seen == ["beforeunload"]
    expect(form.get_by_label("Overall summary")).to_have_value(SUMMARY)

    # Leaving anyway, then Back: the form is there with the text put back.
    dialogs.leave = True
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.go_back()
    expect(page).to_have_url(f"{live_server}/plans/{p.id}/reviews/new")
    form = page.locator("form.review-form")
    expect(form.get_by_label("Overall summary")).to_have_value(SUMMARY)
    expect(form.locator("[data-draft-notice]")).to_be_visible()

    # Saved: no warning, the address is the plan's again, and the draft is gone.
    page.goto(f"{live_server}/plans/{p.id}")
    dialogs.seen.clear()
    page.get_by_role("link", name="Record this week's review").click()
    form = page.locator("#reviews-panel form.review-form")
    expect(form.get_by_label("Overall summary")).to_have_value(SUMMARY)  # the draft, once more
    for ref in ("A1", "A2"):
        _action_fieldset(page, ref).get_by_label("On track", exact=True).check()
    form.get_by_label("MAR compliance this week (%)").fill("88")
    form.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Weekly review saved.")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/plans/{p.id}")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    assert dialogs.seen == []
    page.goto(f"{live_server}/plans/{p.id}/reviews/new")
    expect(page.locator("form.review-form").get_by_label("Overall summary")).to_have_value("")
    assert console_errors == []


@pytest.fixture
def closable(world):
    """A plan ready to close but for one observed shift still planned (fixed on the plan page)."""
    plan = ready_plan(world, factories.make_plan)
    planned = Observation(
        plan=plan, scheduled_on=plan.start_date + timedelta(days=17), shift=Shift.LATE, observer=world["senior"]
    )
    db.session.add(planned)
    db.session.commit()
    return plan.id


@pytest.mark.parametrize("width", [390, 1280])
def test_closure_reasons_survive_a_trip_from_the_gate(live_server, page, console_errors, world, closable, width):
    plan_id = closable
    page.set_viewport_size({"width": width, "height": 844})
    dialogs = Dialogs(page)
    dialogs.leave = True
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}/close")
    reason = page.locator("#close-form textarea[name^='close-reason_']")
    reason.fill(REASON)
    counter = page.locator(f"#{reason.get_attribute('id')}-count")
    expect(counter).to_have_text(f"{len(REASON)} of 2,000 characters")  # point 9: before the limit
    expect(counter).to_have_attribute("aria-live", "polite")

    page.get_by_role("link", name="Record or cancel it on the plan page").click()
    assert dialogs.seen == ["beforeunload"]
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}#observation-\d+$"))
    page.get_by_role("link", name="Close this plan").click()
    expect(page.locator("#close-form textarea[name^='close-reason_']")).to_have_value(REASON)
    expect(page.locator("#close-form [data-draft-notice]")).to_be_visible()

    # "Start again" puts back what was saved (the plan's own record) and forgets the draft.
    page.locator("#close-form").get_by_role("button", name="Start again").click()
    expect(page.locator("#close-form textarea[name^='close-reason_']")).not_to_have_value(REASON)
    page.reload()
    expect(page.locator("#close-form textarea[name^='close-reason_']")).not_to_have_value(REASON)
    assert console_errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_a_comment_counts_its_characters_up_to_the_limit(live_server, page, console_errors, reviewed_plan, width):  # noqa: F811
    p = reviewed_plan
    page.set_viewport_size({"width": width, "height": 844})
    sign_in_quickly(page, live_server, p.staff.email, PASSWORD, then=f"/plans/{p.id}")
    comment = page.locator(f"#rack{p.review_ids[-1]}-comment")
    counter = page.locator(f"#rack{p.review_ids[-1]}-comment-count")
    expect(counter).to_have_text("0 of 2,000 characters")
    comment.fill("The audit missed my night shifts.")
    expect(counter).to_have_text("33 of 2,000 characters")
    comment.fill("x" * 2100)  # the browser keeps the first 2,000: the counter says so before anything is sent
    expect(comment).to_have_value("x" * 2000)
    expect(counter).to_have_text("2,000 of 2,000 characters: you have reached the limit")
    assert console_errors == []
