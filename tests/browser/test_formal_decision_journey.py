"""Issue 20, in a real browser: a registered manager decides an escalation "Move to the formal
procedure"; the confirmation and the escalation then point to the stage form, and the plan's
manager finds a prompt in the plan's header that opens it, until the move is proposed. Accessible
at each step."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import Approval, ApprovalKind, Meeting, MeetingKind, PlanStatus
from pip_app.services.escalations import raise_escalation
from pip_app.services.plans import issue_plan
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly, sign_out
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_decision_to_go_formal_leads_the_manager_to_propose_the_stage(live_server, page, console_errors, world):
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
    raise_escalation(world["manager"], plan, "MAR errors continue after four weeks of support.")
    db.session.commit()
    plan_id = plan.id

    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then=f"/plans/{plan_id}#decisions")
    decisions = page.locator("#decisions")
    decisions.get_by_label("Decision", exact=True).select_option(label="Move to the formal procedure")
    decisions.get_by_label("Rationale").fill("Support and paired rounds have not changed practice.")
    decisions.get_by_label("Decided on").fill(today().isoformat())
    decisions.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded. Next, propose the move to formal stage 1")).to_be_visible()
    expect(page.locator("#decisions")).to_contain_text("no move has been proposed since this decision")
    sign_out(page)

    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}")
    prompt = page.locator("#stage-prompt")
    expect(prompt).to_contain_text(f"{world['senior'].name} decided on")
    assert_accessible(page, "the plan header prompting the stage move")
    prompt.get_by_role("link", name="Propose the move to formal stage 1 (improvement note)").click()
    form = page.locator("#propose-stage")
    expect(form.get_by_label("Why the plan moves to this stage")).to_be_visible()  # open, without a click
    form.get_by_label("The formal meeting it follows").select_option(index=1)
    form.get_by_label("Why the plan moves to this stage").fill("As decided on the escalation.")
    form.get_by_role("button", name="Ask for approval").click()
    expect(page.get_by_text("Sent for approval")).to_be_visible()
    expect(page.locator("#stage-prompt")).to_have_count(0)  # the header, refreshed beside the part
    db.session.commit()  # see what the server wrote
    assert db.session.query(Approval).filter_by(plan_id=plan_id, kind=ApprovalKind.STAGE).count() == 1
    assert console_errors == []
