"""Constraints the database itself enforces, whatever the code above it does."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from pip_app.extensions import db
from pip_app.models import Closure, ClosureOutcome, ControlStatus, Role, User
from pip_app.services.plans import allocate_reference
from tests.factories import make_action, make_control


@pytest.fixture
def plan(world, make_plan):
    return make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])


def _fails(obj_or_change):
    with pytest.raises((IntegrityError, StatementError)):
        obj_or_change()
        db.session.flush()
    db.session.rollback()


def test_email_must_be_unique(world, make_user):
    with pytest.raises(IntegrityError):
        make_user(Role.STAFF, email="staff@example.test")
    db.session.rollback()


def test_email_is_stored_lower_case(world):
    db.session.add(User(email="Upper@Example.test", name="U", role=Role.STAFF, password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_unknown_role_is_refused(world):
    _fails(lambda: db.session.add(User(email="x@example.test", name="X", role="superuser", password_hash="x")))


def test_plan_cannot_end_before_it_starts(plan):
    def change():
        plan.planned_end_date = date(2020, 1, 1)

    _fails(change)


def test_action_refs_are_unique_within_a_plan(plan):
    make_action(plan, 1)
    with pytest.raises(IntegrityError):
        make_action(plan, 1)
    db.session.rollback()


def test_assured_action_needs_evidence(plan):
    action = make_action(plan, 1)

    def change():
        action.status = "assured"

    _fails(change)


def test_lifted_control_needs_date_and_rationale(plan, world):
    control = make_control(plan, world["senior"])

    def change():
        control.status = ControlStatus.LIFTED

    _fails(change)


def test_closure_needs_all_four_sections(plan, world):
    _fails(
        lambda: db.session.add(
            Closure(
                plan=plan,
                outcome=ClosureOutcome.ACHIEVED,
                closed_by=world["manager"],
                what_changed="Notes on time",
                how_measured="",
                risk_now_controlled="x",
                ongoing_monitoring="y",
            )
        )
    )


def test_references_count_up_per_year(plan, make_plan, world):
    assert plan.reference == "PIP-2026-0001"
    assert allocate_reference(2026)["reference"] == "PIP-2026-0002"
    assert allocate_reference(2027)["reference"] == "PIP-2027-0001"


def test_an_action_is_named_by_its_plans_reference_on_the_edit_page(plan, world, sign_in):
    make_action(plan, 2)
    db.session.commit()
    page = sign_in(world["manager"]).get(f"/plans/{plan.id}/edit")
    assert page.status_code == 200 and f"<h3>{plan.reference}/A2</h3>" in page.text


def test_audit_events_cannot_be_changed_on_postgresql(plan, world):
    """The database refuses UPDATE and DELETE on the audit trail (a trigger, on PostgreSQL)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from pip_app.services import audit

    audit.record(world["manager"], "viewed", "plan", plan.id, plan_id=plan.id)
    db.session.commit()
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the app having no such path")
    for statement in ("UPDATE audit_events SET verb = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_the_signed_in_user_comes_with_each_of_their_services_ids_in_one_statement(world, make_user, count_queries):
    """`User.get_with_service_ids`: none, one or several services, each id as it is (ids of several
    digits included), in the one statement the sign-in check makes."""
    from pip_app.models import Service

    many = [Service(name=f"Home {n}") for n in range(12)]
    db.session.add_all(many)
    db.session.flush()
    world["other_senior"].services = [world["other"], *many]
    nobody = make_user(Role.STAFF, email="no.service@example.test")
    db.session.commit()
    expected = {
        world["senior"].id: {world["home"].id},
        world["other_senior"].id: {world["other"].id, *(s.id for s in many)},
        nobody.id: set(),
    }
    db.session.expunge_all()
    for user_id, service_ids in expected.items():
        with count_queries() as counter:
            user = User.get_with_service_ids(db.session, user_id)
            assert user.service_ids == service_ids
        assert counter.count == 1
    assert User.get_with_service_ids(db.session, max(expected) + 1000) is None


def test_a_user_met_again_by_a_query_keeps_the_service_ids_read_with_them(world, make_plan, count_queries):
    """The signed-in user comes with their service ids (`User.get_with_service_ids`). A query that
    meets them again, as the register's rows do when they are a control's responsible person,
    must not make the ids be read again; `Session.refresh` must."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from pip_app.models import InterimControl

    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    make_control(plan, world["senior"])
    senior_id, home_id = world["senior"].id, world["home"].id
    db.session.commit()
    db.session.expunge_all()
    senior = User.get_with_service_ids(db.session, senior_id)
    assert senior.service_ids == {home_id}
    controls = db.session.scalars(select(InterimControl).options(joinedload(InterimControl.responsible))).all()
    assert senior in [control.responsible for control in controls]
    with count_queries() as counter:
        assert senior.service_ids == {home_id}
    assert counter.count == 0
    db.session.refresh(senior)
    with count_queries() as counter:
        assert senior.service_ids == {home_id}
    assert counter.count == 1
