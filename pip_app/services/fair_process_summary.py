"""The fair-process part of a closure summary (fair_summaries.FairProcessSummary) from the
plan's meetings, support and adjustments; the adjustments as their one counted line only."""

from __future__ import annotations

from ..adjustment_rules import considered_line
from ..fair_summaries import FairProcessSummary, MeetingRow, SupportRow
from ..formatting import format_date
from ..models import Meeting, Plan
from .adjustments import facts_of, plan_adjustments
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
    return FairProcessSummary(
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
        adjustments_line=considered_line(facts_of(a) for a in plan_adjustments(plan.id)),
    )
