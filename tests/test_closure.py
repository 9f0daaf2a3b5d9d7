"""Evidence-based closure: the pure gate, drafts and final measures; the close and acknowledge
operations; the close page (page and htmx fragment, 403/404 per role, 422, 409); the closure
panel on the plan page; and closed plans being read-only on every route."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.lifecycle import Problem
from pip_app.models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    ActionStatus,
    Approval,
    AuditEvent,
    Closure,
    ClosureOutcome,
    ControlStatus,
    Observation,
    ObservationStatus,
    Outcome,
    Plan,
    PlanStatus,
    Progress,
    Review,
    ReviewDecision,
    ReviewEntry,
)
from pip_app.services import approvals, closure_draft, closure_gate
from pip_app.services import closure as closure_ops
from pip_app.services.plans import PlanConflict, PlanError
from tests.factories import approver_for, make_action, make_control
from tests.html_checker import assert_valid_html, require_checker

TODAY = date(2026, 11, 30)
START = date(2026, 11, 2)
SECTIONS = {
    "close-what_changed": "Sam signs the MAR at the time of each administration.",
    "close-how_measured": "Weekly MAR audits: 62% at baseline, then 70%, 92% and 95%.",
    "close-risk_now_controlled": "Doses are signed as given; the paired round was carried into monitoring.",
    "close-ongoing_monitoring": "MAR audits stay monthly; the senior samples Sam's rounds for three months.",
}


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


# --- Building plans ---------------------------------------------------------------------------


def add_review(plan, reviewer, day, values: dict, *, corrects=None, summary="Steady progress.") -> Review:
    """A weekly review with one entry per action: values maps action → measured value (or None)."""
    review = Review(
        plan=plan,
        review_date=day,
        reviewer=reviewer,
        summary=summary,
        decision=ReviewDecision.CONTINUE,
        next_review_date=day + timedelta(days=7),
        corrects=corrects,
    )
    for action, value in values.items():
        review.entries.append(
            ReviewEntry(
                action=action,
                progress=Progress.ON_TRACK,
                measured_value=value,
                note=f"Audit {value}" if value is not None else "Seen in supervision",
            )
        )
    db.session.add(review)
    db.session.commit()
    return review


def ready_plan(world, make_plan, *, staff=None, reviews=(70, 92, 95), **fields) -> Plan:
    """An active plan whose record is complete except for the closure decisions: one active
    control, A1 measured and assured, A2 completed only, weekly reviews, two observed shifts done."""
    plan = make_plan(
        staff=staff or world["staff"],
        manager=world["manager"],
        service=world["home"],
        start=START,
        evidence_sources=["audit", "incident"],
        evidence_detail="MAR audit 62%; one near miss.",
        key_questions=["safe"],
        baseline_text="MAR audit 62%",
        baseline_figure=62,
        **fields,
    )
    make_control(plan, world["senior"], detail="Paired medication rounds with a senior.")
    a1 = make_action(
        plan,
        1,
        behaviour="Sign the MAR at the time of each administration",
        when="every round",
        check_method="Weekly MAR audit by the senior",
        success_criterion="At least 90% MAR compliance across two consecutive audits",
        measure_name="MAR compliance",
        measure_unit="%",
        measure_baseline=62,
        measure_target=90,
        measure_consecutive=2,
        status=ActionStatus.ASSURED,
        completion_evidence="Signed at each round.",
        completed_on=START + timedelta(days=14),
        assurance_evidence="Audits at 92% and 95%.",
        assured_on=START + timedelta(days=21),
    )
    a2 = make_action(
        plan,
        2,
        behaviour="Complete the end-of-round check with the senior",
        status=ActionStatus.COMPLETED,
        completion_evidence="Checks done every round.",
        completed_on=START + timedelta(days=14),
    )
    for week, value in enumerate(reviews, start=1):
        add_review(plan, world["manager"], START + timedelta(days=7 * week), {a1: value, a2: None})
    for day, outcome in ((START + timedelta(days=3), Outcome.PARTLY_MET), (START + timedelta(days=10), Outcome.MET)):
        db.session.add(
            Observation(
                plan=plan,
                scheduled_on=day,
                observer=world["senior"],
                status=ObservationStatus.DONE,
                outcome=outcome,
                notes="Observed the lunchtime round.",
                focus=[a1],
            )
        )
    db.session.commit()
    return plan


@pytest.fixture
def plan(world, make_plan):
    return ready_plan(world, make_plan)


def close_form(plan, *, decision="monitor", outcome="achieved", **overrides) -> dict:
    """A complete, valid closure form for `plan` as it is now."""
    data = {"close-row_version": str(plan.row_version), "close-outcome": outcome, **SECTIONS}
    for control in plan.controls:
        if control.status is ControlStatus.ACTIVE:
            data[f"close-control_{control.id}_decision"] = decision
            data[f"close-control_{control.id}_rationale"] = "Continue paired rounds monthly for three months."
    for action in plan.actions:
        if action.status is not ActionStatus.ASSURED:
            data[f"close-reason_{action.id}"] = "Completed; assurance comes from the continuing monthly audit."
    data.update(overrides)
    return data


def close_directly(plan, actor, **kwargs) -> Closure:
    """Close through the operation, resolving every gate item; a closure that needs approval (before
    the planned end, "not achieved", "withdrawn", "left") is approved by a registered manager."""
    closed = closure_ops.close_plan(
        actor,
        plan,
        outcome=kwargs.pop("outcome", ClosureOutcome.ACHIEVED),
        what_changed="Practice changed.",
        how_measured="Audits.",
        risk_now_controlled="Signed as given.",
        ongoing_monitoring="Monthly audit.",
        control_decisions={
            c.id: closure_ops.ControlDecision("monitor", "Monthly checks.")
            for c in plan.controls
            if c.status is ControlStatus.ACTIVE
        },
        action_reasons={
            a.id: "Completed; audited monthly." for a in plan.actions if a.status is not ActionStatus.ASSURED
        },
        **kwargs,
    )
    if isinstance(closed, Approval):
        approvals.approve(approver_for(plan), closed)
    closure = plan.closure
    assert closure is not None
    closure.closed_at = datetime.combine(TODAY, datetime.min.time()).replace(hour=12)  # "now" agrees with today
    db.session.commit()
    return closure


@pytest.fixture
def manager(world, sign_in):
    return sign_in(world["manager"])


def plan_events(plan_id: int) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.plan_id == plan_id))


def events(verb=None, entity=None):
    query = select(AuditEvent)
    if verb:
        query = query.where(AuditEvent.verb == verb)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    return db.session.scalars(query).all()


# --- Pure rules: final measures, the gate, the drafts ---------------------------------------------


def test_final_measures_take_the_last_value_per_measured_action(plan):
    [measure] = closure_gate.final_measures(plan)
    assert measure["ref"] == "A1" and measure["name"] == "MAR compliance" and measure["unit"] == "%"
    assert (measure["baseline"], measure["final"], measure["target"]) == (62, 95, 90)
    assert measure["met"] is True  # 92 and 95: two consecutive values at or above 90
    assert [v for _, v in measure["values"]] == [70, 92, 95]
    assert measure["values"][-1][0] == (START + timedelta(days=21)).isoformat()


def test_final_measures_leave_out_corrected_reviews_and_respect_lower_is_better(world, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    falls = make_action(
        plan,
        1,
        measure_name="Late notes",
        measure_unit="per week",
        measure_baseline=9,
        measure_target=2,
        measure_consecutive=2,
        measure_higher_is_better=False,
    )
    unmeasured = make_action(plan, 2, measure_name="Reflective logs", measure_target=4)
    add_review(plan, world["manager"], START + timedelta(days=7), {falls: 5})
    wrong = add_review(plan, world["manager"], START + timedelta(days=14), {falls: 30})
    add_review(plan, world["manager"], START + timedelta(days=14), {falls: 2}, corrects=wrong)
    add_review(plan, world["manager"], START + timedelta(days=21), {falls: 1})
    late, logs = closure_gate.final_measures(plan)
    assert [v for _, v in late["values"]] == [5, 2, 1] and late["final"] == 1 and late["met"] is True
    assert logs["final"] is None and logs["values"] == [] and logs["met"] is False
    assert unmeasured.ref == logs["ref"]


def test_gate_lists_each_thing_to_settle_with_where_to_fix_it(world, plan):
    planned = Observation(plan=plan, scheduled_on=TODAY + timedelta(days=2), observer=world["senior"])
    db.session.add(planned)
    db.session.commit()
    control, (_, a2) = plan.controls[0], plan.actions
    problems = closure_gate.closure_gate(plan)
    assert [p.anchor for p in problems] == [
        f"close-control-{control.id}",
        f"close-reason-{a2.id}",
        f"observation-{planned.id}",
    ]
    assert "still active" in problems[0].message
    assert problems[1].message.startswith("A2 is completed, not assured")
    assert "2 Dec 2026 is still planned" in problems[2].message


def test_gate_is_empty_once_everything_is_settled(plan):
    plan.controls[0].status = ControlStatus.LIFTED
    plan.controls[0].lifted_on, plan.controls[0].lift_rationale = TODAY, "Two good audits."
    plan.actions[1].status_reason = "Completed; audited monthly."
    assert closure_gate.closure_gate(plan) == []


def test_gate_refuses_drafts_and_closed_plans(world, make_plan):
    draft = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT)
    assert closure_gate.closure_gate(draft) == [
        Problem("Only an issued (active or paused) plan can be closed.", "closure-panel")
    ]
    draft.status = PlanStatus.CLOSED
    assert closure_gate.closure_gate(draft)[0].message == "This plan is already closed."


def test_drafts_are_assembled_from_the_plans_own_record(plan):
    drafts = closure_draft.draft_sections(plan)
    assert set(drafts) == {"what_changed", "how_measured", "risk_now_controlled", "ongoing_monitoring"}
    assert (
        "A1: Sign the MAR at the time of each administration (every round). Status: assured." in drafts["what_changed"]
    )
    assert (
        "MAR compliance rose from 62% at baseline to 95% at the review of 23 Nov 2026 "
        "(target at least 90% on 2 consecutive checks: met)"
    ) in drafts["what_changed"]
    assert "Assurance: Audits at 92% and 95%." in drafts["what_changed"]
    assert "A2: Complete the end-of-round check with the senior" in drafts["what_changed"]
    assert (
        "MAR compliance at each review: 70% (9 Nov 2026), 92% (16 Nov 2026), 95% (23 Nov 2026)"
        in drafts["how_measured"]
    )
    assert "2 observed shifts scheduled; 2 done (1 met, 1 partly met, 0 not met)" in drafts["how_measured"]
    assert "Weekly reviews: 3 between 9 Nov 2026 and 23 Nov 2026." in drafts["how_measured"]
    assert drafts["risk_now_controlled"].startswith("The risk was: Deterioration is recorded but not escalated.")
    assert "Senior sign-off of escalation decisions (from 2 Nov 2026): still active" in drafts["risk_now_controlled"]
    # Only the manager can say how people are kept safe now and what monitoring remains.
    assert (
        closure_draft.PROMPT in drafts["risk_now_controlled"] and closure_draft.PROMPT in drafts["ongoing_monitoring"]
    )


def test_drafts_say_when_controls_were_lifted(world, plan):
    control = plan.controls[0]
    control.status, control.lifted_on, control.lift_rationale = (
        ControlStatus.LIFTED,
        date(2026, 11, 20),
        "Two audits ≥ 90%.",
    )
    control.lifted_by = world["senior"]
    db.session.commit()
    text = closure_draft.draft_sections(plan)["risk_now_controlled"]
    assert f"lifted on 20 Nov 2026 by {world['senior'].name}. Two audits ≥ 90%." in text


# --- The close operation ---------------------------------------------------------------------------


def test_closing_applies_control_decisions_and_reasons_in_one_go(world, plan):
    control, (a1, a2) = plan.controls[0], plan.actions
    closure = close_directly(plan, world["manager"])
    assert plan.status is PlanStatus.CLOSED and plan.next_review_date is None
    assert closure.outcome is ClosureOutcome.ACHIEVED and closure.closed_by_id == world["manager"].id
    assert closure.ack_due_days == closure_ops.ACK_DUE_DAYS
    assert control.status is ControlStatus.ONGOING_MONITORING and control.lifted_on == TODAY
    assert control.lift_rationale == "Monthly checks." and control.lifted_by_id == world["manager"].id
    assert a2.status_reason == "Completed; audited monthly." and a1.status_reason is None
    assert closure.final_measures[0]["final"] == 95 and closure.final_measures[0]["met"] is True
    [closed] = events("closed", "plan")
    assert closed.plan_id == plan.id and closed.changes["outcome"] == "achieved"
    assert closed.changes["status"] == ["active", "closed"]
    assert events("carried_into_monitoring", "control")[0].entity_id == control.id
    assert events("updated", "action")[0].changes == {"status_reason": [None, "Completed; audited monthly."]}


def test_final_measures_are_frozen_at_closure(world, plan):
    closure = close_directly(plan, world["manager"])
    review = plan.reviews[-1]
    review.entries[0].measured_value = 10  # even if the record were tampered with afterwards
    db.session.commit()
    db.session.refresh(closure)
    assert closure.final_measures[0]["final"] == 95


def test_a_senior_may_lift_a_control_at_closure_but_a_manager_may_not(world, plan, sign_in):
    """Views authorise: the manager's close form offers no "lift" (carry into monitoring only), so a
    lift posted anyway is refused with the input kept; the senior's form offers it."""
    control = plan.controls[0]
    data = close_form(plan, decision="lift")
    refused = sign_in(world["manager"]).post(f"/plans/{plan.id}/close", data=data, htmx=True)
    assert refused.status_code == 422 and "Choose one of the options." in refused.text
    assert "Only the registered manager for Larkfield House can lift a control" in refused.text
    db.session.refresh(plan)
    assert plan.status is PlanStatus.ACTIVE and control.status is ControlStatus.ACTIVE
    done = sign_in(world["senior"]).post(f"/plans/{plan.id}/close", data=data)
    assert done.status_code == 303
    db.session.refresh(control)
    assert control.status is ControlStatus.LIFTED and control.lifted_by_id == world["senior"].id


