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
from pip_app.models import ControlCheck, PlanStatus, Review, Role
from pip_app.services.plans import issue_plan
from tests.factories import make_action, make_control

TODAY = date(2026, 11, 23)
THREADS = 6


@pytest.fixture
def plan(app, world, make_plan):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT,
                     start=TODAY - timedelta(days=14), evidence_sources=["audit"])
    make_control(plan, world["senior"])
    make_action(plan, 1)
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
        responses[i] = contextvars.Context().run(FlaskClient.open, client, url, method="POST", data=data,
                                                 headers={"HX-Request": "true"})

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
        requests.append((client.client, f"/plans/{plan.id}/reviews", {
            "review-csrf_token": client.token, "review-row_version": version, "review-submission_token": f"t{i}",
            "review-review_date": TODAY.isoformat(), "review-next_review_date": (TODAY + timedelta(days=7)).isoformat(),
            "review-summary": f"Summary from reviewer {i}", "review-decision": "continue",
            f"review-progress_{action.id}": "on_track", f"review-control_{control.id}": "keep"}))
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
    requests = [(c.client, f"/register/controls/{control.id}/check",
                 {f"{p}-csrf_token": c.token, f"{p}-checked_on": TODAY.isoformat(), f"{p}-note": f"Check {i}"})
                for i, c in enumerate(clients)]
    responses = run_at_once(requests)
    statuses = [r.status_code for r in responses]
    assert all(s < 500 for s in statuses), statuses
    db.session.commit()
    saved = db.session.scalar(select(func.count(ControlCheck.id)))
    assert saved == sum(1 for s in statuses if s in (200, 204, 303)), statuses
    assert saved == THREADS  # a check is an addition: nobody's check conflicts with anybody else's
