"""The scale seed (pip_app/tools/seed.py, `flask --app pip_app seed-scale`): what it inserts is complete,
consistent and usable by every page, small enough here to stay fast."""

from __future__ import annotations

import re
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pip_app.extensions import db
from pip_app.models import (
    Acknowledgement,
    AckSubject,
    Action,
    Closure,
    ControlStatus,
    Escalation,
    EscalationDecision,
    InterimControl,
    Observation,
    ObservationStatus,
    Plan,
    PlanStatus,
    Review,
    ReviewDecision,
    Role,
    User,
)
from pip_app.services.acknowledgements import plan_statement
from pip_app.services.closure import closure_statement
from pip_app.services.closure_gate import final_measures
from pip_app.services.plans import snapshot
from pip_app.services.reviews import review_statement
from pip_app.tools.seed import DEFAULT_PASSWORD, GROUP_SENIOR_EMAIL, SeedRefused, seed_scale
from tests.conftest import csrf_token_from, login
from tests.factories import make_plan, make_service, make_user

PLANS = 40


@pytest.fixture
def seeded(app):
    result = seed_scale(PLANS, services=3, staff=12, seed=7)
    db.session.commit()
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_counts_reported_are_the_rows_in_the_database(seeded):
    assert seeded.counts["plans"] == count(Plan) == PLANS
    assert seeded.counts["interim_controls"] == count(InterimControl)
    assert seeded.counts["actions"] == count(Action)
    assert seeded.counts["reviews"] == count(Review)
    assert seeded.counts["users"] == count(User) == 2 + 1 + 3 + 3 * 3 + 12
    # The shape of DESIGN.md's 10,000 / 40,000 / 60,000 / 100,000, per plan.
    assert 2 <= count(InterimControl) / PLANS <= 6
    assert 4 <= count(Action) / PLANS <= 8
    assert 5 <= count(Review) / PLANS <= 15


def test_the_known_plans_have_the_shape_the_bench_relies_on(seeded):
    bench = db.session.get(Plan, seeded.bench_plan_id)
    assert bench.status is PlanStatus.ACTIVE
    assert len(bench.actions) == 20 and len(bench.reviews) == 12
    big = db.session.get(Plan, seeded.big_review_plan_id)
    assert big.status is PlanStatus.CLOSED and len(big.reviews) == 100 and big.closure is not None
    typical = db.session.get(Plan, seeded.typical_closed_plan_id)
    assert typical.status is PlanStatus.CLOSED and typical.closure is not None
    assert len(typical.actions) == 6 and len(typical.reviews) == 10
    senior = db.session.scalar(select(User).where(User.email == GROUP_SENIOR_EMAIL))
    assert senior.role is Role.SENIOR and len(senior.services) == 3
    assert seeded.group_senior_active_plans == count_where(Plan.status == PlanStatus.ACTIVE)
    assert seeded.first_service_id == bench.service_id


def count_where(condition) -> int:
    return db.session.scalar(select(func.count(Plan.id)).where(condition))


def test_references_and_emails_are_unique_and_well_formed(seeded):
    references = db.session.scalars(select(Plan.reference)).all()
    assert len(set(references)) == len(references)
    assert all(re.fullmatch(r"PIP-\d{4}-\d{4}", r) for r in references)
    emails = db.session.scalars(select(User.email)).all()
    assert len(set(emails)) == len(emails) and all(e == e.lower() for e in emails)


def test_one_password_hash_for_every_account(seeded):
    assert len(set(db.session.scalars(select(User.password_hash)))) == 1


def test_a_realistic_spread_of_states(app):
    seed_scale(300, services=3, staff=12, seed=11)
    db.session.commit()
    statuses = Counter(db.session.scalars(select(Plan.status)))
    assert set(statuses) == set(PlanStatus)
    assert statuses[PlanStatus.CLOSED] > statuses[PlanStatus.ACTIVE] > statuses[PlanStatus.PAUSED]
    # Closed plans are closed with evidence: a closure, no control still active, no observation planned.
    closed = select(Plan.id).where(Plan.status == PlanStatus.CLOSED)
    assert count(Closure) == statuses[PlanStatus.CLOSED]
    assert not db.session.scalar(
        select(func.count(InterimControl.id)).where(
            InterimControl.plan_id.in_(closed), InterimControl.status == ControlStatus.ACTIVE
        )
    )
    assert not db.session.scalar(
        select(func.count(Observation.id)).where(
            Observation.plan_id.in_(closed), Observation.status == ObservationStatus.PLANNED
        )
    )
    # Drafts have no reviews and nothing acknowledged.
    drafts = select(Plan.id).where(Plan.status == PlanStatus.DRAFT)
    assert not db.session.scalar(select(func.count(Review.id)).where(Review.plan_id.in_(drafts)))
    assert not db.session.scalar(select(func.count(Acknowledgement.id)).where(Acknowledgement.plan_id.in_(drafts)))
    # The register and the dashboards have something to flag, and corrections exist.
    assert db.session.scalar(select(func.count(Review.id)).where(Review.corrects_review_id.is_not(None)))
    # Every review that decided "Escalate" raised its escalation, as the app's does; each was decided.
    escalating = set(db.session.scalars(select(Review.id).where(Review.decision == ReviewDecision.ESCALATE)))
    raised = list(db.session.scalars(select(Escalation)))
    assert escalating and {e.review_id for e in raised} == escalating and len(raised) == len(escalating)
    assert all(e.decision is EscalationDecision.FORMAL and e.decided_by_id is not None for e in raised)
    statuses_of_controls = set(db.session.scalars(select(InterimControl.status)))
    assert statuses_of_controls == set(ControlStatus)