@pytest.mark.parametrize(
    "change,anchor",
    [
        ({"what_changed": "  "}, "close-what_changed"),
        ({"ongoing_monitoring": "[To complete: who checks what]"}, "close-ongoing_monitoring"),
        ({"outcome": "seems_better_now"}, "close-outcome"),
        ({"control_decisions": {}}, "close-control-"),
        ({"action_reasons": {}}, "close-reason-"),
    ],
)
def test_closing_refuses_an_incomplete_record_and_changes_nothing(world, plan, change, anchor):
    values = dict(
        outcome="partly",
        what_changed="a",
        how_measured="b",
        risk_now_controlled="c",
        ongoing_monitoring="d",
        control_decisions={plan.controls[0].id: closure_ops.ControlDecision("monitor", "Monthly.")},
        action_reasons={plan.actions[1].id: "Completed."},
    )
    values.update(change)
    with pytest.raises(closure_ops.ClosureRefused) as refused:
        closure_ops.close_plan(world["manager"], plan, **values)
    assert any(p.anchor.startswith(anchor) for p in refused.value.problems)
    assert plan.status is PlanStatus.ACTIVE and plan.closure is None
    assert plan.controls[0].status is ControlStatus.ACTIVE and plan.actions[1].status_reason is None
    assert events("closed") == []


