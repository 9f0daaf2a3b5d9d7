"""Restricted detail in a real browser (issue 19): a registered manager records an adjustment
agreed and in place ten days after the plan started; the panel proposes extending the plan by the
delay and the registered manager accepts; the line manager is not offered the panel at all; HR
closes the plan, asked whether the staff member had a reasonable time after the adjustment (the
question refused unanswered, nothing lost); HR reads the closure summary, which counts the
adjustment, prints the answer and none of its detail."""

import io

import pypdf
import pytest
from playwright.sync_api import expect

from pip_app.extensions import db
from pip_app.models import Plan
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD
from tests.test_closure import ready_plan

pytestmark = pytest.mark.browser


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_an_adjustment_agreed_late_extends_the_plan_and_hr_sees_only_the_count(
    app, live_server, page, console_errors, world, make_plan
):
    plan = ready_plan(world, make_plan)  # started 2 Nov 2026; today is 23 Nov 2026
    app.config["FROZEN_TODAY"] = "2026-11-23"
    plan_id, end = plan.id, plan.planned_end_date

    # 1. The registered manager records the adjustment: agreed, in place on 12 Nov.
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then=f"/plans/{plan_id}")
    page.locator("#adjustments > summary").click()
    panel = page.locator("#adjustments-panel")
    panel.get_by_role("link", name="Record a request for an adjustment").click()
    form = page.locator("#adjustments-panel form")
    form.get_by_label("Requested on").fill("2026-11-04")
    form.get_by_label("Who asked").fill("Sam, with her union representative")
    form.get_by_label("What was asked for").fill("Written handover notes on cream paper")
    form.get_by_label("Agreed", exact=True).check()
    form.get_by_label("Implemented on").fill("2026-11-12")
    form.get_by_role("button", name="Save the adjustment").click()
    panel = page.locator("#adjustments-panel")
    expect(panel.get_by_text("Adjustment recorded.")).to_be_visible()
    expect(panel.get_by_text("extend the plan by 10 days")).to_be_visible()
    assert_accessible(page, "restricted panel (registered manager)")

    # 2. The registered manager accepts the extension.
    panel.get_by_role("button", name="Extend the plan to").click()
    expect(page.locator("#adjustments-panel").get_by_text("The plan is extended by 10 days.")).to_be_visible()
    db.session.commit()  # end the test's read transaction: see what the server wrote
    assert (db.session.get(Plan, plan_id).planned_end_date - end).days == 10
    _sign_out(page)

    # 3. The line manager is not offered the panel, and its address answers 404.
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}")
    expect(page.locator("#meetings > summary")).to_be_visible()
    expect(page.locator("#adjustments")).to_have_count(0)
    assert page.goto(f"{live_server}/plans/{plan_id}/adjustments").status == 404

    # 4. The line manager closes the plan: the close page asks whether Sam had a reasonable time
    # after the adjustment was in place, with its date and the time since, none of its detail.
    db.session.commit()
    plan = db.session.get(Plan, plan_id)
    control_id, a2_id = plan.controls[0].id, plan.actions[1].id
    page.goto(f"{live_server}/plans/{plan_id}/close")
    question = page.locator("#close-reasonable_time")
    expect(question).to_contain_text("Reasonable adjustments considered: 1 agreed, in place from 12 Nov 2026")
    expect(question).to_contain_text("1 week and 4 days after 12 Nov 2026")
    expect(question).not_to_contain_text("cream paper")
    page.get_by_label("Achieved and sustained").check()
    page.locator(f"#close-control-{control_id}").get_by_label("Carry it into ongoing monitoring").check()
    page.locator(f"#close-control-{control_id}").get_by_label("Rationale").fill("Paired rounds monthly until March.")
    page.locator(f"#close-reason-{a2_id}").get_by_role("textbox").fill("Completed; assured through the monthly audit.")
    for label in ("What changed", "How it was measured", "How the risk is now controlled", "Ongoing monitoring"):
        page.get_by_label(label, exact=True).fill(f"{label}: written by the manager.")
    page.get_by_role("button", name="Close the plan").click()
    expect(page.locator("#close-form .error-summary")).to_contain_text("had a reasonable time after the adjustments")
    expect(page.get_by_label("Achieved and sustained")).to_be_checked()  # nothing typed is lost
    db.session.commit()
    assert db.session.get(Plan, plan_id).closure is None
    assert_accessible(page, "close page asking about a reasonable time after adjustments")
    question = page.locator("#close-reasonable_time")
    question.get_by_label("Yes", exact=True).check()
    question.get_by_label("Why").fill("Eleven days with daily handover notes, and the audits held at 95%.")
    page.get_by_role("button", name="Close the plan").click()
    # Before the (extended) planned end, so the registered manager approves it first (issue 18).
    expect(page.get_by_text("The closure needs approval")).to_be_visible()
    _sign_out(page)
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then=f"/plans/{plan_id}#decisions")
    page.locator("#decisions").get_by_role("button", name="Approve and close the plan").click()
    expect(page.get_by_text("Approved: the plan is closed.")).to_be_visible()
    _sign_out(page)

    # 5. HR reads the closure summary: the count, the date and the answer, none of the detail.
    sign_in_quickly(page, live_server, world["hr"].email, PASSWORD, then="/")
    response = page.request.get(f"{live_server}/plans/{plan_id}/closure.pdf")
    assert response.status == 200
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(response.body())).pages)
    assert "Reasonable adjustments considered: 1 agreed, in place from 12 Nov 2026." in text
    assert "Reasonable time after adjustments: yes — 1 week and 4 days after 12 Nov 2026; Eleven days" in text
    assert "cream paper" not in text
    assert [e for e in console_errors if "status of 404" not in e and "status of 422" not in e] == []