def test_what_the_app_derives_is_what_the_app_would_have_written(seeded):
    """The seed writes rows in bulk, but the issued snapshot, every acknowledgement statement and
    the closure's final measures are the app's own functions' answers for the seeded plan."""
    plans = db.session.scalars(
        select(Plan).options(
            selectinload(Plan.versions), selectinload(Plan.acknowledgements), selectinload(Plan.reviews)
        )
    ).all()
    seen = Counter()
    for plan in plans:
        if plan.versions:  # the latest version is the plan as it stands (the seed changes nothing after issue)
            assert plan.versions[-1].snapshot == snapshot(plan), plan.reference
            seen["snapshot"] += 1
        for ack in plan.acknowledgements:
            if ack.subject is AckSubject.PLAN:
                as_acknowledged = SimpleNamespace(reference=plan.reference, version=ack.plan_version)
                assert ack.statement == plan_statement(as_acknowledged), plan.reference
            elif ack.subject is AckSubject.REVIEW:
                assert ack.statement == review_statement(ack.review), plan.reference
            else:
                assert ack.statement == closure_statement(plan), plan.reference
            seen[ack.subject] += 1
        if plan.closure is not None:
            assert plan.closure.final_measures == final_measures(plan), plan.reference
            seen["closure"] += 1
    assert seen["snapshot"] and all(seen[subject] for subject in AckSubject) and seen["closure"], seen


def test_seeded_accounts_sign_in_and_every_main_page_renders(seeded, client):
    assert login(client, GROUP_SENIOR_EMAIL, DEFAULT_PASSWORD).status_code == 303
    for path in (
        f"/plans/{seeded.bench_plan_id}",
        f"/plans/{seeded.big_review_plan_id}",
        "/",
        "/register",
        f"/register?service={seeded.first_service_id}&flagged=1",
        "/plans/",
    ):
        assert client.get(path).status_code == 200, path
    pdf = client.get(f"/plans/{seeded.typical_closed_plan_id}/closure.pdf")
    assert pdf.status_code in (200, 404)  # 404 only while the closure PDF route does not exist
    if pdf.status_code == 200:
        assert pdf.data.startswith(b"%PDF")


def test_the_app_keeps_working_after_the_seed(seeded, app):
    """New rows get fresh ids (PostgreSQL's sequences were moved on) and the next reference."""
    service = make_service("After the seed")
    manager = make_user(Role.MANAGER, services=[service])
    staff = make_user(Role.STAFF, services=[service], line_manager=manager)
    plan = make_plan(staff=staff, manager=manager, service=service)
    assert plan.id > PLANS and manager.id > seeded.counts["users"]
    same_year = db.session.scalars(
        select(Plan.reference).where(Plan.reference.like(plan.reference[:9] + "%"), Plan.id != plan.id)
    ).all()
    assert all(other < plan.reference for other in same_year)


def test_refuses_a_database_with_plans_unless_forced(app):
    service = make_service("Existing home")
    manager = make_user(Role.MANAGER, services=[service])
    staff = make_user(Role.STAFF, services=[service], line_manager=manager)
    existing = make_plan(staff=staff, manager=manager, service=service)
    db.session.commit()  # the refusal below rolls back; the existing plan stays
    with pytest.raises(SeedRefused, match="--force"):
        seed_scale(5, services=2, staff=4)
    db.session.rollback()
    result = seed_scale(5, services=2, staff=4, force=True)
    db.session.commit()
    assert count(Plan) == 6 and result.bench_plan_id != existing.id
    assert db.session.get(Plan, existing.id).reference == existing.reference
    with pytest.raises(SeedRefused, match="already holds scale data"):
        seed_scale(5, services=2, staff=4, force=True)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"plans": 2}, "at least 3 plans"),
        ({"plans": 5, "password": "short"}, "at least 12 characters"),
        ({"plans": 5, "services": 4, "staff": 3}, "one staff member per service"),
    ],
)
def test_refuses_what_it_cannot_build(app, kwargs, message):
    with pytest.raises(SeedRefused, match=message):
        seed_scale(**kwargs)


def test_command(runner):
    result = runner.invoke(
        args=["seed-scale", "--plans", "5", "--services", "2", "--staff", "4", "--password", "another-long-password"]
    )
    assert result.exit_code == 0, result.output
    assert "Seeded in" in result.output and "bench plan (20 actions, 12 reviews) id=" in result.output
    assert "another-long-password" in result.output
    again = runner.invoke(args=["seed-scale", "--plans", "5"])
    assert again.exit_code != 0 and "already holds" in again.output


def test_seeded_password_is_the_one_given(app, client):
    seed_scale(4, services=1, staff=2, password="a-different-passphrase")
    db.session.commit()
    assert login(client, GROUP_SENIOR_EMAIL, "a-different-passphrase").status_code == 303
    assert csrf_token_from(client.get("/").text)
