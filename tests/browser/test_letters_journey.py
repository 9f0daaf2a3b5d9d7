"""Issue 20, point 2, in a real browser: the manager drafts an improvement note from the plan's
"Letters", reads it, sends it; the staff member signs in and confirms receipt (not agreement); HR
finds it in "Warnings" with its expiry date. Accessible at each step."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pip_app import letter_rules
from pip_app.clock import today
from pip_app.extensions import db
from pip_app.formatting import format_date
from pip_app.models import PlanStage, PlanStatus
from pip_app.services.plans import issue_plan
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


@pytest.fixture
def stage_1_plan(world):
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=today() - timedelta(days=21),
        weeks=8,
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"], review_by_date=today() + timedelta(days=10))
    factories.make_action(plan, 1, success_criterion="At least 95% of MAR entries complete on two weekly audits")
    factories.approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    plan.stage = PlanStage.STAGE_1
    db.session.commit()
    return plan


def test_an_improvement_note_is_sent_received_and_listed_for_hr(live_server, page, console_errors, world, stage_1_plan):
    plan = stage_1_plan
    expires = format_date(letter_rules.default_expiry("improvement_note", today()))

    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan.id}")
    page.locator("#letters summary").click()
    part = page.locator("#letters-panel")
    expect(part).to_contain_text("No letters have been drafted for this plan yet.")
    part.get_by_text("Draft a letter").click()
    part.get_by_label("Letter", exact=True).select_option("improvement_note")
    part.get_by_role("button", name="Draft the letter").click()
    expect(part).to_contain_text("Letter drafted.")
    expect(part).to_contain_text(expires)
    href = part.get_by_role("link", name=re.compile("^Read \\(PDF\\)")).get_attribute("href")
    pdf = page.request.get(f"{live_server}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert_accessible(page, "the letters part with a draft")
    part.get_by_role("button", name=re.compile("^Send")).click()
    expect(part).to_contain_text("Improvement note sent.")
    expect(part).to_contain_text("Not yet confirmed")
    _sign_out(page)

    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then=f"/plans/{plan.id}")
    page.locator("#letters summary").click()
    part = page.locator("#letters-panel")
    expect(part).to_contain_text("Confirming receipt does not mean you agree with the letter.")
    part.get_by_role("button", name=re.compile("^I have received this letter")).click()
    expect(part).to_contain_text("your receipt of this letter is recorded")
    expect(part).to_contain_text("Received, confirmed")
    assert_accessible(page, "the staff member's letters")
    _sign_out(page)

    sign_in_quickly(page, live_server, world["hr"].email, PASSWORD, then="/")
    page.get_by_role("link", name="Warnings").click()
    row = page.locator("tbody tr", has_text=plan.reference)
    expect(row).to_contain_text("Improvement note")
    expect(row).to_contain_text(expires)
    expect(row).to_contain_text("In force")
    expect(row).to_contain_text("Confirmed")
    assert_accessible(page, "HR's warnings")
    assert console_errors == []
