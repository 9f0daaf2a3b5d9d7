"""Closing a plan with evidence: the closure gate, drafted sections, final measures, the close
and acknowledge operations, the closed-plans list and the plain data behind the PDFs.

Operations take the actor, enforce the rule, write the audit event and flush; the request
commits once.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import pdf, policy
from ..clock import LONDON, now_utc, to_london, today
from ..extensions import db
from ..lifecycle import Problem
from ..measures import measure_met
from ..models import (
    AckResponse,
    AckSubject,
    Acknowledgement,
    Action,
    ActionStatus,
    Closure,
    ClosureOutcome,
    ControlStatus,
    InterimControl,
    Observation,
    ObservationStatus,
    Outcome,
    Plan,
    PlanStatus,
    Review,
    User,
)
from . import audit
from .plans import PlanConflict, PlanError
from .reviews import measured_values

ACK_DUE_DAYS = 7
SECTION_LIMIT = 20_000
PROMPT = "[To complete:"
SECTIONS = (
    ("what_changed", "What changed"),
    ("how_measured", "How it was measured"),
    ("risk_now_controlled", "How the risk is now controlled"),
    ("ongoing_monitoring", "Ongoing monitoring"),
)
CLOSABLE = (PlanStatus.ACTIVE, PlanStatus.PAUSED)


class ClosureRefused(PlanError):
    """The plan cannot close yet; `problems` says what is missing and where to fix it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("The plan cannot close yet: " + " ".join(p.message for p in problems))


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _value(value: float | None, unit: str | None) -> str:
    return pdf.closure.format_value(value, unit)


# --- Pure rules over a loaded plan -------------------------------------------------------------


def current_reviews(plan) -> list:
    """The plan's reviews in date order, without any a later review corrected."""
    corrected = {r.corrects_review_id for r in plan.reviews if r.corrects_review_id}
    return [r for r in sorted(plan.reviews, key=lambda r: (r.review_date, r.id)) if r.id not in corrected]


def _met(values: list[float], action) -> bool | None:
    """Whether the measure is met (None when it has no target to judge against)."""
    if action.measure_target is None:
        return None
    return measure_met(values, action.measure_target, action.measure_consecutive, action.measure_higher_is_better)


def final_measures(plan) -> list[dict]:
    """The last measured value of each measured action against its baseline and target, as
    plain JSON (frozen on the Closure when the plan closes)."""
    values = measured_values(plan)
    measures = []
    for action in plan.actions:
        if not action.has_measure:
            continue
        series = values.get(action.id, [])
        measures.append({
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
        })
    return measures


def closure_gate(plan) -> list[Problem]:
    """What stops the plan closing, each with the id of the place it is fixed: `close-…` on the
    closure form, anything else on the plan page. An empty list: only the outcome and the four
    sections remain to be written."""
    if plan.status is PlanStatus.CLOSED:
        return [Problem("This plan is already closed.", "closure-panel")]
    if plan.status not in CLOSABLE:
        return [Problem("Only an issued (active or paused) plan can be closed.", "closure-panel")]
    problems = []
    for control in plan.controls:
        if control.status is ControlStatus.ACTIVE:
            problems.append(Problem(
                f"Interim control “{control.kind.label}” is still active: lift it with a rationale, "
                "or carry it into ongoing monitoring.", f"close-control-{control.id}"))
    for action in plan.actions:
        if action.status is not ActionStatus.ASSURED and not (action.status_reason or "").strip():
            problems.append(Problem(
                f"{action.ref} is {action.status.label.lower()}, not assured: say why the plan closes without "
                "assurance for it.", f"close-reason-{action.id}"))
    for observation in plan.observations:
        if observation.status is ObservationStatus.PLANNED:
            problems.append(Problem(
                f"The observed {observation.shift.label.lower()} shift on {_day(observation.scheduled_on)} is still "
                "planned: record its outcome or cancel it.", f"observation-{observation.id}"))
    return problems


def _direction(baseline: float | None, final: float | None) -> str:
    if baseline is None or final is None:
        return "moved"
    if final > baseline:
        return "rose"
    return "fell" if final < baseline else "stayed"


