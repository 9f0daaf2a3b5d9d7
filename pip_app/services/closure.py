"""Closing a plan with evidence, and the staff member's acknowledgement of the closure.

close_plan is the one way a plan closes: it checks the outcome and the four sections, decides
each active control through controls.lift_control (the one set of lift rules), records a reason
for each action not assured, freezes the final measures and moves the plan to closed through
lifecycle's table. The gate is closure_gate.py, the drafts closure_draft.py, the PDF's data
summaries.py, HR's list closed_plans.py.

Operations take the actor, enforce the rule, write the audit event and flush; the request
commits once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict, cast

from ..adjustment_rules import TimeAfterAdjustments
from ..clock import now_utc, to_london, today
from ..extensions import db
from ..formatting import format_date, format_datetime
from ..lifecycle import Problem, closure_approval_reasons
from ..models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    ActionStatus,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    Closure,
    ClosureOutcome,
    ControlStatus,
    Plan,
    User,
)
from ..summaries import CLOSURE_SECTIONS
from . import audit, notifications
from .adjustments import time_after_closing
from .closure_draft import PROMPT
from .closure_gate import closure_gate, final_measures
from .controls import ControlError, lift_control, validate_lift
from .plans import PlanConflict, PlanError, require_move

ACK_DUE_DAYS = 7
SECTION_LIMIT = 20_000
EXPLANATION_LIMIT = 2000
REASONABLE_TIME_ANCHOR = "close-reasonable_time"
DECISIONS = ("lift", "monitor")


class ClosureRefused(PlanError):
    """The plan cannot close yet; `problems` says what is missing and where to fix it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("The plan cannot close yet: " + " ".join(p.message for p in problems))


# --- The closure acknowledgement ---------------------------------------------------------------


def closure_statement(plan: Plan) -> str:
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
    # The plan ended because the staff member left during the procedure: they are not asked to
    # acknowledge its closure (no email, no reminders, nobody told it is outstanding). If they
    # respond all the same, the response is recorded as any other.
    not_asked: bool = False

    @property
    def due(self) -> bool:
        """Still waiting for a response (a late response is still accepted and marked late)."""
        return self.acknowledgement is None and not self.not_asked

    @property
    def late(self) -> bool:
        """The response came after the acknowledgement period."""
        ack = self.acknowledgement
        return ack is not None and to_london(ack.acknowledged_at).date() > self.due_by

    def sentence(self, staff_name: str) -> str:
        """One plain sentence for the plan page and the PDF."""
        ack = self.acknowledgement
        if ack is None:
            if self.not_asked:
                return f"{staff_name} was not asked to acknowledge the closure: they left during the procedure."
            if self.lapsed:
                return (
                    f"No acknowledgement was given by {staff_name} within {self.days} days of closure "
                    f"(by {format_date(self.due_by)}). The closure stands."
                )
            return (
                f"Awaiting {staff_name}'s acknowledgement until {format_date(self.due_by)}. If none is given, "
                "the closure stands and this summary records that."
            )
        verb = "agreed with" if ack.response is AckResponse.AGREE else "disagreed with"
        text = f"{ack.user.name} {verb} the closure on {format_datetime(ack.acknowledged_at)}"
        if self.late:
            text += f", after the {self.days}-day acknowledgement period that ended on {format_date(self.due_by)}"
        return text + (", with a comment." if ack.comment else ".")

    def sentence_to_staff(self) -> str:
        """The same sentence addressed to the staff member reading their own plan."""
        ack = self.acknowledgement
        if ack is None:
            if self.not_asked:
                return (
                    "You were not asked to acknowledge this closure, because you left during the procedure. "
                    "You can still respond below."
                )
            if self.lapsed:
                return (
                    f"You did not respond within {self.days} days of closure (by {format_date(self.due_by)}). "
                    "The closure stands; you can still respond below."
                )
            return (
                f"We are waiting for your response until {format_date(self.due_by)}. If you do not respond, "
                "the closure stands and the closure summary records that."
            )
        verb = "agreed with" if ack.response is AckResponse.AGREE else "disagreed with"
        text = f"You {verb} the closure of your plan on {format_datetime(ack.acknowledged_at)}"
        if self.late:
            text += f", after the {self.days}-day period to respond that ended on {format_date(self.due_by)}"
        return text + (", with a comment." if ack.comment else ".")


def closure_acknowledgement(plan: Plan) -> Acknowledgement | None:
    """The staff member's response to the closure, if any."""
    return next(
        (a for a in plan.acknowledgements if a.subject is AckSubject.CLOSURE and a.user_id == plan.staff_id), None
    )


