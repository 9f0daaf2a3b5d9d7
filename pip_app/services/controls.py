"""Interim-control operations: record that a control operated, lift it or carry it into monitoring.

`lift_control` is the one way a control leaves force, whether from the register, a weekly review
or the plan's closure, with one set of rules (`validate_lift`): the control is still active, the
date is neither in the future nor before the control started, and the rationale is given and
at most RATIONALE_MAX characters.

Each operation takes the actor, enforces the rule, writes the audit event (with the plan's id,
so it shows in the plan's history) and flushes; the request commits once. Who may do it is the
caller's question (policy.can_check_control, policy.can_lift_control).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from sqlalchemy import Select, bindparam, case, func, or_, select, update

from ..clock import today
from ..database import read_rows
from ..extensions import db
from ..formatting import format_date
from ..models import ControlCheck, ControlStatus, InterimControl, User
from ..refusals import Conflict
from . import audit
from .plans import PlanError

NOTE_MAX = 1000
RATIONALE_MAX = 2000
RATIONALE_MISSING = "Give the rationale for lifting the control: what shows people are now protected without it."

# Where a lift was decided; each keeps the audit entry it has always written.
LiftedVia = Literal["register", "review", "closure"]


class ControlError(PlanError):
    """A check or lift the rules refuse; `field` names the form field it belongs to, if any.
    A PlanError, so every caller answers it as a form error (422, or 409 for ControlNotActive)."""


class ControlNotActive(ControlError, Conflict):
    """The control was already lifted or carried into monitoring: nothing more can be recorded."""


def ensure_active(control: InterimControl) -> None:
    """Refuse any change to a control that is no longer in force, saying what happened to it."""
    if control.status is ControlStatus.ACTIVE:
        return
    what = "lifted" if control.status is ControlStatus.LIFTED else "carried into ongoing monitoring"
    who = f" by {control.lifted_by.name}" if control.lifted_by else ""
    raise ControlNotActive(
        f"This control was {what} on {format_date(control.lifted_on)}{who}, so it can no longer be checked or lifted."
    )


def _check_date(control: InterimControl, value: date | None, field: str, what: str) -> None:
    if value is None:
        raise ControlError(f"Enter the date of the {what}.", field)
    if value > today():
        raise ControlError(f"The date of the {what} cannot be in the future.", field)
    if value < control.start_date:
        raise ControlError(
            f"The control started on {format_date(control.start_date)}: the {what} cannot be earlier than that.", field
        )


def _text(value: str | None, limit: int, field: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ControlError(missing, field)
    if len(text) > limit:
        raise ControlError(f"Keep this to {limit:,} characters or fewer.", field)
    return text


def record_check(actor: User, control: InterimControl, checked_on: date, note: str) -> ControlCheck:
    """Record that the control operated on a day, and keep the control's last-checked date."""
    ensure_active(control)
    _check_date(control, checked_on, "checked_on", "check")
    note = _text(note, NOTE_MAX, "note", "Say what was checked, e.g. “3 escalation decisions signed off”.")
    check = ControlCheck(control=control, checked_on=checked_on, note=note, recorded_by_id=actor.id)
    db.session.add(check)
    db.session.flush()
    # Keep the last-checked date in one UPDATE that never moves it backwards (a check entered late
    # for an earlier day) and, being derived data, bypasses the row version: two people recording
    # checks at the same moment both succeed instead of one getting a conflict.
    db.session.execute(
        update(InterimControl)
        .where(InterimControl.id == control.id)
        .values(
            last_checked_on=case(
                (
                    or_(InterimControl.last_checked_on.is_(None), InterimControl.last_checked_on < checked_on),
                    checked_on,
                ),
                else_=InterimControl.last_checked_on,
            )
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(control, ["last_checked_on", "last_check_note"])  # the note read again, if shown
    audit.record(
        actor,
        "checked",
        "control",
        control.id,
        plan_id=control.plan_id,
        changes={"control": control.kind.label, "checked_on": checked_on, "note": note},
    )
    return check


def validate_lift(control: InterimControl, lifted_on: date | None, rationale: str | None) -> str:
    """The rules every lift obeys, wherever it is decided: the control is still in force, the
    date is a real day between the control's start and today, and the rationale is given and not
    too long. Returns the rationale as it is kept (stripped); raises ControlError otherwise."""
    ensure_active(control)
    _check_date(control, lifted_on, "lifted_on", "decision")
    return _text(rationale, RATIONALE_MAX, "rationale", RATIONALE_MISSING)


def lift_control(
    actor: User,
    control: InterimControl,
    lifted_on: date,
    rationale: str,
    carry_into_monitoring: bool,
    *,
    via: LiftedVia = "register",
) -> None:
    """Active → lifted, or → continued as ongoing monitoring, with the date, rationale and who decided."""
    rationale = validate_lift(control, lifted_on, rationale)
    new_status = ControlStatus.ONGOING_MONITORING if carry_into_monitoring else ControlStatus.LIFTED
    changes = audit.field_diff(
        control, {"status": new_status, "lifted_on": lifted_on, "lift_rationale": rationale, "lifted_by_id": actor.id}
    )
    control.status = new_status
    control.lifted_on = lifted_on
    control.lift_rationale = rationale
    control.lifted_by_id = actor.id
    db.session.flush()
    _audit_lift(actor, control, via, changes)


def _audit_lift(actor: User, control: InterimControl, via: LiftedVia, changes: dict[str, list[object]]) -> None:
    """The audit entry of a lift, in the shape each place has always written (the plan history
    and exports read them): from the register "lifted" with the field diff; from a review or at
    closure "lifted" or "carried_into_monitoring" with the rationale (and the new values)."""
    if via == "register":
        audit.record(
            actor,
            "lifted",
            "control",
            control.id,
            plan_id=control.plan_id,
            changes={"control": control.kind.label, **changes},
        )
        return
    verb = "lifted" if control.status is ControlStatus.LIFTED else "carried_into_monitoring"
    if via == "review":
        details: dict[str, object] = {"rationale": control.lift_rationale, "via": "review"}
    else:
        details = {
            "status": control.status,
            "lifted_on": control.lifted_on,
            "lift_rationale": control.lift_rationale,
            "at_closure": True,
        }
    audit.record(actor, verb, "control", control.id, plan_id=control.plan_id, changes=details)


def _newest_check_notes() -> Select[tuple[int, str]]:
    newest_first = func.row_number().over(
        partition_by=ControlCheck.control_id, order_by=(ControlCheck.checked_on.desc(), ControlCheck.id.desc())
    )
    ranked = (
        select(ControlCheck.control_id, ControlCheck.note, newest_first.label("n"))
        .where(ControlCheck.control_id.in_(bindparam("ids", expanding=True)))
        .subquery()
    )
    return select(ranked.c.control_id, ranked.c.note).where(ranked.c.n == 1)


_NEWEST_CHECK_NOTES = _newest_check_notes()  # built once: the plan page runs it on every request


def last_check_notes(controls: Sequence[InterimControl]) -> dict[int, str]:
    """The note of each control's newest check, for the plan page: as read with the controls
    (plan_reads.CONTROL_PEOPLE), or else in one statement however many."""
    if all(control.last_check_note is not None for control in controls):
        return {control.id: control.last_check_note for control in controls if control.last_check_note}
    ids = [control.id for control in controls]
    return {control_id: note for control_id, note in read_rows(_NEWEST_CHECK_NOTES, {"ids": ids})}