def _measure_sentence(measure: dict) -> str:
    unit = measure["unit"]
    name = measure["name"]
    target = f"target {'at least' if measure['higher_is_better'] else 'at most'} {_value(measure['target'], unit)}"
    if measure["consecutive"] and measure["consecutive"] > 1:
        target += f" on {measure['consecutive']} consecutive checks"
    if measure["final"] is None:
        return f"{name}: baseline {_value(measure['baseline'], unit)}; no value was measured at a review ({target})."
    verdict = "met" if measure["met"] else "not met"
    last = date.fromisoformat(measure["values"][-1][0])
    direction = _direction(measure["baseline"], measure["final"])
    if direction == "stayed":
        movement = f"stayed at {_value(measure['final'], unit)}"
    elif measure["baseline"] is None:
        movement = f"was {_value(measure['final'], unit)}"
    else:
        movement = f"{direction} from {_value(measure['baseline'], unit)} at baseline to {_value(measure['final'], unit)}"
    return f"{name} {movement} at the review of {_day(last)} ({target}: {verdict})."


def _observation_counts(plan) -> pdf.ObservationCounts:
    counts = pdf.ObservationCounts(scheduled=len(plan.observations))
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


def _observation_sentence(plan) -> str:
    c = _observation_counts(plan)
    if not c.scheduled:
        return "No observed shifts were scheduled."
    return (f"Observed practice: {c.scheduled} observed shift{'s' if c.scheduled != 1 else ''} scheduled; {c.done} done "
            f"({c.met} met, {c.partly_met} partly met, {c.not_met} not met), {c.missed} missed, "
            f"{c.cancelled} cancelled, {c.still_planned} still planned.")


def draft_sections(plan) -> dict[str, str]:
    """Drafts of the four closure sections, assembled from the plan's own record, for the
    manager to edit. Where only the manager can know the answer the draft holds a
    “[To complete: …]” prompt, which must be replaced before the plan can close."""
    measures = {m["ref"]: m for m in final_measures(plan)}
    changed, measured = [], []
    for action in plan.actions:
        line = f"{action.ref}: {action.behaviour.strip()} ({action.when.strip()}). Status: {action.status.label.lower()}."
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
            series = ", ".join(f"{_value(v, m['unit'])} ({_day(date.fromisoformat(d))})" for d, v in m["values"][-12:])
            earlier = len(m["values"]) - 12
            how += f". {m['name']} at each review: " + (f"… {earlier} earlier, then " if earlier > 0 else "") + series
        measured.append(how + ".")
    measured.append(_observation_sentence(plan))
    reviews = current_reviews(plan)
    if reviews:
        measured.append(f"Weekly reviews: {len(reviews)} between {_day(reviews[0].review_date)} and "
                        f"{_day(reviews[-1].review_date)}.")
    else:
        measured.append("No weekly reviews were recorded.")

    controlled = [f"The risk was: {plan.risk_statement.strip()}"]
    monitoring = []
    for control in plan.controls:
        since = f"{control.kind.label} (from {_day(control.start_date)})"
        if control.status is ControlStatus.LIFTED:
            controlled.append(f"{since}: lifted on {_day(control.lifted_on)}"
                              + (f" by {control.lifted_by.name}" if control.lifted_by else "")
                              + f". {control.lift_rationale.strip()}")
        elif control.status is ControlStatus.ONGOING_MONITORING:
            controlled.append(f"{since}: continued as ongoing monitoring from {_day(control.lifted_on)}.")
            monitoring.append(f"{control.kind.label} continues as ongoing monitoring: {control.detail.strip()} "
                              f"{control.lift_rationale.strip()}")
        else:
            controlled.append(f"{since}: still active; the decision to lift it or carry it into ongoing "
                              "monitoring is recorded with this closure.")
    if not plan.controls and plan.no_control_reason:
        controlled.append(f"No interim control was needed because: {plan.no_control_reason.strip()}")
    controlled.append("[To complete: how people are now kept safe in day-to-day practice.]")
    monitoring.append("[To complete: what is checked from now on, by whom, how often and until when, e.g. "
                      "included in the monthly audit and sampled in supervision for three months.]")
    return {
        "what_changed": "\n\n".join(changed) or "No actions were recorded.",
        "how_measured": "\n\n".join(measured),
        "risk_now_controlled": "\n\n".join(controlled),
        "ongoing_monitoring": "\n\n".join(monitoring),
    }


# --- The closure acknowledgement ---------------------------------------------------------------


def closure_statement(plan) -> str:
    """What the staff member is asked to confirm about the closure."""
    outcome = plan.closure.outcome.label if plan.closure else ""
    return (
        f"I have read the closure of improvement plan {plan.reference}: the outcome ({outcome}), what changed, "
        "how it was measured, how the risk is now controlled and the ongoing monitoring that remains."
    )


