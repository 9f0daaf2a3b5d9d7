"""Several people saving on one plan at the same moment: nothing is lost and nothing is
overwritten silently. Every request is either saved (and in the database) or answered 409
with the person's input kept; none fails with a 500."""

import contextvars
import threading
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.models import ControlCheck, Plan, PlanReferenceCounter, PlanStatus, Review, Role
from pip_app.services.plans import issue_plan
from tests.factories import approve_for_issue, make_action, make_control

TODAY = date(2026, 11, 23)
THREADS = 6


@pytest.fixture
def plan(app, world, make_plan):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=TODAY - timedelta(days=14),
        evidence_sources=["audit"],
    )
    make_control(plan, world["senior"])
    make_action(plan, 1)
    approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def run_at_once(requests):
    """Start every request on its own thread at the same instant; return the responses."""
    barrier = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def worker(i, client, url, data):
        barrier.wait()
        # A fresh context per request, as a server gives each one (see IsolatedClient).
        responses[i] = contextvars.Context().run(
            FlaskClient.open, client, url, method="POST", data=data, headers={"HX-Request": "true"}
        )

    threads = [threading.Thread(target=worker, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return responses


def seniors(world, make_user, count):
    """Several registered managers of the plan's service, each signed in once."""
    return [make_user(Role.SENIOR, services=[world["home"]]) for _ in range(count)]


def test_reviews_saved_at_once_on_one_plan(world, sign_in, make_user, plan):
    clients = [sign_in(user) for user in seniors(world, make_user, THREADS)]
    version = plan.row_version
    action, control = plan.actions[0], plan.controls[0]
    requests = []
    for i, client in enumerate(clients):
        requests.append(
            (
                client.client,
                f"/plans/{plan.id}/reviews",
                {
                    "review-csrf_token": client.token,
                    "review-row_version": version,
                    "review-submission_token": f"t{i}",
                    "review-review_date": TODAY.isoformat(),
                    "review-next_review_date": (TODAY + timedelta(days=7)).isoformat(),
                    "review-summary": f"Summary from reviewer {i}",
                    "review-decision": "continue",
                    f"review-progress_{action.id}": "on_track",
                    f"review-control_{control.id}": "keep",
                },
            )
        )
    responses = run_at_once(requests)
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) == 1, statuses  # the first wins; every other form was loaded from the old version
    for i, response in enumerate(responses):
        if response.status_code == 409:
            assert f"Summary from reviewer {i}" in response.text  # the loser's input is kept
    db.session.commit()
    saved = db.session.scalars(select(Review)).all()
    assert len(saved) == 1
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    assert saved[0].summary == f"Summary from reviewer {winner}"


def test_control_checks_recorded_at_once_are_all_kept(world, sign_in, make_user, plan):
    control = plan.controls[0]
    clients = [sign_in(user) for user in seniors(world, make_user, THREADS)]
    p = f"check-{control.id}"
    requests = [
        (
            c.client,
            f"/register/controls/{control.id}/check",
            {f"{p}-csrf_token": c.token, f"{p}-checked_on": TODAY.isoformat(), f"{p}-note": f"Check {i}"},
        )
        for i, c in enumerate(clients)
    ]
    responses = run_at_once(requests)
    statuses = [r.status_code for r in responses]
    assert all(s < 500 for s in statuses), statuses
    db.session.commit()
    saved = db.session.scalar(select(func.count(ControlCheck.id)))
    assert saved == sum(1 for s in statuses if s in (200, 204, 303)), statuses
    assert saved == THREADS  # a check is an addition: nobody's check conflicts with anybody else's


def test_checks_of_several_controls_of_one_plan_at_once_keep_what_needs_attention(world, sign_in, make_user, plan):
    """Each check changes what needs attention on the plan (services/attention.py): saved at the
    same moment on different controls, each is kept, none fails, and what is kept of the plan's
    flags is what its rules give once all are in (a refresh worked out before another check was
    committed would leave that control flagged as not checked)."""
    from pip_app.models import ControlKind, PlanAttention
    from pip_app.services.attention import attention_rows

    kinds = [k for k in ControlKind if k is not plan.controls[0].kind][: THREADS - 1]
    for kind in kinds:
        make_control(plan, world["senior"], kind=kind, start_date=TODAY - timedelta(days=14))
    db.session.commit()
    controls = list(plan.controls)
    clients = [sign_in(user) for user in seniors(world, make_user, len(controls))]
    requests = []
    for i, (c, control) in enumerate(zip(clients, controls, strict=True)):
        p = f"check-{control.id}"
        data = {f"{p}-csrf_token": c.token, f"{p}-checked_on": TODAY.isoformat(), f"{p}-note": f"Check {i}"}
        requests.append((c.client, f"/register/controls/{control.id}/check", data))
    responses = run_at_once(requests)
    statuses = [r.status_code for r in responses]
    assert all(s < 400 for s in statuses), statuses
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(PlanAttention, plan.id)
    [expected] = attention_rows(db.session.connection(), [plan.id])
    assert kept.facts == expected["facts"]
    assert not [f for f in kept.facts if f[0] == "control_not_checked" and f[1] <= TODAY.isoformat()]


# --- Issue #16: races that used to end in a 500 --------------------------------------------------

AT_ONCE = 8


def new_plan_form(client, staff, service):
    """The new plan form as a manager sends it (risk section first)."""
    return {
        "csrf_token": client.token,
        "staff_id": staff.id,
        "service_id": service.id,
        "risk_area": "escalation",
        "risk_statement": "Early signs of deterioration are recorded but not escalated.",
        "evidence_sources": ["near_miss"],
        "evidence_detail": "Two near misses in October.",
        "key_questions": ["safe"],
        "baseline_text": "2 of 9 changes with rationale",
        "baseline_figure": "22",
        "start_date": TODAY.isoformat(),
        "weeks": "4",
        "review_weekday": "0",
    }


def test_plans_created_at_once_get_distinct_references(app, world, sign_in, make_user, make_plan):
    """Eight managers open a plan at the same instant: eight plans, eight references, in order
    after the year's last one (the counter row is taken in turn; max+1 gave duplicates → 500)."""
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    first = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=TODAY)
    requests = []
    for _ in range(AT_ONCE):
        manager = make_user(Role.MANAGER, services=[world["home"]], line_manager=world["senior"])
        staff = make_user(Role.STAFF, services=[world["home"]], line_manager=manager)
        client = sign_in(manager)
        requests.append((client.client, "/plans/new", new_plan_form(client, staff, world["home"])))
    responses = run_at_once(requests)
    statuses = [r.status_code for r in responses]
    assert all(s < 400 for s in statuses), statuses  # every one saved: nobody's plan conflicts
    db.session.commit()
    references = db.session.scalars(select(Plan.reference).where(Plan.id != first.id)).all()
    assert sorted(references) == [f"PIP-2026-{n:04d}" for n in range(2, AT_ONCE + 2)]
    counter = db.session.get(PlanReferenceCounter, 2026)
    assert counter.last_number == AT_ONCE + 1


