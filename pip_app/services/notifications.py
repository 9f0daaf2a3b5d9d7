"""Events that reach people: each is written to the outbox in the transaction of the change
that causes it, by one call from the operation (plans, reviews, closure, acknowledgements).
Also each person's choice between "each as it happens, plus the digest" and "digest only".

What goes in a row is plain and non-sensitive: the kind, the plan reference, dates, a version.
A disagreement's comment or a review's notes are never copied (pip_app/notifications/content.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ..clock import to_london, today
from ..extensions import db
from ..models import (
    Acknowledgement,
    AckResponse,
    Approval,
    ApproverRole,
    Closure,
    ClosureOutcome,
    DisagreementResponse,
    Escalation,
    Letter,
    Notification,
    NotificationKind,
    NotificationStatus,
    Observation,
    ObservationStatus,
    Plan,
    Review,
    Role,
    User,
    user_services,
)
from ..notifications.due import AckFact, Due, ObservationFact, ack_details, nation_code, observation_details
from . import audit
from .outbox import enqueue

Kind = NotificationKind


def seniors_of(plan: Plan) -> list[int]:
    """The active registered managers (seniors) of the plan's service."""
    return list(
        db.session.scalars(
            select(User.id)
            .join(user_services, user_services.c.user_id == User.id)
            .where(user_services.c.service_id == plan.service_id, User.role == Role.SENIOR, User.active.is_(True))
            .order_by(User.id)
        )
    )


def approvers_of(plan: Plan) -> list[int]:
    """The active people who may approve this plan's requests: its service's approver role (the
    registered managers, or HR), never the plan's own manager."""
    if plan.service.approver_role is ApproverRole.HR:
        people = list(
            db.session.scalars(select(User.id).where(User.role == Role.HR, User.active.is_(True)).order_by(User.id))
        )
    else:
        people = seniors_of(plan)
    return [person for person in people if person != plan.manager_id]


def _ack(plan: Plan, what: str, subject_id: int, review: Review | None = None) -> AckFact:
    return AckFact(
        what=what,
        subject_id=subject_id,
        plan_id=plan.id,
        reference=plan.reference,
        staff_id=plan.staff_id,
        manager_id=plan.manager_id,
        requested_on=today(),
        version=plan.version,
        review_date=review.review_date if review is not None else None,
        nation=nation_code(plan.staff.nation),
    )


def plan_version_issued(plan: Plan) -> None:
    """A plan issued, or a new version of it: its staff member is asked to read and acknowledge it."""
    details = ack_details(_ack(plan, "plan", plan.id))
    enqueue(
        [
            Due(
                plan.staff_id,
                Kind.ACKNOWLEDGE_PLAN,
                "plan",
                plan.id,
                f"v{plan.version}",
                plan.id,
                plan.reference,
                details,
            )
        ]
    )


def review_recorded(review: Review) -> None:
    """A weekly review: its staff member is asked to acknowledge it; an "Escalate" decision
    reaches the registered managers of the service."""
    plan = review.plan
    details = ack_details(_ack(plan, "review", review.id, review))
    items = [Due(plan.staff_id, Kind.ACKNOWLEDGE_REVIEW, "review", review.id, "", plan.id, plan.reference, details)]
    enqueue(items)


def escalation_raised(escalation: Escalation) -> None:
    """An escalation (from a review's "Escalate", or raised from the plan) reaches the registered
    managers of the service, who decide what happens next."""
    plan = escalation.plan
    about: dict[str, Any] = {"escalation_id": escalation.id}
    if escalation.review is not None:
        about |= {"review_date": escalation.review.review_date.isoformat(), "review_id": escalation.review.id}
    enqueue(
        [
            Due(senior, Kind.ESCALATION, "escalation", escalation.id, "", plan.id, plan.reference, about)
            for senior in seniors_of(plan)
            if senior != escalation.raised_by_id
        ]
    )


def escalation_decided(escalation: Escalation) -> None:
    """The decision on an escalation reaches the staff member and the plan's manager."""
    plan = escalation.plan
    about = {"escalation_id": escalation.id, "decision": escalation.decision.value if escalation.decision else ""}
    enqueue(
        [
            Due(person, Kind.ESCALATION_DECIDED, "escalation", escalation.id, "", plan.id, plan.reference, about)
            for person in dict.fromkeys([plan.staff_id, plan.manager_id])
            if person != escalation.decided_by_id
        ]
    )


def approval_requested(approval: Approval, approvers: list[int]) -> None:
    """A draft submitted for approval, or a closure proposed: the approvers are asked to decide."""
    plan = approval.plan
    about = {"what": approval.kind.value, "approval_id": approval.id}
    enqueue(
        [
            Due(person, Kind.APPROVAL_REQUESTED, "approval", approval.id, "", plan.id, plan.reference, about)
            for person in approvers
        ]
    )


def approval_decided(approval: Approval) -> None:
    """The approver's decision reaches the person who asked for it."""
    plan = approval.plan
    about = {"what": approval.kind.value, "approval_id": approval.id, "status": approval.status.value}
    enqueue(
        [
            Due(
                approval.requested_by_id,
                Kind.APPROVAL_DECIDED,
                "approval",
                approval.id,
                approval.status.value,
                plan.id,
                plan.reference,
                about,
            )
        ]
    )