@dataclass(frozen=True)
class ClosureAckState:
    """Where the staff member's acknowledgement of a closure stands."""

    acknowledgement: Acknowledgement | None
    due_by: date
    days: int
    lapsed: bool  # the period ended without a response

    @property
    def due(self) -> bool:
        """Still waiting for a response (a late response is still accepted and marked late)."""
        return self.acknowledgement is None

    @property
    def late(self) -> bool:
        ack = self.acknowledgement
        return ack is not None and to_london(ack.acknowledged_at).date() > self.due_by

    def sentence(self, staff_name: str) -> str:
        """One plain sentence for the plan page and the PDF."""
        ack = self.acknowledgement
        if ack is None:
            if self.lapsed:
                return (f"No acknowledgement was given by {staff_name} within {self.days} days of closure "
                        f"(by {_day(self.due_by)}). The closure stands.")
            return (f"Awaiting {staff_name}'s acknowledgement until {_day(self.due_by)}. If none is given, "
                    "the closure stands and this summary records that.")
        moment = to_london(ack.acknowledged_at)
        verb = "agreed with" if ack.response is AckResponse.AGREE else "disagreed with"
        text = f"{ack.user.name} {verb} the closure on {moment.day} {moment:%b %Y, %H:%M}"
        if self.late:
            text += f", after the {self.days}-day acknowledgement period that ended on {_day(self.due_by)}"
        return text + (", with a comment." if ack.comment else ".")


def closure_acknowledgement(plan) -> Acknowledgement | None:
    """The staff member's response to the closure, if any."""
    return next((a for a in plan.acknowledgements
                 if a.subject is AckSubject.CLOSURE and a.user_id == plan.staff_id), None)


_LOOK_UP = object()


def closure_ack_state(plan, on: date | None = None, acknowledgement=_LOOK_UP) -> ClosureAckState | None:
    """The acknowledgement state of a closed plan (None while it is open). A list page passes
    the acknowledgement it has already fetched."""
    closure = plan.closure
    if closure is None:
        return None
    days = closure.ack_due_days or ACK_DUE_DAYS
    due_by = to_london(closure.closed_at).date() + timedelta(days=days)
    ack = closure_acknowledgement(plan) if acknowledgement is _LOOK_UP else acknowledgement
    return ClosureAckState(ack, due_by, days, lapsed=ack is None and (on or today()) > due_by)


# --- Operations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ControlDecision:
    """What closure does with one active interim control."""

    decision: str  # "lift" or "monitor"
    rationale: str


