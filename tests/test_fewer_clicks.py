"""Issue 22, point 7: fewer clicks. (a) Every remaining planned observation cancelled at once with
one reason, from the observations panel or the closure page's gate; (b) an action withdrawn from
an active plan while amending, with a reason, kept in the history and the version."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.history import ARROW
from pip_app.models import ActionStatus, AuditEvent, Observation, ObservationStatus, PlanStatus, PlanVersion
from pip_app.refusals import Conflict, Refusal
from pip_app.services import plans as plan_ops
from pip_app.services import reviews as review_ops
from pip_app.services.closure_gate import closure_gate, final_measures
from pip_app.services.plans import issue_plan, unissued_changes
from tests import factories
from tests.factories import make_action, make_control
from tests.html_checker import assert_valid_html, require_checker

TODAY = date(2026, 11, 23)
START = TODAY - timedelta(days=21)
REASON = "The plan is closing: practice is assured."


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=START,
        weeks=6,
        evidence_sources=["audit"],
    )
    make_control(plan, world["senior"])
    make_action(plan, 1)
    make_action(plan, 2)
    factories.approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


@pytest.fixture
def observations(plan, world):
    """One already done, three still planned (one of them passed without an outcome)."""
    made = [
        Observation(plan=plan, scheduled_on=TODAY - timedelta(days=7), observer=world["senior"]),
        Observation(plan=plan, scheduled_on=TODAY - timedelta(days=1), observer=world["senior"]),
        Observation(plan=plan, scheduled_on=TODAY + timedelta(days=3), observer=world["senior"]),
        Observation(plan=plan, scheduled_on=TODAY + timedelta(days=10), observer=world["manager"]),
    ]
    db.session.add_all(made)
    db.session.flush()
    review_ops.record_observation(
        world["manager"], made[0], status=ObservationStatus.DONE, outcome=review_ops.Outcome.MET, notes=None
    )
    db.session.commit()
    return made


@pytest.fixture
def manager(world, sign_in):
    return sign_in(world["manager"])


def _statuses(observations):
    db.session.expire_all()
    return [db.session.get(Observation, o.id).status for o in observations]


# --- (a) Cancel all remaining observations: the operation


def test_cancelling_the_remaining_cancels_each_planned_one_as_a_single_cancel_would(world, plan, observations):
    cancelled = review_ops.cancel_remaining_observations(world["manager"], plan, f"  {REASON} ")
    db.session.commit()
    assert [o.id for o in cancelled] == [o.id for o in observations[1:]]
    assert _statuses(observations) == [ObservationStatus.DONE] + [ObservationStatus.CANCELLED] * 3
    assert {db.session.get(Observation, o.id).notes for o in observations[1:]} == {REASON}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "observation", AuditEvent.verb == "recorded")
    ).all()
    cancels = [e for e in events if e.changes["status"] == "cancelled"]
    assert sorted(e.entity_id for e in cancels) == sorted(o.id for o in observations[1:])
    assert all(e.changes["notes"] == REASON for e in cancels)


def test_cancelling_needs_a_reason_and_something_to_cancel(world, plan, observations):
    with pytest.raises(Refusal, match="Give the reason"):
        review_ops.cancel_remaining_observations(world["manager"], plan, "   ")
    review_ops.cancel_remaining_observations(world["manager"], plan, REASON)
    with pytest.raises(Conflict, match="nothing to cancel"):
        review_ops.cancel_remaining_observations(world["manager"], plan, REASON)


def test_a_closed_plan_cancels_nothing(world, plan, observations):
    plan.status = PlanStatus.CLOSED
    db.session.flush()
    with pytest.raises(Refusal):
        review_ops.cancel_remaining_observations(world["manager"], plan, REASON)


# --- (a) Through the views


def test_the_observations_panel_offers_it_and_cancels_them_in_place(manager, plan, observations):
    page = manager.get(f"/plans/{plan.id}").text
    assert "Cancel all 3 remaining observations" in page
    url = f"/plans/{plan.id}/observations/cancel-remaining"
    response = manager.post(url, data={"cancel-remaining-reason": REASON}, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="observations-panel"')
    assert "3 observed shifts cancelled." in response.text
    assert "Cancel all" not in response.text
    assert 'id="plan-header"' in response.text  # the flag "passed without an outcome" goes with them
    assert "passed without an outcome" not in response.text
    assert _statuses(observations)[1:] == [ObservationStatus.CANCELLED] * 3


def test_without_a_reason_nothing_is_cancelled_and_the_form_comes_back(manager, plan, observations):
    response = manager.post(
        f"/plans/{plan.id}/observations/cancel-remaining", data={"cancel-remaining-reason": ""}, htmx=True
    )
    assert response.status_code == 422
    assert "Give the reason for cancelling the observations." in response.text
    assert '<details class="add no-print" id="cancel-remaining" open>' in response.text
    assert _statuses(observations)[1:] == [ObservationStatus.PLANNED] * 3


def test_a_second_submit_is_a_conflict(manager, plan, observations):
    url = f"/plans/{plan.id}/observations/cancel-remaining"
    assert manager.post(url, data={"cancel-remaining-reason": REASON}, htmx=True).status_code == 200
    again = manager.post(url, data={"cancel-remaining-reason": REASON}, htmx=True)
    assert again.status_code == 409 and "nothing to cancel" in again.text


def test_from_the_closure_gate_a_plain_form_returns_to_the_closure_page(world, sign_in, plan, observations):
    senior = sign_in(world["senior"])
    close = senior.get(f"/plans/{plan.id}/close").text
    assert "Cancel all 3 remaining observations with one reason" in close
    assert 'name="cancel-remaining-back" value="close"' in close
    response = senior.post(
        f"/plans/{plan.id}/observations/cancel-remaining",
        data={"cancel-remaining-reason": REASON, "cancel-remaining-back": "close"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{plan.id}/close#closure-gate"
    after = senior.get(f"/plans/{plan.id}/close").text
    assert "is still planned" not in after and "remaining observations" not in after


@pytest.mark.parametrize("who,status", [("staff", 403), ("hr", 403), ("other_manager", 404)])
def test_only_those_who_edit_the_plan_may_cancel_them(world, sign_in, plan, observations, who, status):
    response = sign_in(world[who]).post(
        f"/plans/{plan.id}/observations/cancel-remaining", data={"cancel-remaining-reason": REASON}
    )
    assert response.status_code == status
    assert _statuses(observations)[1:] == [ObservationStatus.PLANNED] * 3


# --- (b) Withdraw an action while amending: the operation


def _withdraw(world, action, reason="Replaced by A3: the rota now pairs her with a senior."):
    plan_ops.withdraw_action(world["manager"], action, reason)
    db.session.commit()


def test_withdrawing_keeps_the_action_as_withdrawn_with_its_reason_and_audits_it(world, plan):
    a2 = plan.actions[1]
    _withdraw(world, a2)
    db.session.refresh(a2)
    assert a2 in plan.actions and a2.status is ActionStatus.WITHDRAWN and a2.is_withdrawn
    assert a2.status_reason == "Replaced by A3: the rota now pairs her with a senior."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "withdrawn"))
    assert (event.entity, event.entity_id) == ("action", a2.id)
    assert event.changes == {
        "ref": "A2",
        "status": ["open", "withdrawn"],
        "reason": "Replaced by A3: the rota now pairs her with a senior.",
    }
    # An unissued change until the amendment is issued; then the version keeps it as withdrawn.
    assert unissued_changes(plan) == [("A2: Withdrawn", None, "Replaced by A3: the rota now pairs her with a senior.")]
    plan_ops.amend_plan(world["manager"], plan, change_summary="A2 withdrawn", override_reason=None)
    db.session.commit()
    version = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == 2))
    [snap_a2] = [a for a in version.snapshot["actions"] if a["ref"] == "A2"]
    assert snap_a2["withdrawn"] == "Replaced by A3: the rota now pairs her with a senior."
    assert unissued_changes(plan) == []


@pytest.mark.parametrize(
    "setup,reason,refusal,message",
    [
        ("draft", "x", Refusal, "removed, not withdrawn"),
        ("none", "  ", Refusal, "Give the reason for withdrawing A2."),
        ("twice", "x", Conflict, "already been withdrawn"),
        ("assured", "x", Refusal, "is assured"),
        ("only", "x", Refusal, "only action"),
    ],
)
def test_withdrawing_is_refused_when_it_makes_no_sense(world, plan, make_plan, setup, reason, refusal, message):
    a1, a2 = plan.actions
    action = a2
    if setup == "draft":
        draft = make_plan(
            staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT
        )
        action = make_action(draft, 1)
    elif setup == "twice":
        _withdraw(world, a2)
    elif setup == "assured":
        a2.status, a2.assurance_evidence = ActionStatus.ASSURED, "Audits at 100%."
    elif setup == "only":
        _withdraw(world, a1)
    with pytest.raises(refusal, match=message):
        plan_ops.withdraw_action(world["manager"], action, reason)


def test_a_withdrawn_action_cannot_be_changed_or_given_a_status(world, plan):
    a2 = plan.actions[1]
    _withdraw(world, a2)
    with pytest.raises(Conflict, match="withdrawn"):
        plan_ops.update_action(world["manager"], a2, {"when": "nightly"})
    with pytest.raises(Refusal, match="A2 is already withdrawn"):
        review_ops.set_action_status(world["manager"], a2, ActionStatus.COMPLETED, "Done", TODAY)


def test_a_withdrawn_action_does_not_count_at_review_flags_or_closure(world, sign_in, plan):
    a1, a2 = plan.actions
    a2.measure_name, a2.measure_unit, a2.measure_baseline, a2.measure_target = "Late notes", "per week", 5, 0
    a2.measure_higher_is_better, a2.measure_consecutive = False, 1
    db.session.commit()
    assert "A2" in [m["ref"] for m in final_measures(plan)]
    _withdraw(world, a2)
    assert [m["ref"] for m in final_measures(plan)] == []  # A1 has no measure; A2 no longer counts
    assert [p.anchor for p in closure_gate(plan) if p.anchor.startswith("close-reason-")] == [f"close-reason-{a1.id}"]
    manager = sign_in(world["manager"])
    review = manager.get(f"/plans/{plan.id}/reviews/new", headers={"HX-Request": "true"}).text
    assert f"progress_{a1.id}" in review and f"progress_{a2.id}" not in review
    close = sign_in(world["senior"]).get(f"/plans/{plan.id}/close").text
    assert f"close-reason-{a1.id}" in close and f"close-reason-{a2.id}" not in close
    page = manager.get(f"/plans/{plan.id}").text
    assert "Why it was withdrawn" in page and 'status--withdrawn">Withdrawn' in page


# --- (b) Through the builder


def test_withdrawing_in_the_builder_shows_the_unissued_change_in_place(world, manager, plan):
    a2 = plan.actions[1]
    edit = manager.get(f"/plans/{plan.id}/edit").text
    assert "Withdraw A2" in edit and "Remove A2" not in edit
    p = f"withdraw{a2.id}"
    url = f"/plans/{plan.id}/actions/{a2.id}/withdraw"
    bad = manager.post(url, data={f"{p}-reason": "", f"{p}-row_version": a2.row_version}, htmx=True)
    assert bad.status_code == 422 and "Give the reason for withdrawing the action." in bad.text
    assert f'<details class="add" id="withdraw-{a2.id}" open>' in bad.text
    response = manager.post(
        url, data={f"{p}-reason": "Replaced by a paired-shift action.", f"{p}-row_version": a2.row_version}, htmx=True
    )
    assert response.status_code == 200 and response.text.lstrip().startswith('<section id="actions"')
    assert "A2 withdrawn." in response.text and "Why it was withdrawn" in response.text
    assert "Edit A2" not in response.text and "Withdraw A2" not in response.text
    issue = response.text[response.text.index('<section id="issue"') :]
    assert "A2: Withdrawn" in issue and "Issue version 2" in issue
    history = manager.get(f"/plans/{plan.id}/history").text
    assert "Withdrawn action A2" in history and f"Status: Open {ARROW} Withdrawn" in history
    assert "Reason: Replaced by a paired-shift action." in history
    stale = manager.post(url, data={f"{p}-reason": "Again", f"{p}-row_version": a2.row_version}, htmx=True)
    assert stale.status_code == 409


def test_the_issue_checks_count_only_actions_not_withdrawn():
    from types import SimpleNamespace

    from pip_app.lifecycle import issue_problems, live_actions, quality_findings

    withdrawn = SimpleNamespace(
        ref="A1",
        id=1,
        behaviour="Complete training",
        when="",
        check_method="",
        success_criterion="",
        status=ActionStatus.WITHDRAWN,
    )
    plan = SimpleNamespace(
        risk_statement="Risk",
        evidence_sources=["audit"],
        controls=[],
        no_control_reason="None needed",
        actions=[withdrawn],
        review_weekday=0,
        review_interval_days=7,
        planned_end_date=TODAY,
        start_date=START,
    )
    assert live_actions(plan) == []
    assert [p.message for p in issue_problems(plan)] == ["Add at least one action."]  # not "A1 is missing …"
    assert quality_findings(plan) == {}


# --- The new states are valid HTML (the Nu HTML Checker, as tests/test_html_valid.py)


def test_the_new_forms_and_their_refusals_are_valid_html(world, sign_in, plan, observations):
    require_checker()
    manager, senior = sign_in(world["manager"]), sign_in(world["senior"])
    a2 = plan.actions[1]
    pages = {
        "plan page, cancel all offered": manager.get(f"/plans/{plan.id}"),
        "plan page, cancel all refused": manager.post(
            f"/plans/{plan.id}/observations/cancel-remaining", data={"cancel-remaining-reason": ""}
        ),
        "closure page, cancel all in the gate": senior.get(f"/plans/{plan.id}/close"),
        "builder, withdraw offered": manager.get(f"/plans/{plan.id}/edit"),
        "builder, withdraw refused": manager.post(
            f"/plans/{plan.id}/actions/{a2.id}/withdraw",
            data={f"withdraw{a2.id}-reason": "", f"withdraw{a2.id}-row_version": a2.row_version},
        ),
    }
    manager.post(
        f"/plans/{plan.id}/actions/{a2.id}/withdraw",
        data={f"withdraw{a2.id}-reason": "Replaced.", f"withdraw{a2.id}-row_version": a2.row_version},
    )
    pages["builder, withdrawn"] = manager.get(f"/plans/{plan.id}/edit")
    pages["plan page, withdrawn"] = manager.get(f"/plans/{plan.id}")
    pages["history"] = manager.get(f"/plans/{plan.id}/history")
    pages["register"] = senior.get("/register")
    for name, response in pages.items():
        assert response.status_code in (200, 422), (name, response.status_code)
    assert_valid_html({name: response.text for name, response in pages.items()})