def test_closure_decides_controls_by_the_one_set_of_lift_rules(world, plan, sign_in):
    """Closure lifts through controls.lift_control, dated today, so its rules apply: a control
    that only starts after today cannot be decided yet (before issue 14 closure skipped the date
    check). The refusal is a problem at the control (422 on the form, input kept), not an error."""
    control = plan.controls[0]
    control.start_date, control.review_by_date = TODAY + timedelta(days=2), TODAY + timedelta(days=16)
    db.session.commit()
    with pytest.raises(closure_ops.ClosureRefused) as refused:
        close_directly(plan, world["manager"])
    assert {p.anchor for p in refused.value.problems} == {f"close-control-{control.id}"}
    assert any(
        "The control started on 2 Dec 2026: the decision cannot be earlier than that." in p.message
        for p in refused.value.problems
    )
    db.session.rollback()
    response = sign_in(world["manager"]).post(f"/plans/{plan.id}/close", data=close_form(plan), htmx=True)
    assert response.status_code == 422 and "the decision cannot be earlier than that" in response.text
    assert "Continue paired rounds monthly for three months." in response.text
    db.session.refresh(plan)
    assert plan.status is PlanStatus.ACTIVE and control.status is ControlStatus.ACTIVE


def test_closure_audits_each_control_decision_as_before(world, plan):
    control = plan.controls[0]
    close_directly(plan, world["manager"])
    [event] = events("carried_into_monitoring", "control")
    assert event.changes == {
        "status": "ongoing_monitoring",
        "lifted_on": TODAY.isoformat(),
        "lift_rationale": "Monthly checks.",
        "at_closure": True,
    }
    assert events("lifted", "control") == [] and control.lifted_by_id == world["manager"].id


