"""Sending the outbox: claim a batch, check each message is still wanted, compose it, and after
the mail server has answered, record what happened (with an audit event for every send and
every failure). The command (`flask --app pip_app send-notifications`) commits between the steps
so that no database lock is held while the mail server is talked to.

Claiming: `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so several servers running the
command at once each take different rows; on SQLite the command's write transactions begin
IMMEDIATE, which serialises claimers. A claimed row is `sending` until its outcome is recorded;
a run killed in between leaves it `sending`, and a later run takes it again once the claim is
older than NOTIFY_CLAIM_MINUTES (so that one message may arrive twice, never not at all; it
carries the same Message-ID both times).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from sqlalchemy import func, select, update

from .. import policy
from ..database import fixed, rows_changed
from ..extensions import db
from ..flags import NOT_CHECKED, REVIEW_PASSED, control_flags
from ..models import (
    Acknowledgement,
    Appeal,
    Approval,
    Closure,
    Escalation,
    InterimControl,
    Letter,
    Notification,
    NotificationKind,
    NotificationStatus,
    Observation,
    ObservationStatus,
    Plan,
    PlanStatus,
    Role,
    User,
)
from ..notifications import calendar
from ..notifications.content import Note, build_email, compose, message_id
from ..notifications.due import ControlFact, control_lapsed_on, retry_delay_seconds
from ..notifications.kinds import (
    APPROVER,
    HEARER,
    MANAGER,
    OBSERVER,
    PLAN_READER,
    RESPONSIBLE,
    RULES,
    SENIOR,
    STAFF,
    waits_for_digest,
)
from ..notifications.mailer import MailSettings
from . import audit
from .acknowledgements import acknowledged_plan_version
from .closure import closure_acknowledgement

Kind = NotificationKind
OPEN = (PlanStatus.ACTIVE, PlanStatus.PAUSED)


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, composed and ready for the mail server."""

    id: int
    plan_id: int | None
    kind: Kind
    recipient_id: int
    attempts: int  # before this one
    message: EmailMessage


def release_stale_claims(now: datetime, claim_minutes: int) -> int:
    """Rows a killed run left `sending` longer ago than a run can take: pending again."""
    return rows_changed(
        update(Notification)
        .where(
            Notification.status == NotificationStatus.SENDING,
            Notification.claimed_at < now - timedelta(minutes=claim_minutes),
        )
        .values(
            status=NotificationStatus.PENDING, claimed_at=None, last_error="The run sending it stopped; tried again."
        )
    )


def claim(settings: MailSettings, *, now: datetime, day: date, batch: int) -> tuple[list[Outgoing], int]:
    """Claim up to `batch` pending messages whose time has come; skip those no longer wanted
    (audited); compose the rest. Returns the messages to send and how many were skipped."""
    query = (
        select(Notification)
        .where(Notification.status == NotificationStatus.PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(fixed(batch))
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Notification)
    rows = list(db.session.scalars(query))
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.recipient_id for r in rows})))}
    outgoing, skipped = [], 0
    for row in rows:
        recipient = people[row.recipient_id]
        reason = skip_reason(row, recipient, day)
        if reason:
            row.status, row.last_error, row.claimed_at = NotificationStatus.SKIPPED, reason, now
            audit.record(
                None,
                "skipped",
                "notification",
                row.id,
                plan_id=row.plan_id,
                changes={"kind": row.kind, "recipient_id": row.recipient_id, "reason": reason},
            )
            skipped += 1
            continue
        row.status, row.claimed_at = NotificationStatus.SENDING, now
        outgoing.append(
            Outgoing(
                row.id,
                row.plan_id,
                row.kind,
                row.recipient_id,
                row.attempts,
                message_for(row, recipient, settings, now),
            )
        )
    db.session.flush()
    return outgoing, skipped


def message_for(row: Notification, recipient: User, settings: MailSettings, now: datetime) -> EmailMessage:
    """The email for one row, as it is sent (and as /admin/outbox shows it)."""
    reference = _reference(row)
    note = Note(row.id, row.kind, row.plan_id, reference, row.details)
    content = compose(note, recipient.name, settings.base_url or "")
    invite, method = None, "REQUEST"
    if row.kind in (Kind.OBSERVATION_TOMORROW, Kind.OBSERVATION_UPDATE, Kind.OBSERVATION_CANCELLED):
        method = "CANCEL" if row.kind is Kind.OBSERVATION_CANCELLED else "REQUEST"
        d = row.details
        invite = calendar.invitation(
            observation_id=int(d["observation_id"]),
            sequence=int(d["sequence"]),
            method=method,
            day=date.fromisoformat(d["date"]),
            shift=str(d["shift"]),
            summary=f"Observed shift ({reference})",
            location=str(d.get("location") or ""),
            description=f"{content.link_text}: {content.link}",
            organizer=_address(settings.sender),
            attendee=recipient.email,
            attendee_name=recipient.name,
            stamp=now.replace(tzinfo=UTC),
        )
    return build_email(
        content,
        sender=settings.sender,
        to_name=recipient.name,
        to_address=recipient.email,
        message_id_value=message_id(row.id, f"{row.created_at:%Y%m%d%H%M%S}", settings.sender),
        sent_at=now.replace(tzinfo=UTC),
        calendar=invite,
        calendar_method=method,
    )


