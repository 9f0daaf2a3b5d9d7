"""Plan operations: draft, risk, controls, actions, observation schedule, issue, amend.

Each operation takes the actor, enforces the rule, writes the audit event and flushes; the
request (or command) commits once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any, TypedDict

from sqlalchemy import bindparam, case, select
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import plain_rows
from ..clock import now_utc, today
from ..database import read_rows
from ..extensions import db
from ..lifecycle import (
    MoveRefused,
    diff_snapshots,
    first_review_date,
    issue_problems,
    plan_move,
    quality_findings,
    snapshot_digest,
)
from ..models import (
    Action,
    ActionStatus,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    ControlKind,
    InterimControl,
    Observation,
    Plan,
    PlanReferenceCounter,
    PlanStatus,
    PlanType,
    PlanVersion,
    RiskArea,
    Shift,
    User,
    format_reference,
)
from ..plan_templates import PlanTemplate
from ..refusals import Conflict, Refusal
from ..schedule import Slot
from . import audit, notifications
from .factors import factors_answered


def _counter_upsert() -> PostgresInsert:
    """INSERT INTO plan_reference_counters … for ON CONFLICT: PostgreSQL and SQLite spell it alike."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sqlite_insert(PlanReferenceCounter)  # type: ignore[return-value]  # the same interface
    return postgresql_insert(PlanReferenceCounter)


def allocate_reference(year: int) -> dict[str, Any]:
    """Take the next reference number of a year: the reference columns of a new plan, e.g.
    {"reference": "PIP-2026-0007", "reference_year": 2026, "reference_number": 7}.

    One statement, the same on both databases: an upsert of the year's counter row that
    returns the new number (INSERT … ON CONFLICT DO UPDATE … RETURNING). The row stays locked
    until the transaction ends, so on PostgreSQL a second plan created at the same moment waits
    for the first to commit and then gets the next number; on SQLite the write transaction's
    BEGIN IMMEDIATE already serialises writers. No number is reused, even after a purge, and
    none is capped: PIP-2026-10000 follows PIP-2026-9999."""
    counters = PlanReferenceCounter.__table__
    number: int = db.session.execute(
        _counter_upsert()
        .values(year=year, last_number=1)
        .on_conflict_do_update(index_elements=[counters.c.year], set_={"last_number": counters.c.last_number + 1})
        .returning(counters.c.last_number)
    ).scalar_one()
    return {"reference": format_reference(year, number), "reference_year": year, "reference_number": number}


def last_reference_numbers() -> dict[int, int]:
    """Each year's last reference number given out, its counter row locked until the transaction
    ends (the bulk seed numbers its own plans from here, then `advance_reference_counters`)."""
    rows = db.session.execute(select(PlanReferenceCounter.year, PlanReferenceCounter.last_number).with_for_update())
    return {year: number for year, number in rows}


def advance_reference_counters(last: Mapping[int, int]) -> None:
    """Raise each year's counter to at least `last[year]`, for plans numbered in bulk."""
    counters = PlanReferenceCounter.__table__
    for year, number in last.items():
        upsert = _counter_upsert()
        db.session.execute(
            upsert.values(year=year, last_number=number).on_conflict_do_update(
                index_elements=[counters.c.year],
                set_={
                    "last_number": case(
                        (upsert.excluded.last_number > counters.c.last_number, upsert.excluded.last_number),
                        else_=counters.c.last_number,
                    )
                },
            )
        )