def test_closing_waits_for_planned_observations(world, plan):
    db.session.add(Observation(plan=plan, scheduled_on=TODAY - timedelta(days=1), observer=world["senior"]))
    db.session.commit()
    with pytest.raises(closure_ops.ClosureRefused) as refused:
        close_directly(plan, world["manager"])
    assert [p.anchor.split("-")[0] for p in refused.value.problems] == ["observation"]


def test_a_closed_plan_cannot_be_closed_again_and_others_cannot_close(world, plan, sign_in):
    data = close_form(plan)
    # Views authorise: another service's manager cannot see the plan, HR may read it but not close it.
    assert sign_in(world["other_manager"]).post(f"/plans/{plan.id}/close", data=data).status_code == 404
    assert sign_in(world["hr"]).post(f"/plans/{plan.id}/close", data=data).status_code == 403
    db.session.refresh(plan)
    assert plan.status is PlanStatus.ACTIVE
    close_directly(plan, world["manager"])
    with pytest.raises(PlanConflict, match="already closed"):
        close_directly(plan, world["senior"])


# --- The closure acknowledgement ----------------------------------------------------------------------


def test_staff_acknowledge_the_closure_once(world, plan):
    close_directly(plan, world["manager"])
    state = closure_ops.closure_ack_state(plan)
    assert state.due and not state.lapsed and state.due_by == TODAY + timedelta(days=7)
    assert state.sentence("Sam") == (
        "Awaiting Sam's acknowledgement until 7 Dec 2026. If none is given, the "
        "closure stands and this summary records that."
    )
    with pytest.raises(PlanError, match="Say what you disagree with"):
        closure_ops.acknowledge_closure(world["staff"], plan, response=AckResponse.DISAGREE, comment="  ")
    ack = closure_ops.acknowledge_closure(
        world["staff"], plan, response=AckResponse.DISAGREE, comment="The audits missed my night shifts."
    )
    db.session.commit()
    assert ack.subject is AckSubject.CLOSURE and ack.statement == closure_ops.closure_statement(plan)
    assert "(Achieved and sustained)" in ack.statement
    assert events("acknowledged", "closure")[0].plan_id == plan.id
    with pytest.raises(PlanError, match="already responded"):
        closure_ops.acknowledge_closure(world["staff"], plan, response=AckResponse.AGREE, comment=None)
    assert " disagreed with the closure on " in closure_ops.closure_ack_state(plan).sentence("Sam")


