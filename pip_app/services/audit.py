"""The append-only audit trail, written in the same transaction as the change it records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from sqlalchemy import bindparam, func, select

from .. import models, plan_templates
from ..database import read_rows
from ..extensions import db
from ..history import PERSON_KEYS, SERVICE_KEYS, Vocabulary, history_lines
from ..models import Action, AuditEvent, Plan, Service, User


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def record(
    actor: User | None,
    verb: str,
    entity: str,
    entity_id: int | None,
    *,
    plan_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction (the caller commits)."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        verb=verb,
        entity=entity,
        entity_id=entity_id,
        plan_id=plan_id,
        changes={k: _plain(v) for k, v in (changes or {}).items()},
    )
    db.session.add(event)
    return event


# Events that record someone reading, not a change: they leave a plan's state as it was.
READ_VERBS = ("downloaded", "exported", "viewed")

# Built once, as every statement a page runs on each request is: building a statement and its
# cache key costs more than SQLite takes to answer it.
_LATEST_CHANGE = select(func.max(AuditEvent.id)).where(
    AuditEvent.plan_id == bindparam("plan_id"), AuditEvent.verb.not_in(READ_VERBS)
)


# The same, as a column of a SELECT of plans (correlated to each plan's row).
LATEST_CHANGE_OF_PLAN = (
    select(func.max(AuditEvent.id))
    .where(AuditEvent.plan_id == Plan.id, AuditEvent.verb.not_in(READ_VERBS))
    .scalar_subquery()
)


def latest_change(plan_id: int) -> int:
    """The newest audit event recording a change to the plan (0 if none): every change writes
    one in its own transaction, so this marks the plan's state (conditional.py's ETags)."""
    return read_rows(_LATEST_CHANGE, {"plan_id": plan_id}).scalar() or 0


def field_diff(obj: Any, new_values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for each field whose value would change; applies nothing."""
    diff = {}
    for field, new in new_values.items():
        old = getattr(obj, field)
        if _plain(old) != _plain(new):
            diff[field] = [_plain(old), _plain(new)]
    return diff


# --- The plan's history, readable (pip_app.history turns each event's details into lines)

# What an event's record type is called in the history, where its stored name does not read well.
ENTITY_NAMES = {
    "observations_ics": "observation calendar file",
    "plan_pdf": "plan PDF",
    "closure_pdf": "closure summary PDF",
    "case_bundle": "case bundle PDF",
    "restricted_panel": "restricted details",
    "health_need": "health need",
    "health_referral": "occupational health referral",
    "contributing_factors": "contributing factors",
    "notification": "email",
    "regulatory_decision": "regulatory decision",
    "appeal": "appeal",
    "letter_pdf": "letter PDF",
}


def _labels() -> dict[str, dict[str, str]]:
    """{key or "entity.key": {stored value: label}} for every enum an event's details can hold."""

    def of(enum_cls: type[models.LabelledEnum]) -> dict[str, str]:
        return dict(enum_cls.choices())

    return {
        "status": of(models.PlanStatus),
        "plan.status": of(models.PlanStatus),
        "action.status": of(models.ActionStatus),
        "observation.status": of(models.ObservationStatus),
        "control.status": of(models.ControlStatus),
        "notification.status": of(models.NotificationStatus),
        "kind": of(models.ControlKind),
        "control.kind": of(models.ControlKind),
        "meeting.kind": of(models.MeetingKind),
        "approval.kind": of(models.ApprovalKind),
        "support.kind": of(models.SupportKind),
        "notification.kind": of(models.NotificationKind),
        "outcome": of(models.Outcome),
        "plan.outcome": of(models.ClosureOutcome),
        "closure.outcome": of(models.ClosureOutcome),
        "response": of(models.AckResponse),
        "decision": of(models.ReviewDecision),
        "adjustment.decision": of(models.AdjustmentDecision),
        "control_decision": of(models.ControlDecisionKind),
        "progress": of(models.Progress),
        "risk_area": of(models.RiskArea),
        "plan_type": of(models.PlanType),
        "stage": of(models.PlanStage),
        "evidence_sources": of(models.EvidenceSource),
        "key_questions": of(models.KeyQuestion),
        "shift": of(models.Shift),
        "role": of(models.Role),
        "visibility": of(models.AttachmentVisibility),
        "companion": of(models.CompanionKind),
        "regulatory_decision.question": of(models.RegulatoryQuestion),
        "regulatory_decision.answer": of(models.RegulatoryAnswer),
        "appeal.outcome": of(models.AppealOutcome),
        "letter.kind": of(models.LetterKind),
        "template": {t.key: t.title for t in plan_templates.TEMPLATES},
    }


def _ids(events: Sequence[AuditEvent], keys: frozenset[str]) -> set[int]:
    """Every id the events' details hold under `keys` (a value, or either side of a pair)."""
    found: set[int] = set()
    for event in events:
        for key, value in (event.changes or {}).items():
            if key in keys:
                found.update(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, int))
    return found


def readable_history(events: Sequence[AuditEvent]) -> dict[int, tuple[str, list[str]]]:
    """{event id: (what happened, its details as lines)} for a page of the plan's history: the
    people and services its details name, loaded in one statement each."""
    person_ids, service_ids = _ids(events, PERSON_KEYS), _ids(events, SERVICE_KEYS)
    people = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(person_ids))).tuples().all())
    services = dict(
        db.session.execute(select(Service.id, Service.name).where(Service.id.in_(service_ids))).tuples().all()
    )
    action_ids = {e.entity_id for e in events if e.entity == "action" and e.entity_id is not None}
    numbers = db.session.execute(select(Action.id, Action.number).where(Action.id.in_(action_ids))).tuples().all()
    actions = {action_id: f"A{number}" for action_id, number in numbers}
    words = Vocabulary(people=people, services=services, actions=actions, labels=_labels())
    return history_lines(events, words, ENTITY_NAMES)
