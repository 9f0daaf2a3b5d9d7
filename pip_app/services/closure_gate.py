"""What stops a plan closing, and the final measures a closure freezes.

Pure reads of a loaded plan (no writes): the close form shows the gate's problems beside the
place each is fixed, and close_plan refuses while any remains unresolved.
"""

from __future__ import annotations

from typing import Any

from ..clock import to_london
from ..formatting import format_date
from ..lifecycle import Problem, live_actions, may_move
from ..measures import measure_met
from ..models import Action, ActionStatus, ControlStatus, ObservationStatus, Plan, PlanStatus
from .reviews import measured_values


def _met(values: list[float], action: Action) -> bool | None:
    """Whether the measure is met (None when it has no target to judge against)."""
    if action.measure_target is None:
        return None
    return measure_met(values, action.measure_target, action.measure_consecutive, action.measure_higher_is_better)


def final_measures(plan: Plan) -> list[dict[str, Any]]:
    """The last measured value of each measured action against its baseline and target, as
    plain JSON (frozen on the Closure when the plan closes)."""
    values = measured_values(plan)
    measures = []
    for action in live_actions(plan):
        if not action.has_measure:
            continue
        series = values.get(action.id, [])
        measures.append(
            {
                "ref": action.ref,
                "name": action.measure_name,
                "unit": action.measure_unit,
                "baseline": action.measure_baseline,
                "final": series[-1][1] if series else None,
                "target": action.measure_target,
                "higher_is_better": action.measure_higher_is_better,
                "consecutive": action.measure_consecutive,
                "met": _met([v for _, v in series], action),
                "values": [[day.isoformat(), value] for day, value in series],
            }
        )
    return measures


def closure_gate(plan: Plan) -> list[Problem]:
    """What stops the plan closing, each with the id of the place it is fixed: `close-…` on the
    closure form, anything else on the plan page. An empty list: only the outcome and the four
    sections remain to be written."""
    if plan.status is PlanStatus.CLOSED:
        return [Problem("This plan is already closed.", "closure-panel")]
    if not may_move(plan.status.value, "close"):
        return [Problem("Only an issued (active or paused) plan can be closed.", "closure-panel")]
    problems = []
    for control in plan.controls:
        if control.status is ControlStatus.ACTIVE:
            problems.append(
                Problem(
                    f"Interim control “{control.kind.label}” is still active: lift it with a rationale, "
                    "or carry it into ongoing monitoring.",
                    f"close-control-{control.id}",
                )
            )
    for action in live_actions(plan):
        if action.status is not ActionStatus.ASSURED and not (action.status_reason or "").strip():
            problems.append(
                Problem(
                    f"{action.ref} is {action.status.label.lower()}, not assured: say why the plan closes without "
                    "assurance for it.",
                    f"close-reason-{action.id}",
                )
            )
    for escalation in plan.escalations:
        if escalation.is_open:
            problems.append(
                Problem(
                    f"The escalation of {format_date(to_london(escalation.raised_at).date())} is waiting for a "
                    "registered manager's decision: it is decided before the plan closes.",
                    f"escalation-{escalation.id}",
                )
            )
    if plan.under_appeal:  # read with the plan's own row
        problems.append(
            Problem(
                "The plan is under appeal: it closes once the appeal has been heard and its outcome recorded.",
                "appeal",
            )
        )
    for observation in plan.observations:
        if observation.status is ObservationStatus.PLANNED:
            problems.append(
                Problem(
                    f"The observed {observation.shift.label.lower()} shift on {format_date(observation.scheduled_on)} "
                    "is still planned: record its outcome or cancel it.",
                    f"observation-{observation.id}",
                )
            )
    return problems
