"""Drafts of a closure's four sections, assembled from the plan's own record for the manager to
edit. Where only the manager can know the answer, a draft holds a “[To complete: …]” prompt
(PROMPT), which close_plan refuses until it is replaced."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..formatting import format_date, format_measure
from ..lifecycle import current_reviews
from ..models import ControlStatus, ObservationStatus, Outcome, Plan
from ..summaries import ObservationCounts
from .closure_gate import final_measures

PROMPT = "[To complete:"


def _direction(baseline: float | None, final: float | None) -> str:
    if baseline is None or final is None:
        return "moved"
    if final > baseline:
        return "rose"
    return "fell" if final < baseline else "stayed"


def _measure_sentence(measure: dict[str, Any]) -> str:
    """One measure's story for "What changed": baseline, last value, target and verdict."""
    unit = measure["unit"]
    name = measure["name"]
    baseline, final = format_measure(measure["baseline"], unit), format_measure(measure["final"], unit)
    target = (
        f"target {'at least' if measure['higher_is_better'] else 'at most'} {format_measure(measure['target'], unit)}"
    )
    if measure["consecutive"] and measure["consecutive"] > 1:
        target += f" on {measure['consecutive']} consecutive checks"
    if measure["final"] is None:
        return f"{name}: baseline {baseline}; no value was measured at a review ({target})."
    verdict = "met" if measure["met"] else "not met"
    last = date.fromisoformat(measure["values"][-1][0])
    direction = _direction(measure["baseline"], measure["final"])
    if direction == "stayed":
        movement = f"stayed at {final}"
    elif measure["baseline"] is None:
        movement = f"was {final}"
    else:
        movement = f"{direction} from {baseline} at baseline to {final}"
    return f"{name} {movement} at the review of {format_date(last)} ({target}: {verdict})."


def observation_counts(plan: Plan) -> ObservationCounts:
    """How the plan's observed shifts turned out, counted."""
    counts = ObservationCounts(scheduled=len(plan.observations))
    for o in plan.observations:
        if o.status is ObservationStatus.DONE:
            counts.done += 1
            if o.outcome is Outcome.MET:
                counts.met += 1
            elif o.outcome is Outcome.PARTLY_MET:
                counts.partly_met += 1
            elif o.outcome is Outcome.NOT_MET:
                counts.not_met += 1
        elif o.status is ObservationStatus.MISSED:
            counts.missed += 1
        elif o.status is ObservationStatus.CANCELLED:
            counts.cancelled += 1
        else:
            counts.still_planned += 1
    return counts


def _observation_sentence(plan: Plan) -> str:
    c = observation_counts(plan)
    if not c.scheduled:
        return "No observed shifts were scheduled."
    return (
        f"Observed practice: {c.scheduled} observed shift{'s' if c.scheduled != 1 else ''} scheduled; {c.done} done "
        f"({c.met} met, {c.partly_met} partly met, {c.not_met} not met), {c.missed} missed, "
        f"{c.cancelled} cancelled, {c.still_planned} still planned."
    )


def draft_sections(plan: Plan) -> dict[str, str]:
    """Drafts of the four closure sections, assembled from the plan's own record, for the
    manager to edit. Where only the manager can know the answer the draft holds a
    “[To complete: …]” prompt, which must be replaced before the plan can close."""
    measures = {m["ref"]: m for m in final_measures(plan)}
    changed: list[str] = []
    measured: list[str] = []
    for action in plan.actions:
        line = (
            f"{action.ref}: {action.behaviour.strip()} ({action.when.strip()}). Status: {action.status.label.lower()}."
        )
        if action.ref in measures:
            line += " " + _measure_sentence(measures[action.ref])
        if action.assurance_evidence:
            line += f" Assurance: {action.assurance_evidence.strip()}"
        elif action.completion_evidence:
            line += f" Completed: {action.completion_evidence.strip()}"
        changed.append(line)
        how = f"{action.ref}: {action.check_method.strip()}"
        if action.ref in measures and measures[action.ref]["values"]:
            m = measures[action.ref]
            series = ", ".join(
                f"{format_measure(v, m['unit'])} ({format_date(date.fromisoformat(d))})" for d, v in m["values"][-12:]
            )
            earlier = len(m["values"]) - 12
            how += f". {m['name']} at each review: " + (f"… {earlier} earlier, then " if earlier > 0 else "") + series
        measured.append(how + ".")
    measured.append(_observation_sentence(plan))
    reviews = current_reviews(plan.reviews)
    if reviews:
        measured.append(
            f"Weekly reviews: {len(reviews)} between {format_date(reviews[0].review_date)} and "
            f"{format_date(reviews[-1].review_date)}."
        )
    else:
        measured.append("No weekly reviews were recorded.")

    controlled = [f"The risk was: {plan.risk_statement.strip()}"]
    monitoring: list[str] = []
    for control in plan.controls:
        since = f"{control.kind.label} (from {format_date(control.start_date)})"
        if control.status is ControlStatus.LIFTED:
            controlled.append(
                f"{since}: lifted on {format_date(control.lifted_on)}"
                + (f" by {control.lifted_by.name}" if control.lifted_by else "")
                + f". {(control.lift_rationale or '').strip()}"
            )
        elif control.status is ControlStatus.ONGOING_MONITORING:
            controlled.append(f"{since}: continued as ongoing monitoring from {format_date(control.lifted_on)}.")
            monitoring.append(
                f"{control.kind.label} continues as ongoing monitoring: {control.detail.strip()} "
                f"{(control.lift_rationale or '').strip()}"
            )
        else:
            controlled.append(
                f"{since}: still active; the decision to lift it or carry it into ongoing "
                "monitoring is recorded with this closure."
            )
    if not plan.controls and plan.no_control_reason:
        controlled.append(f"No interim control was needed because: {plan.no_control_reason.strip()}")
    controlled.append("[To complete: how people are now kept safe in day-to-day practice.]")
    monitoring.append(
        "[To complete: what is checked from now on, by whom, how often and until when, e.g. "
        "included in the monthly audit and sampled in supervision for three months.]"
    )
    return {
        "what_changed": "\n\n".join(changed) or "No actions were recorded.",
        "how_measured": "\n\n".join(measured),
        "risk_now_controlled": "\n\n".join(controlled),
        "ongoing_monitoring": "\n\n".join(monitoring),
    }