def snapshot(plan: Plan) -> dict[str, Any]:
    """Everything the staff member acknowledges in an issued version, as plain data.

    A control's status, lift details and checks are live governance, not plan content: lifting a
    control is not a change to issue as a new version, so they are left out."""
    return {
        "reference": plan.reference,
        "version": plan.version,
        "staff": plan.staff.name,
        "manager": plan.manager.name,
        "service": plan.service.name,
        "start_date": plan.start_date.isoformat(),
        "planned_end_date": plan.planned_end_date.isoformat(),
        "review_weekday": plan.review_weekday,
        "risk_area": plan.risk_area.label,
        "risk_statement": plan.risk_statement,
        "evidence_sources": list(plan.evidence_sources or []),
        "evidence_detail": plan.evidence_detail,
        "key_questions": list(plan.key_questions or []),
        "baseline_text": plan.baseline_text,
        "baseline_figure": plan.baseline_figure,
        "no_control_reason": plan.no_control_reason,
        # Only for a probation plan, so that versions issued before plans had a type diff cleanly.
        **({"plan_type": plan.plan_type.label} if plan.plan_type is PlanType.PROBATION else {}),
        "controls": [
            {
                "kind": c.kind.label,
                "detail": c.detail,
                "responsible": c.responsible.name,
                "start_date": c.start_date.isoformat(),
                "review_by_date": c.review_by_date.isoformat(),
            }
            for c in plan.controls
        ],
        "actions": [
            {
                "ref": a.ref,
                "behaviour": a.behaviour,
                "when": a.when,
                "check_method": a.check_method,
                "success_criterion": a.success_criterion,
                "measure": (
                    {
                        "name": a.measure_name,
                        "unit": a.measure_unit,
                        "baseline": a.measure_baseline,
                        "target": a.measure_target,
                        "consecutive": a.measure_consecutive,
                    }
                    if a.has_measure
                    else None
                ),
                "owner": a.owner.name if a.owner else None,
                "due_date": a.due_date.isoformat() if a.due_date else None,
                # Only once withdrawn, so that versions issued before withdrawal existed diff cleanly.
                **({"withdrawn": a.status_reason} if a.is_withdrawn else {}),
            }
            for a in plan.actions
        ],
    }


class PlanError(Refusal):
    """A change the plan's rules do not allow, with a message for the person asking (422)."""


class PlanConflict(PlanError, Conflict):
    """Someone answered first where no row version can tell (409): already acknowledged, already
    responded to the closure, a newer version issued while the person was reading."""


RISK_FIELDS = (
    "staff_id",
    "service_id",
    "plan_type",
    "risk_area",
    "risk_statement",
    "evidence_sources",
    "evidence_detail",
    "key_questions",
    "baseline_text",
    "baseline_figure",
    "start_date",
    "planned_end_date",
    "review_weekday",
)
CONTROL_FIELDS = ("kind", "detail", "responsible_id", "start_date", "review_by_date")
ACTION_FIELDS = (
    "behaviour",
    "when",
    "when_date",
    "check_method",
    "success_criterion",
    "measure_name",
    "measure_unit",
    "measure_baseline",
    "measure_target",
    "measure_higher_is_better",
    "measure_consecutive",
    "owner_id",
    "due_date",
)


class RiskValues(TypedDict, total=False):
    """The risk section and dates of a plan, as the builder's risk form gives them."""

    staff_id: int
    service_id: int
    plan_type: PlanType
    risk_area: RiskArea
    risk_statement: str
    evidence_sources: list[str]
    evidence_detail: str
    key_questions: list[str]
    baseline_text: str
    baseline_figure: float | None
    start_date: date
    planned_end_date: date
    review_weekday: int


class ControlValues(TypedDict):
    """One interim control's details."""

    kind: ControlKind
    detail: str
    responsible_id: int
    start_date: date
    review_by_date: date


class ActionValues(TypedDict, total=False):
    """One action's four parts, measure, owner and due date."""

    behaviour: str
    when: str
    when_date: date | None
    check_method: str
    success_criterion: str
    measure_name: str | None
    measure_unit: str | None
    measure_baseline: float | None
    measure_target: float | None
    measure_higher_is_better: bool
    measure_consecutive: int | None
    owner_id: int | None
    due_date: date | None


Changes = dict[str, list[Any]]


