"""What has become due, read for `send-notifications`: a fixed number of statements (one per
kind of fact, plus one for the digests' recipients, six for what waits on a decision and three
for the news left to the digests of people who chose "digest only") however many plans there are, each selecting only the rows
that may be due (bench/notifications.py times it at 10,000 plans).

The facts go to the pure rules (pip_app/notifications/due.py), which reuse the derived flags'
own conditions and decide what to add to the outbox and what each person's digest lists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..clock import to_london
from ..extensions import db
from ..flags import NOT_CHECKED_DAYS
from ..models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    Appeal,
    Approval,
    ApprovalStatus,
    ApproverRole,
    Closure,
    ClosureOutcome,
    ControlStatus,
    Escalation,
    InterimControl,
    Notification,
    NotificationKind,
    NotificationStatus,
    Observation,
    ObservationStatus,
    Plan,
    PlanStatus,
    PlanVersion,
    Review,
    Role,
    Service,
    User,
    user_services,
)
from ..notifications.due import (
    AckFact,
    ControlFact,
    DecisionFact,
    Due,
    Found,
    ObservationFact,
    PlanFact,
    Waiting,
    acknowledgement_reminders,
    control_reminders,
    decisions_waiting,
    digests,
    nation_code,
    observation_reminders,
    plan_reminders,
)
from ..notifications.kinds import RULES
from .delivery import LEFT_TO_DIGEST, unwanted_reason

OPEN = (PlanStatus.ACTIVE, PlanStatus.PAUSED)
CLOSURE_LOOKBACK_DAYS = 60  # longer than any closure's acknowledgement period


def find_due(day: date, *, with_digests: bool) -> list[Due]:
    """Every reminder due on `day` (and, with_digests, each person's digest) as outbox rows."""
    found = Found()
    found.add(plan_reminders(plan_facts(day), day))
    found.add(control_reminders(control_facts(day), day))
    found.add(observation_reminders(observation_facts(day), day))
    found.add(acknowledgement_reminders(acknowledgement_facts(day), day))
    due = found.due
    if with_digests:
        found.waiting += decisions_waiting(decision_facts()) + left_to_digest(day)
        due += digests(found.waiting, day, digest_recipients({w.recipient_id for w in found.waiting}))
    return due


def decision_facts() -> list[DecisionFact]:
    """What waits for a second person's decision, and on whom, as the dashboard's "Waiting for your
    decision" and "Disagreements to answer" show it: requests to approve (the service's approver
    role, never the plan's manager), escalations (the service's registered managers but whoever
    raised it), disagreements nobody has answered (the plan's manager and the registered managers)
    and appeals to hear (the hearer, or, until one is chosen, whoever may choose). Six statements."""
    seniors: dict[int, list[int]] = {}
    for service_id, person in db.session.execute(
        select(user_services.c.service_id, User.id)
        .join(User, User.id == user_services.c.user_id)
        .where(User.role == Role.SENIOR, User.active.is_(True))
        .order_by(User.id)
    ):
        seniors.setdefault(service_id, []).append(person)
    hr = list(db.session.scalars(select(User.id).where(User.role == Role.HR, User.active.is_(True)).order_by(User.id)))

    def others(people: list[int], *leaving_out: int) -> tuple[int, ...]:
        return tuple(dict.fromkeys(person for person in people if person not in leaving_out))

    facts = [
        DecisionFact(
            NotificationKind.APPROVAL_REQUESTED,
            r.plan_id,
            r.reference,
            others(hr if r.approver_role is ApproverRole.HR else seniors.get(r.service_id, []), r.manager_id),
            to_london(r.requested_at).date(),
            {"what": r.kind.value, "approval_id": r.id},
        )
        for r in db.session.execute(
            select(Approval.id, Approval.kind, Approval.requested_at, Approval.plan_id)
            .add_columns(Plan.reference, Plan.manager_id, Plan.service_id, Service.approver_role)
            .join(Plan, Plan.id == Approval.plan_id)
            .join(Service, Service.id == Plan.service_id)
            .where(Approval.status == ApprovalStatus.PENDING, Plan.status != PlanStatus.CLOSED)
        )
    ]
    escalated_review = aliased(Review)
    facts += [
        DecisionFact(
            NotificationKind.ESCALATION,
            r.plan_id,
            r.reference,
            others(seniors.get(r.service_id, []), r.raised_by_id),
            to_london(r.raised_at).date(),
            {"escalation_id": r.id} | ({"review_date": r.review_date.isoformat()} if r.review_date else {}),
        )
        for r in db.session.execute(
            select(Escalation.id, Escalation.plan_id, Escalation.raised_by_id, Escalation.raised_at)
            .add_columns(Plan.reference, Plan.service_id, escalated_review.review_date)
            .join(Plan, Plan.id == Escalation.plan_id)
            .outerjoin(escalated_review, escalated_review.id == Escalation.review_id)
            .where(Escalation.decided_at.is_(None))
        )
    ]
    disagreed_review = aliased(Review)
    facts += [
        DecisionFact(
            NotificationKind.DISAGREEMENT,
            r.plan_id,
            r.reference,
            others([r.manager_id, *seniors.get(r.service_id, [])], r.user_id),
            to_london(r.acknowledged_at).date(),
            {"what": r.subject.value, "version": r.plan_version}
            | ({"review_date": r.review_date.isoformat()} if r.review_date else {}),
        )
        for r in db.session.execute(
            select(
                Acknowledgement.plan_id,
                Acknowledgement.user_id,
                Acknowledgement.subject,
                Acknowledgement.plan_version,
                Acknowledgement.acknowledged_at,
            )
            .add_columns(Plan.reference, Plan.manager_id, Plan.service_id, disagreed_review.review_date)
            .join(Plan, Plan.id == Acknowledgement.plan_id)
            .outerjoin(disagreed_review, disagreed_review.id == Acknowledgement.review_id)
            .where(
                Acknowledgement.response == AckResponse.DISAGREE,
                ~Acknowledgement.answered,
                Plan.status != PlanStatus.DRAFT,
            )
        )
    ]
    # An appeal waits on its hearer; until one is chosen, on whoever may choose (HR, or a
    # registered manager of the service: policy.can_assign_hearer).
    facts += [
        DecisionFact(
            NotificationKind.APPEAL_TO_HEAR,
            r.plan_id,
            r.reference,
            (r.hearer_id,) if r.hearer_id is not None else others([*hr, *seniors.get(r.service_id, [])]),
            r.lodged_on,
            {"appeal_id": r.id} | ({} if r.hearer_id is not None else {"hearer": "to choose"}),
        )
        for r in db.session.execute(
            select(Appeal.id, Appeal.plan_id, Appeal.hearer_id, Appeal.lodged_on, Plan.reference, Plan.service_id)
            .join(Plan, Plan.id == Appeal.plan_id)
            .where(Appeal.outcome.is_(None), Plan.status != PlanStatus.CLOSED)
        )
    ]
    return facts


# The emails a person who chose "digest only" does not get by themselves, and that the digest
# does not list from the facts every day: news (a decision on their request, a moved shift, an
# answer to their disagreement), not what waits on a decision (`decision_facts`), nor
# acknowledgement requests (always sent), nor reminders (the flags' facts).
WAITING_KINDS = (
    NotificationKind.APPROVAL_REQUESTED,
    NotificationKind.ESCALATION,
    NotificationKind.DISAGREEMENT,
    NotificationKind.APPEAL_TO_HEAR,
)
LEFT_TO_DIGEST_KINDS = tuple(
    kind
    for kind, rule in RULES.items()
    if not rule.always_immediate and not rule.reminder and kind not in WAITING_KINDS
)
DIGEST_LOOKBACK_DAYS = 7  # for someone who has had no digest yet: the events of the last week


def left_to_digest(day: date) -> list[Waiting]:
    """The news left to the digest of people who chose "digest only", each listed once, in the
    first digest after it, if it is still wanted then: not if the person moved on since
    (`delivery.unwanted_reason`, the checks its own sending would have made). Three statements,
    then those checks for each such email (a day's events, not the plans)."""
    people = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.digest_only.is_(True), User.active.is_(True), User.role != Role.ADMIN)
        )
    }
    if not people:
        return []
    since = datetime.combine(day - timedelta(days=DIGEST_LOOKBACK_DAYS), time.min)
    last_digest = {
        person: at
        for person, at in db.session.execute(
            select(Notification.recipient_id, func.max(Notification.created_at))
            .where(Notification.kind == NotificationKind.DIGEST, Notification.recipient_id.in_(sorted(people)))
            .group_by(Notification.recipient_id)
        )
    }
    rows = db.session.execute(
        select(Notification, Plan.reference)
        .join(Plan, Plan.id == Notification.plan_id)
        .where(
            Notification.recipient_id.in_(sorted(people)),
            Notification.kind.in_(LEFT_TO_DIGEST_KINDS),
            Notification.created_at >= since,
            or_(
                Notification.status == NotificationStatus.PENDING,  # skipped when claimed, after this digest
                and_(Notification.status == NotificationStatus.SKIPPED, Notification.last_error == LEFT_TO_DIGEST),
            ),
        )
        .order_by(Notification.created_at, Notification.id)
    )
    return [
        Waiting(row.recipient_id, row.kind, row.plan_id, reference, dict(row.details), to_london(row.created_at).date())
        for row, reference in rows
        if row.plan_id is not None
        and row.created_at > last_digest.get(row.recipient_id, since)
        and unwanted_reason(row, people[row.recipient_id], day) is None
    ]


