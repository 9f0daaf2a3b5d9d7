"""Derived flags of DESIGN.md, computed from a plan and a date: pure functions, no database.

They read a plan's already-loaded attributes (status, dates, controls, observations, reviews,
acknowledgements, versions, meetings, approvals, escalations; and, for the regulatory flag, the
closure's outcome, the staff member's nation and register and the regulatory decisions, read only
when the plan's stage, its closure or a control in force call for them), so callers load those up front
(selectinload) for lists.

The control flags are defined once, in `control_flags`, over plain values; the register's SQL
twin (register/queries.flag_conditions) reads its codes and thresholds from here, and a test
holds the two equal on every control.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any

from .formatting import format_date
from .lifecycle import current_reviews
from .regulatory_rules import outstanding, triggered

NOT_CHECKED_DAYS = 7
ACK_OUTSTANDING_DAYS = 3
OPEN = ("active", "paused")

# The control flags, in display order.
REVIEW_PASSED = "review_passed"
NOT_CHECKED = "not_checked"
PLAN_CLOSED = "plan_closed"

# A plan's flag that is also kept on its own (PlanAttention.regulatory_needed).
REGULATORY_NEEDED = "regulatory_needed"
# What the staff member has not acknowledged in time: its facts carry the days allowed (`number`).
ACK_OUTSTANDING = "ack_outstanding"


@dataclass(frozen=True)
class Flag:
    """One thing that needs attention, with where on the plan page to act on it."""

    code: str
    message: str
    anchor: str
    severity: str = "alert"  # "alert" (overdue) or "warn" (needs a decision soon)


def _day(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def review_overdue(plan: Any, today: date) -> bool:
    """The next weekly review date has passed on an active (not paused) plan."""
    return plan.status.value == "active" and plan.next_review_date is not None and plan.next_review_date < today


def past_end_date(plan: Any, today: date) -> bool:
    """The planned end date has passed and the plan is still open."""
    return plan.status.value in OPEN and plan.planned_end_date < today


def _value(status: Any) -> str | None:
    """A status's stored value, whether given as the enum (or anything with .value) or the string."""
    return status if status is None or isinstance(status, str) else str(status.value)


def control_flags(
    control_status: Any,
    review_by_date: date,
    last_checked_on: date | None,
    start_date: date,
    plan_status: Any,
    today: date,
    days: int = NOT_CHECKED_DAYS,
) -> list[str]:
    """The flags of one control, in display order; only a control in force is flagged.

    Its review-by date has passed; it has not been checked for `days` days (counted from its
    start if it was never checked); its plan closed while it was still in force (not judged
    when `plan_status` is None)."""
    if _value(control_status) != "active":
        return []
    flags = []
    if review_by_date < today:
        flags.append(REVIEW_PASSED)
    if (today - (last_checked_on or start_date)).days >= days:
        flags.append(NOT_CHECKED)
    if _value(plan_status) == "closed":
        flags.append(PLAN_CLOSED)
    return flags


def review_due(review_by_date: date, continued_until: date | None) -> date:
    """When a control's review is due: its review-by date (part of the issued plan), or the later
    day the responsible senior decided it continues until (issue 18). The one rule; its SQL twin
    is InterimControl.review_due_on, and a test holds the two equal."""
    return continued_until if continued_until is not None and continued_until > review_by_date else review_by_date


def _own_flags(control: Any, today: date, days: int = NOT_CHECKED_DAYS) -> list[str]:
    """control_flags for a loaded control, without its plan's status (the caller has the plan)."""
    due = review_due(control.review_by_date, control.continued_until)
    return control_flags(control.status, due, control.last_checked_on, control.start_date, None, today, days)


def control_review_passed(control: Any, today: date) -> bool:
    """An active control whose review-by date has passed."""
    return REVIEW_PASSED in _own_flags(control, today)


def control_not_checked(control: Any, today: date, days: int = NOT_CHECKED_DAYS) -> bool:
    """An active control with no check for `days` days (counted from its start if never checked)."""
    return NOT_CHECKED in _own_flags(control, today, days)


