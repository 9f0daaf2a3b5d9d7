"""The plain data behind a plan's PDF (summaries.PlanSummary), built from a loaded plan, and the
PDF download's file name and audit entry. The views pass the summary to pdf.render_plan_pdf;
nothing here imports the PDF package."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..clock import now_utc, to_london, today
from ..extensions import db
from ..file_types import KINDS, format_size
from ..formatting import format_date, format_datetime, format_measure
from ..lifecycle import current_reviews, diff_snapshots
from ..models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    Action,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    DisagreementResponse,
    Escalation,
    InterimControl,
    Plan,
    PlanVersion,
    RegulatoryDecision,
    Review,
    ReviewDecision,
    Role,
    User,
    choice_label,
)
from ..plan_reads import PLAN_AND_ITS_PEOPLE, PlanReads
from ..quality import assess_action
from ..summaries import (
    AckRow,
    ActionRow,
    ClosureSummary,
    ControlRow,
    DecisionRow,
    EvidenceRow,
    MeasureRow,
    ObservationRow,
    OutstandingRow,
    PlanSummary,
    RegulatoryRow,
    ReviewEntryRow,
    ReviewRow,
    VersionRow,
)
from . import attachments as attachment_ops
from . import audit
from .closure import closure_ack_state
from .closure_draft import observation_counts
from .closure_gate import final_measures
from .fair_process_summary import fair_process_summary
from .regulatory import checklist as regulatory_checklist
from .regulatory import why_needed as regulatory_why_needed
from .reviews import from_meeting

# Everything a summary shows (the closure summary, the case bundle), read in a fixed number of
# statements.
SUMMARY_READS = PLAN_AND_ITS_PEOPLE + PlanReads(
    collections={
        "reviews": (joinedload(Review.reviewer), selectinload(Review.entries), joinedload(Review.meeting)),
        "acknowledgements": (
            joinedload(Acknowledgement.user),
            joinedload(Acknowledgement.disagreement_response).joinedload(DisagreementResponse.responded_by),
        ),
        "versions": (joinedload(PlanVersion.created_by),),
        "approvals": (joinedload(Approval.requested_by), joinedload(Approval.decided_by)),
        "escalations": (
            joinedload(Escalation.raised_by),
            joinedload(Escalation.decided_by),
            joinedload(Escalation.review),
        ),
        "regulatory_decisions": (joinedload(RegulatoryDecision.decided_by),),
    },
)


def _measure_row(action: Action, frozen: dict[str, Any] | None, live: dict[str, Any] | None) -> MeasureRow:
    """One measured action for the PDF: the values frozen at closure, else the live record."""
    source = frozen or live or {}
    values = source.get("values")
    if values is None and live:  # closures frozen before values were kept: fall back to the record
        values = live["values"]
    return MeasureRow(
        name=source.get("name") or action.measure_name or "",
        unit=source.get("unit", action.measure_unit),
        baseline=source.get("baseline", action.measure_baseline),
        final=source.get("final"),
        target=source.get("target", action.measure_target),
        higher_is_better=source.get("higher_is_better", action.measure_higher_is_better),
        consecutive=source.get("consecutive", action.measure_consecutive),
        met=source.get("met", live["met"] if live else None),
        values=[(date.fromisoformat(d), float(v)) for d, v in (values or [])],
    )


def plan_summary(plan: Plan, *, generated_by: User, with_closure: bool) -> PlanSummary:
    """The plain data one PDF shows; with_closure adds the closure (closed plans only)."""
    closure = plan.closure if with_closure else None
    live = {m["ref"]: m for m in final_measures(plan)}
    frozen = {m.get("ref"): m for m in (closure.final_measures or [])} if closure else {}
    actions_by_id = {a.id: a for a in plan.actions}
    reviews_by_id = {r.id: r for r in plan.reviews}
    counted = {r.id for r in current_reviews(plan.reviews)}

    actions = [
        ActionRow(
            ref=a.ref,
            behaviour=a.behaviour,
            when=a.when + (f" (by {format_date(a.when_date)})" if a.when_date else ""),
            check_method=a.check_method,
            success_criterion=a.success_criterion,
            status=a.status.label,
            owner=a.owner.name if a.owner else None,
            due_date=a.due_date,
            completion_evidence=a.completion_evidence,
            assurance_evidence=a.assurance_evidence,
            status_reason=a.status_reason,
            measure=_measure_row(a, frozen.get(a.ref), live.get(a.ref)) if a.has_measure or a.ref in frozen else None,
            findings=[
                f.message
                for f in assess_action(a.behaviour, a.when, a.check_method, a.success_criterion, plan.risk_area)
            ],
        )
        for a in plan.actions
    ]

    reviews: list[ReviewRow] = []
    for r in plan.reviews:
        entries = sorted(
            r.entries, key=lambda e: actions_by_id[e.action_id].number if e.action_id in actions_by_id else 0
        )
        reviews.append(
            ReviewRow(
                review_date=r.review_date,
                reviewer=r.reviewer.name,
                summary=r.summary,
                decision=r.decision.label,
                next_review_date=r.next_review_date,
                staff_comment=r.staff_comment,
                superseded=r.id not in counted,
                recorded_at=to_london(r.created_at),
                escalated=r.decision is ReviewDecision.ESCALATE,
                from_meeting=from_meeting(r),
                entries=[
                    ReviewEntryRow(
                        ref=actions_by_id[e.action_id].ref if e.action_id in actions_by_id else "?",
                        progress=e.progress.label,
                        value=(
                            format_measure(e.measured_value, _unit(actions_by_id.get(e.action_id)))
                            if e.measured_value is not None
                            else None
                        ),
                        note=e.note or "",
                    )
                    for e in entries
                ],
            )
        )

    def subject(ack: Acknowledgement) -> str:
        if ack.subject is AckSubject.PLAN:
            return f"Plan version {ack.plan_version}"
        if ack.subject is AckSubject.REVIEW:
            review = reviews_by_id.get(ack.review_id) if ack.review_id is not None else None
            return f"Weekly review of {format_date(review.review_date)}" if review else "Weekly review"
        return "Closure"

    closure_data = None
    if closure:
        state = closure_ack_state(plan)
        closure_data = ClosureSummary(
            outcome=closure.outcome.label,
            outcome_code=closure.outcome.value,
            what_changed=closure.what_changed,
            how_measured=closure.how_measured,
            risk_now_controlled=closure.risk_now_controlled,
            ongoing_monitoring=closure.ongoing_monitoring,
            closed_by=closure.closed_by.name,
            closed_at=to_london(closure.closed_at),
            acknowledgement=state.sentence(plan.staff.name) if state else "",
        )
    return PlanSummary(
        fair_process=fair_process_summary(plan) if closure else None,
        decisions=_decisions(plan) if closure else [],
        regulatory=_regulatory(plan) if closure else [],
        regulatory_why=regulatory_why_needed(plan) if closure else "",
        reference=plan.reference,
        staff=plan.staff.name,
        manager=plan.manager.name,
        service=plan.service.name,
        status=plan.status.label,
        version=plan.version,
        plan_type=plan.plan_type.label,
        stage=plan.stage.label,
        start_date=plan.start_date,
        planned_end_date=plan.planned_end_date,
        risk_area=plan.risk_area.label,
        risk_statement=plan.risk_statement,
        evidence_sources=[_label(s) for s in plan.evidence_sources or []],
        evidence_detail=plan.evidence_detail,
        key_questions=[_label(k, "-") for k in plan.key_questions or []],
        baseline_text=plan.baseline_text,
        baseline_figure=plan.baseline_figure,
        no_control_reason=plan.no_control_reason,
        generated_at=to_london(now_utc()),
        generated_by=generated_by.name,
        controls=[
            ControlRow(
                kind=c.kind.label,
                detail=c.detail,
                responsible=c.responsible.name,
                start_date=c.start_date,
                review_by_date=c.review_by_date,
                status=c.status.label,
                lifted_on=c.lifted_on,
                lift_rationale=c.lift_rationale,
                lifted_by=c.lifted_by.name if c.lifted_by else None,
                last_checked_on=c.last_checked_on,
                continued=_continued(c),
            )
            for c in plan.controls
        ],
        actions=actions,
        observations=[
            ObservationRow(
                scheduled_on=o.scheduled_on,
                shift=o.shift.label,
                observer=o.observer.name,
                focus=", ".join(a.ref for a in o.focus),
                status=o.status.label,
                outcome=o.outcome.label if o.outcome else None,
                notes=o.notes,
            )
            for o in plan.observations
        ],
        observation_counts=observation_counts(plan),
        reviews=reviews,
        acknowledgements=[
            AckRow(
                at=to_london(a.acknowledged_at),
                who=a.user.name,
                subject=subject(a),
                response=a.response.label,
                comment=a.comment,
                statement=a.statement,
                answer=disagreement_answer(a, plan),
            )
            for a in plan.acknowledgements
            if with_closure or a.subject is not AckSubject.CLOSURE
        ],
        closure=closure_data,
        quality_override_reason=plan.quality_override_reason,
        versions=_versions(plan),
        outstanding=_outstanding(plan, with_closure),
        registered_manager=_registered_managers(plan),
        **_evidence(plan, generated_by),
    )


def _decisions(plan: Plan) -> list[DecisionRow]:
    """Approvals (before issue, before a hard closure) and escalations, oldest first; a request
    overtaken by a change or a later one is left out."""
    rows: list[tuple[datetime, DecisionRow]] = []
    for a in plan.approvals:
        if a.status is ApprovalStatus.SUPERSEDED:
            continue
        what = {
            ApprovalKind.ISSUE: "Approval before issue",
            ApprovalKind.CLOSURE: "Approval to close the plan",
            ApprovalKind.STAGE: "Approval to move to a formal stage",
        }[a.kind]
        if a.reasons:
            what += " (" + "; ".join(a.reasons) + ")"
        decided = (
            f"{a.status.label} by {a.decided_by.name} on {format_datetime(a.decided_at)}"
            if a.decided_by and a.decided_at
            else a.status.label
        )
        rows.append(
            (
                a.requested_at,
                DecisionRow(
                    what, f"{a.requested_by.name}, {format_datetime(a.requested_at)}", decided, a.comment or ""
                ),
            )
        )
    for e in plan.escalations:
        source = f" at the review of {format_date(e.review.review_date)}" if e.review else ""
        decided = (
            f"{e.decision.label} — {e.decided_by.name}, {format_date(e.decided_on)}"
            if e.decision and e.decided_by and e.decided_on
            else "Not decided"
        )
        detail = f"Reason: {e.reason}" + (f"\nRationale: {e.rationale}" if e.rationale else "")
        rows.append(
            (
                e.raised_at,
                DecisionRow(
                    f"Escalation{source}", f"{e.raised_by.name}, {format_datetime(e.raised_at)}", decided, detail
                ),
            )
        )
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def _regulatory(plan: Plan) -> list[RegulatoryRow]:
    """Each regulatory question shown on the plan (issue 20) with its decision, or as not yet
    decided."""
    rows = []
    for q in regulatory_checklist(plan):
        d = q.decision
        if d is None:
            rows.append(RegulatoryRow(q.heading, "Not yet decided"))
        else:
            rows.append(
                RegulatoryRow(q.heading, d.answer.label, d.rationale, d.decided_by.name, d.decided_on, d.reference)
            )
    return rows


def _continued(control: InterimControl) -> str | None:
    """A control reviewed and continued (issue 18), in words, with who decided and why."""
    if control.continued_until is None:
        return None
    who = f" by {control.continued_by.name}" if control.continued_by else ""
    on = f" on {format_date(control.continued_on)}" if control.continued_on else ""
    return (
        f"Reviewed{on}{who}: continues until {format_date(control.continued_until)}, "
        f"because {control.continue_reason or 'no reason recorded'}"
    )


def disagreement_answer(ack: Acknowledgement, plan: Plan) -> str | None:
    """The response to a disagreement (issue 18), and whether the staff member read it."""
    if ack.response is not AckResponse.DISAGREE:
        return None
    response = ack.disagreement_response
    if response is None:
        return "Not answered."
    read = (
        f"{plan.staff.name} confirmed reading it on {format_date(to_london(response.staff_read_at).date())}."
        if response.staff_read_at
        else f"{plan.staff.name} has not confirmed reading it."
    )
    return (
        f"Answered by {response.responded_by.name}: discussed on {format_date(response.discussed_on)} with "
        f"{response.discussed_with}. Outcome: {response.outcome} Plan changed: "
        f"{'yes' if response.plan_changed else 'no'}. {read}"
    )


def _words(value: object) -> str:
    if value is None or value == "" or value == []:
        return "nothing"
    if isinstance(value, list):
        return "“" + ", ".join(str(v) for v in value) + "”"
    return f"“{value}”"


def _versions(plan: Plan) -> list[VersionRow]:
    """Each issued version: who issued it, when, the changes from the one before in plain words,
    and the staff member's response to it."""
    acks = {a.plan_version: a for a in plan.acknowledgements if a.subject is AckSubject.PLAN}
    rows: list[VersionRow] = []
    previous: PlanVersion | None = None
    for v in plan.versions:
        changes: list[str] = []
        if previous is not None:
            for what, before, after in diff_snapshots(previous.snapshot, v.snapshot):
                if before is None:
                    changes.append(f"{what}: {_words(after)}")
                elif after is None:
                    changes.append(f"{what}: was {_words(before)}")
                else:
                    changes.append(f"{what} changed from {_words(before)} to {_words(after)}")
        ack = acks.get(v.version)
        if ack is None:
            response = "Not acknowledged"
        else:
            verb = "Agreed" if ack.response.value == "agree" else "Disagreed"
            response = f"{verb} on {format_date(ack.acknowledged_at)}" + (f": {ack.comment}" if ack.comment else "")
        rows.append(
            VersionRow(
                version=v.version,
                issued_by=v.created_by.name,
                issued_at=to_london(v.created_at),
                change_summary=v.change_summary or ("First issue" if previous is None else ""),
                changes=changes,
                response=response,
            )
        )
        previous = v
    return rows


