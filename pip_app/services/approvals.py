"""Decisions that need a second person (issue 18): a draft is submitted for approval before it is
issued, and a closure that needs approval ("not achieved", "withdrawn", "left", or before the planned
end: `lifecycle.closure_approval_reasons`) waits for one (`closure.close_plan` proposes it). The
approver is the service's approver role (`policy.can_approve`), never the plan's own manager.

A request keeps what was submitted (`Approval.proposal`): the plan's snapshot for an issue, so a
draft changed after submission is back to draft — it can be neither approved nor issued until it
is submitted again (`changes_since_submitted`) — and the closure form's values for a closure,
carried out as proposed when approved. The manager and the approver discuss a request in its
comment thread while it waits.
"""

from __future__ import annotations

from ..clock import now_utc
from ..extensions import db
from ..lifecycle import issue_problems, quality_findings
from ..models import (
    Approval,
    ApprovalComment,
    ApprovalKind,
    ApprovalStatus,
    Plan,
    User,
)
from ..refusals import Conflict, Refusal
from . import audit, notifications
from .closure import close_plan, stored_proposal
from .factors import factors_answered
from .plans import PlanError, changes_since, issue_request, plain_snapshot, require_move
from .stages import apply_stage

COMMENT_MAX = 4000


class ChangedSinceSubmitted(Conflict):
    """The draft changed after it was submitted: what changed, for the approver to see (409)."""

    def __init__(self, changes: list[tuple[str, object, object]]):
        super().__init__(
            "The plan has been changed since it was submitted, so it is back to draft: "
            "the manager submits it again when it is ready."
        )
        self.changes = changes


def pending(plan: Plan) -> list[Approval]:
    """The plan's requests waiting for a decision."""
    return [a for a in plan.approvals if a.is_pending]


def changes_since_submitted(approval: Approval, plan: Plan | None = None) -> list[tuple[str, object, object]]:
    """What differs between a draft as submitted and as it is now (empty: unchanged): its `plan`,
    as the page read it, if given."""
    if approval.kind is not ApprovalKind.ISSUE:
        return []
    return changes_since(approval.proposal, plan if plan is not None else approval.plan)


def submit_for_issue(actor: User, plan: Plan, *, override_reason: str | None = None) -> Approval:
    """Submit a draft for approval: it must meet every issue rule; actions not yet measurable need
    the reason to issue anyway, which the approver reads. A draft changed since an earlier
    submission replaces it."""
    require_move(plan, "issue")
    problems = issue_problems(plan, factors_answered=factors_answered(plan))
    if problems:
        raise PlanError("The plan is not ready to submit: " + " ".join(p.message for p in problems))
    findings = quality_findings(plan)
    reason = (override_reason or "").strip()
    if findings and not reason:
        raise PlanError(
            "Some actions are not yet measurable. Fix them, or give a reason to issue anyway.", field="override_reason"
        )
    current = issue_request(plan)
    if current is not None and current.status in (ApprovalStatus.PENDING, ApprovalStatus.APPROVED):
        if not changes_since_submitted(current):
            raise Conflict(
                "This plan is already waiting for approval."
                if current.is_pending
                else "This plan is already approved: issue it."
            )
        _settle(current, ApprovalStatus.SUPERSEDED, None, None)
        audit.record(actor, "superseded", "approval", current.id, plan_id=plan.id, changes={"status": "superseded"})
    plan.quality_override_reason = reason or None if findings else None
    approval = Approval(
        plan=plan, kind=ApprovalKind.ISSUE, requested_by_id=actor.id, proposal=plain_snapshot(plan), reasons=[]
    )
    db.session.add(approval)
    db.session.flush()
    audit.record(
        actor,
        "submitted for approval",
        "plan",
        plan.id,
        plan_id=plan.id,
        changes={
            "approval_id": approval.id,
            "unmeasurable_actions": sorted(findings),
            "quality_override_reason": plan.quality_override_reason,
        },
    )
    notifications.approval_requested(approval, notifications.approvers_of(plan))
    return approval


def _require_pending(approval: Approval) -> None:
    if not approval.is_pending:
        by = f" by {approval.decided_by.name}" if approval.decided_by else ""
        raise Conflict(f"This request has already been decided{by}: {approval.status.label.lower()}.")


def _settle(approval: Approval, status: ApprovalStatus, actor: User | None, comment: str | None) -> None:
    """Decided: who (None when overtaken), when, with what comment. The status goes last, so that
    no flush (reading an expired actor's id may autoflush) sees it without its date."""
    decided_by_id = actor.id if actor else None
    approval.decided_by_id, approval.decided_at, approval.comment = decided_by_id, now_utc(), comment
    approval.status = status


def _comment_text(comment: str | None, *, required: str | None = None) -> str | None:
    text = (comment or "").strip()
    if required and not text:
        raise Refusal(required, field="comment")
    if len(text) > COMMENT_MAX:
        raise Refusal(f"Keep the comment to {COMMENT_MAX:,} characters or fewer.", field="comment")
    return text or None


def approve(actor: User, approval: Approval, comment: str | None = None) -> None:
    """Approve a request: a draft may then be issued by its manager; a closure is carried out as
    proposed (its manager is the one who closed it; the approval says who agreed); a move to a
    formal stage is made (services/stages.py), if its rules still allow it."""
    _require_pending(approval)
    text = _comment_text(comment)
    changes = changes_since_submitted(approval)
    if changes:
        raise ChangedSinceSubmitted(changes)
    _settle(approval, ApprovalStatus.APPROVED, actor, text)
    db.session.flush()
    audit.record(
        actor,
        "approved",
        "approval",
        approval.id,
        plan_id=approval.plan_id,
        changes={"kind": approval.kind, "comment": text},
    )
    if approval.kind is ApprovalKind.CLOSURE:
        _close_as_proposed(approval)
    elif approval.kind is ApprovalKind.STAGE:
        apply_stage(actor, approval)
    notifications.approval_decided(approval)


def _close_as_proposed(approval: Approval) -> None:
    """Carry out an approved closure as it was proposed, unless the plan moved on meanwhile."""
    try:
        close_plan(approval.requested_by, approval.plan, **stored_proposal(approval.proposal), approved=approval)
    except PlanError as refused:
        raise Conflict(
            f"The closure can no longer be carried out as proposed: {refused} "
            "Return it, so that the manager can propose the closure again."
        ) from refused


def return_request(actor: User, approval: Approval, comment: str | None) -> None:
    """Return a request with comments: the draft stays a draft, the plan stays open."""
    _require_pending(approval)
    text = _comment_text(comment, required="Say what needs to change before you would approve it.")
    _settle(approval, ApprovalStatus.RETURNED, actor, text)
    db.session.flush()
    audit.record(
        actor,
        "returned",
        "approval",
        approval.id,
        plan_id=approval.plan_id,
        changes={"kind": approval.kind, "comment": text},
    )
    notifications.approval_decided(approval)


def add_comment(actor: User, approval: Approval, body: str | None) -> ApprovalComment:
    """A message in the request's thread, while it waits for a decision."""
    _require_pending(approval)
    text = _comment_text(body, required="Write your comment.")
    comment = ApprovalComment(approval=approval, author_id=actor.id, body=text or "")
    db.session.add(comment)
    db.session.flush()
    audit.record(actor, "commented", "approval", approval.id, plan_id=approval.plan_id, changes={"comment": text})
    return comment