_LOOK_UP = object()


def closure_ack_state(
    plan: Plan, on: date | None = None, acknowledgement: Acknowledgement | None | object = _LOOK_UP
) -> ClosureAckState | None:
    """The acknowledgement state of a closed plan (None while it is open). A list page passes
    the acknowledgement it has already fetched."""
    closure = plan.closure
    if closure is None:
        return None
    days = closure.ack_due_days or ACK_DUE_DAYS
    due_by = to_london(closure.closed_at).date() + timedelta(days=days)
    ack = (
        closure_acknowledgement(plan) if acknowledgement is _LOOK_UP else cast(Acknowledgement | None, acknowledgement)
    )
    not_asked = ack is None and closure.outcome is ClosureOutcome.LEFT
    return ClosureAckState(
        ack, due_by, days, lapsed=ack is None and not not_asked and (on or today()) > due_by, not_asked=not_asked
    )


# --- Closing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ControlDecision:
    """What closure does with one active interim control."""

    decision: str  # "lift" or "monitor"
    rationale: str


class ClosureSections(TypedDict):
    """The four evidence sections of a closure, as the close form gives them."""

    what_changed: str
    how_measured: str
    risk_now_controlled: str
    ongoing_monitoring: str


def close_plan(
    actor: User,
    plan: Plan,
    *,
    outcome: ClosureOutcome | str,
    what_changed: str,
    how_measured: str,
    risk_now_controlled: str,
    ongoing_monitoring: str,
    control_decisions: Mapping[int, ControlDecision] | None = None,
    action_reasons: Mapping[int, str | None] | None = None,
    ack_due_days: int = ACK_DUE_DAYS,
    reasonable_time: bool | None = None,
    reasonable_time_explanation: str | None = None,
    approved: Approval | None = None,
) -> Closure | Approval:
    """Active/paused → closed, with an outcome and the four evidence sections. Each active control
    is lifted or carried into ongoing monitoring, and each action that is not assured gets its
    reason, in the same transaction; the final measures are frozen on the closure. Where agreed
    adjustments were in place, the closing manager says whether the staff member had a reasonable
    time to improve after them, and why (kept with the closure, with the date and the days).

    A closure "not achieved", "withdrawn" or "left", or before the planned end date, needs the approver's
    decision (issue 18): unless `approved` (by services.approvals, which carries it out as
    proposed), the checked closure is proposed for approval instead and the request returned."""
    if plan.is_closed:
        raise PlanConflict("This plan is already closed.")
    sections = {
        key: (value or "").strip()
        for key, value in (
            ("what_changed", what_changed),
            ("how_measured", how_measured),
            ("risk_now_controlled", risk_now_controlled),
            ("ongoing_monitoring", ongoing_monitoring),
        )
    }
    reasons_by_action = {k: (v or "").strip() for k, v in (action_reasons or {}).items()}
    chosen, problems = _outcome(outcome)
    problems += _section_problems(sections)
    decisions, decision_problems, resolved = _control_decisions(actor, plan, control_decisions or {})
    problems += decision_problems
    resolved |= {
        f"close-reason-{a.id}"
        for a in plan.actions
        if a.status is not ActionStatus.ASSURED and reasons_by_action.get(a.id)
    }
    problems += [p for p in closure_gate(plan) if p.anchor not in resolved]
    time_after = time_after_closing(plan)
    explanation = (reasonable_time_explanation or "").strip()
    problems += _time_after_problems(plan, time_after, reasonable_time, explanation)
    if problems or chosen is None:
        raise ClosureRefused(problems)
    reasons = closure_approval_reasons(chosen.value, plan.start_date, plan.planned_end_date, today())
    if reasons and (approved is None or approved.status is not ApprovalStatus.APPROVED):
        proposal = {
            "outcome": chosen.value,
            **sections,
            "control_decisions": {str(cid): [d.decision, d.rationale] for cid, d in decisions.items()},
            "action_reasons": {str(aid): reason for aid, reason in reasons_by_action.items() if reason},
            "ack_due_days": ack_due_days,
            "reasonable_time": reasonable_time,
            "reasonable_time_explanation": explanation,
        }
        return _propose(actor, plan, proposal, reasons)
    _decide_controls(actor, plan, decisions)
    _record_reasons(actor, plan, reasons_by_action)
    answer = TimeAnswer(time_after, reasonable_time, explanation) if time_after is not None else None
    return _close(actor, plan, chosen, sections, decisions, ack_due_days, answer)


@dataclass(frozen=True)
class TimeAnswer:
    """The closing manager's answer on a reasonable time after the adjustments were in place."""

    time_after: TimeAfterAdjustments
    reasonable: bool | None
    explanation: str


