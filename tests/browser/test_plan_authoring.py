"""Plan authoring, end to end in a real browser: a manager builds a plan from a template, sees
the live measurability check while typing an action, schedules observed shifts and issues the
plan; the staff member then acknowledges it (agreeing, or disagreeing with a comment)."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.formatting import format_datetime
from pip_app.models import Acknowledgement, Plan, PlanStatus
from pip_app.plan_templates import get_template
from pip_app.schedule import generate_schedule
from pip_app.services import acknowledgements
from pip_app.services import plans as plan_ops
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

VAGUE = {
    "behaviour": "Complete training",
    "when": "ongoing",
    "check_method": "manager to monitor",
    "success_criterion": "training completed",
}
MEASURABLE = {
    "behaviour": "Sign the MAR at the time of each administration",
    "when": "at every medication round",
    "check_method": "weekly MAR audit by the senior",
    "success_criterion": "at least 90% MAR compliance across two consecutive audits",
}


def _set_marker(page) -> None:
    """A flag on the window that a full page load would wipe out."""
    page.evaluate("window.__marker = 1")


def _assert_no_reload(page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def _fill_action(page, values: dict) -> None:
    for name, value in values.items():
        page.locator(f"#action-{name}").fill(value)


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _acknowledgements(page):
    """The acknowledgements panel, opened (its list loads when opened; the disagreements beside it
    have a list of their own, shown at once)."""
    panel = page.locator("section").filter(has=page.get_by_role("heading", name="Acknowledgements", level=2))
    panel.locator("summary").click()
    expect(panel.locator("#acknowledgement-list")).to_be_visible()
    return panel


def _ack_line(name: str, verb: str, ack: Acknowledgement) -> re.Pattern:
    """Who responded, how, to which version and when (in UK time, as the page shows it)."""
    when = re.escape(format_datetime(ack.acknowledged_at))
    return re.compile(rf"{re.escape(name)} {verb} \([^)]*version 1\) on {when}")


def _saved_ack(plan_id: int) -> Acknowledgement | None:
    """The plan's acknowledgement as the server stored it: the test's session ends its own
    read transaction first (SQLite in WAL mode would otherwise keep showing its old snapshot)."""
    db.session.commit()
    return db.session.scalar(select(Acknowledgement).where(Acknowledgement.plan_id == plan_id))


def _recorded_ack(plan_id: int) -> Acknowledgement:
    """The acknowledgement the browser just recorded."""
    ack = _saved_ack(plan_id)
    assert ack is not None
    return ack


def test_manager_builds_and_issues_a_plan_and_the_staff_member_agrees(live_server, page, console_errors, world):
    manager, staff = world["manager"], world["staff"]
    manager_email, staff_email, staff_name, staff_id = manager.email, staff.email, staff.name, staff.id
    template = get_template("escalation")

    # 1. Plans → New plan, from the escalation template, for the staff member.
    sign_in_quickly(page, live_server, manager_email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plans").click()
    expect(page.get_by_role("heading", name="Plans", level=1)).to_be_visible()
    page.get_by_role("link", name="New plan").click()
    expect(page.get_by_role("heading", name="New improvement plan", level=1)).to_be_visible()
    page.locator("#template").select_option(label="Escalation after near misses")
    page.get_by_role("button", name="Use this template").click()
    expect(page).to_have_url(re.compile(r"/plans/new\?template=escalation$"))
    expect(page.get_by_label("Risk statement")).to_have_value(template.risk_statement)
    page.locator("#staff_id").select_option(str(staff_id))
    page.get_by_role("button", name="Save draft and continue").click()
    expect(page).to_have_url(re.compile(r"/plans/\d+/edit$"))
    plan_id = int(re.search(r"/plans/(\d+)/edit$", page.url).group(1))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Build PIP-{today().year}-")
    expect(page.get_by_role("heading", level=1)).to_contain_text(staff_name)
    actions = page.locator("#actions > ol.item-list > li")
    expect(actions).to_have_count(len(template.actions))

    # 2. A vague action gets live feedback as it is typed, without a page reload…
    _set_marker(page)
    page.locator("#actions summary", has_text="Add an action").click()
    expect(page.locator("#action-behaviour")).to_be_visible()
    _fill_action(page, VAGUE)
    expect(page.locator("#quality-new-behaviour")).to_contain_text("does not say what the person will do differently")
    expect(page.locator("#quality-new-when")).to_contain_text("is not a time the action can be checked against")
    expect(page.locator("#quality-new-check_method")).to_contain_text("Name how this will be checked")
    expect(page.locator("#quality-new-success_criterion")).to_contain_text("records an activity, not a change")
    expect(page.locator("#quality-new")).to_contain_text("4 suggestions to make this action measurable")
    _assert_no_reload(page)

    # …and once it is rewritten as a measurable action the check says so, and it is added.
    _fill_action(page, MEASURABLE)
    expect(page.locator("#quality-new")).to_contain_text("This action is measurable")
    expect(page.locator("#quality-new")).not_to_contain_text("suggestion")
    expect(page.locator("#quality-new-behaviour")).to_be_empty()
    page.get_by_role("button", name="Add action").click()
    expect(page.locator("#actions .saved-notice")).to_have_text("Actions saved.")
    expect(actions).to_have_count(len(template.actions) + 1)
    new_action = actions.last
    expect(new_action.get_by_role("heading", level=3)).to_have_text(re.compile(r"/A5$"))
    expect(new_action).to_contain_text(MEASURABLE["behaviour"])
    expect(new_action).to_contain_text(MEASURABLE["success_criterion"])
    expect(new_action.locator(".quality")).to_have_count(0)
    _assert_no_reload(page)

    # 3. Observed shifts: 2 a week for 4 weeks, within the plan's four weeks from today.
    start = today()
    expected = len(generate_schedule(start, start + timedelta(weeks=template.weeks), 2, 4, "early"))
    assert expected == 8
    details = page.locator("#observations details.add")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    page.locator("#schedule-per_week").fill("2")
    page.locator("#schedule-weeks").fill("4")
    page.locator("#observations").get_by_role("button", name="Schedule").click()
    expect(page.locator("#observations .saved-notice")).to_have_text("Observation schedule saved.")
    expect(page.locator("#observations table tbody tr")).to_have_count(expected)
    expect(page.locator("#observations table tbody tr").first).to_contain_text(f"{start.day} {start:%b %Y}")
    _assert_no_reload(page)

    # 4. The contributing factors are answered before issue (issue 19): none identified, and why.
    expect(page.locator("#issue")).to_contain_text("Answer the contributing factors")
    page.locator("#factors > summary").click()
    page.locator("#factors-panel").get_by_role("link", name="Answer the contributing factors").click()
    page.locator("#factors-panel").get_by_label("None identified, because").fill(
        "Discussed in supervision: workload, rota and induction checked"
    )
    page.locator("#factors-panel").get_by_role("button", name="Save the contributing factors").click()
    expect(page.locator("#factors-panel .saved-notice")).to_have_text("Contributing factors saved.")
    page.reload()

    # 5. Approval before issue (issue 18): submitted, returned with a comment by the registered
    # manager, changed and submitted again, approved; then issued.
    expect(page.locator("#issue")).to_contain_text("Ready to issue")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#issue")).to_contain_text("Submitted for approval")
    _sign_out(page)
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then="/")
    waiting = page.locator("section").filter(has=page.get_by_role("heading", name="Waiting for your decision"))
    expect(waiting).to_contain_text("Approve the plan before issue")
    waiting.get_by_role("link").first.click()
    decisions = page.locator("#decisions")
    expect(decisions).to_contain_text("Approval before issue")
    assert_accessible(page, "a draft waiting for approval")
    decisions.get_by_label("Comment with your decision").fill("Say who the near misses were with in the risk.")
    decisions.get_by_role("button", name="Return with comments").click()
    expect(page.get_by_text("Returned with your comments.")).to_be_visible()
    _sign_out(page)

    sign_in_quickly(page, live_server, manager_email, PASSWORD, then=f"/plans/{plan_id}/edit")
    expect(page.locator("#issue")).to_contain_text("Say who the near misses were with in the risk.")
    page.get_by_label("Risk statement").fill(
        template.risk_statement + " Both near misses were with residents on the first floor."
    )
    page.get_by_role("button", name="Save the risk section").click()
    expect(page.locator("#risk .saved-notice")).not_to_be_empty()
    page.reload()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#issue")).to_contain_text("Submitted for approval")
    _sign_out(page)

    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then=f"/plans/{plan_id}#decisions")
    page.locator("#decisions").get_by_role("button", name="Approve the plan").click()
    expect(page.get_by_text("Approved.", exact=True)).to_be_visible()
    _sign_out(page)

    # Issue: the plan page shows it active and waiting for the staff member.
    sign_in_quickly(page, live_server, manager_email, PASSWORD, then=f"/plans/{plan_id}/edit")
    expect(page.locator("#issue")).to_contain_text("Approved by")
    page.get_by_role("button", name="Issue plan").click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}$"))
    expect(page.get_by_text("will be asked to acknowledge it")).to_be_visible()
    expect(page.locator(".plan-header .status")).to_have_text("Active")
    expect(page.get_by_text(f"Waiting for {staff_name} to acknowledge version 1.")).to_be_visible()
    reference = page.get_by_role("heading", level=1).inner_text().split(":")[0]

    # 6. The staff member finds it on the dashboard and agrees.
    _sign_out(page)
    sign_in_quickly(page, live_server, staff_email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    to_acknowledge = page.locator("section").filter(has=page.get_by_role("heading", name="To acknowledge"))
    to_acknowledge.get_by_role("link", name=reference).click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}(#your-plan)?$"))
    statement = page.locator("#acknowledge blockquote.statement")
    expect(statement).to_contain_text(f"I have read version 1 of improvement plan {reference}")
    shown = statement.inner_text().strip()
    page.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Send my response").click()
    expect(page.get_by_text("Your acknowledgement has been recorded")).to_be_visible()
    expect(page.locator("#acknowledge")).to_have_count(0)
    ack = _recorded_ack(plan_id)
    assert ack.statement == shown
    recorded = _acknowledgements(page)
    expect(recorded).to_contain_text(_ack_line(staff_name, "agreed", ack))
    expect(recorded).to_contain_text(f"Statement shown: “{shown}”")

    assert console_errors == []


@pytest.fixture
def issued_plan(world):
    """An issued plan (version 1) for world["staff"], starting today, waiting for acknowledgement."""
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=today(),
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    factories.make_action(plan)
    factories.approve_for_issue(plan)
    plan_ops.issue_plan(world["manager"], plan)
    db.session.commit()
    assert acknowledgements.plan_acknowledgement_due(plan)
    return plan


def test_staff_member_disagrees_with_a_comment(live_server, page, console_errors, world, issued_plan):
    plan_id, reference, staff_name = issued_plan.id, issued_plan.reference, world["staff"].name
    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.get_by_role("link", name=reference).first.click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}(#your-plan)?$"))

    # Disagreeing without saying why is refused in place, and the choice is kept.
    _set_marker(page)
    disagree = page.get_by_label("Disagree, with comment")
    disagree.check()
    page.get_by_role("button", name="Send my response").click()
    expect(page.locator("#acknowledge .error-summary")).to_contain_text("Say what you disagree with")
    expect(page.locator("#field-ack-comment .field-error")).to_contain_text("Say what you disagree with")
    expect(page.get_by_label("Disagree, with comment")).to_be_checked()
    expect(page.get_by_label("Agree", exact=True)).not_to_be_checked()
    expect(page.locator("#acknowledge blockquote.statement")).to_contain_text(
        f"I have read version 1 of improvement plan {reference}"
    )
    _assert_no_reload(page)
    assert _saved_ack(plan_id) is None

    # With the comment it is recorded, comment and all.
    comment = "The observed shifts clash with my college days; I would like to move them."
    page.get_by_label("Your comment").fill(comment)
    page.get_by_role("button", name="Send my response").click()
    expect(page.get_by_text("Your acknowledgement has been recorded")).to_be_visible()
    ack = _recorded_ack(plan_id)
    assert ack.response.value == "disagree" and ack.comment == comment
    recorded = _acknowledgements(page)
    expect(recorded).to_contain_text(_ack_line(staff_name, "disagreed", ack))
    expect(recorded).to_contain_text(f"Statement shown: “{ack.statement}”")
    expect(recorded).to_contain_text(f"Comment: {comment}")
    assert db.session.get(Plan, plan_id).status is PlanStatus.ACTIVE

    # The refused response is a deliberate 422 (htmx swaps it in); Chromium logs any 4xx.
    assert [e for e in console_errors if "status of 422" not in e] == []
