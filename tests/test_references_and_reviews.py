"""Issue #16, one at a time: plan references from the year's counter (numeric order, no limit
at 9999, never reused), one weekly review per plan per date (refused beside the date, pointing
to "Record a correction"; the unique index's race and a reused form refused cleanly), and
migration 0007 filling all of that in on a database that already has plans and reviews."""

from __future__ import annotations

import os
import re
import uuid
from datetime import date, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from pip_app import create_app
from pip_app.extensions import db
from pip_app.lifecycle import snapshot_digest
from pip_app.models import Plan, PlanReferenceCounter, PlanStatus, PlanVersion, Review, ReviewEntry
from pip_app.services import reviews as review_ops
from pip_app.services.plans import allocate_reference, issue_plan, snapshot
from tests import factories
from tests.factories import make_action, make_control

TODAY = date(2026, 11, 23)


@pytest.fixture
def frozen(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


def issued_plan(world, make_plan, staff=None):
    plan = make_plan(
        staff=staff or world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=TODAY - timedelta(days=14),
        evidence_sources=["audit"],
    )
    make_control(plan, world["senior"])
    make_action(plan, 1)
    factories.approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def review_form(client, plan, token, *, summary="Steady progress on escalation records.", corrects=None):
    db.session.refresh(plan)
    data = {
        "review-csrf_token": client.token,
        "review-row_version": plan.row_version,
        "review-submission_token": token,
        "review-review_date": TODAY.isoformat(),
        "review-next_review_date": (TODAY + timedelta(days=7)).isoformat(),
        "review-summary": summary,
        "review-decision": "continue",
        f"review-progress_{plan.actions[0].id}": "on_track",
        f"review-control_{plan.controls[0].id}": "keep",
    }
    if corrects is not None:
        data["review-corrects_review_id"] = corrects.id
    return client.post(f"/plans/{plan.id}/reviews", data=data, csrf=False, htmx=True)


def reviews_of(plan) -> list[Review]:
    return db.session.scalars(select(Review).where(Review.plan_id == plan.id).order_by(Review.id)).all()


# --- References ---------------------------------------------------------------------------------


def test_references_pass_9999_and_sort_as_numbers(frozen, world, make_plan, sign_in):
    first = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=TODAY)
    db.session.get(PlanReferenceCounter, 2026).last_number = 9998
    db.session.commit()
    later = [
        make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=TODAY) for _ in range(2)
    ]
    assert [p.reference for p in (first, *later)] == ["PIP-2026-0001", "PIP-2026-9999", "PIP-2026-10000"]
    assert (later[1].reference_year, later[1].reference_number) == (2026, 10000)
    for plan in (first, *later):
        make_control(plan, world["senior"])

    page = sign_in(world["manager"]).get("/plans/").text  # newest first
    assert page.index("PIP-2026-10000") < page.index("PIP-2026-9999") < page.index("PIP-2026-0001")
    register = sign_in(world["senior"]).get("/register?sort=reference").text  # by reference, going up
    assert register.index("PIP-2026-0001") < register.index("PIP-2026-9999") < register.index("PIP-2026-10000")