def close_plan(actor: User, plan: Plan, *, outcome: ClosureOutcome | str, what_changed: str, how_measured: str,
               risk_now_controlled: str, ongoing_monitoring: str,
               control_decisions: Mapping[int, ControlDecision] | None = None,
               action_reasons: Mapping[int, str] | None = None, ack_due_days: int = ACK_DUE_DAYS) -> Closure:
    """Active/paused → closed, with an outcome and the four evidence sections. Each active control
    is lifted or carried into ongoing monitoring, and each action that is not assured gets its
    reason, in the same transaction; the final measures are frozen on the closure."""
    if not policy.can_close_plan(actor, plan):
        raise PlanError("You cannot close this plan." if not plan.is_closed else "This plan is already closed.")
    control_decisions = dict(control_decisions or {})
    action_reasons = {k: (v or "").strip() for k, v in (action_reasons or {}).items()}
    sections = {"what_changed": what_changed, "how_measured": how_measured,
                "risk_now_controlled": risk_now_controlled, "ongoing_monitoring": ongoing_monitoring}
    sections = {k: (v or "").strip() for k, v in sections.items()}

    problems = []
    try:
        outcome = ClosureOutcome(outcome)
    except ValueError:
        problems.append(Problem("Choose the outcome.", "close-outcome"))
    for key, heading in SECTIONS:
        if not sections[key]:
            problems.append(Problem(f"Write “{heading}”.", f"close-{key}"))
        elif PROMPT in sections[key]:
            problems.append(Problem(f"Replace the “{PROMPT} …]” prompt in “{heading}” with what actually happens.",
                                    f"close-{key}"))
        elif len(sections[key]) > SECTION_LIMIT:
            problems.append(Problem(f"Keep “{heading}” to {SECTION_LIMIT:,} characters or fewer.", f"close-{key}"))
    resolved = set()
    decisions = {}
    for control in plan.controls:
        decision = control_decisions.get(control.id)
        if control.status is not ControlStatus.ACTIVE or decision is None:
            continue
        anchor = f"close-control-{control.id}"
        if decision.decision not in ("lift", "monitor"):
            problems.append(Problem(f"Choose what happens to “{control.kind.label}”.", anchor))
        elif decision.decision == "lift" and not policy.can_lift_control(actor, control):
            problems.append(Problem(f"Only the registered manager for {plan.service.name} can lift "
                                    f"“{control.kind.label}”: carry it into ongoing monitoring, or ask them to lift it.",
                                    anchor))
        elif not (decision.rationale or "").strip():
            problems.append(Problem(f"Give the rationale for the decision on “{control.kind.label}”.", anchor))
        else:
            resolved.add(anchor)
            decisions[control.id] = ControlDecision(decision.decision, decision.rationale.strip())
    for action in plan.actions:
        if action.status is not ActionStatus.ASSURED and action_reasons.get(action.id):
            resolved.add(f"close-reason-{action.id}")
    problems += [p for p in closure_gate(plan) if p.anchor not in resolved]
    if problems:
        raise ClosureRefused(problems)

    on = today()
    for control in plan.controls:
        decision = decisions.get(control.id)
        if decision is None:
            continue
        control.status = ControlStatus.LIFTED if decision.decision == "lift" else ControlStatus.ONGOING_MONITORING
        control.lifted_on, control.lift_rationale, control.lifted_by_id = on, decision.rationale, actor.id
        audit.record(actor, "lifted" if decision.decision == "lift" else "carried_into_monitoring", "control",
                     control.id, plan_id=plan.id,
                     changes={"status": control.status, "lifted_on": on, "lift_rationale": decision.rationale,
                              "at_closure": True})
    for action in plan.actions:
        reason = action_reasons.get(action.id)
        if action.status is ActionStatus.ASSURED or not reason:
            continue
        diff = audit.field_diff(action, {"status_reason": reason})
        if diff:
            action.status_reason = reason
            audit.record(actor, "updated", "action", action.id, plan_id=plan.id, changes=diff)
    measures = final_measures(plan)
    closure = Closure(plan=plan, outcome=outcome, closed_by_id=actor.id, closed_at=now_utc(),
                      final_measures=measures, ack_due_days=ack_due_days, **sections)
    db.session.add(closure)
    previous = plan.status
    plan.status = PlanStatus.CLOSED
    plan.next_review_date = None
    db.session.flush()
    audit.record(actor, "closed", "plan", plan.id, plan_id=plan.id, changes={
        "status": [previous, PlanStatus.CLOSED], "outcome": outcome, "closure_id": closure.id,
        "controls": {str(cid): d.decision for cid, d in decisions.items()},
        "final_measures": [{k: m[k] for k in ("ref", "baseline", "final", "target", "met")} for m in measures],
    })
    db.session.flush()
    return closure


def acknowledge_closure(actor: User, plan: Plan, *, response: AckResponse, comment: str | None) -> Acknowledgement:
    """The staff member agrees with the closure, or disagrees with a comment. A response after
    the acknowledgement period is still recorded, and shown as late."""
    if not policy.can_acknowledge(actor, plan):
        raise PlanError("Only the person on the plan can acknowledge its closure.")
    if plan.closure is None:
        raise PlanError("This plan has not been closed, so there is no closure to acknowledge.")
    if closure_acknowledgement(plan) is not None:
        raise PlanConflict("You have already responded to this closure.")
    comment = (comment or "").strip() or None
    if response is AckResponse.DISAGREE and not comment:
        raise PlanError("Say what you disagree with, so that it is kept with the closure record.")
    state = closure_ack_state(plan)
    ack = Acknowledgement(plan=plan, user_id=actor.id, subject=AckSubject.CLOSURE, plan_version=plan.version,
                          statement=closure_statement(plan), response=response, comment=comment,
                          acknowledged_at=now_utc())
    db.session.add(ack)
    db.session.flush()
    audit.record(actor, "acknowledged", "closure", plan.closure.id, plan_id=plan.id,
                 changes={"response": response, "comment": comment, "late": state.lapsed})
    return ack


def pdf_filename(plan: Plan, kind: str) -> str:
    """A server-chosen ASCII file name, e.g. PIP-2026-0007-closure-summary.pdf."""
    reference = re.sub(r"[^A-Za-z0-9-]", "", plan.reference) or f"plan-{plan.id}"
    return f"{reference}-{'closure-summary' if kind == 'closure' else 'plan'}.pdf"