def observation_overdue(observation: Any, today: date) -> bool:
    """A planned observation whose date has passed without an outcome."""
    return bool(observation.status.value == "planned" and observation.scheduled_on < today)


def minutes_overdue(plan: Any, today: date) -> list[Any]:
    """The plan's meetings held whose minutes are still not shared, 5 working days on
    (meeting_rules.minutes_late). Minutes shared late are no longer something to act on: the
    meetings panel keeps showing that they were late."""
    # Imported here: meeting_rules counts working days with notifications.due, which reads this module.
    from .meeting_rules import minutes_late

    return [
        m
        for m in plan.meetings
        if m.minutes_shared_on is None
        and m.held_on <= today
        and minutes_late(m.held_on, None, today, plan.staff_nation)
    ]


def last_reviews(plan: Any, count: int = 2) -> list[Any]:
    """The plan's last `count` reviews in date order; a correction replaces the review it corrects."""
    return current_reviews(plan.reviews)[-count:]


def struggling_actions(plan: Any) -> list[Any]:
    """Actions marked at risk or not met in each of the last two reviews (escalate or redesign)."""
    last_two = last_reviews(plan, 2)
    if len(last_two) < 2:
        return []
    progress = [{e.action_id: e.progress.value for e in r.entries} for r in last_two]
    bad = {"at_risk", "not_met"}
    return [
        a
        for a in plan.actions
        if a.status.value not in ("assured", "withdrawn") and all(p.get(a.id) in bad for p in progress)
    ]


# A fact that flags whatever the day: a decision waiting, a disagreement not yet answered.
ALREADY = date.min
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class FlagFact:
    """One reason a plan needs attention, from a day on: what the flag's message names (`words`,
    `day`, `number`), and `from_day`, the first day it flags. Nothing in it depends on today, so
    a plan's facts stay true until the plan changes: they are kept between requests
    (`services.attention`), and `plan_flags` on any day is `flags_on(flag_facts(plan), day)`."""

    code: str
    from_day: date
    words: str = ""  # a control's kind, an action's reference, what was not acknowledged ...
    day: date | None = None  # the date the message gives
    number: int = 0  # a count, a disagreement's id (its anchor), the days allowed to acknowledge

    def as_json(self) -> list[Any]:
        return [self.code, self.from_day.isoformat(), self.words, self.day and self.day.isoformat(), self.number]

    @classmethod
    def from_json(cls, value: list[Any]) -> FlagFact:
        code, from_day, words, day, number = value
        return cls(code, date.fromisoformat(from_day), words, day and date.fromisoformat(day), number)


def flag_facts(plan: Any, ack_days: int = ACK_OUTSTANDING_DAYS) -> list[FlagFact]:
    """Every reason the plan needs attention now or will on a later day unless it changes, in the
    order its flags are shown (most urgent first)."""
    status = plan.status.value
    if status == "draft":
        return _decision_facts(plan)
    if status not in OPEN:
        # A closure's disagreement is answered after closing too, and regulatory decisions are
        # what a closure "not achieved" or "left" (or a formal stage) calls for.
        return _regulatory_facts(plan) + _disagreement_facts(plan)
    facts = _regulatory_facts(plan) + _decision_facts(plan)
    if status == "active" and plan.next_review_date is not None:  # review_overdue
        facts.append(FlagFact("review_overdue", plan.next_review_date + _DAY, day=plan.next_review_date))
    facts.append(FlagFact("past_end_date", plan.planned_end_date + _DAY, day=plan.planned_end_date))
    for control in plan.controls:
        if _value(control.status) != "active":
            continue
        due = review_due(control.review_by_date, control.continued_until)
        facts.append(FlagFact("control_review_passed", due + _DAY, control.kind.label, due))  # control_flags
        unchecked_from = (control.last_checked_on or control.start_date) + timedelta(days=NOT_CHECKED_DAYS)
        facts.append(FlagFact("control_not_checked", unchecked_from, control.kind.label, control.last_checked_on))
    facts += [
        FlagFact("observation_overdue", o.scheduled_on + _DAY)  # observation_overdue
        for o in plan.observations
        if o.status.value == "planned"
    ]
    facts += [
        FlagFact("minutes_late", _minutes_due_by(m.held_on, plan.staff_nation) + _DAY, day=m.held_on)
        for m in plan.meetings
        if m.minutes_shared_on is None
    ]
    facts += [FlagFact("action_struggling", ALREADY, action.ref) for action in struggling_actions(plan)]
    facts += _acknowledgement_facts(plan, ack_days)
    return facts + _disagreement_facts(plan)