def plan_facts(day: date) -> list[PlanFact]:
    """Open plans with a review due by tomorrow or overdue, or past their end date."""
    rows = db.session.execute(
        select(
            Plan.id, Plan.reference, Plan.manager_id, Plan.status, Plan.next_review_date, Plan.planned_end_date
        ).where(
            Plan.status.in_(OPEN),
            or_(
                and_(Plan.status == PlanStatus.ACTIVE, Plan.next_review_date <= day + timedelta(days=1)),
                Plan.planned_end_date < day,
            ),
        )
    )
    return [
        PlanFact(r.id, r.reference, r.manager_id, r.status.value, r.next_review_date, r.planned_end_date) for r in rows
    ]


def control_facts(day: date) -> list[ControlFact]:
    """Active controls of open plans past their review date or not checked for 7 days."""
    rows = db.session.execute(
        select(
            InterimControl.id,
            InterimControl.plan_id,
            Plan.reference,
            InterimControl.responsible_id,
            InterimControl.review_by_date,
            InterimControl.last_checked_on,
            InterimControl.start_date,
            InterimControl.continued_until,
        )
        .join(Plan, Plan.id == InterimControl.plan_id)
        .where(
            InterimControl.status == ControlStatus.ACTIVE,
            Plan.status.in_(OPEN),
            or_(
                InterimControl.review_due_on() < day,
                func.coalesce(InterimControl.last_checked_on, InterimControl.start_date)
                <= day - timedelta(days=NOT_CHECKED_DAYS),
            ),
        )
    )
    return [ControlFact(*r) for r in rows]