def record_download(actor: User, plan: Plan, kind: str) -> None:
    """Every PDF download is an audit event in the plan's history."""
    entity_id = plan.closure.id if kind == "closure" and plan.closure else plan.id
    audit.record(actor, "downloaded", f"{kind}_pdf", entity_id, plan_id=plan.id,
                 changes={"file": pdf_filename(plan, kind)})
    db.session.flush()


# --- The plain data behind the PDFs ------------------------------------------------------------


def summary_load_options() -> list:
    """Loader options that fetch everything a summary shows in a fixed number of queries."""
    return [
        joinedload(Plan.staff), joinedload(Plan.manager), joinedload(Plan.service),
        joinedload(Plan.closure).joinedload(Closure.closed_by),
        selectinload(Plan.controls).options(joinedload(InterimControl.responsible),
                                            joinedload(InterimControl.lifted_by)),
        selectinload(Plan.actions).joinedload(Action.owner),
        selectinload(Plan.observations).options(joinedload(Observation.observer), selectinload(Observation.focus)),
        selectinload(Plan.reviews).options(joinedload(Review.reviewer), selectinload(Review.entries)),
        selectinload(Plan.acknowledgements).joinedload(Acknowledgement.user),
    ]


def _measure_row(action, frozen: dict | None, live: dict | None) -> pdf.MeasureRow:
    source = frozen or live or {}
    values = source.get("values")
    if values is None and live:  # closures frozen before values were kept: fall back to the record
        values = live["values"]
    return pdf.MeasureRow(
        name=source.get("name") or action.measure_name, unit=source.get("unit", action.measure_unit),
        baseline=source.get("baseline", action.measure_baseline), final=source.get("final"),
        target=source.get("target", action.measure_target),
        higher_is_better=source.get("higher_is_better", action.measure_higher_is_better),
        consecutive=source.get("consecutive", action.measure_consecutive),
        met=source.get("met", live["met"] if live else None),
        values=[(date.fromisoformat(d), float(v)) for d, v in (values or [])],
    )


def plan_summary(plan: Plan, *, generated_by: User, with_closure: bool) -> pdf.PlanSummary:
    """The plain data one PDF shows; with_closure adds the closure (closed plans only)."""
    closure = plan.closure if with_closure else None
    live = {m["ref"]: m for m in final_measures(plan)}
    frozen = {m.get("ref"): m for m in (closure.final_measures or [])} if closure else {}
    actions_by_id = {a.id: a for a in plan.actions}
    reviews_by_id = {r.id: r for r in plan.reviews}
    corrected = {r.corrects_review_id for r in plan.reviews if r.corrects_review_id}

    actions = [pdf.ActionRow(
        ref=a.ref, behaviour=a.behaviour, when=a.when + (f" (by {_day(a.when_date)})" if a.when_date else ""),
        check_method=a.check_method, success_criterion=a.success_criterion, status=a.status.label,
        owner=a.owner.name if a.owner else None, due_date=a.due_date, completion_evidence=a.completion_evidence,
        assurance_evidence=a.assurance_evidence, status_reason=a.status_reason,
        measure=_measure_row(a, frozen.get(a.ref), live.get(a.ref)) if a.has_measure or a.ref in frozen else None,
    ) for a in plan.actions]

    reviews = []
    for r in plan.reviews:
        entries = sorted(r.entries, key=lambda e: actions_by_id[e.action_id].number if e.action_id in actions_by_id else 0)
        reviews.append(pdf.ReviewRow(
            review_date=r.review_date, reviewer=r.reviewer.name, summary=r.summary, decision=r.decision.label,
            next_review_date=r.next_review_date, staff_comment=r.staff_comment, superseded=r.id in corrected,
            entries=[pdf.ReviewEntryRow(
                ref=actions_by_id[e.action_id].ref if e.action_id in actions_by_id else "?",
                progress=e.progress.label,
                value=(_value(e.measured_value, actions_by_id[e.action_id].measure_unit if e.action_id in actions_by_id else None)
                       if e.measured_value is not None else None),
                note=e.note or "") for e in entries],
        ))

    def subject(ack) -> str:
        if ack.subject is AckSubject.PLAN:
            return f"Plan version {ack.plan_version}"
        if ack.subject is AckSubject.REVIEW:
            review = reviews_by_id.get(ack.review_id)
            return f"Weekly review of {_day(review.review_date)}" if review else "Weekly review"
        return "Closure"

    closure_data = None
    if closure:
        state = closure_ack_state(plan)
        closure_data = pdf.ClosureSummary(
            outcome=closure.outcome.label, outcome_code=closure.outcome.value, what_changed=closure.what_changed,
            how_measured=closure.how_measured, risk_now_controlled=closure.risk_now_controlled,
            ongoing_monitoring=closure.ongoing_monitoring, closed_by=closure.closed_by.name,
            closed_at=to_london(closure.closed_at), acknowledgement=state.sentence(plan.staff.name),
        )
    return pdf.PlanSummary(
        reference=plan.reference, staff=plan.staff.name, manager=plan.manager.name, service=plan.service.name,
        status=plan.status.label, version=plan.version, start_date=plan.start_date,
        planned_end_date=plan.planned_end_date, risk_area=plan.risk_area.label, risk_statement=plan.risk_statement,
        evidence_sources=[_label(s) for s in plan.evidence_sources or []], evidence_detail=plan.evidence_detail,
        key_questions=[_label(k, "-") for k in plan.key_questions or []], baseline_text=plan.baseline_text,
        baseline_figure=plan.baseline_figure, no_control_reason=plan.no_control_reason,
        generated_at=to_london(now_utc()), generated_by=generated_by.name,
        controls=[pdf.ControlRow(
            kind=c.kind.label, detail=c.detail, responsible=c.responsible.name, start_date=c.start_date,
            review_by_date=c.review_by_date, status=c.status.label, lifted_on=c.lifted_on,
            lift_rationale=c.lift_rationale, lifted_by=c.lifted_by.name if c.lifted_by else None,
            last_checked_on=c.last_checked_on) for c in plan.controls],
        actions=actions,
        observations=[pdf.ObservationRow(
            scheduled_on=o.scheduled_on, shift=o.shift.label, observer=o.observer.name,
            focus=", ".join(a.ref for a in o.focus), status=o.status.label,
            outcome=o.outcome.label if o.outcome else None, notes=o.notes) for o in plan.observations],
        observation_counts=_observation_counts(plan),
        reviews=reviews,
        acknowledgements=[pdf.AckRow(
            at=to_london(a.acknowledged_at), who=a.user.name, subject=subject(a),
            response=a.response.label, comment=a.comment, statement=a.statement)
            for a in plan.acknowledgements if with_closure or a.subject is not AckSubject.CLOSURE],
        closure=closure_data,
    )


