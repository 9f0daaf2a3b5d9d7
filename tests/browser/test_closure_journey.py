"""Closure, end to end in a real browser: a manager closes a plan with its evidence summary
(drafted from the plan's record, refused in place while a prompt is left in); closing before the
planned end waits for the registered manager, who approves it; the staff member acknowledges the
closure, and HR finds it on the closed-plans list and downloads the summary."""

import io
import re
from datetime import timedelta

import pypdf
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import Acknowledgement, AckSubject, AuditEvent, ControlStatus, Plan, PlanStatus
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD
from tests.test_closure import ready_plan

pytestmark = pytest.mark.browser

RISK_NOW = "Sam signs each dose as it is given; seniors spot-check one round a week."
MONITORING = "MAR audit stays monthly; the senior samples Sam's rounds in supervision until March."


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _fresh(model, ident):
    db.session.commit()  # end the test's read transaction so it sees what the server wrote
    return db.session.get(model, ident)


def test_manager_closes_staff_acknowledges_hr_downloads(live_server, page, console_errors, world, tmp_path):
    plan = ready_plan(world, factories.make_plan)
    plan.planned_end_date = today() + timedelta(days=7)  # closing now is before the planned end
    db.session.commit()
    plan_id, reference, staff_name = plan.id, plan.reference, world["staff"].name
    control_id, a2_id = plan.controls[0].id, plan.actions[1].id

    # 1. The manager opens the plan and chooses to close it.
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}")
    page.locator("#closure-panel").get_by_role("link", name="Close this plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Close {reference}: {staff_name}")
    gate = page.locator("#closure-gate")
    expect(gate).to_contain_text("is still active: lift it with a rationale, or carry it into ongoing monitoring")
    expect(gate).to_contain_text("A2 is completed, not assured")
    expect(page.get_by_label("What changed")).to_have_value(
        re.compile(r"MAR compliance rose from 62% at baseline to 95%")
    )
    expect(page.get_by_label("How it was measured")).to_have_value(re.compile(r"2 observed shifts scheduled; 2 done"))
    assert_accessible(page, "close page")

    # 2. Decisions on the open items; the drafted sections are left with their prompts at first…
    page.get_by_label("Achieved and sustained").check()
    page.locator(f"#close-control-{control_id}").get_by_label("Carry it into ongoing monitoring").check()
    page.locator(f"#close-control-{control_id}").get_by_label("Rationale").fill("Paired rounds monthly until March.")
    page.locator(f"#close-reason-{a2_id}").get_by_role("textbox").fill("Completed; assured through the monthly audit.")
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="Close the plan").click()
    summary = page.locator("#close-form .error-summary")
    expect(summary).to_contain_text("Replace the “[To complete: …]” prompt with what actually happens.")
    assert page.evaluate("window.__marker") == 1, "refused in place, without a reload"
    expect(page.get_by_label("Achieved and sustained")).to_be_checked()
    assert _fresh(Plan, plan_id).status is PlanStatus.ACTIVE
    assert_accessible(page, "close page with errors")

    # …and closes once the manager has written what only they can know.
    page.get_by_label("How the risk is now controlled", exact=True).fill(RISK_NOW)
    page.get_by_label("Ongoing monitoring", exact=True).fill(MONITORING)
    expect(page.locator("#close-length")).to_contain_text(re.compile(r"The plan has run \d+ of its \d+ planned days"))
    page.get_by_role("button", name="Close the plan").click()
    # It closes a week before the planned end, so it waits for the registered manager (issue 18).
    expect(page.get_by_text("The closure needs approval")).to_be_visible()
    assert _fresh(Plan, plan_id).status is PlanStatus.ACTIVE
    expect(page.locator("#plan-flags")).to_contain_text("Closure proposed on")
    _sign_out(page)

    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then="/")
    page.locator("#decide-h + ul").get_by_role("link", name=reference).click()
    decision = page.locator("#decisions")
    expect(decision).to_contain_text("Approval to close the plan")
    expect(decision).to_contain_text("it closes before the planned end date")
    assert_accessible(page, "plan page with a closure to approve")
    decision.get_by_label("Comment with your decision").fill("Sustained for three audits; agreed.")
    decision.get_by_role("button", name="Approve and close the plan").click()
    expect(page.get_by_text("Approved: the plan is closed.")).to_be_visible()
    expect(page.locator(".plan-header .status")).to_have_text("Closed")
    _sign_out(page)

    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}")
    expect(page.locator(".plan-header .status")).to_have_text("Closed")
    panel = page.locator("#closure-panel")
    expect(panel).to_contain_text("Achieved and sustained")
    expect(panel).to_contain_text(MONITORING)
    expect(panel).to_contain_text(f"Awaiting {staff_name}'s acknowledgement")
    expect(page.get_by_role("link", name="Close this plan")).to_have_count(0)
    closed = _fresh(Plan, plan_id)
    assert closed.status is PlanStatus.CLOSED and closed.closure.ongoing_monitoring == MONITORING
    assert closed.controls[0].status is ControlStatus.ONGOING_MONITORING
    _sign_out(page)

    # 2. The staff member finds the closure on their dashboard and agrees.
    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then="/")
    page.locator("li", has_text="the closure of your improvement plan").get_by_role("link", name=reference).click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}#closure-panel$"))
    form = page.locator("#closure-acknowledge")
    expect(form.locator("blockquote.statement")).to_contain_text(
        f"I have read the closure of improvement plan {reference}"
    )
    assert_accessible(page, "plan page with the closure acknowledgement")
    form.get_by_label("Agree", exact=True).check()
    form.get_by_role("button", name="Send my response").click()
    expect(page.get_by_text("Your response to the closure has been recorded")).to_be_visible()
    expect(page.locator("#closure-acknowledge")).to_have_count(0)
    expect(page.locator("#closure-panel")).to_contain_text("You agreed with the closure of your plan on")
    db.session.commit()
    ack = db.session.scalar(select(Acknowledgement).where(Acknowledgement.subject == AckSubject.CLOSURE))
    assert ack is not None and ack.plan_id == plan_id and ack.user_id == world["staff"].id
    _sign_out(page)

    # 3. HR filters the closed plans and downloads the summary.
    sign_in_quickly(page, live_server, world["hr"].email, PASSWORD, then="/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Closed plans").click()
    expect(page.get_by_role("heading", name="Closed plans", level=1)).to_be_visible()
    page.wait_for_load_state()  # htmx (a deferred script) listens from here: a change before it is lost
    page.get_by_label("Outcome").select_option(label="Achieved and sustained")
    expect(page).to_have_url(re.compile(r"outcome=achieved"))
    row = page.locator("tr", has_text=reference)
    expect(row).to_contain_text("Agreed")
    assert_accessible(page, "closed plans list")
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile("Download PDF")).click()
    download = download_info.value
    assert download.suggested_filename == f"{reference}-closure-summary.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages)
    for expected in (
        reference,
        staff_name,
        "Confidential — HR record",
        "Achieved and sustained",
        "What changed",
        "How it was measured",
        "How the risk is now controlled",
        "Ongoing monitoring",
        f"{staff_name} agreed with the closure on",
        "Page 1 of",
    ):
        assert expected in text, expected
    assert re.sub(r"\s+", " ", MONITORING) in re.sub(r"\s+", " ", text)
    db.session.commit()
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.verb == "downloaded", AuditEvent.entity == "closure_pdf", AuditEvent.plan_id == plan_id
        )
    )

    # The refused close (a deliberate 422 that htmx swaps in) is the only console noise.
    assert [e for e in console_errors if "status of 422" not in e] == []