def _apply(
    actor: User,
    obj: Any,
    values: Mapping[str, Any],
    fields: Iterable[str],
    *,
    entity: str,
    plan: Plan,
    verb: str = "updated",
) -> Changes:
    """Set the allowed fields that changed, and audit the field diff."""

    allowed = set(fields)
    changes = audit.field_diff(obj, {k: v for k, v in values.items() if k in allowed})
    for field in changes:
        setattr(obj, field, values[field])
    db.session.flush()
    if changes:
        audit.record(actor, verb, entity, obj.id, plan_id=plan.id, changes=changes)
    return changes


def require_editable(plan: Plan) -> None:
    """Closed plans are read-only everywhere."""
    if plan.is_closed:
        raise PlanError("This plan is closed and can no longer be changed.")


def require_move(plan: Plan, move: str) -> PlanStatus:
    """The plan's status after `move` (one of lifecycle.PLAN_MOVES: issue, amend, review, extend,
    pause, resume, close), or PlanError saying why the plan's status does not allow it."""
    try:
        return PlanStatus(plan_move(plan.status.value, move))
    except MoveRefused as refused:
        raise PlanError(str(refused)) from refused


def create_draft(actor: User, *, template: PlanTemplate | None = None, **values: Any) -> Plan:
    """Open a new draft plan (risk section first), with a template's controls and actions if chosen."""

    start = values["start_date"]
    plan = Plan(
        **allocate_reference(start.year),
        manager_id=actor.id,
        version=0,
        **{k: v for k, v in values.items() if k in RISK_FIELDS},
    )
    db.session.add(plan)
    db.session.flush()
    if template is not None:
        responsible = actor.line_manager if actor.role.value == "manager" and actor.line_manager else actor
        for control in template.controls:
            plan.controls.append(
                InterimControl(
                    kind=ControlKind(control.kind),
                    detail=control.detail,
                    responsible_id=responsible.id,
                    start_date=start,
                    review_by_date=min(start + timedelta(days=control.review_after_days), plan.planned_end_date),
                )
            )
        for number, action in enumerate(template.actions, start=1):
            measure = action.measure
            plan.actions.append(
                Action(
                    number=number,
                    behaviour=action.behaviour,
                    when=action.when,
                    check_method=action.check_method,
                    success_criterion=action.success_criterion,
                    owner_id=plan.staff_id,
                    due_date=plan.planned_end_date,
                    measure_name=measure.name if measure else None,
                    measure_unit=measure.unit if measure else None,
                    measure_target=measure.target if measure else None,
                    measure_baseline=plan.baseline_figure if measure else None,
                    measure_consecutive=measure.consecutive if measure else None,
                    measure_higher_is_better=measure.higher_is_better if measure else True,
                )
            )
        db.session.flush()
    audit.record(
        actor,
        "created",
        "plan",
        plan.id,
        plan_id=plan.id,
        changes={"reference": plan.reference, "template": template.key if template else None, "created_on": today()},
    )
    return plan


def update_risk(actor: User, plan: Plan, values: RiskValues) -> Changes:
    """Change the risk section and dates of a plan that is not closed."""
    require_editable(plan)
    allowed: Mapping[str, Any] = values
    if not plan.is_draft:
        allowed = {k: v for k, v in values.items() if k not in ("staff_id", "service_id", "start_date")}
    changes = _apply(actor, plan, allowed, RISK_FIELDS, entity="plan", plan=plan)
    return changes


def set_no_control_reason(actor: User, plan: Plan, reason: str | None) -> Changes:
    """Record (or clear) the explicit "no interim control needed because …"."""
    require_editable(plan)
    return _apply(
        actor,
        plan,
        {"no_control_reason": (reason or "").strip() or None},
        ("no_control_reason",),
        entity="plan",
        plan=plan,
    )