def test_a_purged_plans_number_is_not_given_again(world, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    assert plan.reference == "PIP-2026-0001"
    db.session.delete(plan)
    db.session.commit()
    assert allocate_reference(2026)["reference"] == "PIP-2026-0002"  # max+1 would have said 0001
    db.session.rollback()


# --- One weekly review per plan per date -----------------------------------------------------------


def test_a_second_review_of_a_date_is_refused_beside_the_date(frozen, world, make_plan, sign_in):
    plan = issued_plan(world, make_plan)
    senior = sign_in(world["senior"])
    assert review_form(senior, plan, "first").status_code == 200
    again = review_form(senior, plan, "second", summary="Typed again by someone who missed the first")
    assert again.status_code == 422
    assert "A weekly review of 23 Nov 2026 is already recorded for this plan" in again.text
    assert "use “Record a correction” beside that review" in again.text
    assert "Typed again by someone who missed the first" in again.text  # the input is kept
    beside_the_date = re.search(r'<p class="field-error" id="review-review_date-error">(.*?)</p>', again.text, re.S)
    assert beside_the_date and "already recorded" in beside_the_date.group(1)
    assert len(reviews_of(plan)) == 1
    # A correction of that review, on the same date, is the way to change it.
    original = reviews_of(plan)[0]
    corrected = review_form(senior, plan, "correction", summary="Corrected summary", corrects=original)
    assert corrected.status_code == 200
    assert [(r.review_date, r.corrects_review_id) for r in reviews_of(plan)] == [(TODAY, None), (TODAY, original.id)]


def test_the_unique_index_refuses_the_race_cleanly(frozen, world, make_plan, sign_in, monkeypatch):
    """Two saves that both passed the check (as two requests could on another code path): the
    partial unique index refuses the second, answered as a refusal with the same message."""
    plan = issued_plan(world, make_plan)
    senior = sign_in(world["senior"])
    assert review_form(senior, plan, "first").status_code == 200
    monkeypatch.setattr(review_ops, "_reviewed_on", lambda plan, review_date: False)
    raced = review_form(senior, plan, "second", summary="The second of two at once")
    assert raced.status_code == 409
    assert "is already recorded for this plan" in raced.text and "Record a correction" in raced.text
    assert "The second of two at once" in raced.text
    assert len(reviews_of(plan)) == 1


def test_a_review_form_reused_on_another_plan_is_refused(frozen, world, make_plan, make_user, sign_in):
    one = issued_plan(world, make_plan)
    other_staff = make_user("staff", services=[world["home"]], line_manager=world["manager"])
    two = issued_plan(world, make_plan, staff=other_staff)
    senior = sign_in(world["senior"])
    assert review_form(senior, one, "same-token").status_code == 200
    reused = review_form(senior, two, "same-token", summary="Posted again to the other plan")
    assert reused.status_code == 409  # was a 500: the token's unique constraint
    assert review_ops.FORM_USED in reused.text.replace("&#39;", "'")
    assert "Posted again to the other plan" in reused.text
    assert reviews_of(two) == []
    # Even when the check cannot see it (a race), the unique constraint is answered the same way.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(review_ops, "find_submission", lambda token: None)
        raced = review_form(senior, two, "same-token")
    assert raced.status_code == 409 and reviews_of(two) == []


# --- Migration 0007 on a database with data ------------------------------------------------------------


@pytest.fixture
def scratch_database(tmp_path):
    """A database of its own (the suite's is shared): SQLite in tmp_path, or with DATABASE_URL
    a PostgreSQL database created beside the suite's and dropped afterwards."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path / "migration.sqlite3")
        return
    server = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"pip_migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def app_on(database_url: str):
    """The app on a database of its own, to take its schema up and down the migrations."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
        }
    )


def a_home_and_its_people():
    """A service with a line manager and a staff member of theirs, on the migrated database."""
    home = factories.make_service("Larkfield House")
    manager = factories.make_user("manager", services=[home])
    return home, manager, factories.make_user("staff", services=[home], line_manager=manager)


def test_migration_0007_fills_references_counters_and_resolves_repeated_reviews(scratch_database):
    app = app_on(scratch_database)
    with app.app_context():
        upgrade()
        home, manager, staff = a_home_and_its_people()
        plans = [
            factories.make_plan(staff=staff, manager=manager, service=home, start=date(2025, 3, 3)),
            factories.make_plan(staff=staff, manager=manager, service=home),
            factories.make_plan(staff=staff, manager=manager, service=home),
        ]
        action = make_action(plans[1], 1)
        db.session.add(
            Review(
                plan=plans[1],
                review_date=TODAY,
                reviewer_id=manager.id,
                summary="First",
                decision="continue",
                entries=[ReviewEntry(action=action, progress="on_track")],
            )
        )
        db.session.commit()
        ids = [p.id for p in plans]
        entries = db.session.scalar(select(func.count(ReviewEntry.id)))
        db.session.remove()

        downgrade(revision="0006")
        with db.engine.begin() as conn:  # what 0006 allowed: a second review of a date, an odd reference
            conn.execute(
                text(
                    "INSERT INTO reviews (plan_id, review_date, reviewer_id, summary, decision, created_at) "
                    "SELECT plan_id, review_date, reviewer_id, 'Second', decision, created_at FROM reviews"
                )
            )
            conn.execute(text("UPDATE plans SET reference = 'OLD-17' WHERE id = :id"), {"id": ids[2]})
        upgrade()

        got = {p.id: (p.reference, p.reference_year, p.reference_number) for p in db.session.scalars(select(Plan))}
        assert got == {
            ids[0]: ("PIP-2025-0001", 2025, 1),
            ids[1]: ("PIP-2026-0001", 2026, 1),
            ids[2]: ("OLD-17", 2026, 2),
        }  # the odd one keeps its text, takes the next number
        counters = {c.year: c.last_number for c in db.session.scalars(select(PlanReferenceCounter))}
        assert counters == {2025: 1, 2026: 2}
        assert allocate_reference(2026)["reference"] == "PIP-2026-0003"
        db.session.rollback()
        first, second = db.session.scalars(select(Review).order_by(Review.id)).all()
        assert (first.corrects_review_id, second.corrects_review_id) == (None, first.id)  # the later stands
        assert db.session.scalar(select(func.count(ReviewEntry.id))) == entries  # nothing cascaded away
        db.session.remove()
        db.engine.dispose()