def test_without_an_acknowledgement_the_closure_stands_and_says_so(app, world, plan):
    close_directly(plan, world["manager"])
    app.config["FROZEN_TODAY"] = (TODAY + timedelta(days=8)).isoformat()
    state = closure_ops.closure_ack_state(plan)
    assert state.lapsed
    assert state.sentence("Sam Taylor") == (
        "No acknowledgement was given by Sam Taylor within 7 days of closure (by 7 Dec 2026). The closure stands."
    )
    # A late response is still heard, and marked late.
    plan.closure.closed_at = datetime(2026, 11, 1, 12, 0)
    closure_ops.acknowledge_closure(world["staff"], plan, response=AckResponse.AGREE, comment=None)
    assert "after the 7-day acknowledgement period that ended on 8 Nov 2026" in closure_ops.closure_ack_state(
        plan
    ).sentence("Sam")


# --- The close page -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status",
    [
        ("manager", 200),
        ("senior", 200),
        ("other_manager", 404),
        ("other_senior", 404),
        ("staff", 403),
        ("hr", 403),
        ("admin", 404),
    ],
)
def test_who_may_open_the_close_page(world, sign_in, plan, who, status):
    assert sign_in(world[who]).get(f"/plans/{plan.id}/close").status_code == status


def test_close_page_lists_the_gate_with_links_and_prefills_the_drafts(world, sign_in, manager, plan):
    planned = Observation(plan=plan, scheduled_on=TODAY + timedelta(days=2), observer=world["senior"])
    db.session.add(planned)
    db.session.commit()
    page = manager.get(f"/plans/{plan.id}/close")
    assert page.status_code == 200
    control, a2 = plan.controls[0], plan.actions[1]
    assert f'<a href="#close-control-{control.id}">Decide below</a>' in page.text
    assert f'<a href="#close-reason-{a2.id}">Give the reason below</a>' in page.text
    assert f'href="/plans/{plan.id}#observation-{planned.id}">Record or cancel it on the plan page</a>' in page.text
    assert f'id="close-control-{control.id}"' in page.text and f'id="close-reason-{a2.id}"' in page.text
    for heading in ("What changed", "How it was measured", "How the risk is now controlled", "Ongoing monitoring"):
        assert f">{heading}</label>" in page.text
    assert "MAR compliance rose from 62% at baseline to 95%" in page.text
    assert "[To complete:" in page.text
    # A manager is not offered lifting (a senior's decision), only carrying into monitoring.
    assert 'value="monitor"' in page.text and 'value="lift"' not in page.text
    assert 'value="lift"' in sign_in(world["senior"]).get(f"/plans/{plan.id}/close").text


def test_closing_without_javascript_redirects_to_the_closed_plan(world, manager, plan):
    response = manager.post(f"/plans/{plan.id}/close", data=close_form(plan))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{plan.id}#closure-panel"
    plan = db.session.get(Plan, plan.id)
    assert plan.status is PlanStatus.CLOSED and plan.closure.what_changed == SECTIONS["close-what_changed"]
    page = manager.get(f"/plans/{plan.id}")
    assert f"{plan.reference} is closed. {world['staff'].name} will be asked to acknowledge the closure." in page.text
    assert "Achieved and sustained" in page.text and "Close this plan" not in page.text