def plan_closed(closure: Closure) -> None:
    """A closure: the staff member is asked to acknowledge it within its acknowledgement period
    (not one who left during the procedure: services.closure.ClosureAckState.not_asked)."""
    if closure.outcome is ClosureOutcome.LEFT:
        return
    plan = closure.plan
    closed_on = to_london(closure.closed_at).date()
    by = closed_on + timedelta(days=closure.ack_due_days)
    details = ack_details(_ack(plan, "closure", closure.id), by=by)
    enqueue([Due(plan.staff_id, Kind.ACKNOWLEDGE_CLOSURE, "closure", closure.id, "", plan.id, plan.reference, details)])


def acknowledged(ack: Acknowledgement) -> None:
    """A staff member disagreed: the plan's manager and the service's registered managers are told
    (that there is a disagreement to discuss, not what it says)."""
    if ack.response is not AckResponse.DISAGREE:
        return
    plan = ack.plan
    details: dict[str, Any] = {"what": ack.subject.value, "version": ack.plan_version}
    if ack.review is not None:
        details |= {"review_date": ack.review.review_date.isoformat(), "review_id": ack.review.id}
    recipients = dict.fromkeys([plan.manager_id, *seniors_of(plan)])
    enqueue(
        [
            Due(person, Kind.DISAGREEMENT, "acknowledgement", ack.id, "", plan.id, plan.reference, details)
            for person in recipients
            if person != ack.user_id
        ]
    )


def disagreement_answered(response: DisagreementResponse) -> None:
    """A disagreement was answered: the staff member is told there is a response to read (not what it says)."""
    ack = response.acknowledgement
    plan = ack.plan
    details: dict[str, Any] = {"what": ack.subject.value, "version": ack.plan_version, "acknowledgement_id": ack.id}
    if ack.review is not None:
        details |= {"review_date": ack.review.review_date.isoformat(), "review_id": ack.review.id}
    enqueue(
        [Due(ack.user_id, Kind.DISAGREEMENT_RESPONSE, "acknowledgement", ack.id, "", plan.id, plan.reference, details)]
    )


def letter_sent(letter: Letter) -> None:
    """A formal letter sent: the staff member is asked to read it and confirm they received it.
    The email says only that a letter was sent (not which, nor what it says)."""
    plan = letter.plan
    details = {"letter_id": letter.id, "sent_on": today().isoformat()}
    enqueue([Due(plan.staff_id, Kind.LETTER_SENT, "letter", letter.id, "", plan.id, plan.reference, details)])


def observation_changed(observation: Observation, changes: Mapping[str, Any] | None = None) -> None:
    """An observed shift moved, changed observer or was cancelled: whoever was already sent (or
    is about to be sent) its invitation gets the update, or a CANCEL, with a higher SEQUENCE."""
    invited = set(
        db.session.scalars(
            select(Notification.recipient_id).where(
                Notification.subject_type == "observation",
                Notification.subject_id == observation.id,
                Notification.kind.in_([Kind.OBSERVATION_TOMORROW, Kind.OBSERVATION_UPDATE]),
                Notification.status != NotificationStatus.SKIPPED,
            )
        )
    )
    if not invited:
        return
    plan = observation.plan
    details = observation_details(
        ObservationFact(
            id=observation.id,
            plan_id=plan.id,
            reference=plan.reference,
            observer_id=observation.observer_id,
            manager_id=plan.manager_id,
            scheduled_on=observation.scheduled_on,
            shift=observation.shift.value,
            sequence=observation.row_version,
            location=plan.service.name,
        )
    )
    occasion = f"seq{observation.row_version}"
    moved = changes is None or bool({"scheduled_on", "shift", "observer_id"} & set(changes))
    items = []
    if observation.status is ObservationStatus.CANCELLED:
        items = [
            _observation(person, Kind.OBSERVATION_CANCELLED, observation, occasion, plan, details) for person in invited
        ]
    elif observation.status is ObservationStatus.PLANNED and moved:
        items = [
            _observation(person, Kind.OBSERVATION_CANCELLED, observation, occasion, plan, details)
            for person in invited
            if person != observation.observer_id
        ]
        items.append(
            _observation(observation.observer_id, Kind.OBSERVATION_UPDATE, observation, occasion, plan, details)
        )
    enqueue(items)


def _observation(
    person: int, kind: Kind, observation: Observation, occasion: str, plan: Plan, details: dict[str, Any]
) -> Due:
    return Due(person, kind, "observation", observation.id, occasion, plan.id, plan.reference, details)


def set_digest_only(actor: User, digest_only: bool) -> bool:
    """The person's own choice: every notification as it happens plus the digest, or the digest
    only (acknowledgement requests always go as they happen). Whether anything changed."""
    if actor.digest_only == digest_only:
        return False
    audit.record(
        actor,
        "notification_preference_changed",
        "user",
        actor.id,
        changes={"digest_only": [actor.digest_only, digest_only]},
    )
    actor.digest_only = digest_only
    return True
