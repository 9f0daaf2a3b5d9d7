"""The outbox: rows added in the transaction of whatever caused them, never twice.

`enqueue` inserts with ON CONFLICT DO NOTHING on the unique key (recipient, kind, object,
occasion), the same statement on SQLite and PostgreSQL: an event written twice, a reminder found
on every run, or two servers finding the same reminder at once all leave one row. Sending is
services/delivery.py's; the lists for /admin/outbox are here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from ..clock import now_utc
from ..database import fixed
from ..extensions import db
from ..models import Notification, NotificationStatus, User
from ..notifications.content import subject_line
from ..notifications.due import Due

CHUNK = 500  # rows per INSERT statement


def _insert() -> PostgresInsert:
    """INSERT INTO notifications … ON CONFLICT: PostgreSQL and SQLite spell it alike."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sqlite_insert(Notification)  # type: ignore[return-value]  # the same interface
    return postgresql_insert(Notification)


def enqueue(items: Sequence[Due], *, now: datetime | None = None) -> int:
    """Add these to the outbox (pending, due now) unless already there; how many were new."""
    if not items:
        return 0
    now = now or now_utc()
    rows: list[dict[str, Any]] = [
        {
            "recipient_id": item.recipient_id,
            "kind": item.kind,
            "subject_type": item.subject_type,
            "subject_id": item.subject_id,
            "occasion": item.occasion,
            "plan_id": item.plan_id,
            "details": item.details,
            "subject": subject_line(item.kind, item.reference, item.details),
            "status": NotificationStatus.PENDING,
            "attempts": 0,
            "due_at": now,
            "next_attempt_at": now,
            "created_at": now,
        }
        for item in items
    ]
    added = 0
    statement = _insert().on_conflict_do_nothing().returning(Notification.id)
    for start in range(0, len(rows), CHUNK):
        added += len(db.session.execute(statement, rows[start : start + CHUNK]).all())
    return added


# --- What /admin/outbox lists ------------------------------------------------------------------

PAGE_SIZE = 50
RETRYING = "retrying"  # a filter, not a status: pending with a failed attempt behind it
FILTERS = ("pending", RETRYING, "sending", "sent", "failed", "skipped")


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    retrying: int
    failed: int

    @property
    def trouble(self) -> int:
        return self.retrying + self.failed


def _filtered(status: str | None) -> Select[tuple[Notification]]:
    query = select(Notification)
    if status == RETRYING:
        return query.where(Notification.status == NotificationStatus.PENDING, Notification.attempts > 0)
    if status in FILTERS:
        return query.where(Notification.status == NotificationStatus(status))
    return query


def outbox_page(status: str | None, page: int) -> tuple[list[Notification], int]:
    """One page of the outbox, newest first, and how many rows match."""
    query = _filtered(status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(joinedload(Notification.recipient))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(fixed(PAGE_SIZE))
        .offset(fixed((page - 1) * PAGE_SIZE))
    ).all()
    return list(rows), total


def outbox_counts() -> OutboxCounts:
    """Waiting, retrying after a failure, and failed for good (the admin's dashboard)."""
    waiting = Notification.status == NotificationStatus.PENDING
    row = db.session.execute(
        select(
            func.count().filter(waiting),
            func.count().filter(waiting, Notification.attempts > 0),
            func.count().filter(Notification.status == NotificationStatus.FAILED),
        ).where(or_(waiting, Notification.status == NotificationStatus.FAILED))
    ).one()
    return OutboxCounts(pending=row[0], retrying=row[1], failed=row[2])


def notification(notification_id: int) -> Notification | None:
    return db.session.get(Notification, notification_id, options=[joinedload(Notification.recipient)])


def recipients(ids: Sequence[int]) -> dict[int, User]:
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(sorted(set(ids)))))}