def _time_after_problems(
    plan: Plan, time_after: TimeAfterAdjustments | None, answer: bool | None, explanation: str
) -> list[Problem]:
    """Asked only where agreed adjustments were in place: yes or no, and why."""
    if time_after is None:
        return []
    if answer is None:
        return [
            Problem(
                f"Say whether {plan.staff.name} had a reasonable time to improve after the adjustments were in "
                f"place ({time_after.describe()}).",
                REASONABLE_TIME_ANCHOR,
            )
        ]
    if not explanation:
        return [Problem("Explain your answer on a reasonable time after the adjustments.", REASONABLE_TIME_ANCHOR)]
    if len(explanation) > EXPLANATION_LIMIT:
        return [
            Problem(
                f"Keep the explanation of a reasonable time to {EXPLANATION_LIMIT:,} characters or fewer.",
                REASONABLE_TIME_ANCHOR,
            )
        ]
    return []


def stored_proposal(proposal: Mapping[str, Any]) -> dict[str, Any]:
    """A closure proposed for approval, as close_plan's keyword arguments again."""
    return {
        "outcome": proposal["outcome"],
        **{key: proposal[key] for key, _ in CLOSURE_SECTIONS},
        "control_decisions": {int(cid): ControlDecision(*pair) for cid, pair in proposal["control_decisions"].items()},
        "action_reasons": {int(aid): reason for aid, reason in proposal["action_reasons"].items()},
        "ack_due_days": proposal["ack_due_days"],
        "reasonable_time": proposal.get("reasonable_time"),
        "reasonable_time_explanation": proposal.get("reasonable_time_explanation"),
    }


def pending_closure(plan: Plan) -> Approval | None:
    """The closure of this plan waiting for the approver's decision, if any."""
    return next((a for a in plan.approvals if a.kind is ApprovalKind.CLOSURE and a.is_pending), None)


def _propose(actor: User, plan: Plan, proposal: dict[str, Any], reasons: list[str]) -> Approval:
    """Put a checked closure to the approver; the plan stays open until they decide."""
    if pending_closure(plan) is not None:
        raise PlanConflict("A closure of this plan is already waiting for approval.")
    approval = Approval(
        plan=plan, kind=ApprovalKind.CLOSURE, requested_by_id=actor.id, proposal=proposal, reasons=reasons
    )
    db.session.add(approval)
    db.session.flush()
    audit.record(
        actor,
        "proposed closure",
        "plan",
        plan.id,
        plan_id=plan.id,
        changes={"approval_id": approval.id, "outcome": proposal["outcome"], "needs_approval_because": reasons},
    )
    notifications.approval_requested(approval, notifications.approvers_of(plan))
    return approval


def _outcome(outcome: ClosureOutcome | str) -> tuple[ClosureOutcome | None, list[Problem]]:
    try:
        return ClosureOutcome(outcome), []
    except ValueError:
        return None, [Problem("Choose the outcome.", "close-outcome")]


def _section_problems(sections: Mapping[str, str]) -> list[Problem]:
    """Each section written, the draft's prompts replaced, and not too long."""
    problems = []
    for key, heading in CLOSURE_SECTIONS:
        if not sections[key]:
            problems.append(Problem(f"Write “{heading}”.", f"close-{key}"))
        elif PROMPT in sections[key]:
            problems.append(
                Problem(f"Replace the “{PROMPT} …]” prompt in “{heading}” with what actually happens.", f"close-{key}")
            )
        elif len(sections[key]) > SECTION_LIMIT:
            problems.append(Problem(f"Keep “{heading}” to {SECTION_LIMIT:,} characters or fewer.", f"close-{key}"))
    return problems


def _control_decisions(
    actor: User, plan: Plan, chosen: Mapping[int, ControlDecision]
) -> tuple[dict[int, ControlDecision], list[Problem], set[str]]:
    """The decisions that may be carried out (rationale stripped), the problems with the others,
    and the gate anchors the good ones resolve. Lifting is the registered manager's decision;
    anyone who may close may carry a control into monitoring. Both obey the one set of lift
    rules (controls.validate_lift), dated today."""
    decisions: dict[int, ControlDecision] = {}
    problems: list[Problem] = []
    on = today()
    for control in plan.controls:
        decision = chosen.get(control.id)
        if control.status is not ControlStatus.ACTIVE or decision is None:
            continue
        anchor = f"close-control-{control.id}"
        if decision.decision not in DECISIONS:
            problems.append(Problem(f"Choose what happens to “{control.kind.label}”.", anchor))
        elif not (decision.rationale or "").strip():
            problems.append(Problem(f"Give the rationale for the decision on “{control.kind.label}”.", anchor))
        else:
            try:
                rationale = validate_lift(control, on, decision.rationale)
            except ControlError as error:
                problems.append(Problem(f"“{control.kind.label}”: {error}", anchor))
                continue
            decisions[control.id] = ControlDecision(decision.decision, rationale)
    return decisions, problems, {f"close-control-{cid}" for cid in decisions}


