"""Approvals and escalations: comment on a request, approve it or return it, escalate a plan,
decide on an escalation. Each answers with the decisions part of the plan page (the header's
flags refreshed beside it); a decision that changes the plan's state leaves for the plan page."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import policy
from ..access import plan_route
from ..extensions import db
from ..models import Approval, ApprovalKind, Escalation, EscalationDecision, Meeting, Plan, PlanStage
from ..plan_header import header_beside
from ..screens import Screen, plan_part, submit
from ..services import approvals, escalations, stages
from ..stage_rules import next_stage
from . import bp
from .forms import EscalateForm
from .panel import (
    PART_READS,
    approval_form,
    comment_form,
    decide_form,
    decisions_context,
    decisions_panel,
    may_escalate,
    may_propose_stage,
    stage_form,
)

DECISIONS = Screen("decisions/page.html", {"panel": "decisions/_panel.html"}, decisions_context, header_beside)


def _url(plan: Plan) -> str:
    return url_for("plans.show", plan_id=plan.id, _anchor="decisions")


@bp.get("/<int:plan_id>/decisions")
@plan_route(reads=PART_READS)
def index(plan: Plan) -> ResponseReturnValue:
    """The plan's decisions (the part for htmx, a page of its own otherwise)."""
    return DECISIONS.show(plan, "panel")


@bp.post("/<int:plan_id>/approvals/<int:approval_id>/comments")
@plan_route(policy.can_discuss_approval, reads=PART_READS, parts={"approval_id": Approval})
def comment(plan: Plan, approval: Approval) -> ResponseReturnValue:
    """Add a message to a request's thread (the manager and the approver)."""
    form = comment_form(approval, request.form)
    return submit(
        DECISIONS,
        plan,
        "panel",
        form,
        lambda: approvals.add_comment(current_user, approval, form.body.data),
        url=_url(plan),
        message="Comment added.",
        error_field="body",
        kept={"decisions": decisions_panel(plan, comment=(approval.id, form))},
    )


def _decide(plan: Plan, approval: Approval, approve: bool) -> ResponseReturnValue:
    form = approval_form(approval, request.form)
    if approve:
        done = {
            ApprovalKind.ISSUE: "Approved.",
            ApprovalKind.CLOSURE: "Approved: the plan is closed.",
            ApprovalKind.STAGE: "Approved: the plan has moved to the formal stage.",
        }[approval.kind]
    else:
        done = "Returned with your comments."
    return submit(
        DECISIONS,
        plan,
        "panel",
        form,
        lambda: (approvals.approve if approve else approvals.return_request)(current_user, approval, form.comment.data),
        url=_url(plan),
        message=done,
        stale=approval,
        error_field="comment",
        kept={"decisions": decisions_panel(plan, approval=(approval.id, form))},
        leave=True,
    )


@bp.post("/<int:plan_id>/approvals/<int:approval_id>/approve")
@plan_route(policy.can_approve, reads=PART_READS, parts={"approval_id": Approval})
def approve(plan: Plan, approval: Approval) -> ResponseReturnValue:
    """Approve a draft (its manager may then issue it) or a closure (carried out as proposed)."""
    return _decide(plan, approval, approve=True)


@bp.post("/<int:plan_id>/approvals/<int:approval_id>/return")
@plan_route(policy.can_approve, reads=PART_READS, parts={"approval_id": Approval})
def return_request(plan: Plan, approval: Approval) -> ResponseReturnValue:
    """Return a request with comments (required)."""
    return _decide(plan, approval, approve=False)


@bp.get("/<int:plan_id>/escalations/new")
@plan_route(policy.can_escalate, reads=PART_READS)
def new_escalation(plan: Plan) -> ResponseReturnValue:
    """The escalation form, opened from the decisions panel (the form for htmx, a page of its own
    otherwise); while an escalation waits for a decision, a pointer to it instead."""
    return plan_part(
        plan,
        "decisions/_escalate_form.html" if may_escalate(plan) else "decisions/_nothing_to_start.html",
        "Escalate to the registered managers",
        "decisions",
        ef=EscalateForm(formdata=None),
        why_not="An escalation of this plan is waiting for a decision: add to it there.",
    )


