"""What has become due on a day, and what is still waiting on each person: pure rules over plain
facts (the service reads the facts with a fixed number of statements, whatever the data size).

The conditions are the derived flags' own (pip_app/flags.py): review overdue, past its end date,
a control's flags, an observation passed without an outcome. Each reminder has an *occasion*
that changes only when the thing is due again (the review date, the end date, the day a control
lapsed), so a reminder goes once per occasion however often the command runs.

Acknowledgement reminders count UK working days (weekends and the bank holidays of England and
Wales; the staff member's nation once people have one): "day 2" is the second working day after
the request, so a plan issued on a Friday is chased on Tuesday, not on Sunday.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays

from ..flags import NOT_CHECKED, NOT_CHECKED_DAYS, REVIEW_PASSED, control_flags, review_due
from ..models import NotificationKind as Kind

STAFF_REMINDER_DAY = 2  # working days after the request: the staff member is reminded
MANAGER_REMINDER_DAY = 3  # … and then the manager is told
ACK_DUE_WORKING_DAYS = 3  # "please acknowledge by": the day the manager would be told
DIGEST_LIMIT = 40  # lines in one digest; the rest are counted ("and 12 more")
RETRY_CAP_SECONDS = 6 * 3600

# --- UK working days ---------------------------------------------------------------------------

# The bank-holiday calendar of each nation a person may be recorded in (models.Nation's stored
# values → the `holidays` package's GB subdivisions). The one mapping: callers use `nation_code`.
NATION_CODES = {"england": "ENG", "scotland": "SCT", "wales": "WLS", "northern_ireland": "NIR"}


def nation_code(nation: object) -> str:
    """The bank-holiday calendar for a recorded nation (a Nation or its value); not recorded: England's."""
    value = getattr(nation, "value", nation)
    return NATION_CODES.get(str(value), "ENG") if value is not None else "ENG"


@lru_cache(maxsize=64)
def _bank_holidays(year: int, nation: str) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv=nation, years=year))


def is_working_day(day: date, nation: str = "ENG") -> bool:
    """Monday to Friday and not a bank holiday of the nation (ENG, WLS, SCT, NIR)."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year, nation)


def working_days_after(start: date, end: date, nation: str = "ENG") -> int:
    """How many working days fall after `start`, up to and including `end` (0 if end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, nation)
    return count


def add_working_days(start: date, days: int, nation: str = "ENG") -> date:
    """The date `days` working days after `start`."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= is_working_day(day, nation)
    return day


def retry_delay_seconds(attempts: int, base_seconds: int) -> int:
    """How long to wait before attempt `attempts + 1`: base, then twice as long each time, capped at 6 hours."""
    return int(min(base_seconds * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS))


# --- Facts (read by services/reminders.py) and what they give ----------------------------------


@dataclass(frozen=True)
class PlanFact:
    id: int
    reference: str
    manager_id: int
    status: str  # "active" or "paused"
    next_review_date: date | None
    planned_end_date: date


@dataclass(frozen=True)
class ControlFact:
    id: int
    plan_id: int
    reference: str
    responsible_id: int
    review_by_date: date
    last_checked_on: date | None
    start_date: date
    continued_until: date | None = None  # reviewed and continued until (issue 18)

    @property
    def review_due(self) -> date:
        return review_due(self.review_by_date, self.continued_until)


@dataclass(frozen=True)
class ObservationFact:
    id: int
    plan_id: int
    reference: str
    observer_id: int
    manager_id: int
    scheduled_on: date
    shift: str
    sequence: int
    location: str


@dataclass(frozen=True)
class AckFact:
    """Something the staff member has been asked to acknowledge and has not."""

    what: str  # "plan" (a version), "review" or "closure"
    subject_id: int  # the plan, the review or the closure
    plan_id: int
    reference: str
    staff_id: int
    manager_id: int
    requested_on: date
    version: int
    review_date: date | None = None
    ends_on: date | None = None  # a closure's acknowledgement period ends
    nation: str = "ENG"  # the staff member's bank holidays (nation_code), for the working days


@dataclass(frozen=True)
class DecisionFact:
    """Something waiting for a second person (issues 18 and 20): a request to approve, an
    escalation to decide, a disagreement to discuss, an appeal to hear; and whom it waits on."""

    kind: Kind  # APPROVAL_REQUESTED, ESCALATION, DISAGREEMENT or APPEAL_TO_HEAR: its digest line
    plan_id: int
    reference: str
    waits_on: tuple[int, ...]
    since: date
    details: dict[str, Any] = field(default_factory=dict)


def decisions_waiting(facts: Iterable[DecisionFact]) -> list[Waiting]:
    """A line in the digest of each person a decision waits on, every day until it is made."""
    return [
        Waiting(person, fact.kind, fact.plan_id, fact.reference, fact.details, fact.since)
        for fact in facts
        for person in fact.waits_on
    ]


@dataclass(frozen=True)
class Due:
    """A row for the outbox."""

    recipient_id: int
    kind: Kind
    subject_type: str
    subject_id: int
    occasion: str
    plan_id: int | None
    reference: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Waiting:
    """One line of someone's digest: something that waits on them."""

    recipient_id: int
    kind: Kind
    plan_id: int
    reference: str
    details: dict[str, Any]
    on: date  # sorts the digest: the oldest first


