"""Issue 18 in a real browser: a staff member disagrees with their plan → it waits on the manager's
dashboard and in the plan header → the manager records the response in place → the staff member
reads it in plain words and acknowledges it; and a control whose review date has passed is
continued from the register and loses its flag, without the page reloading."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from pip_app.extensions import db
from pip_app.models import ControlKind, DisagreementResponse, InterimControl, PlanStatus
from pip_app.services.plans import issue_plan
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _sign_out(page) -> None:
    """Sign out with the page's own button (clearing cookies instead races a response still
    arriving, which may set the session cookie again)."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _only_deliberate(console_errors, *statuses: int) -> list[str]:
    allowed = tuple(f"status of {status}" for status in statuses)
    return [e for e in console_errors if not any(a in e for a in allowed)]


@pytest.fixture
def issued_plan(world):
    """An issued plan waiting for the staff member's acknowledgement (dates from today's real date:
    the disagreement is stamped with the real time)."""
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=date.today() - timedelta(days=10),
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"], review_by_date=date.today() + timedelta(days=10))
    factories.make_action(plan, 1)
    factories.approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def test_staff_disagrees_the_manager_responds_and_the_staff_member_acknowledges_the_response(
    live_server, page, console_errors, world, issued_plan
):
    plan_url = f"{live_server}/plans/{issued_plan.id}"
    # 1. The staff member disagrees, saying why.
    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.goto(plan_url)
    acknowledge = page.locator("#acknowledge")
    acknowledge.get_by_label("Disagree, with comment").check()
    acknowledge.get_by_label(re.compile("^Your comment")).fill("The audit counted a round I was not on.")
    acknowledge.get_by_role("button", name="Send my response").click()
    expect(page.locator("#plan-flags")).to_contain_text("not yet answered")
    _sign_out(page)

    # 2. The manager finds it on the dashboard and in the plan header, and records the response in place.
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then="/")
    dashboard = page.get_by_role("region", name="Disagreements to answer")
    expect(dashboard).to_contain_text(issued_plan.reference)
    dashboard.get_by_role("link", name=issued_plan.reference).click()
    expect(page.locator("#plan-flags")).to_contain_text("Disagreement with version 1 of the plan")
    panel = page.locator("#disagreements-panel")
    expect(panel).to_contain_text("The audit counted a round I was not on.")
    page.evaluate("window.__marker = 1")
    panel.get_by_role("link", name=re.compile("^Record the response")).click()
    expect(panel.get_by_label("Who was there")).to_be_focused()  # swapped in and settled
    panel.get_by_role("button", name="Save the response").click()  # incomplete: refused in place
    expect(panel.locator(".error-summary")).to_contain_text("Say who was there")
    assert_accessible(page, "response refused")
    panel.get_by_label("Who was there").fill("Sam Patel and me")
    panel.get_by_label("Outcome").fill("We checked the rota: that round was not hers. The audit figure is corrected.")
    panel.get_by_label("Yes: the plan was changed").check()
    panel.get_by_role("button", name="Save the response").click()
    expect(page.get_by_role("status").filter(has_text="Response recorded")).to_be_visible()
    expect(page.locator("#plan-flags")).not_to_contain_text("not yet answered")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    page.goto(live_server + "/")
    expect(page.get_by_role("region", name="Disagreements to answer")).to_have_count(0)
    _sign_out(page)

    # 3. The staff member reads the response in plain words and acknowledges it.
    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.goto(plan_url)
    panel = page.locator("#disagreements-panel")
    expect(panel).to_contain_text(
        f"Your manager, {world['manager'].name}, discussed your disagreement with you on "
        f"{date.today().day} {date.today():%b %Y}"
    )
    expect(panel).to_contain_text("The plan was changed as a result.")
    assert_accessible(page, "the response, for the staff member")
    panel.get_by_role("button", name="I have read this response").click()
    expect(panel).to_contain_text("You confirmed you read this response")
    expect(panel.get_by_role("button", name="I have read this response")).to_have_count(0)
    db.session.commit()
    [response] = db.session.query(DisagreementResponse).all()
    assert response.plan_changed and response.staff_read_at is not None
    assert _only_deliberate(console_errors, 422) == []