# --- Migration 0020 (issue 22: withdrawn actions) keeps every row that refers to an action


def test_migration_0020_admits_withdrawn_and_loses_nothing_either_way(scratch_database):
    app = app_on(scratch_database)
    with app.app_context():
        upgrade()  # the data made through today's models, then taken back to before 0020
        home, manager, staff = a_home_and_its_people()
        plan = factories.make_plan(staff=staff, manager=manager, service=home)
        kept, withdrawn = make_action(plan, 1), make_action(plan, 2)
        db.session.add(
            Review(
                plan=plan,
                review_date=TODAY,
                reviewer_id=manager.id,
                summary="First",
                decision="continue",
                entries=[
                    ReviewEntry(action=kept, progress="on_track"),
                    ReviewEntry(action=withdrawn, progress="at_risk"),
                ],
            )
        )
        db.session.commit()
        ids = (kept.id, withdrawn.id)
        db.session.remove()
        downgrade(revision="0019")

        def entries() -> int:
            with db.engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM review_entries")).scalar()

        def set_withdrawn() -> None:
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE actions SET status = 'withdrawn' WHERE id = :id"), {"id": ids[1]})

        with pytest.raises(IntegrityError, match=r"(?i)check|constraint"):
            set_withdrawn()
        upgrade()
        set_withdrawn()
        assert entries() == 2  # the constraint changed in place: nothing cascaded away
        downgrade(revision="0019")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT status FROM actions ORDER BY id")).scalars().all() == ["open", "not_met"]
        assert entries() == 2
        with pytest.raises(IntegrityError, match=r"(?i)check|constraint"):
            set_withdrawn()
        upgrade()
        set_withdrawn()
        assert entries() == 2
        db.session.remove()
        db.engine.dispose()


# --- Migration 0037 (issue #15): each issued version keeps its snapshot's digest


def test_migration_0037_fills_each_versions_digest_from_its_snapshot(scratch_database):
    app = app_on(scratch_database)
    with app.app_context():
        upgrade()
        home, manager, staff = a_home_and_its_people()
        plan = factories.make_plan(staff=staff, manager=manager, service=home)
        make_action(plan, 1)
        db.session.flush()
        issued = [snapshot(plan), snapshot(plan) | {"version": 2, "risk_statement": "Łukasz’s notes, revised"}]
        for number, content in enumerate(issued, start=1):
            db.session.add(PlanVersion(plan=plan, version=number, snapshot=content, created_by_id=manager.id))
        db.session.commit()
        db.session.remove()

        downgrade(revision="0036")
        upgrade()
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT snapshot_digest FROM plan_versions ORDER BY version")).scalars().all()
        assert kept == [snapshot_digest(content) for content in issued]
        assert kept[0] != kept[1]
        downgrade(revision="0036")
        with db.engine.connect() as conn:
            columns = [c["name"] for c in inspect(conn).get_columns("plan_versions")]
        assert "snapshot_digest" not in columns and "snapshot" in columns
        upgrade()
        db.engine.dispose()