@dataclass
class Found:
    due: list[Due] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)

    def add(self, other: Found) -> Found:
        self.due += other.due
        self.waiting += other.waiting
        return self


def _iso(day: date) -> str:
    return day.isoformat()


def plan_reminders(plans: Iterable[PlanFact], day: date) -> Found:
    """Review due tomorrow and overdue; past the planned end date (the plan's manager)."""
    found = Found()
    for plan in plans:
        if plan.status == "active" and plan.next_review_date is not None:
            details = {"date": _iso(plan.next_review_date)}
            if plan.next_review_date == day + timedelta(days=1):
                found.due.append(
                    Due(
                        plan.manager_id,
                        Kind.REVIEW_DUE,
                        "plan",
                        plan.id,
                        details["date"],
                        plan.id,
                        plan.reference,
                        details,
                    )
                )
            if plan.next_review_date < day:  # flags.review_overdue
                found.due.append(
                    Due(
                        plan.manager_id,
                        Kind.REVIEW_OVERDUE,
                        "plan",
                        plan.id,
                        details["date"],
                        plan.id,
                        plan.reference,
                        details,
                    )
                )
            if plan.next_review_date <= day + timedelta(days=1):
                kind = Kind.REVIEW_OVERDUE if plan.next_review_date < day else Kind.REVIEW_DUE
                line = details | {"due": "today"} if plan.next_review_date == day else details
                found.waiting.append(
                    Waiting(plan.manager_id, kind, plan.id, plan.reference, line, plan.next_review_date)
                )
        if plan.planned_end_date < day:  # flags.past_end_date (the facts are open plans only)
            details = {"date": _iso(plan.planned_end_date)}
            found.due.append(
                Due(
                    plan.manager_id,
                    Kind.PAST_END_DATE,
                    "plan",
                    plan.id,
                    details["date"],
                    plan.id,
                    plan.reference,
                    details,
                )
            )
            found.waiting.append(
                Waiting(plan.manager_id, Kind.PAST_END_DATE, plan.id, plan.reference, details, plan.planned_end_date)
            )
    return found


def control_lapsed_on(control: ControlFact) -> date:
    """The day a control became "not checked for 7 days" (a new check starts a new lapse)."""
    return (control.last_checked_on or control.start_date) + timedelta(days=NOT_CHECKED_DAYS)


def control_reminders(controls: Iterable[ControlFact], day: date) -> Found:
    """An active control's review date passed, or no check for 7 days (its responsible person)."""
    found = Found()
    for control in controls:
        flags = control_flags("active", control.review_due, control.last_checked_on, control.start_date, None, day)
        for flag, kind, since in (
            (REVIEW_PASSED, Kind.CONTROL_REVIEW_PASSED, control.review_due),
            (NOT_CHECKED, Kind.CONTROL_NOT_CHECKED, control_lapsed_on(control)),
        ):
            if flag not in flags:
                continue
            details = {"date": _iso(since), "control_id": control.id}
            found.due.append(
                Due(
                    control.responsible_id,
                    kind,
                    "control",
                    control.id,
                    _iso(since),
                    control.plan_id,
                    control.reference,
                    details,
                )
            )
            found.waiting.append(
                Waiting(control.responsible_id, kind, control.plan_id, control.reference, details, since)
            )
    return found


def observation_details(observation: ObservationFact) -> dict[str, Any]:
    """What an observed shift's email and invitation are made from."""
    return {
        "date": _iso(observation.scheduled_on),
        "shift": observation.shift,
        "sequence": observation.sequence,
        "location": observation.location,
        "observation_id": observation.id,
    }


