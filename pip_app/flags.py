"""Derived flags of DESIGN.md, computed from a plan and a date: pure functions, no database.

They read a plan's already-loaded attributes (status, dates, controls, observations, reviews,
acknowledgements, versions), so callers load those up front (selectinload) for lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

NOT_CHECKED_DAYS = 7
ACK_OUTSTANDING_DAYS = 3
OPEN = ("active", "paused")


@dataclass(frozen=True)
class Flag:
    """One thing that needs attention, with where on the plan page to act on it."""

    code: str
    message: str
    anchor: str
    severity: str = "alert"  # "alert" (overdue) or "warn" (needs a decision soon)


def _day(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def review_overdue(plan, today: date) -> bool:
    """The next weekly review date has passed on an active (not paused) plan."""
    return plan.status.value == "active" and plan.next_review_date is not None and plan.next_review_date < today


def past_end_date(plan, today: date) -> bool:
    """The planned end date has passed and the plan is still open."""
    return plan.status.value in OPEN and plan.planned_end_date < today


def control_review_passed(control, today: date) -> bool:
    """An active control whose review-by date has passed."""
    return control.status.value == "active" and control.review_by_date < today


def control_not_checked(control, today: date, days: int = NOT_CHECKED_DAYS) -> bool:
    """An active control with no check for `days` days (counted from its start if never checked)."""
    if control.status.value != "active":
        return False
    last = control.last_checked_on or control.start_date
    return (today - last).days >= days


def observation_overdue(observation, today: date) -> bool:
    """A planned observation whose date has passed without an outcome."""
    return observation.status.value == "planned" and observation.scheduled_on < today


def last_reviews(plan, count: int = 2) -> list:
    """The plan's last `count` reviews in date order; a correction replaces the review it corrects."""
    reviews = sorted(plan.reviews, key=lambda r: (r.review_date, r.id))
    corrected = {r.corrects_review_id for r in reviews if r.corrects_review_id}
    return [r for r in reviews if r.id not in corrected][-count:]


def struggling_actions(plan) -> list:
    """Actions marked at risk or not met in each of the last two reviews (escalate or redesign)."""
    last_two = last_reviews(plan, 2)
    if len(last_two) < 2:
        return []
    progress = [{e.action_id: e.progress.value for e in r.entries} for r in last_two]
    bad = {"at_risk", "not_met"}
    return [a for a in plan.actions
            if a.status.value not in ("assured",) and all(p.get(a.id) in bad for p in progress)]


def outstanding_acknowledgements(plan, today: date, days: int = ACK_OUTSTANDING_DAYS) -> list[str]:
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
            waiting.append(f"the review of {review.review_date.day} {review.review_date:%b %Y}")
    return waiting


def plan_flags(plan, today: date, ack_days: int = ACK_OUTSTANDING_DAYS) -> list[Flag]:
    """Every flag for one plan, most urgent first."""
    flags: list[Flag] = []
    if plan.status.value not in OPEN:
        return flags
    if review_overdue(plan, today):
        flags.append(Flag("review_overdue", f"Weekly review overdue since {_fmt(plan.next_review_date)}", "reviews-panel"))
    if past_end_date(plan, today):
        flags.append(Flag("past_end_date", f"Past its planned end date of {_fmt(plan.planned_end_date)}: close, extend or escalate", "reviews-panel"))
    for control in plan.controls:
        if control_review_passed(control, today):
            flags.append(Flag("control_review_passed", f"{control.kind.label}: review date {_fmt(control.review_by_date)} has passed", "controls-panel"))
        if control_not_checked(control, today):
            last = control.last_checked_on
            detail = f"last checked {_fmt(last)}" if last else "never checked"
            flags.append(Flag("control_not_checked", f"{control.kind.label}: not checked for 7 days ({detail})", "controls-panel"))
    overdue_observations = [o for o in plan.observations if observation_overdue(o, today)]
    if overdue_observations:
        n = len(overdue_observations)
        flags.append(Flag("observation_overdue", f"{n} observed shift{'s' if n != 1 else ''} passed without an outcome", "observations-panel"))
    for action in struggling_actions(plan):
        flags.append(Flag("action_struggling", f"{action.ref} at risk or not met in two reviews running: escalate or redesign the action", "actions-panel", "warn"))
    waiting = outstanding_acknowledgements(plan, today, ack_days)
    if waiting:
        flags.append(Flag("ack_outstanding", f"Not acknowledged for more than {ack_days} days: {', '.join(waiting)}", "acks-panel", "warn"))
    return flags


def _fmt(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else "—"
