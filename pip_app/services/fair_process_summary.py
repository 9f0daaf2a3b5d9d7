"""The fair-process part of a closure summary (fair_summaries.FairProcessSummary) from the
plan's meetings, support and adjustments; the adjustments as their one counted line, each one
listed only where a registered manager chose to include the detail (never the occupational-health
referrals), and the closing manager's answer on a reasonable time after them."""

from __future__ import annotations

from ..adjustment_rules import TimeAfterAdjustments, considered_line, reasonable_time_line
from ..fair_summaries import AdjustmentRow, FairProcessSummary, MeetingRow, SupportRow
from ..formatting import format_date
from ..models import Adjustment, AdjustmentDecision, Meeting, Plan
from .adjustments import facts_of, plan_adjustments, plan_disclosure
from .factors import plan_factors
from .meetings import plan_meetings
from .support import plan_support


def _minutes(meeting: Meeting) -> str:
    if meeting.minutes_shared_on is None:
        return "Not shared"
    said = f"Shared {format_date(meeting.minutes_shared_on)}"
    if meeting.minutes_response is None:
        return said + "; not answered"
    answer = "agreed" if meeting.minutes_response.value == "agree" else "disagreed"
    return said + f"; {answer}" + (f": “{meeting.minutes_comment}”" if meeting.minutes_comment else "")


def _reasonable_time(plan: Plan) -> str | None:
    """The answer kept with the closure, where agreed adjustments were in place."""
    closure = plan.closure
    if closure is None or closure.adjustments_in_place_on is None or closure.reasonable_time_after_adjustments is None:
        return None
    in_place = closure.adjustments_in_place_on
    time_after = TimeAfterAdjustments(in_place, closure.days_after_adjustments or 0, in_place < plan.start_date)
    answer = closure.reasonable_time_after_adjustments
    return reasonable_time_line(answer, closure.reasonable_time_explanation or "", time_after)


def _adjustment_row(adjustment: Adjustment) -> AdjustmentRow:
    """What a registered manager's choice prints of one adjustment: what, the decision, when in place."""
    decision = adjustment.decision.label
    if adjustment.decision is AdjustmentDecision.AGREED and adjustment.implemented_on is None:
        decision += ", not in place yet"
    return AdjustmentRow(adjustment.request, decision, adjustment.implemented_on)


# The contributing factors the closure summary prints, in order: the health need is restricted
# detail and never printed.
FACTOR_HEADINGS = (
    ("staff_account", "What the staff member said was getting in the way"),
    ("workload_rota", "Workload and rota"),
    ("induction", "Induction and Care Certificate"),
    ("language_literacy", "Language or literacy"),
    ("caring", "Caring responsibilities"),
    ("systems", "Systems and process problems"),
    ("none_identified_reason", "None identified, because"),
)


def fair_process_summary(plan: Plan) -> FairProcessSummary:
    """What the closure summary shows of the fair process (a few statements, whatever the plan's size)."""
    meetings = sorted(plan_meetings(plan), key=lambda m: (m.held_on, m.id))
    factors = plan_factors(plan.id)
    answered = [
        (heading, getattr(factors, name)) for name, heading in FACTOR_HEADINGS if factors and getattr(factors, name)
    ]
    adjustments = plan_adjustments(plan.id)
    disclosure = plan_disclosure(plan.id) if adjustments else None
    detail = disclosure is not None and disclosure.include_detail
    return FairProcessSummary(
        reasonable_time_line=_reasonable_time(plan),
        adjustments=[_adjustment_row(a) for a in adjustments] if detail else [],
        detail_chosen_by=disclosure.chosen_by.name if disclosure is not None and detail else "",
        factors=answered,
        meetings=[
            MeetingRow(
                held_on=m.held_on,
                kind=m.kind.label,
                attended=", ".join(
                    [u.name for u in m.attendees] + [n.strip() for n in m.other_attendees.splitlines() if n.strip()]
                ),
                companion=(
                    f"{m.companion_name} ({m.companion_kind.label.lower()})"
                    if m.companion_name
                    else m.companion_kind.label
                ),
                minutes=_minutes(m),
            )
            for m in meetings
        ],
        support=[
            SupportRow(s.kind.label, s.description, s.provided_by, s.starts_on, s.delivered_on)
            for s in plan_support(plan)
        ],
        adjustments_line=considered_line(facts_of(a) for a in adjustments),
    )