def _label(value: str, joiner: str = " ") -> str:
    from ..models import EvidenceSource, KeyQuestion

    for enum in (EvidenceSource, KeyQuestion):
        if value in enum._value2member_map_:
            return enum(value).label
    return value.replace("_", joiner).capitalize()


# --- The closed-plans list ---------------------------------------------------------------------


def _utc_start(day: date) -> datetime:
    """The first moment of a UK calendar day, as the naive UTC the database stores."""
    return datetime.combine(day, time.min, LONDON).astimezone(timezone.utc).replace(tzinfo=None)


def closed_plans(user: User, *, service_id: int | None = None, outcome: ClosureOutcome | None = None,
                 closed_from: date | None = None, closed_to: date | None = None, page: int = 1,
                 per_page: int = 25) -> tuple[list[Plan], int]:
    """Closed plans this user may see, newest closure first, filtered; and how many match."""
    query = select(Plan).join(Closure, Closure.plan_id == Plan.id).where(
        policy.visible_plans(user), Plan.status == PlanStatus.CLOSED)
    if service_id is not None:
        query = query.where(Plan.service_id == service_id)
    if outcome is not None:
        query = query.where(Closure.outcome == outcome)
    if closed_from is not None:
        query = query.where(Closure.closed_at >= _utc_start(closed_from))
    if closed_to is not None:
        query = query.where(Closure.closed_at < _utc_start(closed_to + timedelta(days=1)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    plans = db.session.scalars(
        query.options(joinedload(Plan.staff), joinedload(Plan.service),
                      joinedload(Plan.closure).joinedload(Closure.closed_by))
        .order_by(Closure.closed_at.desc(), Plan.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return list(plans), total


def closure_acks_for(plans: list[Plan]) -> dict[int, Acknowledgement]:
    """The staff member's closure acknowledgement for each listed plan, in one query."""
    if not plans:
        return {}
    staff_of = {p.id: p.staff_id for p in plans}
    acks = db.session.scalars(select(Acknowledgement).where(
        Acknowledgement.plan_id.in_(list(staff_of)), Acknowledgement.subject == AckSubject.CLOSURE)).all()
    return {a.plan_id: a for a in acks if staff_of.get(a.plan_id) == a.user_id}