def test_closing_with_htmx_sends_the_browser_to_the_plan(manager, plan):
    response = manager.post(f"/plans/{plan.id}/close", data=close_form(plan, outcome="partly"), htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Location"] == f"/plans/{plan.id}#closure-panel"
    assert db.session.get(Plan, plan.id).closure.outcome is ClosureOutcome.PARTLY


def test_an_incomplete_closure_is_refused_in_place_and_keeps_what_was_typed(manager, plan):
    typed = "Sam now signs <b>every</b> dose & <img src=x onerror=alert(1)> — Łukasz ŵ 王"
    data = close_form(
        plan, **{"close-what_changed": typed, "close-outcome": "", "close-ongoing_monitoring": "[To complete: later]"}
    )
    fragment = manager.post(f"/plans/{plan.id}/close", data=data, htmx=True)
    assert fragment.status_code == 422
    assert fragment.text.lstrip().startswith('<section id="close-form"') and "<html" not in fragment.text
    assert "Choose the outcome." in fragment.text
    assert "Replace the “[To complete: …]” prompt with what actually happens." in fragment.text
    assert (
        "Sam now signs &lt;b&gt;every&lt;/b&gt; dose &amp; &lt;img src=x onerror=alert(1)&gt; — Łukasz ŵ 王"
        in fragment.text
    )
    page = manager.post(f"/plans/{plan.id}/close", data=data)
    assert page.status_code == 422 and "<html" in page.text and "Before the plan can close" in page.text
    assert db.session.get(Plan, plan.id).status is PlanStatus.ACTIVE


def test_every_active_control_and_unassured_action_needs_an_answer(manager, plan):
    control, a2 = plan.controls[0], plan.actions[1]
    data = close_form(plan)
    del data[f"close-control_{control.id}_decision"]
    data[f"close-reason_{a2.id}"] = ""
    response = manager.post(f"/plans/{plan.id}/close", data=data, htmx=True)
    assert response.status_code == 422
    assert "Choose what happens to “Senior sign-off of escalation decisions”." in response.text
    assert "Say why A2 closes without assurance." in response.text


def test_a_manager_posting_lift_is_refused(manager, plan):
    control = plan.controls[0]
    response = manager.post(f"/plans/{plan.id}/close", data=close_form(plan, decision="lift"), htmx=True)
    assert response.status_code == 422 and "Choose one of the options." in response.text
    assert db.session.get(Plan, plan.id).status is PlanStatus.ACTIVE and control.status is ControlStatus.ACTIVE


def test_planned_observations_block_closure_with_a_link_to_fix_them(world, manager, plan):
    planned = Observation(plan=plan, scheduled_on=TODAY + timedelta(days=3), observer=world["senior"])
    db.session.add(planned)
    db.session.commit()
    response = manager.post(f"/plans/{plan.id}/close", data=close_form(plan), htmx=True)
    assert response.status_code == 422
    assert "The plan cannot close yet" in response.text
    assert f'href="/plans/{plan.id}#observation-{planned.id}"' in response.text
    assert db.session.get(Plan, plan.id).status is PlanStatus.ACTIVE
    assert db.session.get(Plan, plan.id).controls[0].status is ControlStatus.ACTIVE  # nothing half-applied


def test_a_stale_close_form_is_a_conflict(manager, plan):
    data = close_form(plan)
    plan.planned_end_date += timedelta(days=7)  # someone else changed the plan meanwhile
    db.session.commit()
    response = manager.post(f"/plans/{plan.id}/close", data=data, htmx=True)
    assert response.status_code == 409
    assert "Someone else changed this while you were editing" in response.text
    assert SECTIONS["close-what_changed"] in response.text
    assert db.session.get(Plan, plan.id).status is PlanStatus.ACTIVE


def test_closing_needs_the_csrf_token(manager, plan):
    assert manager.post(f"/plans/{plan.id}/close", data=close_form(plan), csrf=False).status_code == 400
    assert db.session.get(Plan, plan.id).status is PlanStatus.ACTIVE


def test_a_huge_section_is_refused_politely_not_with_a_crash(manager, plan):
    data = close_form(plan, **{"close-how_measured": "x" * 20_001})
    response = manager.post(f"/plans/{plan.id}/close", data=data, htmx=True)
    assert response.status_code == 422 and "Keep this to 20,000 characters or fewer." in response.text
    ok = manager.post(f"/plans/{plan.id}/close", data=close_form(plan, **{"close-how_measured": "word " * 4000}))
    assert ok.status_code == 303


# --- The closure panel and the acknowledgement view ---------------------------------------------------


def test_panel_offers_closing_only_to_those_who_may(world, sign_in, plan):
    assert "Close this plan" in sign_in(world["manager"]).get(f"/plans/{plan.id}").text
    hr_page = sign_in(world["hr"]).get(f"/plans/{plan.id}").text
    assert "Close this plan" not in hr_page
    assert f'href="/plans/{plan.id}/plan.pdf">Print as PDF</a>' in hr_page
    assert "Download closure summary" not in hr_page


def test_panel_shows_the_closure_and_asks_the_staff_member(world, sign_in, plan):
    close_directly(plan, world["manager"])
    staff = sign_in(world["staff"])
    page = staff.get(f"/plans/{plan.id}").text
    assert 'id="closure-panel"' in page and 'id="closure-acknowledge"' in page
    for heading in ("What changed", "How it was measured", "How the risk is now controlled", "Ongoing monitoring"):
        assert f"<h3>{heading}</h3>" in page
    assert "Please respond by 7 Dec 2026." in page
    statement = re.search(
        r'<blockquote class="statement">(.*?)</blockquote>', page.split('id="closure-acknowledge"')[1]
    ).group(1)
    assert statement == closure_ops.closure_statement(plan)
    assert f'href="/plans/{plan.id}/closure.pdf" download>Download closure summary (PDF)</a>' in page
    hr_page = sign_in(world["hr"]).get(f"/plans/{plan.id}").text
    assert 'id="closure-acknowledge"' not in hr_page and "Awaiting " in hr_page


def test_staff_agree_through_the_page(world, sign_in, plan):
    close_directly(plan, world["manager"])
    staff = sign_in(world["staff"])
    response = staff.post(f"/plans/{plan.id}/closure/acknowledge", data={"closure-ack-response": "agree"})
    assert response.status_code == 303 and response.headers["Location"] == f"/plans/{plan.id}#closure-panel"
    [ack] = db.session.scalars(select(Acknowledgement).where(Acknowledgement.subject == AckSubject.CLOSURE)).all()
    assert ack.response is AckResponse.AGREE and ack.user_id == world["staff"].id
    page = staff.get(f"/plans/{plan.id}").text
    assert 'id="closure-acknowledge"' not in page and "You agreed with the closure of your plan on" in page
    again = staff.post(f"/plans/{plan.id}/closure/acknowledge", data={"closure-ack-response": "agree"}, htmx=True)
    assert again.status_code == 409 and "You have already responded to this closure." in again.text


def test_disagreeing_needs_a_comment_with_or_without_javascript(world, sign_in, plan):
    close_directly(plan, world["manager"])
    staff = sign_in(world["staff"])
    fragment = staff.post(f"/plans/{plan.id}/closure/acknowledge", data={"closure-ack-response": "disagree"}, htmx=True)
    assert fragment.status_code == 422 and fragment.text.lstrip().startswith('<section id="closure-acknowledge"')
    assert "Say what you disagree with" in fragment.text
    page = staff.post(f"/plans/{plan.id}/closure/acknowledge", data={"closure-ack-response": "disagree"})
    assert page.status_code == 422 and "<html" in page.text and "What changed" in page.text
    comment = "The audits <b>missed</b> my night shifts & weekends"
    done = staff.post(
        f"/plans/{plan.id}/closure/acknowledge",
        data={"closure-ack-response": "disagree", "closure-ack-comment": comment},
    )
    assert done.status_code == 303
    assert "The audits &lt;b&gt;missed&lt;/b&gt; my night shifts &amp; weekends" in staff.get(f"/plans/{plan.id}").text


@pytest.mark.parametrize("who,status", [("manager", 403), ("hr", 403), ("other_staff", 404), ("admin", 404)])
def test_only_the_staff_member_acknowledges_the_closure(world, sign_in, plan, who, status):
    close_directly(plan, world["manager"])
    response = sign_in(world[who]).post(f"/plans/{plan.id}/closure/acknowledge", data={"closure-ack-response": "agree"})
    assert response.status_code == status
    assert db.session.scalar(select(func.count(Acknowledgement.id))) == 0


def test_an_open_plan_has_no_closure_to_acknowledge(world, sign_in, plan):
    response = sign_in(world["staff"]).post(
        f"/plans/{plan.id}/closure/acknowledge", data={"closure-ack-response": "agree"}
    )
    assert response.status_code == 404 and "has not been closed" in response.text


# --- Closed plans are read-only, on the server, on every route ------------------------------------------


@pytest.mark.parametrize("who", ["manager", "senior"])
def test_a_closed_plan_is_read_only_on_every_route(app, world, sign_in, plan, who):
    observation = plan.observations[0]
    review = plan.reviews[0]
    close_directly(plan, world["manager"])
    ids = {
        "plan_id": plan.id,
        "control_id": plan.controls[0].id,
        "action_id": plan.actions[1].id,
        "observation_id": observation.id,
        "review_id": review.id,
    }
    skip = {"auth.login", "auth.logout", "plans.new"}
    staff_only = {"plans.acknowledge", "reviews.acknowledge_review", "closure.acknowledge"}
    rules = [
        r
        for r in app.url_map.iter_rules()
        if "POST" in r.methods and r.endpoint not in skip | staff_only and r.arguments and r.arguments <= set(ids)
    ]
    assert len(rules) >= 20, [r.rule for r in rules]
    before = (
        plan.row_version,
        [c.row_version for c in plan.controls],
        [a.row_version for a in plan.actions],
        plan_events(plan.id),
        db.session.scalar(select(func.count(Review.id))),
    )
    client = sign_in(world[who])
    for rule in rules:
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:int:)?{name}>", str(ids[name]), url)
        response = client.post(url, data={"reason": "x", "status": "lifted"})
        assert response.status_code in (403, 404, 409), (rule.endpoint, response.status_code)
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    after = (
        plan.row_version,
        [c.row_version for c in plan.controls],
        [a.row_version for a in plan.actions],
        plan_events(plan.id),
        db.session.scalar(select(func.count(Review.id))),
    )
    assert after == before
    assert client.get(f"/plans/{plan.id}/close").status_code == 403
    assert "This plan is closed and can no longer be changed." in client.get(f"/plans/{plan.id}/close").text


