"""Interim-control operations: record_check and lift_control — the rules they enforce, the state
they leave (status, lift fields, the denormalised last_checked_on) and the audit events they write."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import AuditEvent, ControlCheck, ControlStatus, InterimControl, PlanStatus
from pip_app.services import controls as control_ops
from tests.factories import make_control

TODAY = date(2026, 11, 23)
START = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def control(world, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    return make_control(plan, world["senior"], start_date=START, review_by_date=START + timedelta(days=14))


def events(verb):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.verb == verb).order_by(AuditEvent.id)).all()


# --- record_check


def test_record_check_adds_the_check_keeps_last_checked_on_and_audits(world, control):
    check = control_ops.record_check(world["senior"], control, TODAY - timedelta(days=1), "  3 decisions signed off  ")
    db.session.commit()
    assert check.id and check.note == "3 decisions signed off" and check.recorded_by_id == world["senior"].id
    assert control.last_checked_on == TODAY - timedelta(days=1)
    [event] = events("checked")
    assert (event.entity, event.entity_id, event.plan_id, event.actor_id) == (
        "control",
        control.id,
        control.plan_id,
        world["senior"].id,
    )
    assert event.changes["checked_on"] == "2026-11-22" and event.changes["note"] == "3 decisions signed off"


def test_a_late_entry_for_an_earlier_day_does_not_move_last_checked_on_back(world, control):
    control_ops.record_check(world["senior"], control, TODAY, "Today's check")
    control_ops.record_check(world["manager"], control, TODAY - timedelta(days=5), "Entered late")
    db.session.commit()
    assert control.last_checked_on == TODAY
    assert len(control.checks) == 2 and control.checks[0].checked_on == TODAY  # newest first


def test_record_check_does_not_commit(world, control):
    db.session.commit()  # what the fixtures built stays; only the check is rolled back
    control_ops.record_check(world["senior"], control, TODAY, "Checked")
    db.session.rollback()
    assert db.session.scalar(select(ControlCheck)) is None
    assert db.session.get(InterimControl, control.id).last_checked_on is None
    assert events("checked") == []


@pytest.mark.parametrize(
    "day,note,field,message",
    [
        (TODAY + timedelta(days=1), "ok", "checked_on", "cannot be in the future"),
        (START - timedelta(days=1), "ok", "checked_on", "The control started on 2 Nov 2026"),
        (TODAY, "   ", "note", "Say what was checked"),
        (TODAY, "x" * 1001, "note", "1,000 characters or fewer"),
    ],
)
def test_record_check_refuses_bad_dates_and_notes(world, control, day, note, field, message):
    with pytest.raises(control_ops.ControlError) as error:
        control_ops.record_check(world["senior"], control, day, note)
    assert error.value.field == field and message in str(error.value)
    assert control.last_checked_on is None and db.session.scalar(select(ControlCheck)) is None


def test_a_check_on_the_start_day_and_today_are_both_fine(world, control):
    control_ops.record_check(world["senior"], control, START, "First day")
    control_ops.record_check(world["senior"], control, TODAY, "Today")
    assert control.last_checked_on == TODAY


# --- lift_control


def test_lift_control_sets_the_lift_fields_and_audits_with_the_plan(world, control):
    version = control.row_version
    control_ops.lift_control(world["senior"], control, TODAY, " Two audits at 100%. ", carry_into_monitoring=False)
    db.session.commit()
    assert control.status is ControlStatus.LIFTED
    assert (control.lifted_on, control.lift_rationale, control.lifted_by_id) == (
        TODAY,
        "Two audits at 100%.",
        world["senior"].id,
    )
    assert control.row_version == version + 1
    [event] = events("lifted")
    assert (event.entity, event.entity_id, event.plan_id) == ("control", control.id, control.plan_id)
    assert event.changes["status"] == ["active", "lifted"]
    assert event.changes["lift_rationale"] == [None, "Two audits at 100%."]


def test_carry_into_monitoring(world, control):
    control_ops.lift_control(world["senior"], control, TODAY, "Monthly audit continues.", carry_into_monitoring=True)
    db.session.commit()
    assert control.status is ControlStatus.ONGOING_MONITORING and control.lifted_on == TODAY
    assert events("lifted")[0].changes["status"] == ["active", "ongoing_monitoring"]


def test_a_lifted_control_cannot_be_lifted_or_checked_again(world, control):
    control_ops.lift_control(world["senior"], control, TODAY, "Done.", carry_into_monitoring=False)
    db.session.commit()
    with pytest.raises(
        control_ops.ControlNotActive, match=r"was lifted on 23 Nov 2026 by .*no longer be checked or lifted"
    ):
        control_ops.lift_control(world["senior"], control, TODAY, "Again", carry_into_monitoring=True)
    with pytest.raises(control_ops.ControlNotActive, match="was lifted"):
        control_ops.record_check(world["senior"], control, TODAY, "Late check")
    assert len(events("lifted")) == 1 and events("checked") == []


def test_a_control_carried_into_monitoring_says_so_when_refused(world, control):
    control_ops.lift_control(world["senior"], control, TODAY, "Monitoring.", carry_into_monitoring=True)
    with pytest.raises(control_ops.ControlNotActive, match="carried into ongoing monitoring"):
        control_ops.ensure_active(control)


@pytest.mark.parametrize(
    "day,rationale,field",
    [
        (TODAY + timedelta(days=1), "ok", "lifted_on"),
        (START - timedelta(days=1), "ok", "lifted_on"),
        (None, "ok", "lifted_on"),
        (TODAY, "", "rationale"),
        (TODAY, "x" * 2001, "rationale"),
    ],
)
def test_lift_control_refuses_bad_dates_and_missing_rationale(world, control, day, rationale, field):
    with pytest.raises(control_ops.ControlError) as error:
        control_ops.lift_control(world["senior"], control, day, rationale, carry_into_monitoring=False)
    assert error.value.field == field
    assert control.status is ControlStatus.ACTIVE and control.lifted_on is None


def test_lifting_a_control_left_active_on_a_closed_plan(world, control):
    control.plan.status = PlanStatus.CLOSED
    db.session.commit()
    control_ops.lift_control(
        world["senior"], control, TODAY, "Plan closed; risk controlled.", carry_into_monitoring=False
    )
    db.session.commit()
    assert control.status is ControlStatus.LIFTED


# --- One set of lift rules, wherever the lift is decided


@pytest.mark.parametrize("via", ["register", "review", "closure"])
@pytest.mark.parametrize(
    "day,rationale,field",
    [
        (TODAY + timedelta(days=1), "ok", "lifted_on"),
        (START - timedelta(days=1), "ok", "lifted_on"),
        (TODAY, "   ", "rationale"),
        (TODAY, "x" * (control_ops.RATIONALE_MAX + 1), "rationale"),
    ],
)
def test_every_way_of_lifting_refuses_the_same_things(world, control, via, day, rationale, field):
    with pytest.raises(control_ops.ControlError) as error:
        control_ops.lift_control(world["senior"], control, day, rationale, carry_into_monitoring=False, via=via)
    assert error.value.field == field
    assert control.status is ControlStatus.ACTIVE and control.lifted_on is None and events("lifted") == []


def test_validate_lift_keeps_the_rationale_stripped_and_changes_nothing(control):
    assert control_ops.validate_lift(control, TODAY, "  Two audits at 100%.  ") == "Two audits at 100%."
    assert control.status is ControlStatus.ACTIVE


def test_a_control_error_is_a_plan_error():
    """So a view that answers PlanError with a form error never lets a lift refusal through as a 500."""
    from pip_app.services.plans import PlanError

    assert issubclass(control_ops.ControlError, PlanError) and issubclass(control_ops.ControlError, ValueError)


@pytest.mark.parametrize(
    "via,carry,verb,changes",
    [
        ("review", False, "lifted", {"rationale": "Audits good.", "via": "review"}),
        ("review", True, "carried_into_monitoring", {"rationale": "Audits good.", "via": "review"}),
        (
            "closure",
            True,
            "carried_into_monitoring",
            {
                "status": "ongoing_monitoring",
                "lifted_on": TODAY.isoformat(),
                "lift_rationale": "Audits good.",
                "at_closure": True,
            },
        ),
    ],
)
def test_each_way_of_lifting_keeps_its_audit_entry(world, control, via, carry, verb, changes):
    control_ops.lift_control(world["senior"], control, TODAY, " Audits good. ", carry_into_monitoring=carry, via=via)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "control")).all()
    assert (event.verb, event.plan_id, event.changes) == (verb, control.plan_id, changes)
