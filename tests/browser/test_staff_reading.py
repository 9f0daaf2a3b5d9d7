"""The staff member's screens favour reading over signing (issue 22, point 8), at 390 px and
1280 px: their plan in brief (what changed since the version they acknowledged, their actions in
plain words) comes before the statement and the buttons; the phone page stays short; closed plans
stay on the dashboard, whose table keeps Status in view on a phone."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import AckResponse, PlanStatus
from pip_app.schedule import Slot
from pip_app.services import acknowledgements
from pip_app.services import plans as plan_ops
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD
from tests.test_closure import close_directly, ready_plan

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_plans(world):
    """The staff member's version 2 of an active plan (they acknowledged version 1; A2 was
    reworded since), with a dozen observed shifts; and a closed plan of theirs."""
    start = today() - timedelta(weeks=3)
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=start,
        weeks=8,
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    factories.make_action(plan, 1, behaviour="Record the escalation rationale for every change", when="every shift")
    factories.make_action(plan, 2, behaviour="Use the daily escalation checklist", when="every shift")
    factories.make_action(plan, 3, behaviour="Hand over each resident's observations to the senior", when="daily")
    slots = [Slot(start + timedelta(days=d), "early") for d in range(2, 50, 4)]
    plan_ops.schedule_observations(world["manager"], plan, slots, observer_id=world["senior"].id, focus=plan.actions)
    factories.approve_for_issue(plan)
    plan_ops.issue_plan(world["manager"], plan)
    acknowledgements.acknowledge_plan(world["staff"], plan, version=1, response=AckResponse.AGREE, comment=None)
    plan.actions[1].behaviour = "Use the daily escalation checklist at the start of each shift"
    db.session.flush()
    plan_ops.amend_plan(world["manager"], plan, change_summary="A2 says when the checklist is used.")
    db.session.commit()
    closed = ready_plan(world, factories.make_plan)
    close_directly(closed, world["manager"])
    return plan.id, plan.reference, closed.reference


@pytest.mark.parametrize("width", [390, 1280])
def test_the_staff_member_reads_their_plan_before_signing(live_server, page, console_errors, staff_plans, width):
    plan_id, reference, closed_reference = staff_plans
    page.set_viewport_size({"width": width, "height": 844})
    sign_in_quickly(page, live_server, "staff@example.test", PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()

    # The dashboard: Status is in view on a phone, and the closed plan is listed.
    mine = page.locator("section", has=page.get_by_role("heading", name="My improvement plans"))
    status = mine.locator("tr", has_text=reference).locator("td[data-label=Status]")
    expect(status).to_have_text("Active")
    box = status.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    closed = page.locator("section", has=page.get_by_role("heading", name="Closed plans"))
    expect(closed).to_contain_text(closed_reference)
    expect(closed).to_contain_text("Achieved and sustained")
    assert_accessible(page, f"staff dashboard at {width} px")

    # The plan: the summary first, then the statement and the buttons, then the plan.
    page.goto(f"{live_server}/plans/{plan_id}")
    brief = page.locator("#your-plan")
    expect(brief.get_by_role("heading", name="What changed since version 1, which you acknowledged")).to_be_visible()
    expect(brief).to_contain_text("A2 says when the checklist is used.")
    expect(brief.locator("ins")).to_contain_text(["Use the daily escalation checklist at the start of each shift"])
    expect(brief).to_contain_text("Record the escalation rationale for every change")
    statement = page.locator("#acknowledge blockquote.statement")
    expect(statement).to_contain_text("I have read version 2")
    agree = page.locator("#acknowledge").get_by_label("Agree", exact=True)
    risk = page.get_by_role("heading", name="Risk to people using the service")
    tops = [loc.bounding_box()["y"] for loc in (brief, statement, agree, risk)]
    assert tops == sorted(tops), tops
    expect(page.locator("#history-panel table")).to_have_count(0)  # the audit log opens on demand
    height = page.evaluate("document.documentElement.scrollHeight")
    if width == 390:
        # 6,480 px before (and about 12,600 px when the audit log was on the page), with no summary
        assert height < 6000, height
    assert_accessible(page, f"staff plan page at {width} px")
    assert console_errors == []