@bp.post("/<int:plan_id>/escalations")
@plan_route(policy.can_escalate, reads=PART_READS)
def escalate(plan: Plan) -> ResponseReturnValue:
    """Escalate the plan to the service's registered managers, with the reason."""
    form = EscalateForm()
    return submit(
        DECISIONS,
        plan,
        "panel",
        form,
        lambda: escalations.raise_escalation(current_user, plan, form.reason.data),
        url=_url(plan),
        message="Escalated to the registered managers.",
        kept={"decisions": decisions_panel(plan, escalate=form)},
    )


def decided_message(plan: Plan, escalation: Escalation) -> str:
    """The confirmation of an escalation's decision; after "move to the formal procedure", what comes next."""
    if escalation.decision is EscalationDecision.FORMAL and stages.formal_move_awaited(plan) is escalation:
        upcoming = next_stage(plan.stage.value)
        if upcoming is not None:
            return (
                f"Decision recorded. Next, propose the move to {PlanStage(upcoming).label.lower()} "
                "(Decisions, “Propose the move”), once the formal meeting has been held."
            )
    return "Decision recorded."


@bp.post("/<int:plan_id>/escalations/<int:escalation_id>/decide")
@plan_route(policy.can_decide_escalation, reads=PART_READS, parts={"escalation_id": Escalation})
def decide(plan: Plan, escalation: Escalation) -> ResponseReturnValue:
    """A registered manager's decision on an escalation, with its rationale and date."""
    form = decide_form(escalation, request.form)
    return submit(
        DECISIONS,
        plan,
        "panel",
        form,
        lambda: escalations.decide_escalation(
            current_user,
            escalation,
            decision=EscalationDecision(form.decision.data),
            rationale=form.rationale.data,
            decided_on=form.decided_on.data,
            new_end_date=form.new_end_date.data,
        ),
        url=_url(plan),
        message=lambda: decided_message(plan, escalation),
        stale=escalation,
        kept={"decisions": decisions_panel(plan, decide=(escalation.id, form))},
        leave=True,
    )


@bp.get("/<int:plan_id>/stage/new")
@plan_route(policy.can_propose_stage, reads=PART_READS)
def new_stage(plan: Plan) -> ResponseReturnValue:
    """The form proposing the next stage, opened from the decisions panel (the form for htmx, a
    page of its own otherwise); when there is no move to propose, why not."""
    upcoming = next_stage(plan.stage.value)
    return plan_part(
        plan,
        "decisions/_stage_form.html" if may_propose_stage(plan) else "decisions/_nothing_to_start.html",
        f"Propose the move to {PlanStage(upcoming).label.lower()}" if upcoming else "Propose a move",
        "decisions",
        sf=stage_form(plan) if upcoming else None,
        next_stage=PlanStage(upcoming) if upcoming else None,
        notice_days=current_app.config["FORMAL_NOTICE_WORKING_DAYS"],
        why_not=(
            "A move to the next stage is already waiting for approval."
            if upcoming
            else f"The plan is at its last stage ({plan.stage.label.lower()}): there is no move to propose."
        ),
    )


@bp.post("/<int:plan_id>/stage")
@plan_route(policy.can_propose_stage, reads=PART_READS)
def propose_stage(plan: Plan) -> ResponseReturnValue:
    """Propose moving the plan to its next stage, after a formal meeting: the approver decides."""
    form = stage_form(plan, request.form)
    return submit(
        DECISIONS,
        plan,
        "panel",
        form,
        lambda: stages.propose_stage(
            current_user,
            plan,
            target=PlanStage(form.stage.data),
            meeting=db.session.get(Meeting, form.meeting_id.data) if form.meeting_id.data else None,
            reason=form.reason.data,
        ),
        url=_url(plan),
        message="Sent for approval: the stage changes once the approver agrees.",
        error_field="reason",
        kept={"decisions": decisions_panel(plan, stage=form)},
    )