def test_closure_pages_are_valid_html(world, sign_in, plan):
    """The close page (fresh and refused), the panel with the acknowledgement form and the
    no-JavaScript acknowledgement page pass the Nu HTML Checker (when it is installed)."""
    require_checker()
    manager = sign_in(world["manager"])
    pages = {
        "close": manager.get(f"/plans/{plan.id}/close").text,
        "refused": manager.post(f"/plans/{plan.id}/close", data=close_form(plan, **{"close-outcome": ""})).text,
    }
    close_directly(plan, world["manager"])
    staff = sign_in(world["staff"])
    pages["panel"] = staff.get(f"/plans/{plan.id}").text
    pages["ack refused"] = staff.post(
        f"/plans/{plan.id}/closure/acknowledge", data={"closure-ack-response": "disagree"}
    ).text
    assert_valid_html(pages)


# --- The staff member left during the procedure (issue 20) --------------------------------------


def test_a_leaver_s_closure_is_offered_needs_approval_and_keeps_the_four_sections(world, sign_in, manager, plan):
    import io

    import pypdf

    page = manager.get(f"/plans/{plan.id}/close").text
    assert 'value="left"' in page and "Ended: the staff member left during the procedure" in page
    assert f"If {world['staff'].name} left during the procedure, still complete the four sections" in page

    # The four sections are still needed: the risk to people is recorded whoever leaves.
    missing = manager.post(
        f"/plans/{plan.id}/close", data=close_form(plan, outcome="left", **{"close-risk_now_controlled": " "})
    )
    assert missing.status_code == 422 and "Say how the risk is now controlled." in missing.text

    response = manager.post(f"/plans/{plan.id}/close", data=close_form(plan, outcome="left"))
    assert response.status_code == 303
    plan = db.session.get(Plan, plan.id)
    assert plan.status is PlanStatus.ACTIVE  # waiting for the second person
    [request] = [a for a in plan.approvals if a.is_pending]
    assert request.proposal["outcome"] == "left"
    assert request.reasons == ["the staff member left during the procedure"]
    approvals.approve(approver_for(plan), request)
    db.session.commit()
    plan = db.session.get(Plan, plan.id)
    assert plan.status is PlanStatus.CLOSED and plan.closure.outcome is ClosureOutcome.LEFT

    assert "Ended: the staff member left during the procedure" in manager.get(f"/plans/{plan.id}").text
    hr = sign_in(world["hr"])
    listed = hr.get("/hr/closures?outcome=left").text
    assert plan.reference in listed and "Ended: the staff member left during the procedure" in listed
    assert plan.reference not in hr.get("/hr/closures?outcome=withdrawn").text
    pdf = hr.get(f"/plans/{plan.id}/closure.pdf")
    assert pdf.status_code == 200
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Ended: the staff member left during the procedure" in text
    # The regulatory decisions are asked for, not "none were needed".
    assert "Regulatory considerations" in text and "None were needed" not in text
    assert "Asked for: the plan ended because the staff member left during the procedure." in text
    assert "Referral to the Disclosure and Barring Service (DBS) Not yet decided" in text


