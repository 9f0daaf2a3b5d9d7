"""The states a journey passes through, not only the screens as they first load: forms refused
with errors, inline editors opened by htmx, the quality-check warning, what is missing before
issue, saved notices, an empty register, the closure form refused, a refused acknowledgement, a
wrong password and two-factor set-up. Each state is reached the way a person reaches it, checked
to be showing, then has zero axe-core violations of the WCAG 2.2 A and AA rules; the only console
errors allowed are Chromium's notes of the deliberate 4xx answers."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import PlanStatus
from pip_app.services.plans import issue_plan
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from tests.test_closure import ready_plan

pytestmark = pytest.mark.browser

VAGUE = {
    "behaviour": "Complete training",
    "when": "ongoing",
    "check_method": "manager to monitor",
    "success_criterion": "training completed",
}


def _only_deliberate(console_errors, *statuses: int) -> list[str]:
    """Console errors other than Chromium's "the server responded with a status of N" for the
    refusals the test caused on purpose."""
    allowed = tuple(f"status of {status}" for status in statuses)
    return [e for e in console_errors if not any(a in e for a in allowed)]


def test_sign_in_with_a_wrong_password_and_two_factor_set_up(live_server, page, console_errors, world, app):
    page.goto(f"{live_server}/login")
    page.get_by_label("Email address").fill(world["hr"].email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page, "sign-in with a wrong password")

    # HR must set up two-factor sign-in before anything else.
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("hr",)
    sign_in(page, live_server, world["hr"].email, PASSWORD)
    expect(page).to_have_url(f"{live_server}/account/two-factor")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in", level=1)).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()
    assert_accessible(page, "two-factor set-up")

    page.get_by_label(re.compile("code", re.I)).fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, "two-factor set-up with a wrong code")
    assert _only_deliberate(console_errors, 401, 422) == []


@pytest.fixture
def draft(world):
    """A draft with one control and one vague action (so the builder shows the quality warning)."""
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=today(),
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    factories.make_action(plan, 1, **VAGUE)
    db.session.commit()
    return plan


def test_plan_authoring_states(live_server, page, console_errors, world, draft):
    sign_in(page, live_server, world["manager"].email, PASSWORD)
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()

    # The new-plan form submitted empty.
    page.goto(f"{live_server}/plans/new")
    page.get_by_role("button", name="Save draft and continue").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".field-error").first).to_be_visible()
    assert_accessible(page, "new plan with errors")

    # The builder: the saved vague action carries its warning, and the issue step says why.
    page.goto(f"{live_server}/plans/{draft.id}/edit")
    action = page.locator(f"#action-{draft.actions[0].id}")
    expect(action.locator(".quality")).to_contain_text("Not yet measurable")
    expect(page.locator("#issue .quality")).to_contain_text("1 action is not yet measurable")
    assert_accessible(page, "builder with the quality warning")

    # The live check while a new action is typed.
    page.locator("#actions summary", has_text="Add an action").click()
    for name, value in VAGUE.items():
        page.locator(f"#action-{name}").fill(value)
    expect(page.locator("#quality-new")).to_contain_text("4 suggestions to make this action measurable")
    assert_accessible(page, "builder with the live quality check")

    # Inline editors, opened in place by htmx.
    page.evaluate("window.__marker = 1")
    action.get_by_role("link", name="Edit A1").click()
    expect(page.get_by_role("button", name="Save A1")).to_be_visible()
    assert_accessible(page, "builder with the action editor open")
    page.locator("#actions").get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("button", name="Save A1")).to_have_count(0)
    page.locator("#controls").get_by_role("link", name=re.compile("^Edit")).click()
    expect(page.get_by_role("button", name="Save control")).to_be_visible()
    assert_accessible(page, "builder with the control editor open")
    assert page.evaluate("window.__marker") == 1, "the editors opened in place"

    # Submitting with a vague action and no reason is refused, saying what is missing.
    page.locator("#controls").get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#issue .error-summary")).to_be_visible()
    assert_accessible(page, "submission refused")
    assert _only_deliberate(console_errors, 422) == []


def test_issue_step_shows_what_is_missing(live_server, page, console_errors, world):
    plan = factories.make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT, start=today()
    )
    db.session.commit()
    sign_in(page, live_server, world["manager"].email, PASSWORD)
    page.goto(f"{live_server}/plans/{plan.id}/edit")
    problems = page.locator("#issue .problems")
    expect(problems).to_contain_text("Before you can issue:")
    expect(problems.get_by_role("listitem")).not_to_have_count(0)
    assert_accessible(page, "issue step with problems")
    # The button is aria-disabled, not disabled: it can still be pressed, and is refused in place.
    button = page.get_by_role("button", name="Submit for approval")
    expect(button).to_have_attribute("aria-disabled", "true")
    button.focus()
    with page.expect_response(f"{live_server}/plans/{plan.id}/submit") as refused:
        page.keyboard.press("Enter")
    assert refused.value.status == 422
    expect(page.locator("#issue .problems")).to_contain_text("Before you can issue:")
    assert_accessible(page, "submission refused with problems")
    assert _only_deliberate(console_errors, 422) == []


@pytest.fixture
def active_plan(world):
    """An issued plan with a measured action, waiting for the staff member's acknowledgement."""
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=date.today() - timedelta(days=10),
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    factories.make_action(
        plan, 1, measure_name="MAR compliance", measure_unit="%", measure_target=90, measure_consecutive=2
    )
    factories.approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def test_review_form_states(live_server, page, console_errors, world, active_plan):
    sign_in(page, live_server, world["manager"].email, PASSWORD)
    page.goto(f"{live_server}/plans/{active_plan.id}")
    page.get_by_role("link", name="Record this week's review").click()
    expect(page.locator("#review-form-h")).to_be_visible()
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("#reviews-panel .error-summary")).to_be_visible()
    assert_accessible(page, "review form with errors")

    page.locator("fieldset.review-entry").first.get_by_role("radio", name="On track").check()
    page.get_by_label("Overall summary").fill("A steady first week.")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("#reviews-panel .saved-notice")).to_contain_text("Weekly review saved.")
    assert_accessible(page, "review saved")
    assert _only_deliberate(console_errors, 422) == []