TODAY = date(2026, 11, 23)


def test_a_control_continued_from_the_register_loses_its_flag(live_server, page, console_errors, app, world):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    plan = factories.make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], start=TODAY - timedelta(days=20)
    )
    control = factories.make_control(
        plan,
        world["senior"],
        kind=ControlKind.ESCALATION_SIGN_OFF,
        detail="Every escalation decision is confirmed by the senior on duty.",
        review_by_date=TODAY - timedelta(days=2),
        last_checked_on=TODAY - timedelta(days=1),
    )
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then="/register?flagged=1")
    row = page.locator(f"#register-control-{control.id}")
    expect(row).to_contain_text("Review 2 days overdue")
    page.evaluate("window.__marker = 1")
    row.get_by_role("link", name=re.compile("^Reviewed: continue")).click()
    expect(row.get_by_label("Continue until")).to_be_focused()  # swapped in and settled
    row.get_by_label("Continue until").fill((TODAY + timedelta(weeks=20)).isoformat())
    row.get_by_label("Why it continues").fill("Escalation audit at 80%: keep senior sign-off.")
    row.get_by_role("button", name="Continue the control").click()
    expect(row.locator(".error-summary")).to_contain_text("at most 12 weeks at a time")
    assert_accessible(page, "continuation refused")
    row.get_by_label("Continue until").fill((TODAY + timedelta(weeks=4)).isoformat())
    row.get_by_role("button", name="Continue the control").click()
    expect(row.get_by_role("status")).to_contain_text("continues until 21 Dec 2026")
    expect(row).to_contain_text(f"Continued until 21 Dec 2026 by {world['senior'].name}")
    expect(row).not_to_contain_text("overdue")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    db.session.commit()
    saved = db.session.get(InterimControl, control.id)
    assert saved.continued_until == TODAY + timedelta(weeks=4) and saved.review_by_date == TODAY - timedelta(days=2)
    # The plan header agrees: no "review date passed" flag.
    page.goto(f"{live_server}/plans/{plan.id}")
    expect(page.locator("#plan-flags")).not_to_contain_text("review date")
    expect(page.locator("#controls-panel")).to_contain_text("Continued until 21 Dec 2026")
    assert _only_deliberate(console_errors, 422) == []


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_response_is_recorded_and_read_without_javascript(live_server, no_js_page, world, issued_plan):
    from pip_app.clock import now_utc
    from pip_app.models import Acknowledgement, AckResponse, AckSubject

    page = no_js_page
    ack = Acknowledgement(
        plan=issued_plan,
        user=world["staff"],
        subject=AckSubject.PLAN,
        plan_version=1,
        statement="I have read version 1.",
        response=AckResponse.DISAGREE,
        comment="Not my shift.",
        acknowledged_at=now_utc() - timedelta(days=1),
    )
    db.session.add(ack)
    db.session.commit()
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.goto(f"{live_server}/plans/{issued_plan.id}")
    page.get_by_role("link", name=re.compile("^Record the response")).click()
    # The disagreements page of its own: the plan's header (its h1), then the disagreements.
    expect(page.get_by_role("heading", name=f"{issued_plan.reference}: {world['staff'].name}", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Disagreements and the responses", level=2)).to_be_visible()
    page.get_by_label("Who was there").fill("Sam Patel and me")
    page.get_by_label("Outcome").fill("Agreed: the shift is removed from the audit.")
    page.get_by_label("No: the plan stays as it is").check()
    page.get_by_role("button", name="Save the response").click()
    expect(page).to_have_url(re.compile(rf"/plans/{issued_plan.id}#disagreement-{ack.id}$"))
    expect(page.get_by_text("Response recorded.")).to_be_visible()
    _sign_out(page)
    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.goto(f"{live_server}/plans/{issued_plan.id}")
    page.get_by_role("button", name="I have read this response").click()
    expect(page.get_by_text("You confirmed you read this response")).to_be_visible()
