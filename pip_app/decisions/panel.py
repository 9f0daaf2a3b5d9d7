"""What the plan page's "Decisions" part shows this person: the plan's requests for approval
(the draft's newest, and a closure waiting), what changed since a draft was submitted, its
escalations, and the forms they may use (blank, or the one being corrected)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy.orm import joinedload, load_only, selectinload
from wtforms.fields.choices import SelectChoice

from .. import policy
from ..access import current_person
from ..clock import today
from ..formatting import format_date
from ..lifecycle import plan_run, quality_findings
from ..models import (
    Action,
    Approval,
    ApprovalComment,
    ApprovalKind,
    ClosureOutcome,
    Escalation,
    InterimControl,
    Meeting,
    Plan,
    PlanStage,
)
from ..plan_header import header_context
from ..plan_reads import REGULATORY_FLAG_READS, PlanReads
from ..services.approvals import changes_since_submitted
from ..services.escalations import decision_in_words
from ..services.plans import issue_request
from ..services.stages import formal_meetings, formal_move_awaited, stage_request
from ..stage_rules import next_stage
from ..summaries import CLOSURE_SECTIONS
from .forms import ApprovalDecisionForm, CommentForm, EscalationDecisionForm, StageForm

# Of the plan's meetings, what choosing the formal one a move follows reads (the plan page loads
# the same columns for its late-minutes flag, in the same SELECT).
MEETING_COLUMNS = (
    Meeting.plan_id,
    Meeting.kind,
    Meeting.held_on,
    Meeting.notice_given_on,
    Meeting.minutes_shared_on,
)

# What the part reads: the requests with their threads and people, the escalations with theirs
# (the plan page loads these too), and what a draft's snapshot names (to compare it with the
# one submitted).
DECISION_READS = PlanReads(
    collections={
        "approvals": (
            joinedload(Approval.requested_by),
            joinedload(Approval.decided_by),
            selectinload(Approval.comments).joinedload(ApprovalComment.author),
        ),
        "escalations": (joinedload(Escalation.raised_by), joinedload(Escalation.decided_by)),
    }
)
PART_READS = (
    PlanReads(
        joined=(
            joinedload(Plan.staff),
            joinedload(Plan.manager),
            joinedload(Plan.service),
        ),
        collections={
            "controls": (joinedload(InterimControl.responsible),),
            "actions": (joinedload(Action.owner),),
            "meetings": (load_only(*MEETING_COLUMNS),),
        },
    )
    + REGULATORY_FLAG_READS
    + DECISION_READS
)


def comment_form(approval: Approval, formdata: Any = None) -> CommentForm:
    return CommentForm(formdata=formdata, prefix=f"comment{approval.id}")


def approval_form(approval: Approval, formdata: Any = None) -> ApprovalDecisionForm:
    return ApprovalDecisionForm(formdata=formdata, prefix=f"approval{approval.id}", row_version=approval.row_version)


def decide_form(escalation: Escalation, formdata: Any = None) -> EscalationDecisionForm:
    form = EscalationDecisionForm(
        formdata=formdata, prefix=f"decide{escalation.id}", row_version=escalation.row_version
    )
    if formdata is None:
        form.decided_on.data = today()
    return form


def requests_shown(plan: Plan) -> list[Approval]:
    """A draft's newest request for approval; an issued plan's closure, or move to a formal
    stage, waiting for approval."""
    if plan.is_draft:
        request = issue_request(plan)
        return [request] if request is not None else []
    return [a for a in plan.approvals if a.kind in (ApprovalKind.CLOSURE, ApprovalKind.STAGE) and a.is_pending]


def stage_form(plan: Plan, formdata: Any = None) -> StageForm:
    """The form proposing the plan's next stage (offered only while there is one)."""
    form = StageForm(formdata=formdata)
    if formdata is None:
        form.stage.data = next_stage(plan.stage.value)
    form.meeting_id.choices = [SelectChoice("", "Choose the formal meeting")] + [
        SelectChoice(
            m.id,
            f"Formal meeting of {format_date(m.held_on)}"
            + (f" (notice given {format_date(m.notice_given_on)})" if m.notice_given_on else " (no notice recorded)"),
        )
        for m in formal_meetings(plan)
    ]
    return form