def add_control(actor: User, plan: Plan, values: ControlValues) -> InterimControl:
    """Add an interim control."""

    require_editable(plan)
    given: Mapping[str, Any] = values
    control = InterimControl(plan=plan, **{k: given[k] for k in CONTROL_FIELDS})
    db.session.add(control)
    db.session.flush()
    audit.record(actor, "added", "control", control.id, plan_id=plan.id, changes={k: given[k] for k in CONTROL_FIELDS})
    return control


def update_control(actor: User, control: InterimControl, values: ControlValues) -> Changes:
    """Change a control's details."""
    require_editable(control.plan)
    return _apply(actor, control, values, CONTROL_FIELDS, entity="control", plan=control.plan)


def remove_control(actor: User, control: InterimControl) -> None:
    """Remove a control from a draft; on an issued plan a control is lifted instead."""

    plan = control.plan
    if not plan.is_draft:
        raise PlanError("A control on an issued plan is lifted with a rationale, not removed.")
    audit.record(actor, "removed", "control", control.id, plan_id=plan.id, changes={"kind": control.kind})
    plan.controls.remove(control)
    db.session.flush()


def add_action(actor: User, plan: Plan, values: ActionValues) -> Action:
    """Add the next action (A1, A2 …)."""

    require_editable(plan)
    given: Mapping[str, Any] = values
    number = max((a.number for a in plan.actions), default=0) + 1
    action = Action(plan=plan, number=number, **{k: given.get(k) for k in ACTION_FIELDS})
    db.session.add(action)
    db.session.flush()
    audit.record(
        actor,
        "added",
        "action",
        action.id,
        plan_id=plan.id,
        changes={"ref": action.ref, **{k: given.get(k) for k in ACTION_FIELDS}},
    )
    return action


def update_action(actor: User, action: Action, values: ActionValues) -> Changes:
    """Change an action's four parts, measure, owner or due date."""
    require_editable(action.plan)
    if action.is_withdrawn:
        raise PlanConflict(f"{action.ref} has been withdrawn, so it can no longer be changed.")
    return _apply(actor, action, values, ACTION_FIELDS, entity="action", plan=action.plan)


def remove_action(actor: User, action: Action) -> None:
    """Remove an action from a draft and renumber the rest; issued actions stay (withdraw them)."""

    plan = action.plan
    if not plan.is_draft:
        raise PlanError("An action on an issued plan cannot be removed; withdraw it with a reason instead.")
    audit.record(actor, "removed", "action", action.id, plan_id=plan.id, changes={"ref": action.ref})
    plan.actions.remove(action)
    db.session.flush()
    for number, remaining in enumerate(sorted(plan.actions, key=lambda a: a.number), start=1):
        remaining.number = number
    db.session.flush()


def withdraw_action(actor: User, action: Action, reason: str | None) -> None:
    """Withdraw an action from an issued plan while amending, with the reason. It is kept, not
    deleted: in the history, and (once the amendment is issued) in the version as withdrawn; it
    no longer counts towards review, the flags or closure."""
    plan = action.plan
    require_editable(plan)
    if plan.is_draft:
        raise PlanError("A draft's action is removed, not withdrawn.")
    if action.is_withdrawn:
        raise PlanConflict(f"{action.ref} has already been withdrawn.")
    if action.status is ActionStatus.ASSURED:
        raise PlanError(f"{action.ref} is assured: the change is evidenced, so it stays in the plan.")
    reason = (reason or "").strip()
    if not reason:
        raise PlanError(f"Give the reason for withdrawing {action.ref}.", "reason")
    if not any(a for a in plan.actions if a is not action and not a.is_withdrawn):
        raise PlanError(f"{action.ref} is the plan's only action: add the one that replaces it first.")
    before = action.status
    action.status = ActionStatus.WITHDRAWN
    action.status_reason = reason
    db.session.flush()
    audit.record(
        actor,
        "withdrawn",
        "action",
        action.id,
        plan_id=plan.id,
        changes={"ref": action.ref, "status": [before, ActionStatus.WITHDRAWN], "reason": reason},
    )