def test_a_leaver_is_not_asked_to_acknowledge_the_closure_and_the_record_says_so(world, sign_in, manager, plan):
    """Someone who left during the procedure is not emailed, reminded or chased about the closure;
    every place that shows its acknowledgement says they were not asked, and why."""
    import io

    import pypdf

    from pip_app.models import Notification, NotificationKind
    from pip_app.services.reminders import acknowledgement_facts

    close_directly(plan, world["manager"], outcome=ClosureOutcome.LEFT)
    db.session.commit()
    staff = world["staff"]
    asked = select(func.count(Notification.id)).where(
        Notification.plan_id == plan.id, Notification.kind == NotificationKind.ACKNOWLEDGE_CLOSURE
    )
    assert db.session.scalar(asked) == 0
    for day in (TODAY, TODAY + timedelta(days=3), TODAY + timedelta(days=20)):
        assert [f for f in acknowledgement_facts(day) if f.what == "closure" and f.plan_id == plan.id] == []

    said = f"{staff.name} was not asked to acknowledge the closure: they left during the procedure."
    assert said in manager.get(f"/plans/{plan.id}").text
    hr = sign_in(world["hr"])
    assert "Not asked: left during the procedure" in hr.get("/hr/closures?outcome=left").text
    pdf = hr.get(f"/plans/{plan.id}/closure.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert said in text and "Awaiting" not in text

    # If they sign in all the same, nothing asks them; they may still respond, recorded as any other.
    own = sign_in(staff)
    assert "the closure of your improvement plan" not in own.get("/").text
    page = own.get(f"/plans/{plan.id}").text
    assert "You were not asked to acknowledge this closure, because you left during the procedure." in page
    response = own.post(f"/plans/{plan.id}/closure/acknowledge", data={"closure-ack-response": "agree"})
    assert response.status_code in (200, 303), response.text
    ack = db.session.scalar(select(Acknowledgement).where(Acknowledgement.subject == AckSubject.CLOSURE))
    assert ack is not None and ack.user_id == staff.id and ack.response is AckResponse.AGREE


def test_closure_approval_reasons_name_the_leaver():
    from pip_app.lifecycle import closure_approval_reasons

    assert closure_approval_reasons("left", START, TODAY, TODAY) == ["the staff member left during the procedure"]
    assert closure_approval_reasons("achieved", START, TODAY, TODAY) == []
