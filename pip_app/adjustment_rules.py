"""Reasonable adjustments as rules over plain values (no Flask, no database).

- An adjustment is implemented only once agreed, and not before it was requested nor on a day
  still to come; "not reasonable" needs its reason; a review date comes after the request.
- The improvement period runs from when agreed adjustments are in place (Equality Act 2010
  s.15, s.20; a 2025 tribunal found warnings discriminatory where there was too little time
  after them): an agreed adjustment in place after the plan started proposes extending the
  plan by that delay, less what earlier proposals already added.
- Closing a plan with agreed adjustments in place asks whether the staff member had a reasonable
  time to improve after them: the question and the closure summary's answer give only the date
  they were in place and the days of the plan after it ("6 weeks after 3 Dec 2026").
- The closure summary shows adjustments only as a count ("2 agreed, in place from 3 Dec 2026"),
  unless a registered manager chose to include their detail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .formatting import format_date


@dataclass(frozen=True)
class AdjustmentFacts:
    """What the rules read of one adjustment."""

    requested_on: date
    decision: str  # AdjustmentDecision value: pending, agreed, not_reasonable
    decision_reason: str
    implemented_on: date | None
    review_on: date | None
    plan_extended_days: int | None = None


def adjustment_problems(facts: AdjustmentFacts, today: date) -> list[tuple[str, str]]:
    """Each rule the record breaks, as (form field, message)."""
    problems = []
    if facts.requested_on > today:
        problems.append(("requested_on", "The request cannot be dated after today."))
    if facts.decision == "not_reasonable" and not facts.decision_reason:
        problems.append(("decision_reason", "Say why the adjustment is not reasonable."))
    if facts.implemented_on is not None:
        if facts.decision != "agreed":
            problems.append(("implemented_on", "Only an agreed adjustment is implemented: record the decision first."))
        elif facts.implemented_on < facts.requested_on:
            problems.append(
                (
                    "implemented_on",
                    f"It cannot have been implemented before it was requested on {format_date(facts.requested_on)}.",
                )
            )
        elif facts.implemented_on > today:
            problems.append(("implemented_on", "It cannot have been implemented on a day still to come."))
    if facts.review_on is not None and facts.review_on < facts.requested_on:
        problems.append(("review_on", "The review date comes after the request."))
    return problems


def referral_problems(referred_on: date, report_received_on: date | None, today: date) -> list[tuple[str, str]]:
    """The referral's dates, as (form field, message)."""
    problems = []
    if referred_on > today:
        problems.append(("referred_on", "The referral cannot be dated after today."))
    if report_received_on is not None:
        if report_received_on < referred_on:
            problems.append(("report_received_on", "The report comes after the referral: check the dates."))
        elif report_received_on > today:
            problems.append(("report_received_on", "The report cannot have been received on a day still to come."))
    return problems


@dataclass(frozen=True)
class ExtensionProposal:
    """Extend the plan by the days agreed adjustments took to be in place."""

    in_place_on: date
    days: int
    current_end: date
    proposed_end: date


def extension_proposal(
    start: date, planned_end: date, adjustments: Iterable[AdjustmentFacts]
) -> ExtensionProposal | None:
    """The extension still owed for adjustments in place after the plan started, or None."""
    adjustments = list(adjustments)
    late = [
        a.implemented_on
        for a in adjustments
        if a.decision == "agreed" and a.implemented_on and a.implemented_on > start
    ]
    if not late:
        return None
    in_place_on = max(late)
    granted = max((a.plan_extended_days or 0 for a in adjustments), default=0)
    days = (in_place_on - start).days - granted
    if days <= 0:
        return None
    return ExtensionProposal(in_place_on, days, planned_end, planned_end + timedelta(days=days))


def considered_line(adjustments: Iterable[AdjustmentFacts]) -> str | None:
    """The one line the closure summary shows, e.g. "Reasonable adjustments considered: 2 agreed,
    in place from 3 Dec 2026"; None when there were none."""
    adjustments = list(adjustments)
    if not adjustments:
        return None
    agreed = [a for a in adjustments if a.decision == "agreed"]
    parts = [f"{len(agreed)} agreed"]
    declined = sum(a.decision == "not_reasonable" for a in adjustments)
    pending = sum(a.decision == "pending" for a in adjustments)
    if declined:
        parts.append(f"{declined} not reasonable")
    if pending:
        parts.append(f"{pending} not decided")
    line = "Reasonable adjustments considered: " + ", ".join(parts)
    if agreed:
        dates = [a.implemented_on for a in agreed]
        if all(dates):
            line += f", in place from {format_date(max(d for d in dates if d))}"
        else:
            line += ", not all in place yet"
    return line


def duration_text(days: int) -> str:
    """A span of days as people say it: "3 days", "1 week", "6 weeks and 2 days"."""
    if days < 7:
        return f"{days} day{'s' if days != 1 else ''}"
    weeks, rest = divmod(days, 7)
    text = f"{weeks} week{'s' if weeks != 1 else ''}"
    return text + (f" and {rest} day{'s' if rest != 1 else ''}" if rest else "")


@dataclass(frozen=True)
class TimeAfterAdjustments:
    """How long the plan ran with the agreed adjustments in place, to the closing day."""

    in_place_on: date  # the last agreed adjustment implemented
    days: int  # days of the plan from then (or from the start, if in place before it) to closing
    before_start: bool  # in place before the plan started: the whole plan ran after them

    @property
    def period(self) -> str:
        return duration_text(self.days)

    def describe(self) -> str:
        """E.g. "6 weeks after 3 Dec 2026" — dates and counts, never what the adjustments are."""
        if self.before_start:
            return f"{self.period}, the whole plan (in place from {format_date(self.in_place_on)}, before it started)"
        return f"{self.period} after {format_date(self.in_place_on)}"


def time_after_adjustments(
    start: date, closing_on: date, adjustments: Iterable[AdjustmentFacts]
) -> TimeAfterAdjustments | None:
    """The time the plan ran after its agreed adjustments were all in place; None when no agreed
    adjustment was implemented (then closing asks nothing about them)."""
    implemented = [a.implemented_on for a in adjustments if a.decision == "agreed" and a.implemented_on]
    if not implemented:
        return None
    in_place_on = max(implemented)
    return TimeAfterAdjustments(in_place_on, max((closing_on - max(in_place_on, start)).days, 0), in_place_on < start)


def reasonable_time_line(answer: bool, explanation: str, time_after: TimeAfterAdjustments) -> str:
    """The closure summary's line, e.g. "Reasonable time after adjustments: yes — 6 weeks after
    3 Dec 2026; <explanation>"."""
    return (
        f"Reasonable time after adjustments: {'yes' if answer else 'no'} \u2014 {time_after.describe()}; {explanation}"
    )