def test_acknowledgement_refused_without_the_disagree_comment(live_server, page, console_errors, world, active_plan):
    sign_in(page, live_server, world["staff"].email, PASSWORD)
    page.goto(f"{live_server}/plans/{active_plan.id}")
    page.locator("#acknowledge").get_by_label("Disagree, with comment").check()
    page.locator("#acknowledge").get_by_role("button", name="Send my response").click()
    expect(page.locator("#acknowledge .error-summary")).to_contain_text("Say what you disagree with")
    assert_accessible(page, "acknowledgement refused")
    assert _only_deliberate(console_errors, 422) == []


def test_register_with_no_matching_controls(live_server, page, console_errors, world, active_plan):
    sign_in(page, live_server, world["senior"].email, PASSWORD)
    page.goto(f"{live_server}/register")
    expect(page.locator("tbody.register-control")).to_have_count(1)
    page.get_by_label("Search").fill("nobody by this name")
    expect(page.locator(".register-results__count")).to_have_text("0 controls.")
    expect(page.get_by_text("No controls match these filters.")).to_be_visible()
    assert_accessible(page, "register, empty result")
    assert console_errors == []


def test_closure_states(live_server, page, console_errors, world):
    plan = ready_plan(world, factories.make_plan)
    plan.planned_end_date = today() - timedelta(days=1)  # closes after its planned end: no approval needed
    db.session.commit()
    plan_id = plan.id
    sign_in(page, live_server, world["manager"].email, PASSWORD)
    page.goto(f"{live_server}/plans/{plan_id}/close")
    page.get_by_role("button", name="Close the plan").click()
    expect(page.locator("#close-form .error-summary")).to_contain_text("Choose the outcome.")
    assert_accessible(page, "closure form with errors")

    # Closed, the staff member's response is refused without the comment a disagreement needs.
    page.get_by_label("Achieved and sustained").check()
    decision = page.locator(f"#close-control-{plan.controls[0].id}")
    decision.get_by_label("Carry it into ongoing monitoring").check()
    decision.get_by_label("Rationale").fill("Paired rounds monthly until March.")
    page.locator(f"#close-reason-{plan.actions[1].id}").get_by_role("textbox").fill("Assured by the monthly audit.")
    page.get_by_label("How the risk is now controlled", exact=True).fill("Signed as given.")
    page.get_by_label("Ongoing monitoring", exact=True).fill("Monthly audit until March.")
    page.get_by_role("button", name="Close the plan").click()
    expect(page.get_by_text(f"{plan.reference} is closed.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, world["staff"].email, PASSWORD)
    page.goto(f"{live_server}/plans/{plan_id}")
    form = page.locator("#closure-acknowledge")
    form.get_by_label("Disagree, with comment").check()
    form.get_by_role("button", name="Send my response").click()
    expect(page.locator("#closure-acknowledge .error-summary")).to_contain_text("Say what you disagree with")
    assert_accessible(page, "closure acknowledgement refused")
    assert _only_deliberate(console_errors, 422) == []
