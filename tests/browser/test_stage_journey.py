"""A move to a formal stage (issue 20, point 1), in a real browser: the manager asks for approval
to move an informal plan to formal stage 1 after the formal meeting; the registered manager
approves it; the plan's header then shows the stage."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import Meeting, MeetingKind, Plan, PlanStage, PlanStatus
from pip_app.services.plans import issue_plan
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly, sign_out
from tests.browser.test_accessibility_states import _only_deliberate
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _fresh(model, ident):
    db.session.commit()  # end the test's read transaction so it sees what the server wrote
    return db.session.get(model, ident)


def test_the_manager_asks_the_registered_manager_approves_the_header_shows_stage_one(
    live_server, page, console_errors, world
):
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=today() - timedelta(weeks=4),
        weeks=6,
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    factories.make_action(plan, 1)
    factories.approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    held_on = today() - timedelta(days=1)
    db.session.add(
        Meeting(
            plan=plan,
            kind=MeetingKind.FORMAL,
            held_on=held_on,
            notice_given_on=held_on - timedelta(days=14),
            recorded_by_id=world["manager"].id,
        )
    )
    db.session.commit()
    plan_id = plan.id

    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}")
    decisions = page.locator("#decisions")
    decisions.get_by_text("Propose the move to formal stage 1 (improvement note)", exact=True).click()
    # Without a meeting chosen, the refusal says what to do and keeps the reason typed.
    decisions.get_by_label("Why the plan moves to this stage").fill("Four weeks of support; MAR errors continue.")
    decisions.get_by_role("button", name="Ask for approval").click()
    expect(decisions).to_contain_text("Record the formal meeting first")
    expect(decisions.get_by_label("Why the plan moves to this stage")).to_have_value(
        "Four weeks of support; MAR errors continue."
    )
    assert_accessible(page, "the stage form with its refusal")
    decisions.get_by_label("The formal meeting it follows").select_option(index=1)
    decisions.get_by_role("button", name="Ask for approval").click()
    expect(page.get_by_text("Sent for approval")).to_be_visible()
    assert _fresh(Plan, plan_id).stage is PlanStage.INFORMAL
    sign_out(page)

    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then=f"/plans/{plan_id}#decisions")
    expect(page.locator("#decisions")).to_contain_text("Four weeks of support; MAR errors continue.")
    assert_accessible(page, "the move waiting for the approver")
    page.get_by_role("button", name="Approve the move to formal stage 1 (improvement note)").click()
    expect(page.get_by_text("Approved: the plan has moved to the formal stage.")).to_be_visible()
    expect(page.locator("#plan-header")).to_contain_text("Formal stage 1 (improvement note)")
    assert _fresh(Plan, plan_id).stage is PlanStage.STAGE_1
    assert _only_deliberate(console_errors, 422) == []  # the refusal without a meeting