def schedule_observations(
    actor: User, plan: Plan, slots: Iterable[Slot], *, observer_id: int, focus: Iterable[Action] = ()
) -> list[Observation]:
    """Add planned observations for the generated slots (existing ones are kept)."""

    require_editable(plan)
    taken = {(o.scheduled_on, o.shift.value) for o in plan.observations}
    added = []
    for slot in slots:
        if (slot.scheduled_on, slot.shift) in taken:
            continue
        observation = Observation(
            plan=plan,
            scheduled_on=slot.scheduled_on,
            shift=Shift(slot.shift),
            observer_id=observer_id,
            focus=list(focus),
        )
        db.session.add(observation)
        added.append(observation)
    db.session.flush()
    audit.record(
        actor,
        "scheduled",
        "observation",
        None,
        plan_id=plan.id,
        changes={"dates": [o.scheduled_on for o in added], "observer_id": observer_id},
    )
    return added


def update_observation(actor: User, observation: Observation, values: dict[str, Any]) -> Changes:
    """Move one planned observation, or change its shift, observer or focus."""
    require_editable(observation.plan)
    if observation.status.value != "planned":
        raise PlanError("Only a planned observation can be rescheduled.")
    focus = values.pop("focus", None)
    changes = _apply(
        actor,
        observation,
        values,
        ("scheduled_on", "shift", "observer_id"),
        entity="observation",
        plan=observation.plan,
    )
    if focus is not None and {a.id for a in focus} != {a.id for a in observation.focus}:
        observation.focus = list(focus)
        db.session.flush()
    notifications.observation_changed(observation, changes)
    return changes


def remove_observation(actor: User, observation: Observation) -> None:
    """Delete a planned observation from a draft (on an issued plan, cancel it with a reason)."""

    plan = observation.plan
    if not plan.is_draft:
        raise PlanError("On an issued plan, cancel the observation with a reason instead.")
    audit.record(
        actor,
        "removed",
        "observation",
        observation.id,
        plan_id=plan.id,
        changes={"scheduled_on": observation.scheduled_on},
    )
    plan.observations.remove(observation)
    db.session.flush()


def plain_snapshot(plan: Plan) -> dict[str, Any]:
    """The snapshot as a JSON column stores it and reads it back (for comparing with one stored)."""
    plain: dict[str, Any] = json.loads(json.dumps(snapshot(plan), default=str))
    return plain


def changes_since(submitted: Mapping[str, Any], plan: Plan) -> list[tuple[str, object, object]]:
    """What differs between a plan as submitted for approval and as it is now (empty: unchanged)."""
    return diff_snapshots(submitted, plain_snapshot(plan))


def issue_request(plan: Plan) -> Approval | None:
    """The draft's newest request for approval before issue, whatever its state."""
    return next((a for a in reversed(plan.approvals) if a.kind is ApprovalKind.ISSUE), None)


def require_approved(plan: Plan) -> None:
    """A draft is issued once its approver approved it as it is now (issue 18)."""
    request = issue_request(plan)
    if request is None or request.status is not ApprovalStatus.APPROVED:
        raise PlanError("Submit the plan for approval first: it can be issued once it is approved.")
    if changes_since(request.proposal, plan):
        raise PlanError("The plan has been changed since it was approved: submit it for approval again.")