def _outstanding(plan: Plan, with_closure: bool) -> list[OutstandingRow]:
    """What the staff member was asked to acknowledge and has not, with how long it has waited."""
    now = today()
    plan_acks = {a.plan_version for a in plan.acknowledgements if a.subject is AckSubject.PLAN}
    review_acks = {a.review_id for a in plan.acknowledgements if a.subject is AckSubject.REVIEW}
    rows = [
        OutstandingRow(f"Plan version {v.version}", to_london(v.created_at).date(), 0)
        for v in plan.versions
        if v.version not in plan_acks
    ]
    rows += [
        OutstandingRow(f"Weekly review of {format_date(r.review_date)}", to_london(r.created_at).date(), 0)
        for r in current_reviews(plan.reviews)
        if r.id not in review_acks
    ]
    closure = plan.closure
    if with_closure and closure and not any(a.subject is AckSubject.CLOSURE for a in plan.acknowledgements):
        rows.append(OutstandingRow("Closure", to_london(closure.closed_at).date(), 0))
    for row in rows:
        row.days = max(0, (now - row.since).days)
    return sorted(rows, key=lambda r: r.since)


def _registered_managers(plan: Plan) -> str:
    """The service's registered managers (seniors), who sign the closure second."""
    names = db.session.scalars(
        select(User.name)
        .where(User.role == Role.SENIOR, User.active.is_(True), User.services.any(id=plan.service_id))
        .order_by(User.name)
    ).all()
    return ", ".join(names)


