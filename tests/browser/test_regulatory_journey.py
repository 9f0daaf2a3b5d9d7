"""Issue 20, point 4, in a real browser: restricted duties put "Regulatory decisions needed" in
the plan header; the registered manager opens "Regulatory considerations", is refused beside the
field without a rationale, records each decision in place, and the header's flag goes — without
the page reloading. Accessible at each step."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from pip_app.extensions import db
from pip_app.models import ControlKind, Nation, PlanStatus, ProfessionalRegister
from pip_app.services.plans import issue_plan
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def restricted_plan(world):
    staff = world["staff"]
    staff.nation, staff.professional_register = Nation.ENGLAND, ProfessionalRegister.NONE
    plan = factories.make_plan(
        staff=staff,
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=date.today() - timedelta(days=10),
        evidence_sources=["audit"],
    )
    factories.make_control(
        plan,
        world["senior"],
        kind=ControlKind.RESTRICTED_DUTIES,
        detail="No medication rounds until the competency check.",
        review_by_date=date.today() + timedelta(days=10),
    )
    factories.make_action(plan, 1)
    factories.approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def test_the_registered_manager_records_the_regulatory_decisions_in_place(
    live_server, page, console_errors, world, restricted_plan
):
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then=f"/plans/{restricted_plan.id}")
    flags = page.locator("#plan-flags")
    expect(flags).to_contain_text("Regulatory decisions needed: 2 referral decisions not yet recorded")
    page.locator("#regulatory summary").click()
    part = page.locator("#regulatory-panel")
    expect(part).to_contain_text("not referring when the test is met, without a reasonable excuse, is an offence")
    assert_accessible(page, "the regulatory checklist")

    dbs = part.locator("#regulatory-dbs")
    dbs.get_by_label("Decision").select_option("not_referred")
    dbs.get_by_role("button", name=re.compile("^Record the decision")).click()
    expect(page.locator("#regulatory-dbs .field-error")).to_contain_text("Give the reasons for the decision")
    page.locator("#regulatory-dbs").get_by_label("Rationale").fill(
        "Duties restricted for support; no harm or risk of harm found, so the referral test is not met."
    )
    page.locator("#regulatory-dbs").get_by_role("button", name=re.compile("^Record the decision")).click()
    expect(page.locator("#regulatory-panel")).to_contain_text("Decision recorded.")
    expect(flags).to_contain_text("1 referral decision not yet recorded")

    safeguarding = page.locator("#regulatory-safeguarding")
    safeguarding.get_by_label("Decision").select_option("not_applicable")
    safeguarding.get_by_label("Rationale").fill("No adult with care and support needs was harmed or at risk.")
    safeguarding.get_by_label("Reference number (optional)").fill("LA-SG-2026-118")
    safeguarding.get_by_role("button", name=re.compile("^Record the decision")).click()
    expect(page.locator("#regulatory-panel")).to_contain_text("LA-SG-2026-118")
    expect(page.locator("#plan-header")).not_to_contain_text("Regulatory decisions needed")
    assert_accessible(page, "the regulatory checklist answered")
    assert [e for e in console_errors if "status of 422" not in e] == []


def test_on_a_page_of_its_own_the_checklist_refreshes_the_plans_header_there(
    live_server, page, console_errors, world, restricted_plan
):
    """Opened as a page of its own (a link, a bookmark), the checklist shows the plan's header too,
    so the header each saved decision refreshes out of band has somewhere to go: htmx logged
    `oobErrorNoTarget` for `#plan-header` there before, and the flag stayed as it was."""
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then=f"/plans/{restricted_plan.id}/regulatory")
    header = page.locator("#plan-header")
    expect(header).to_contain_text("Regulatory decisions needed: 2 referral decisions not yet recorded")
    assert page.locator("h1").count() == 1
    for code, answer in (("dbs", "not_referred"), ("safeguarding", "not_applicable")):
        form = page.locator(f"#regulatory-{code}")
        form.get_by_label("Decision").select_option(answer)
        form.get_by_label("Rationale").fill("Considered with HR: the referral test is not met.")
        form.get_by_role("button", name=re.compile("^Record the decision")).click()
        expect(page.locator("#regulatory-panel")).to_contain_text("Decision recorded.")
    expect(header).not_to_contain_text("Regulatory decisions needed")
    assert_accessible(page, "the regulatory checklist as a page of its own")
    assert console_errors == []