def observation_reminders(observations: Iterable[ObservationFact], day: date) -> Found:
    """Observed shift tomorrow (its observer, with the invitation); passed without an outcome
    (the plan's manager, flags.observation_overdue); today's listed in the observer's digest."""
    found = Found()
    for obs in observations:
        details = observation_details(obs)
        if obs.scheduled_on == day + timedelta(days=1):
            found.due.append(
                Due(
                    obs.observer_id,
                    Kind.OBSERVATION_TOMORROW,
                    "observation",
                    obs.id,
                    details["date"],
                    obs.plan_id,
                    obs.reference,
                    details,
                )
            )
        if day <= obs.scheduled_on <= day + timedelta(days=1):
            found.waiting.append(
                Waiting(
                    obs.observer_id, Kind.OBSERVATION_TOMORROW, obs.plan_id, obs.reference, details, obs.scheduled_on
                )
            )
        if obs.scheduled_on < day:
            found.due.append(
                Due(
                    obs.manager_id,
                    Kind.OBSERVATION_OVERDUE,
                    "observation",
                    obs.id,
                    details["date"],
                    obs.plan_id,
                    obs.reference,
                    details,
                )
            )
            found.waiting.append(
                Waiting(obs.manager_id, Kind.OBSERVATION_OVERDUE, obs.plan_id, obs.reference, details, obs.scheduled_on)
            )
    return found


def ack_details(ack: AckFact, by: date | None = None) -> dict[str, Any]:
    """What an acknowledgement email is made from: what to acknowledge, and by when."""
    details: dict[str, Any] = {"what": ack.what, "version": ack.version, "requested_on": _iso(ack.requested_on)}
    if ack.review_date is not None:
        details["review_date"] = _iso(ack.review_date)
        details["review_id"] = ack.subject_id
    due_by = by or ack.ends_on or add_working_days(ack.requested_on, ACK_DUE_WORKING_DAYS, ack.nation)
    details["by"] = _iso(due_by)
    return details


def acknowledgement_reminders(acks: Iterable[AckFact], day: date) -> Found:
    """Outstanding on working day 2: the staff member is reminded; on day 3: the manager is told.
    Every outstanding acknowledgement is listed in the staff member's digest (and, from day 3,
    the manager's)."""
    found = Found()
    for ack in acks:
        if ack.ends_on is not None and day > ack.ends_on:
            continue  # a closure's acknowledgement period has ended: the closure stands
        details = ack_details(ack)
        subject_type = "plan" if ack.what == "plan" else ack.what
        # A plan is acknowledged per version: each version is an occasion of its own.
        prefix = f"v{ack.version}-" if ack.what == "plan" else ""
        elapsed = working_days_after(ack.requested_on, day, ack.nation)
        found.waiting.append(
            Waiting(ack.staff_id, Kind.ACK_REMINDER, ack.plan_id, ack.reference, details, ack.requested_on)
        )
        if elapsed >= STAFF_REMINDER_DAY:
            found.due.append(
                Due(
                    ack.staff_id,
                    Kind.ACK_REMINDER,
                    subject_type,
                    ack.subject_id,
                    prefix + "day2",
                    ack.plan_id,
                    ack.reference,
                    details,
                )
            )
        if elapsed >= MANAGER_REMINDER_DAY:
            found.due.append(
                Due(
                    ack.manager_id,
                    Kind.ACK_OUTSTANDING,
                    subject_type,
                    ack.subject_id,
                    prefix + "day3",
                    ack.plan_id,
                    ack.reference,
                    details,
                )
            )
            found.waiting.append(
                Waiting(ack.manager_id, Kind.ACK_OUTSTANDING, ack.plan_id, ack.reference, details, ack.requested_on)
            )
    return found


def digests(waiting: Iterable[Waiting], day: date, recipients: Iterable[int]) -> list[Due]:
    """One digest per person (of `recipients`) with anything waiting: the oldest first, at most
    DIGEST_LIMIT lines and a count of the rest."""
    allowed = set(recipients)
    by_person: dict[int, list[Waiting]] = {}
    for item in waiting:
        if item.recipient_id in allowed:
            by_person.setdefault(item.recipient_id, []).append(item)
    result = []
    for person, items in sorted(by_person.items()):
        items.sort(key=lambda w: (w.on, w.reference, w.kind.value))
        lines = [
            {"kind": w.kind.value, "reference": w.reference, "plan_id": w.plan_id, "details": w.details}
            for w in items[:DIGEST_LIMIT]
        ]
        details = {"date": _iso(day), "items": lines, "more": max(len(items) - DIGEST_LIMIT, 0)}
        result.append(Due(person, Kind.DIGEST, "user", person, _iso(day), None, "", details))
    return result