def issue_plan(actor: User, plan: Plan, *, override_reason: str | None = None) -> None:
    """Draft → active: checks the issue rules; vague actions need an explicit override reason."""

    active = require_move(plan, "issue")
    problems = issue_problems(plan, factors_answered=factors_answered(plan))
    if problems:
        raise PlanError("The plan is not ready to issue: " + " ".join(p.message for p in problems))
    require_approved(plan)
    findings = quality_findings(plan)
    reason = (override_reason or plan.quality_override_reason or "").strip()
    if findings and not reason:
        raise PlanError("Some actions are not yet measurable. Fix them, or give a reason to issue anyway.")
    plan.status = active
    plan.version = 1
    plan.issued_at = now_utc()
    plan.quality_override_reason = reason or None if findings else None
    plan.next_review_date = first_review_date(plan.start_date, plan.review_weekday)
    db.session.flush()
    db.session.add(
        PlanVersion(plan=plan, version=1, change_summary="Issued.", snapshot=snapshot(plan), created_by_id=actor.id)
    )
    audit.record(
        actor,
        "issued",
        "plan",
        plan.id,
        plan_id=plan.id,
        changes={
            "version": 1,
            "quality_override_reason": plan.quality_override_reason,
            "unmeasurable_actions": sorted(findings),
        },
    )
    db.session.flush()
    notifications.plan_version_issued(plan)


def extend_plan(actor: User, plan: Plan, new_end: date | None, reason: str | None, *, field: str) -> None:
    """A later planned end date, with the reason (a review's or an escalation's decision to
    extend). `field`: the form field a refusal belongs beside."""
    require_move(plan, "extend")
    reason = (reason or "").strip()
    if new_end is None or new_end <= plan.planned_end_date:
        raise PlanError("To extend, choose a new end date after the current one.", field=field)
    if not reason:
        raise PlanError("Say why the plan is being extended.")
    audit.record(
        actor,
        "extended",
        "plan",
        plan.id,
        plan_id=plan.id,
        changes={"planned_end_date": [plan.planned_end_date, new_end], "reason": reason},
    )
    plan.planned_end_date = new_end


# A version's snapshot, for a page that read the versions without them (the plan page).
_SNAPSHOT_OF = select(PlanVersion.snapshot).where(PlanVersion.id == bindparam("version_id"))


def unissued_changes(plan: Plan) -> list[tuple[str, object, object]]:
    """What differs between the live plan and its last issued version. Nothing, without reading
    the issued snapshot, when the live one has the digest kept with the version (migration 0037)."""

    if plan.is_draft or not plan.versions:
        return []
    last = plan.versions[-1]
    live = snapshot(plan) | {"version": last.version}
    if plain_rows.loaded(last, "snapshot_digest") and last.snapshot_digest == snapshot_digest(live):
        return []
    # Not loaded with the versions (the plan page): read with a statement built once, not as a deferred load.
    issued = (
        last.snapshot
        if plain_rows.loaded(last, "snapshot")
        else read_rows(_SNAPSHOT_OF, {"version_id": last.id}).scalar_one()
    )
    return diff_snapshots(issued, live)


def amend_plan(actor: User, plan: Plan, *, change_summary: str, override_reason: str | None = None) -> None:
    """Issue the changes made to an active plan as version + 1; the staff member must acknowledge it."""

    require_move(plan, "amend")
    if not (change_summary or "").strip():
        raise PlanError("Say briefly what changed and why.")
    diff = unissued_changes(plan)
    if not diff:
        raise PlanError("Nothing has changed since the last version was issued.")
    problems = issue_problems(plan)
    if problems:
        raise PlanError("The amended plan is not complete: " + " ".join(p.message for p in problems))
    findings = quality_findings(plan)
    if findings and not (override_reason or "").strip():
        raise PlanError("Some actions are not yet measurable. Fix them, or give a reason to issue anyway.")
    plan.version += 1
    if findings:
        plan.quality_override_reason = (override_reason or "").strip()
    db.session.flush()
    db.session.add(
        PlanVersion(
            plan=plan,
            version=plan.version,
            change_summary=change_summary.strip(),
            snapshot=snapshot(plan),
            created_by_id=actor.id,
        )
    )
    audit.record(
        actor,
        "amended",
        "plan",
        plan.id,
        plan_id=plan.id,
        changes={
            "version": plan.version,
            "summary": change_summary.strip(),
            "diff": [[what, before, after] for what, before, after in diff],
        },
    )
    db.session.flush()
    notifications.plan_version_issued(plan)