def _stage_words(approval: Approval) -> dict[str, str]:
    proposal = approval.proposal
    return dict(
        before=PlanStage(proposal["from"]).label,
        after=PlanStage(proposal["to"]).label,
        held_on=format_date(date.fromisoformat(proposal["held_on"])),
        notice_given_on=(
            format_date(date.fromisoformat(proposal["notice_given_on"])) if proposal.get("notice_given_on") else "—"
        ),
        reason=proposal.get("reason", ""),
    )


def decisions_context(plan: Plan, **overrides: Any) -> dict[str, Any]:
    """The part on its own (with the plan page's header, refreshed beside it)."""
    context = dict(
        plan=plan,
        **header_context(plan),
        decisions=decisions_panel(plan),
        saved=None,
        saved_message=None,
        section_error=None,
        conflict=None,
    )
    context.update(overrides)
    return context


def may_propose_stage(plan: Plan) -> bool:
    """Whether the person may propose the plan's next stage now: there is one, and no move waits."""
    return (
        policy.can_propose_stage(current_person(), plan)
        and next_stage(plan.stage.value) is not None
        and stage_request(plan) is None
    )


def may_escalate(plan: Plan) -> bool:
    """Whether the person may escalate the plan now (escalating again while one waits for a
    decision adds nothing: they say more on that one)."""
    return policy.can_escalate(current_person(), plan) and not any(e.is_open for e in plan.escalations)


def decisions_panel(plan: Plan, **kept: Any) -> dict[str, Any]:
    """The part's context. `kept`: a form being corrected, as `comment`, `approval` or `decide`
    (a pair of the record's id and the form) or `escalate` or `stage` (the form).

    The forms that start something (propose the next stage, escalate) open on demand (`new_stage`,
    `new_escalation`), unless one is being corrected or, for the stage, a decision awaits the move:
    building and drawing them was a twentieth of the plan page."""
    me = current_person()
    requests = requests_shown(plan) if policy.can_read_approvals(me, plan) else []
    upcoming = next_stage(plan.stage.value)
    may_approve = policy.can_approve(me, plan)
    may_discuss = policy.can_discuss_approval(me, plan)
    may_decide = policy.can_decide_escalation(me, plan)
    forms: dict[str, dict[int, Any]] = {
        "comment": {r.id: comment_form(r) for r in requests if r.is_pending and may_discuss},
        # A move to a formal stage is decided by someone other than who proposed it (services/stages.py).
        "approval": {
            r.id: approval_form(r)
            for r in requests
            if r.is_pending and may_approve and not (r.kind is ApprovalKind.STAGE and r.requested_by_id == me.id)
        },
        "decide": {e.id: decide_form(e) for e in plan.escalations if e.is_open and may_decide},
    }
    for name in forms:
        if name in kept:
            record_id, form = kept[name]
            forms[name][record_id] = form
    awaited = formal_move_awaited(plan)
    may_stage = may_propose_stage(plan)
    return dict(
        requests=requests,
        changes={r.id: changes_since_submitted(r, plan) for r in requests if r.is_pending},
        findings=quality_findings(plan) if plan.is_draft and requests else {},
        stage_moves={r.id: _stage_words(r) for r in requests if r.kind is ApprovalKind.STAGE},
        notice_days=current_app.config["FORMAL_NOTICE_WORKING_DAYS"],
        next_stage=PlanStage(upcoming) if upcoming else None,
        formal_move_awaited=awaited,
        may_propose_stage=may_stage,
        stage_form=kept.get("stage") or (stage_form(plan) if may_stage and awaited else None),
        outcomes={
            r.id: ClosureOutcome(r.proposal["outcome"]).label for r in requests if r.kind is ApprovalKind.CLOSURE
        },
        sections=CLOSURE_SECTIONS,
        run=plan_run(plan.start_date, plan.planned_end_date, today()),
        escalations=list(reversed(plan.escalations)),
        in_words=decision_in_words,
        may_approve=may_approve,
        may_escalate=may_escalate(plan),
        forms=forms,
        escalate_form=kept.get("escalate"),
    )