def test_reviews_of_one_date_at_once_keep_exactly_one(world, sign_in, make_user, plan):
    """Eight reviewers save a review of the same plan and date at the same instant: one is kept,
    the rest are refused (409: the plan changed under their form). Each then reloads the form and
    saves again, all at once: every one is refused with 422 and the message that says a review of
    that date exists and how to correct it — never a 500, never a second review of the date."""
    clients = [sign_in(user) for user in seniors(world, make_user, AT_ONCE)]
    action, control = plan.actions[0], plan.controls[0]

    def review_form(i, client, version, attempt):
        return (
            client.client,
            f"/plans/{plan.id}/reviews",
            {
                "review-csrf_token": client.token,
                "review-row_version": version,
                "review-submission_token": f"t{i}-{attempt}",
                "review-review_date": TODAY.isoformat(),
                "review-next_review_date": (TODAY + timedelta(days=7)).isoformat(),
                "review-summary": f"Summary {attempt} from reviewer {i}",
                "review-decision": "continue",
                f"review-progress_{action.id}": "on_track",
                f"review-control_{control.id}": "keep",
            },
        )

    responses = run_at_once([review_form(i, c, plan.row_version, 1) for i, c in enumerate(clients)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (AT_ONCE - 1), statuses
    db.session.commit()
    db.session.refresh(plan)
    responses = run_at_once([review_form(i, c, plan.row_version, 2) for i, c in enumerate(clients)])
    assert [r.status_code for r in responses] == [422] * AT_ONCE
    for i, response in enumerate(responses):
        assert "is already recorded for this plan" in response.text
        assert "Record a correction" in response.text
        assert f"Summary 2 from reviewer {i}" in response.text  # what was typed is kept
    db.session.commit()
    assert db.session.scalar(select(func.count(Review.id))) == 1
