"""The staff member's own screens favour reading over signing (issue 22, point 8): a summary of
their plan comes before the statement they are asked to sign, with what changed since the
version they last acknowledged; closed plans stay on their dashboard; the closure speaks to them."""

from __future__ import annotations

from datetime import date

import pytest

from pip_app.extensions import db
from pip_app.formatting import format_date
from pip_app.models import AckResponse, PlanStatus
from pip_app.services import acknowledgements, plans
from tests import factories
from tests.factories import make_action, make_control
from tests.test_closure import close_directly, ready_plan

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def issued(world, make_plan):
    """An issued plan (version 1) with one control and two actions."""
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        evidence_sources=["audit"],
    )
    make_control(plan, world["senior"])
    make_action(plan, 1, behaviour="Record the escalation rationale for every change", when="every shift")
    make_action(plan, 2, behaviour="Use the daily escalation checklist", when="every shift")
    factories.approve_for_issue(plan)
    plans.issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def test_the_staff_member_reads_a_summary_before_the_statement_and_the_buttons(world, sign_in, issued):
    page = sign_in(world["staff"]).get(f"/plans/{issued.id}").text
    summary = page.index("Your plan in brief")
    assert summary < page.index("I have read version 1") < page.index("Risk to people")
    brief = page[summary : page.index("I have read version 1")]
    assert "Record the escalation rationale for every change" in brief
    assert "Read and acknowledge version 1 of your plan" in brief
    assert "This is your plan as first issued" in brief


def test_a_new_version_shows_what_changed_since_the_one_acknowledged(world, sign_in, issued):
    acknowledgements.acknowledge_plan(world["staff"], issued, version=1, response=AckResponse.AGREE, comment=None)
    issued.actions[1].behaviour = "Use the daily escalation checklist at the start of each shift"
    db.session.flush()
    plans.amend_plan(world["manager"], issued, change_summary="A2 says when the checklist is used.")
    db.session.commit()
    page = sign_in(world["staff"]).get(f"/plans/{issued.id}").text
    brief = page[page.index("Your plan in brief") : page.index("I have read version 2")]
    assert "What changed since version 1, which you acknowledged" in brief
    assert "A2 says when the checklist is used." in brief
    assert "<del>Use the daily escalation checklist</del>" in brief
    assert "<ins>Use the daily escalation checklist at the start of each shift</ins>" in brief


def test_others_see_no_summary_addressed_to_the_staff_member(world, sign_in, issued):
    for who in ("manager", "senior", "hr"):
        assert "Your plan in brief" not in sign_in(world[who]).get(f"/plans/{issued.id}").text


def test_closed_plans_stay_on_the_staff_dashboard(world, make_plan, sign_in):
    plan = ready_plan(world, make_plan)
    close_directly(plan, world["manager"])
    board = sign_in(world["staff"]).get("/").text
    closed = board[board.index("Closed plans") :]
    assert plan.reference in closed
    assert f"{plan.closure.outcome.label}, closed {format_date(plan.closure.closed_at)}" in closed


def test_the_closure_speaks_to_the_staff_member_and_of_them_to_others(world, make_plan, sign_in):
    plan = ready_plan(world, make_plan)
    close_directly(plan, world["manager"])
    staff_page = sign_in(world["staff"]).get(f"/plans/{plan.id}").text
    assert "What you were asked to do" in staff_page
    assert 'href="#closure-acknowledge">Respond to the closure of your plan</a>' in staff_page
    assert "We are waiting for your response until" in staff_page
    assert "Your plan was closed" in staff_page
    assert "Awaiting " not in staff_page
    unanswered = sign_in(world["staff"]).post(f"/plans/{plan.id}/closure/acknowledge", data={})
    assert unanswered.status_code == 422
    assert "The closure of your plan, " in unanswered.text
    manager_page = sign_in(world["manager"]).get(f"/plans/{plan.id}").text
    assert f"Awaiting {world['staff'].name}" in manager_page
    acknowledgements_done = sign_in(world["staff"])
    acknowledgements_done.post(
        f"/plans/{plan.id}/closure/acknowledge", data={"closure-ack-response": "agree", "closure-ack-comment": ""}
    )
    assert "You agreed with the closure of your plan on" in acknowledgements_done.get(f"/plans/{plan.id}").text


def test_the_staff_dashboard_table_labels_each_cell_for_a_phone(world, sign_in, issued):
    board = sign_in(world["staff"]).get("/").text
    assert f'href="/plans/{issued.id}#your-plan"' in board  # the request to acknowledge opens on the summary
    assert 'class="table table--stack"' in board
    assert 'data-label="Status"' in board