def observation_facts(day: date) -> list[ObservationFact]:
    """Planned observed shifts up to tomorrow: tomorrow's and today's on active plans, earlier
    ones (passed without an outcome) on open plans."""
    rows = db.session.execute(
        select(
            Observation.id,
            Observation.plan_id,
            Plan.reference,
            Observation.observer_id,
            Plan.manager_id,
            Observation.scheduled_on,
            Observation.shift,
            Observation.row_version,
            Service.name,
        )
        .join(Plan, Plan.id == Observation.plan_id)
        .join(Service, Service.id == Plan.service_id)
        .where(
            Observation.status == ObservationStatus.PLANNED,
            Observation.scheduled_on <= day + timedelta(days=1),
            Plan.status.in_(OPEN),
            or_(Plan.status == PlanStatus.ACTIVE, Observation.scheduled_on < day),
        )
    )
    return [
        ObservationFact(
            r.id,
            r.plan_id,
            r.reference,
            r.observer_id,
            r.manager_id,
            r.scheduled_on,
            r.shift.value,
            r.row_version,
            r.name,
        )
        for r in rows
    ]


def _day(moment: datetime) -> date:
    return to_london(moment).date()


def acknowledgement_facts(day: date) -> list[AckFact]:
    """What staff members have not acknowledged: the current version of an open plan, each review
    of an open plan (not one a correction replaced), a closure within its acknowledgement period."""
    acked_version = (
        select(func.coalesce(func.max(Acknowledgement.plan_version), 0))
        .where(
            Acknowledgement.plan_id == Plan.id,
            Acknowledgement.subject == AckSubject.PLAN,
            Acknowledgement.user_id == Plan.staff_id,
        )
        .correlate(Plan)
        .scalar_subquery()
    )
    # Working days are counted by the staff member's nation's bank holidays.
    staff = aliased(User)
    versions = db.session.execute(
        select(
            Plan.id, Plan.reference, Plan.staff_id, Plan.manager_id, Plan.version, PlanVersion.created_at, staff.nation
        )
        .join(PlanVersion, and_(PlanVersion.plan_id == Plan.id, PlanVersion.version == Plan.version))
        .join(staff, staff.id == Plan.staff_id)
        .where(Plan.status.in_(OPEN), Plan.version > acked_version)
    )
    facts = [
        AckFact(
            "plan",
            r.id,
            r.id,
            r.reference,
            r.staff_id,
            r.manager_id,
            _day(r.created_at),
            r.version,
            nation=nation_code(r.nation),
        )
        for r in versions
    ]
    correction = aliased(Review)
    reviews = db.session.execute(
        select(
            Review.id,
            Review.plan_id,
            Plan.reference,
            Plan.staff_id,
            Plan.manager_id,
            Plan.version,
            Review.review_date,
            Review.created_at,
            staff.nation,
        )
        .join(Plan, Plan.id == Review.plan_id)
        .join(staff, staff.id == Plan.staff_id)
        .where(
            Plan.status.in_(OPEN),
            ~exists().where(Acknowledgement.review_id == Review.id, Acknowledgement.user_id == Plan.staff_id),
            # Within the plan (its index), not over every review: corrects_review_id has none.
            ~exists().where(correction.plan_id == Review.plan_id, correction.corrects_review_id == Review.id),
        )
    )
    facts += [
        AckFact(
            "review",
            r.id,
            r.plan_id,
            r.reference,
            r.staff_id,
            r.manager_id,
            _day(r.created_at),
            r.version,
            r.review_date,
            nation=nation_code(r.nation),
        )
        for r in reviews
    ]
    closures = db.session.execute(
        select(
            Closure.id,
            Closure.plan_id,
            Plan.reference,
            Plan.staff_id,
            Plan.manager_id,
            Plan.version,
            Closure.closed_at,
            Closure.ack_due_days,
            staff.nation,
        )
        .join(Plan, Plan.id == Closure.plan_id)
        .join(staff, staff.id == Plan.staff_id)
        .where(
            Plan.status == PlanStatus.CLOSED,
            Closure.outcome != ClosureOutcome.LEFT,  # a leaver is not asked (ClosureAckState.not_asked)
            Closure.closed_at >= datetime.combine(day - timedelta(days=CLOSURE_LOOKBACK_DAYS), datetime.min.time()),
            ~exists().where(
                Acknowledgement.plan_id == Plan.id,
                Acknowledgement.subject == AckSubject.CLOSURE,
                Acknowledgement.user_id == Plan.staff_id,
            ),
        )
    )
    facts += [
        AckFact(
            "closure",
            r.id,
            r.plan_id,
            r.reference,
            r.staff_id,
            r.manager_id,
            _day(r.closed_at),
            r.version,
            ends_on=_day(r.closed_at) + timedelta(days=r.ack_due_days),
            nation=nation_code(r.nation),
        )
        for r in closures
    ]
    return facts


def digest_recipients(ids: set[int]) -> list[int]:
    """Of these people, those a digest may go to: active accounts (administrators see no plans)."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User.id).where(User.id.in_(sorted(ids)), User.active.is_(True), User.role != Role.ADMIN)
        )
    )