def _reference(row: Notification) -> str:
    if row.plan_id is None:
        return ""
    return db.session.scalar(select(Plan.reference).where(Plan.id == row.plan_id)) or ""


def _address(sender: str) -> str:
    return parseaddr(sender)[1] or "no-reply@localhost"


# --- Is it still wanted, and by this person? ----------------------------------------------------


LEFT_TO_DIGEST = "Left to the daily digest: the person chose digest only."


def skip_reason(row: Notification, recipient: User, day: date) -> str | None:
    """Why this message should not go now (None: send it). Checked when it is claimed, so a
    change between the event and the send — a deactivated account, a new role, a plan closed,
    a review already recorded — is respected."""
    reason = unwanted_reason(row, recipient, day)
    if reason is None and row.kind is not Kind.DIGEST and waits_for_digest(row.kind, recipient.digest_only):
        return LEFT_TO_DIGEST  # the digest lists it (reminders.left_to_digest)
    return reason


def unwanted_reason(row: Notification, recipient: User, day: date) -> str | None:
    """Why this message is no longer wanted by this person, whenever it would reach them (by
    itself or in their digest): None if it still is."""
    if not recipient.active:
        return "The recipient's account is deactivated."
    if row.kind is Kind.DIGEST:
        return None
    plan = db.session.get(Plan, row.plan_id) if row.plan_id is not None else None
    if plan is None:
        return "The plan no longer exists."
    rule = RULES[row.kind]
    if rule.reminder and plan.status not in OPEN:
        return "The plan is closed (or not open), so the reminder is no longer needed."
    return _not_for(rule.audience, row, recipient, plan) or _no_longer_due(row, plan, day)


def _not_for(audience: str, row: Notification, recipient: User, plan: Plan) -> str | None:
    """The person is no longer the one this message is for (moved, role changed)."""
    if audience == STAFF and not policy.can_acknowledge(recipient, plan):
        return "The recipient is no longer the staff member on this plan (or their role changed)."
    if audience == MANAGER:
        manages = plan.manager_id == recipient.id or recipient.role is Role.SENIOR
        if (
            recipient.role not in (Role.MANAGER, Role.SENIOR)
            or not manages
            or not policy.can_view_plan(recipient, plan)
        ):
            return "The recipient no longer manages this plan (or their role changed)."
    if audience == SENIOR and not (recipient.role is Role.SENIOR and plan.service_id in recipient.service_ids):
        return "The recipient is no longer a registered manager of this service (or their role changed)."
    if audience == APPROVER and not policy.can_approve(recipient, plan):
        return "The recipient may no longer approve this plan's requests (or their role changed)."
    if audience == HEARER:
        appeal = db.session.get(Appeal, row.subject_id)
        if appeal is None or appeal.hearer_id != recipient.id or not policy.can_view_plan(recipient, plan):
            return "The recipient is no longer the hearer of this appeal (or their role changed)."
    if audience == PLAN_READER and not policy.can_view_plan(recipient, plan):
        return "The recipient may no longer see this plan (or their role changed)."
    if audience == RESPONSIBLE:
        control = db.session.get(InterimControl, row.subject_id)
        if (
            control is None
            or control.responsible_id != recipient.id
            or not policy.can_check_control(recipient, control)
        ):
            return "The recipient is no longer responsible for this control (or their role changed)."
    if audience == OBSERVER:
        if not policy.can_view_plan(recipient, plan) or recipient.role not in (Role.MANAGER, Role.SENIOR):
            return "The recipient may no longer see this plan (or their role changed)."
        observation = db.session.get(Observation, row.subject_id)
        if row.kind is Kind.OBSERVATION_TOMORROW and (observation is None or observation.observer_id != recipient.id):
            return "The recipient is no longer the observer of this shift."
    return None


# Event emails that ask someone to act on one record (its subject type and model), whether the
# record still waits for that, and why the email is skipped when it no longer does.
ANSWERED_SINCE: dict[Kind, tuple[str, type, Callable[[Any], bool], str]] = {
    Kind.LETTER_SENT: ("letter", Letter, lambda letter: letter.received_at is None, "Receipt already confirmed."),
    Kind.APPEAL_TO_HEAR: ("appeal", Appeal, lambda appeal: appeal.is_open, "The appeal has been decided since."),
    Kind.APPROVAL_REQUESTED: (
        "approval",
        Approval,
        lambda request: request.is_pending,
        "The request has been decided (or withdrawn) since.",
    ),
    Kind.ESCALATION: (
        "escalation",
        Escalation,
        lambda escalation: escalation.is_open,
        "The escalation has been decided since.",
    ),
}


