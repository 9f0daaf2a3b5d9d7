"""Issue 22, point 7: fewer clicks. (a) Every remaining planned observation cancelled at once with
one reason, from the observations panel or the closure page's gate; (b) an action withdrawn from
an active plan while amending, with a reason, kept in the history and the version."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import AuditEvent, Observation, ObservationStatus, PlanStatus
from pip_app.refusals import Conflict, Refusal
from pip_app.services import reviews as review_ops
from pip_app.services.plans import issue_plan
from tests.factories import make_action, make_control

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