def _minutes_due_by(held_on: date, nation: Any) -> date:
    # Imported here: meeting_rules counts working days with notifications.due, which reads this module.
    from .meeting_rules import minutes_due_by

    return minutes_due_by(held_on, nation)


def _acknowledgement_facts(plan: Any, ack_days: int) -> list[FlagFact]:
    """What the staff member has not acknowledged, each from the day it is more than `ack_days`
    days old (outstanding_acknowledgements)."""
    acks = [a for a in plan.acknowledgements if a.user_id == plan.staff_id]
    late = timedelta(days=ack_days + 1)
    facts = []
    acked_version = max((a.plan_version for a in acks if a.subject.value == "plan"), default=0)
    issued = {v.version: v.created_at for v in plan.versions}
    if plan.version > acked_version and plan.version in issued:
        words = f"version {plan.version} of the plan"
        facts.append(FlagFact(ACK_OUTSTANDING, _day(issued[plan.version]) + late, words, number=ack_days))
    acked_reviews = {a.review_id for a in acks if a.subject.value == "review"}
    for review in plan.reviews:
        if review.id not in acked_reviews:
            words = f"the review of {format_date(review.review_date)}"
            facts.append(FlagFact(ACK_OUTSTANDING, _day(review.created_at) + late, words, number=ack_days))
    return facts


def _decision_facts(plan: Any) -> list[FlagFact]:
    """Decisions waiting for a second person (issue 18): a request for approval (a draft before
    issue, a closure), and each escalation without a decision."""
    facts = [
        FlagFact(
            "approval_pending",
            ALREADY,
            "Submitted for approval" if _value(request.kind) == "issue" else "Closure proposed",
            _day(request.requested_at),
        )
        for request in plan.approvals
        if _value(request.status) == "pending"
    ]
    facts += [
        FlagFact("escalation_open", ALREADY, day=_day(escalation.raised_at))
        for escalation in plan.escalations
        if escalation.decision is None
    ]
    return facts


def _regulatory_facts(plan: Any) -> list[FlagFact]:
    """Regulatory decisions still to record (issue 20): the plan moved to a formal stage, closed
    "not achieved" or because the staff member left, or has restricted duties or removal from
    regulated activity in force (regulatory_rules.triggered), and a referral that applies to the
    staff member has no recorded decision. What the trigger does not need is not read: the closure
    only of a closed plan, the staff member and the decisions only once triggered."""
    status = _value(plan.status)
    outcome = plan.closure_outcome if status == "closed" else None
    kinds = [c.kind for c in plan.controls if _value(c.status) == "active"]
    if status == "draft" or not triggered(outcome, kinds, stage=plan.stage):
        return []
    answered = [d.question for d in plan.regulatory_decisions]
    left = outstanding(outcome, kinds, plan.staff_nation, plan.staff_register, answered, stage=plan.stage)
    return [FlagFact(REGULATORY_NEEDED, ALREADY, number=len(left))] if left else []


