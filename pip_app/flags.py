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
from datetime import date, datetime
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


def outstanding_acknowledgements(plan: Any, today: date, days: int = ACK_OUTSTANDING_DAYS) -> list[str]:
    """What the staff member has not acknowledged for more than `days` days."""
    if plan.status.value == "draft":
        return []
    acks = [a for a in plan.acknowledgements if a.user_id == plan.staff_id]
    waiting = []
    acked_version = max((a.plan_version for a in acks if a.subject.value == "plan"), default=0)
    issued = {v.version: v.created_at for v in plan.versions}
    if plan.version > acked_version and plan.version in issued and (today - _day(issued[plan.version])).days > days:
        waiting.append(f"version {plan.version} of the plan")
    acked_reviews = {a.review_id for a in acks if a.subject.value == "review"}
    for review in plan.reviews:
        if review.id not in acked_reviews and (today - _day(review.created_at)).days > days:
            waiting.append(f"the review of {format_date(review.review_date)}")
    return waiting


def decision_flags(plan: Any) -> list[Flag]:
    """Decisions waiting for a second person (issue 18): a request for approval (a draft before
    issue, a closure), and each escalation without a decision."""
    flags = []
    for request in plan.approvals:
        if _value(request.status) == "pending":
            what = "Submitted for approval" if _value(request.kind) == "issue" else "Closure proposed"
            flags.append(
                Flag(
                    "approval_pending",
                    f"{what} on {format_date(_day(request.requested_at))}: waiting for a decision",
                    "decisions",
                    "warn",
                )
            )
    for escalation in plan.escalations:
        if escalation.decision is None:
            flags.append(
                Flag(
                    "escalation_open",
                    f"Escalated on {format_date(_day(escalation.raised_at))}: waiting for a registered manager's decision",
                    "decisions",
                )
            )
    return flags


def regulatory_flags(plan: Any) -> list[Flag]:
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
    if not left:
        return []
    n = len(left)
    return [
        Flag(
            "regulatory_needed",
            f"Regulatory decisions needed: {n} referral decision{'s' if n != 1 else ''} not yet recorded",
            "regulatory",
        )
    ]


def plan_flags(plan: Any, today: date, ack_days: int = ACK_OUTSTANDING_DAYS) -> list[Flag]:
    """Every flag for one plan, most urgent first."""
    if plan.status.value == "draft":
        return decision_flags(plan)
    flags: list[Flag] = []
    if plan.status.value not in OPEN:
        # A closure's disagreement is answered after closing too, and regulatory decisions are
        # what a closure "not achieved" or "left" (or a formal stage) calls for.
        return regulatory_flags(plan) + disagreement_flags(plan)
    flags += regulatory_flags(plan)
    flags += decision_flags(plan)
    if review_overdue(plan, today):
        flags.append(
            Flag("review_overdue", f"Weekly review overdue since {format_date(plan.next_review_date)}", "reviews-panel")
        )
    if past_end_date(plan, today):
        flags.append(
            Flag(
                "past_end_date",
                f"Past its planned end date of {format_date(plan.planned_end_date)}: close, extend or escalate",
                "reviews-panel",
            )
        )
    for control in plan.controls:
        if control_review_passed(control, today):
            flags.append(
                Flag(
                    "control_review_passed",
                    f"{control.kind.label}: review date "
                    f"{format_date(review_due(control.review_by_date, control.continued_until))} has passed",
                    "controls-panel",
                )
            )
        if control_not_checked(control, today):
            last = control.last_checked_on
            detail = f"last checked {format_date(last)}" if last else "never checked"
            flags.append(
                Flag(
                    "control_not_checked",
                    f"{control.kind.label}: not checked for {NOT_CHECKED_DAYS} days ({detail})",
                    "controls-panel",
                )
            )
    overdue_observations = [o for o in plan.observations if observation_overdue(o, today)]
    if overdue_observations:
        n = len(overdue_observations)
        flags.append(
            Flag(
                "observation_overdue",
                f"{n} observed shift{'s' if n != 1 else ''} passed without an outcome",
                "observations-panel",
            )
        )
    late_minutes = minutes_overdue(plan, today)
    if late_minutes:
        first = late_minutes[0].held_on
        message = (
            f"Minutes of the meeting of {format_date(first)} not shared within 5 working days"
            if len(late_minutes) == 1
            else f"Minutes of {len(late_minutes)} meetings not shared within 5 working days (the first {format_date(first)})"
        )
        flags.append(Flag("minutes_late", message, "meetings"))
    for action in struggling_actions(plan):
        flags.append(
            Flag(
                "action_struggling",
                f"{action.ref} at risk or not met in two reviews running: escalate or redesign the action",
                "actions-panel",
                "warn",
            )
        )
    waiting = outstanding_acknowledgements(plan, today, ack_days)
    if waiting:
        flags.append(
            Flag(
                "ack_outstanding",
                f"Not acknowledged for more than {ack_days} days: {', '.join(waiting)}",
                "acks-panel",
                "warn",
            )
        )
    flags += disagreement_flags(plan)
    return flags


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


def disagreement_flags(plan: Any) -> list[Flag]:
    """A flag for each disagreement waiting for its response (the manager records the discussion)."""
    return [
        Flag(
            "disagreement_unanswered",
            f"Disagreement with {disagreement_subject(a, plan)} ({format_date(_day(a.acknowledged_at))}) "
            "not yet answered",
            f"disagreement-{a.id}",
            "warn",
        )
        for a in unanswered_disagreements(plan)
    ]