def _decide_controls(actor: User, plan: Plan, decisions: Mapping[int, ControlDecision]) -> None:
    """Lift each decided control, or carry it into ongoing monitoring, today."""
    on = today()
    for control in plan.controls:
        decision = decisions.get(control.id)
        if decision is not None:
            lift_control(
                actor,
                control,
                on,
                decision.rationale,
                carry_into_monitoring=decision.decision == "monitor",
                via="closure",
            )


def _record_reasons(actor: User, plan: Plan, reasons: Mapping[int, str]) -> None:
    """Keep the reason each action closes without assurance (audited where it changed)."""
    for action in plan.actions:
        reason = reasons.get(action.id)
        if action.status is ActionStatus.ASSURED or action.is_withdrawn or not reason:
            continue
        diff = audit.field_diff(action, {"status_reason": reason})
        if diff:
            action.status_reason = reason
            audit.record(actor, "updated", "action", action.id, plan_id=plan.id, changes=diff)


def _close(
    actor: User,
    plan: Plan,
    outcome: ClosureOutcome,
    sections: Mapping[str, str],
    decisions: Mapping[int, ControlDecision],
    ack_due_days: int,
    time_answer: TimeAnswer | None,
) -> Closure:
    """The Closure with the frozen final measures, and the plan moved to closed."""
    closed = require_move(plan, "close")
    measures = final_measures(plan)
    closure = Closure(
        plan=plan,
        outcome=outcome,
        closed_by_id=actor.id,
        closed_at=now_utc(),
        final_measures=measures,
        ack_due_days=ack_due_days,
        **sections,
    )
    if time_answer is not None:
        closure.adjustments_in_place_on = time_answer.time_after.in_place_on
        closure.days_after_adjustments = time_answer.time_after.days
        closure.reasonable_time_after_adjustments = time_answer.reasonable
        closure.reasonable_time_explanation = time_answer.explanation
    db.session.add(closure)
    for request in plan.approvals:  # a closure proposed earlier and still waiting is overtaken
        if request.is_pending:
            request.status, request.decided_at = ApprovalStatus.SUPERSEDED, now_utc()
    previous = plan.status
    plan.status = closed
    plan.next_review_date = None
    db.session.flush()
    audit.record(
        actor,
        "closed",
        "plan",
        plan.id,
        plan_id=plan.id,
        changes={
            "status": [previous, closed],
            "outcome": outcome,
            "closure_id": closure.id,
            "controls": {str(cid): d.decision for cid, d in decisions.items()},
            "final_measures": [{k: m[k] for k in ("ref", "baseline", "final", "target", "met")} for m in measures],
        }
        | (
            {
                "reasonable_time_after_adjustments": time_answer.reasonable,
                "days_after_adjustments": time_answer.time_after.days,
            }
            if time_answer is not None
            else {}
        ),
    )
    db.session.flush()
    notifications.plan_closed(closure)
    return closure


def acknowledge_closure(actor: User, plan: Plan, *, response: AckResponse, comment: str | None) -> Acknowledgement:
    """The staff member agrees with the closure, or disagrees with a comment. A response after
    the acknowledgement period is still recorded, and shown as late."""
    if plan.closure is None:
        raise PlanError("This plan has not been closed, so there is no closure to acknowledge.")
    if closure_acknowledgement(plan) is not None:
        raise PlanConflict("You have already responded to this closure.")
    comment = (comment or "").strip() or None
    if response is AckResponse.DISAGREE and not comment:
        raise PlanError("Say what you disagree with, so that it is kept with the closure record.")
    state = closure_ack_state(plan)
    ack = Acknowledgement(
        plan=plan,
        user_id=actor.id,
        subject=AckSubject.CLOSURE,
        plan_version=plan.version,
        statement=closure_statement(plan),
        response=response,
        comment=comment,
        acknowledged_at=now_utc(),
    )
    db.session.add(ack)
    db.session.flush()
    audit.record(
        actor,
        "acknowledged",
        "closure",
        plan.closure.id,
        plan_id=plan.id,
        changes={"response": response, "comment": comment, "late": state is not None and state.lapsed},
    )
    notifications.acknowledged(ack)
    return ack