def _evidence(plan: Plan, viewer: User) -> dict[str, Any]:
    """The evidence index: every attached file the person the PDF is made for may see, with its
    SHA-256 (and how many restricted files were left out for them)."""
    every = attachment_ops.plan_attachments(plan)
    shown = [a for a in every if policy.can_view_attachment(viewer, plan, a)]
    return dict(
        evidence=[
            EvidenceRow(
                filename=a.filename,
                description=a.description,
                attached_to=attachment_ops.subject_label(a),
                kind=KINDS[a.kind].label,
                size=format_size(a.size),
                sha256=a.sha256,
                uploaded_by=a.uploaded_by.name,
                uploaded_at=to_london(a.uploaded_at),
                restricted=a.is_restricted,
                copy_given_on=a.copy_given_on,
            )
            for a in shown
        ],
        evidence_withheld=len(every) - len(shown),
    )


def _unit(action: Action | None) -> str | None:
    return action.measure_unit if action is not None else None


_label = choice_label


# --- The download ------------------------------------------------------------------------------


def pdf_filename(plan: Plan, kind: str) -> str:
    """A server-chosen ASCII file name, e.g. PIP-2026-0007-closure-summary.pdf."""
    reference = re.sub(r"[^A-Za-z0-9-]", "", plan.reference) or f"plan-{plan.id}"
    return f"{reference}-{'closure-summary' if kind == 'closure' else 'plan'}.pdf"


def record_download(actor: User, plan: Plan, kind: str) -> None:
    """Every PDF download is an audit event in the plan's history."""
    entity_id = plan.closure.id if kind == "closure" and plan.closure else plan.id
    audit.record(
        actor, "downloaded", f"{kind}_pdf", entity_id, plan_id=plan.id, changes={"file": pdf_filename(plan, kind)}
    )
    db.session.flush()
