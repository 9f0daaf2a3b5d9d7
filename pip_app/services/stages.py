"""Moving a plan to a formal stage (issue 20, point 1): the plan's manager proposes the next stage,
naming the formal meeting it follows and the reason; the service's approver decides
(`approvals.approve` carries it out: `apply_stage`). The rules are pip_app/stage_rules.py's:
forward one stage at a time, after a formal meeting held with enough written notice (UK working
days of the staff member's recorded nation, England's bank holidays when none is recorded). They are
checked when the move is proposed and again when it is approved (the meeting may have been
corrected meanwhile), so the stage only ever changes as the rules allow.
"""

from __future__ import annotations

from flask import current_app

from ..clock import today
from ..extensions import db
from ..models import (
    Approval,
    ApprovalKind,
    ApprovalStatus,
    Escalation,
    EscalationDecision,
    Meeting,
    Plan,
    PlanStage,
    User,
)
from ..notifications.due import nation_code
from ..refusals import Conflict, Refusal
from ..stage_rules import FormalMeetingFacts, formal_meeting_refusal, next_stage, stage_move_refusal
from . import audit, notifications

REASON_MAX = 4000
STAGE_LABELS = {stage.value: stage.label for stage in PlanStage}


def stage_request(plan: Plan) -> Approval | None:
    """The plan's move to a formal stage waiting for a decision, if any."""
    return next((a for a in plan.approvals if a.kind is ApprovalKind.STAGE and a.is_pending), None)


def formal_move_awaited(plan: Plan) -> Escalation | None:
    """The escalation a registered manager decided "move to the formal procedure" that no proposal
    of a stage move has followed yet, on an open plan with a stage to move to (None: nothing waits).
    Reads the plan's escalations and approvals, which its header's flags load anyway."""
    if plan.status.value not in ("active", "paused") or next_stage(plan.stage.value) is None:
        return None
    formal = [
        (e.decided_at, e.id, e)
        for e in plan.escalations
        if e.decision is EscalationDecision.FORMAL and e.decided_at is not None
    ]
    if not formal:
        return None
    decided_at, _, latest = max(formal, key=lambda found: found[:2])
    proposed = any(a.kind is ApprovalKind.STAGE and a.requested_at >= decided_at for a in plan.approvals)
    return None if proposed else latest


def formal_meetings(plan: Plan) -> list[Meeting]:
    """The plan's formal meetings, oldest first: the ones a move may name."""
    return [m for m in plan.meetings if m.kind.value == "formal"]


def _used_meetings(plan: Plan, deciding: Approval | None) -> set[int | None]:
    """The meetings earlier approved moves followed (not the one being decided)."""
    return {
        a.proposal.get("meeting_id")
        for a in plan.approvals
        if a.kind is ApprovalKind.STAGE and a.status is ApprovalStatus.APPROVED and a is not deciding
    }


def _meeting_refusal(plan: Plan, meeting: Meeting | None, deciding: Approval | None) -> str | None:
    facts = None
    if meeting is not None:
        facts = FormalMeetingFacts(
            kind=meeting.kind.value,
            held_on=meeting.held_on,
            notice_given_on=meeting.notice_given_on,
            already_used=meeting.id in _used_meetings(plan, deciding),
        )
    return formal_meeting_refusal(
        facts, today(), current_app.config["FORMAL_NOTICE_WORKING_DAYS"], nation_code(plan.staff.nation)
    )


def _require_allowed(plan: Plan, target: PlanStage, meeting: Meeting | None, deciding: Approval | None = None) -> None:
    refused = stage_move_refusal(plan.stage.value, target.value, STAGE_LABELS)
    if refused:
        raise Refusal(refused)
    refused = _meeting_refusal(plan, meeting, deciding)
    if refused:
        raise Refusal(refused, field="meeting_id")


def propose_stage(
    actor: User, plan: Plan, *, target: PlanStage, meeting: Meeting | None, reason: str | None
) -> Approval:
    """Ask the approver to move an issued, open plan to its next stage, after the formal meeting
    named (held, with enough notice), for the reason given. One request waits at a time."""
    if plan.status.value not in ("active", "paused"):
        raise Refusal("Only an issued, open plan moves to a formal stage.")
    if stage_request(plan) is not None:
        raise Conflict("A move to a formal stage is already waiting for a decision: say more in its comments.")
    if meeting is not None and meeting.plan_id != plan.id:
        meeting = None
    text = (reason or "").strip()
    if not text:
        raise Refusal("Say why the plan moves to a formal stage.", field="reason")
    if len(text) > REASON_MAX:
        raise Refusal(f"Keep the reason to {REASON_MAX:,} characters or fewer.", field="reason")
    _require_allowed(plan, target, meeting)
    assert meeting is not None  # _require_allowed refuses a move without one
    approval = Approval(
        plan=plan,
        kind=ApprovalKind.STAGE,
        requested_by_id=actor.id,
        proposal={
            "from": plan.stage.value,
            "to": target.value,
            "meeting_id": meeting.id,
            "held_on": meeting.held_on.isoformat(),
            "notice_given_on": meeting.notice_given_on.isoformat() if meeting.notice_given_on else None,
            "reason": text,
        },
        reasons=[f"it moves the plan to {target.label.lower()}"],
    )
    db.session.add(approval)
    db.session.flush()
    audit.record(
        actor,
        "proposed a formal stage",
        "plan",
        plan.id,
        plan_id=plan.id,
        changes={"approval_id": approval.id, "stage": [plan.stage, target], "meeting_id": meeting.id, "reason": text},
    )
    notifications.approval_requested(approval, notifications.approvers_of(plan))
    return approval


def apply_stage(actor: User, approval: Approval) -> None:
    """Carry out an approved move, unless the plan or its meeting changed so that the rules no
    longer allow it (a Conflict: the approver returns it instead)."""
    plan = approval.plan
    if actor.id == approval.requested_by_id:
        raise Refusal("A second person decides: the move is approved by someone other than who proposed it.")
    if plan.stage.value != approval.proposal["from"]:
        raise Conflict(
            f"The plan is now at {plan.stage.label.lower()}, not where it was when the move was proposed: "
            "return it, so that the manager can propose the move again."
        )
    meeting = db.session.get(Meeting, approval.proposal["meeting_id"])
    try:
        _require_allowed(plan, PlanStage(approval.proposal["to"]), meeting, approval)
    except Refusal as refused:
        raise Conflict(
            f"The move can no longer be carried out as proposed: {refused} Return it to the manager."
        ) from refused
    before, plan.stage = plan.stage, PlanStage(approval.proposal["to"])
    db.session.flush()
    audit.record(
        actor,
        "moved to a formal stage",
        "plan",
        plan.id,
        plan_id=plan.id,
        changes={
            "stage": [before, plan.stage],
            "approval_id": approval.id,
            "meeting_id": approval.proposal["meeting_id"],
        },
    )
