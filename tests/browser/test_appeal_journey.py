"""Issue 20, point 3, in a real browser: the staff member appeals against their improvement note;
HR chooses a registered manager not previously involved to hear it; the hearer records the appeal
hearing (with the staff member's union representative) in Meetings, links it, and records "not
upheld" with reasons; the staff member reads the outcome. "Under appeal" shows in the plan header
meanwhile and goes after. Dates relative to the app's today; accessible at each step."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pip_app.appeal_rules import deadline
from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import Appeal, AppealOutcome, CompanionKind, Letter, LetterKind, MeetingKind, PlanStatus, Role
from pip_app.services.plans import issue_plan
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

GROUNDS = "The note ignores the rota change that left me alone on the medication round."
REASONS = "Both MAR audits were after the rota change was put right; the note stands."


@pytest.fixture
def noted_plan(world):
    """An issued plan (its registered manager approved it) with an improvement note sent yesterday."""
    day = today()
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=day - timedelta(days=30),
        weeks=10,
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"], review_by_date=day + timedelta(days=10))
    factories.make_action(plan, 1)
    factories.approve_for_issue(plan, world["senior"])
    issue_plan(world["manager"], plan)
    sent = day - timedelta(days=1)
    db.session.add(
        Letter(
            plan=plan,
            kind=LetterKind.IMPROVEMENT_NOTE,
            content={},
            plan_row_version=plan.row_version,
            drafted_by=world["manager"],
            sent_by=world["manager"],
            sent_on=sent,
            appeal_by=deadline(sent, 5),
        )
    )
    db.session.commit()
    return plan


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _open_appeal(page, base_url: str, plan_id: int):
    page.goto(f"{base_url}/plans/{plan_id}")
    return _expand_appeal(page)


def _expand_appeal(page):
    """The Appeal part of the plan page now shown, opened (its content loads when opened)."""
    page.locator("#appeal > summary").click()
    panel = page.locator("#appeal-panel")
    expect(panel.get_by_role("heading", name="Appeal", level=2)).to_be_visible()
    return panel


def test_an_appeal_lodged_heard_by_someone_not_involved_and_decided(
    live_server, page, console_errors, world, noted_plan
):
    plan_id = noted_plan.id
    rita = factories.make_user(Role.SENIOR, name="Rita Registered", email="rita@example.test", services=[world["home"]])
    header = page.locator("#plan-header")

    # 1. The staff member appeals, with their grounds; the header says "Under appeal" at once.
    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then=f"/plans/{plan_id}")
    panel = _expand_appeal(page)
    expect(header).not_to_contain_text("Under appeal")
    expect(panel).to_contain_text("appeal by")
    panel.get_by_role("button", name="Lodge my appeal").click()
    expect(page.locator("#appeal-panel .field-error").first).to_be_visible()  # no letter, no grounds: 422
    panel = page.locator("#appeal-panel")
    panel.get_by_label("The decision").select_option(index=1)
    panel.get_by_label("Your grounds for appeal").fill(GROUNDS)
    assert_accessible(page, "the appeal form")
    panel.get_by_role("button", name="Lodge my appeal").click()
    expect(page.locator("#appeal-panel")).to_contain_text("Your appeal has been lodged.")
    expect(header).to_contain_text("Under appeal")
    _sign_out(page)

    # 2. HR chooses the hearer: only people not previously involved are offered.
    sign_in_quickly(page, live_server, world["hr"].email, PASSWORD, then="/")
    expect(page.get_by_text("Appeal waiting for a hearer")).to_be_visible()
    panel = _open_appeal(page, live_server, plan_id)
    expect(header).to_contain_text("Under appeal")
    hearer = panel.get_by_label("Hearer")
    expect(hearer.locator("option", has_text=world["senior"].name)).to_have_count(0)
    hearer.select_option(label="Rita Registered (Registered manager / deputy)")
    panel.get_by_role("button", name="Choose the hearer").click()
    expect(page.locator("#appeal-panel")).to_contain_text("Hearer chosen")
    expect(page.locator("#appeal-panel")).to_contain_text("Rita Registered")
    _sign_out(page)

    # 3. The hearer records the hearing in Meetings, with the union representative, then links it.
    sign_in_quickly(page, live_server, rita.email, PASSWORD, then="/")
    expect(page.get_by_text("Appeal to hear")).to_be_visible()
    page.goto(f"{live_server}/plans/{plan_id}")
    page.locator("#meetings > summary").click()
    meetings = page.locator("#meetings-panel")
    meetings.get_by_role("link", name="Record a meeting").click()
    form = page.locator("#meetings-panel form")
    form.get_by_label("Appeal hearing").check()
    form.get_by_label("Date", exact=True).fill(today().isoformat())
    form.get_by_label("A trade-union representative").check()
    form.get_by_label("Companion's name").fill("Dave Morgan (UNISON)")
    form.get_by_label("What was discussed").fill("The grounds of appeal and the two MAR audits.")
    form.get_by_role("button", name="Save the meeting").click()
    expect(page.locator("#meetings-panel").get_by_text("Meeting recorded.")).to_be_visible()

    panel = _open_appeal(page, live_server, plan_id)
    panel.get_by_label("Appeal hearing").select_option(index=1)
    panel.get_by_role("button", name="Link the hearing").click()
    panel = page.locator("#appeal-panel")
    expect(panel).to_contain_text("Hearing linked.")
    expect(panel).to_contain_text("accompanied by Dave Morgan (UNISON)")

    # 4. The outcome: refused without reasons (kept), then recorded; "Under appeal" goes.
    panel.get_by_label("Outcome", exact=True).select_option("not_upheld")
    panel.get_by_role("button", name="Record the outcome").click()
    expect(page.locator("#appeal-panel .field-error")).to_contain_text("Give the reasons for the outcome.")
    panel = page.locator("#appeal-panel")
    expect(panel.get_by_label("Outcome", exact=True)).to_have_value("not_upheld")
    panel.get_by_label("Reasons", exact=True).fill(REASONS)
    assert_accessible(page, "the outcome form")
    panel.get_by_role("button", name="Record the outcome").click()
    expect(page.locator("#appeal-panel")).to_contain_text("Outcome recorded")
    expect(header).not_to_contain_text("Under appeal")
    _sign_out(page)

    # 5. The staff member reads the outcome and the reasons.
    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then=f"/plans/{plan_id}")
    panel = _expand_appeal(page)
    expect(header).not_to_contain_text("Under appeal")
    expect(panel).to_contain_text("Not upheld: the decision stands")
    expect(panel).to_contain_text(REASONS)
    expect(panel).to_contain_text(re.compile(r"Heard by Rita Registered|Rita Registered, at the hearing of"))
    assert_accessible(page, "the appeal outcome (staff)")

    db.session.commit()
    [appeal] = db.session.query(Appeal).all()
    assert appeal.outcome is AppealOutcome.NOT_UPHELD and appeal.hearer_id == rita.id
    assert appeal.meeting.kind is MeetingKind.APPEAL and appeal.meeting.companion_kind is CompanionKind.UNION_REP
    # The deliberate refusals (422) are the only errors the console shows.
    assert [e for e in console_errors if "status of 422" not in e] == []