def _disagreement_facts(plan: Any) -> list[FlagFact]:
    """Each disagreement waiting for its response (the manager records the discussion)."""
    return [
        FlagFact("disagreement_unanswered", ALREADY, disagreement_subject(a, plan), _day(a.acknowledged_at), a.id)
        for a in unanswered_disagreements(plan)
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _one_flag(code: str, facts: list[FlagFact]) -> list[Flag]:
    """The flags of a run of facts of one code that are due: one each, or (observations, minutes,
    acknowledgements) one for them all."""
    first = facts[0]
    if code == "observation_overdue":
        return [Flag(code, f"{_plural(len(facts), 'observed shift')} passed without an outcome", "observations-panel")]
    if code == "minutes_late":
        held = format_date(first.day)
        message = (
            f"Minutes of the meeting of {held} not shared within 5 working days"
            if len(facts) == 1
            else f"Minutes of {len(facts)} meetings not shared within 5 working days (the first {held})"
        )
        return [Flag(code, message, "meetings")]
    if code == ACK_OUTSTANDING:
        waiting = ", ".join(f.words for f in facts)
        return [Flag(code, f"Not acknowledged for more than {first.number} days: {waiting}", "acks-panel", "warn")]
    return [_FLAG[code](f) for f in facts]


_FLAG = {
    REGULATORY_NEEDED: lambda f: Flag(
        REGULATORY_NEEDED,
        f"Regulatory decisions needed: {_plural(f.number, 'referral decision')} not yet recorded",
        "regulatory",
    ),
    "approval_pending": lambda f: Flag(
        "approval_pending", f"{f.words} on {format_date(f.day)}: waiting for a decision", "decisions", "warn"
    ),
    "escalation_open": lambda f: Flag(
        "escalation_open",
        f"Escalated on {format_date(f.day)}: waiting for a registered manager's decision",
        "decisions",
    ),
    "review_overdue": lambda f: Flag(
        "review_overdue", f"Weekly review overdue since {format_date(f.day)}", "reviews-panel"
    ),
    "past_end_date": lambda f: Flag(
        "past_end_date",
        f"Past its planned end date of {format_date(f.day)}: close, extend or escalate",
        "reviews-panel",
    ),
    "control_review_passed": lambda f: Flag(
        "control_review_passed", f"{f.words}: review date {format_date(f.day)} has passed", "controls-panel"
    ),
    "control_not_checked": lambda f: Flag(
        "control_not_checked",
        f"{f.words}: not checked for {NOT_CHECKED_DAYS} days "
        f"({f'last checked {format_date(f.day)}' if f.day else 'never checked'})",
        "controls-panel",
    ),
    "action_struggling": lambda f: Flag(
        "action_struggling",
        f"{f.words} at risk or not met in two reviews running: escalate or redesign the action",
        "actions-panel",
        "warn",
    ),
    "disagreement_unanswered": lambda f: Flag(
        "disagreement_unanswered",
        f"Disagreement with {f.words} ({format_date(f.day)}) not yet answered",
        f"disagreement-{f.number}",
        "warn",
    ),
}


def flags_on(facts: list[FlagFact], today: date) -> list[Flag]:
    """The flags `facts` raise on `today`, in their order."""
    due = [fact for fact in facts if fact.from_day <= today]
    return [flag for code, run in groupby(due, key=lambda f: f.code) for flag in _one_flag(code, list(run))]


def attention_from(facts: list[FlagFact]) -> date | None:
    """The first day the plan has a flag (None: not unless it changes)."""
    return min((fact.from_day for fact in facts), default=None)


def plan_flags(plan: Any, today: date, ack_days: int = ACK_OUTSTANDING_DAYS) -> list[Flag]:
    """Every flag for one plan, most urgent first."""
    return flags_on(flag_facts(plan, ack_days), today)


def unanswered_disagreements(plan: Any) -> list[Any]:
    """The staff member's disagreements that nobody has answered yet (issue 18), oldest first."""
    return sorted(
        (a for a in plan.acknowledgements if _value(a.response) == "disagree" and not a.answered),
        key=lambda a: a.acknowledged_at,
    )


def disagreement_subject(ack: Any, plan: Any) -> str:
    """What a disagreement was with, in words: "version 2 of the plan", "the weekly review of 23 Nov 2026"."""
    subject = _value(ack.subject)
    if subject == "plan":
        return f"version {ack.plan_version} of the plan"
    if subject == "review":
        review = next((r for r in plan.reviews if r.id == ack.review_id), None)
        return f"the weekly review of {format_date(review.review_date)}" if review else "a weekly review"
    return "the closure"
