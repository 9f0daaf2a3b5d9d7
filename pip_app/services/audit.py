"""The append-only audit trail, written in the same transaction as the change it records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from ..extensions import db
from ..models import AuditEvent, User


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


def field_diff(obj: Any, new_values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for each field whose value would change; applies nothing."""
    diff = {}
    for field, new in new_values.items():
        old = getattr(obj, field)
        if _plain(old) != _plain(new):
            diff[field] = [_plain(old), _plain(new)]
    return diff