def _no_longer_due(row: Notification, plan: Plan, day: date) -> str | None:
    """A reminder whose reason has gone, or an acknowledgement already given."""
    kind, details = row.kind, row.details
    if kind in (
        Kind.ACKNOWLEDGE_PLAN,
        Kind.ACKNOWLEDGE_REVIEW,
        Kind.ACKNOWLEDGE_CLOSURE,
        Kind.ACK_REMINDER,
        Kind.ACK_OUTSTANDING,
    ):
        return _acknowledged(row, plan)
    if kind in ANSWERED_SINCE and row.subject_type == ANSWERED_SINCE[kind][0]:
        _, model, still_waiting, reason = ANSWERED_SINCE[kind]
        subject = db.session.get(model, row.subject_id)
        if subject is None or not still_waiting(subject):
            return reason
    when = date.fromisoformat(details["date"]) if "date" in details else None
    if kind in (Kind.REVIEW_DUE, Kind.REVIEW_OVERDUE) and (
        plan.status is not PlanStatus.ACTIVE or plan.next_review_date != when
    ):
        return "The review has been recorded (or the plan paused) since."
    if kind is Kind.PAST_END_DATE and plan.planned_end_date != when:
        return "The plan has been extended since."
    if kind in (Kind.CONTROL_REVIEW_PASSED, Kind.CONTROL_NOT_CHECKED):
        control = db.session.get(InterimControl, row.subject_id)
        flag = REVIEW_PASSED if kind is Kind.CONTROL_REVIEW_PASSED else NOT_CHECKED
        if control is None or flag not in control_flags(
            control.status, _as_fact(control).review_due, control.last_checked_on, control.start_date, None, day
        ):
            return "The control has been reviewed, checked or lifted since."
        if kind is Kind.CONTROL_NOT_CHECKED and control_lapsed_on(_as_fact(control)).isoformat() != details.get("date"):
            return "The control has been checked since."
    if kind in (Kind.OBSERVATION_TOMORROW, Kind.OBSERVATION_OVERDUE):
        observation = db.session.get(Observation, row.subject_id)
        if (
            observation is None
            or observation.status is not ObservationStatus.PLANNED
            or observation.scheduled_on != when
        ):
            return "The observed shift has been recorded, moved or cancelled since."
        if kind is Kind.OBSERVATION_TOMORROW and when is not None and when < day:
            return "The observed shift has already passed."
    return None


def _as_fact(control: InterimControl) -> ControlFact:
    return ControlFact(
        control.id,
        control.plan_id,
        "",
        control.responsible_id,
        control.review_by_date,
        control.last_checked_on,
        control.start_date,
        control.continued_until,
    )


def _acknowledged(row: Notification, plan: Plan) -> str | None:
    what = row.details.get("what")
    if what == "plan":
        version = int(row.details.get("version", 0))
        if plan.version != version:
            return "A newer version of the plan has been issued since."
        if acknowledged_plan_version(plan) >= version:
            return "Already acknowledged."
    elif what == "review":
        done = db.session.scalar(
            select(Acknowledgement.id).where(
                Acknowledgement.review_id == row.subject_id, Acknowledgement.user_id == plan.staff_id
            )
        )
        if done is not None:
            return "Already acknowledged."
    elif what == "closure":
        if closure_acknowledgement(plan) is not None:
            return "Already acknowledged."
        if db.session.get(Closure, row.subject_id) is None:
            return "The closure no longer exists."
    return None


# --- After the mail server answered --------------------------------------------------------------


def record_sent(outgoing: Outgoing, now: datetime) -> None:
    """Accepted by the mail server."""
    db.session.execute(
        update(Notification)
        .where(Notification.id == outgoing.id)
        .values(status=NotificationStatus.SENT, sent_at=now, attempts=outgoing.attempts + 1, last_error=None)
    )
    audit.record(
        None,
        "sent",
        "notification",
        outgoing.id,
        plan_id=outgoing.plan_id,
        changes={"kind": outgoing.kind, "recipient_id": outgoing.recipient_id, "attempt": outgoing.attempts + 1},
    )


def record_failure(
    outgoing: Outgoing, error: str, *, permanent: bool, now: datetime, max_attempts: int, retry_seconds: int
) -> bool:
    """Not accepted: tried again later with backoff, or failed for good (refused, or out of
    attempts). Whether it will be tried again."""
    attempts = outgoing.attempts + 1
    retry = not permanent and attempts < max_attempts
    next_at = now + timedelta(seconds=retry_delay_seconds(attempts, retry_seconds))
    db.session.execute(
        update(Notification)
        .where(Notification.id == outgoing.id)
        .values(
            status=NotificationStatus.PENDING if retry else NotificationStatus.FAILED,
            attempts=attempts,
            last_error=error,
            next_attempt_at=next_at if retry else now,
            claimed_at=None,
        )
    )
    audit.record(
        None,
        "send_failed",
        "notification",
        outgoing.id,
        plan_id=outgoing.plan_id,
        changes={
            "kind": outgoing.kind,
            "recipient_id": outgoing.recipient_id,
            "attempt": attempts,
            "error": error,
            "retry_at": next_at if retry else None,
        },
    )
    return retry


def pending_count(now: datetime) -> int:
    """Messages whose time has come and that wait to be sent."""
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.status == NotificationStatus.PENDING, Notification.next_attempt_at <= now
            )
        )
        or 0
    )
