"""The plain data behind a plan's case bundle (summaries.CaseBundle): the closure summary's data
(services/summaries.plan_summary), the disagreements and escalations with what followed them, the
audit extract the person may see and, if asked for, the attached PDFs they may see; and the
download's file name and audit entry. The view passes the bundle to pdf.render_case_bundle."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import joinedload, undefer

from .. import policy
from ..clock import to_london
from ..extensions import db
from ..formatting import format_date
from ..models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    Attachment,
    AuditEvent,
    Plan,
    PlanVersion,
    Review,
    ReviewDecision,
    User,
)
from ..summaries import AppendixFile, AuditRow, CaseBundle, DisagreementRow, EscalationRow
from . import attachments as attachment_ops
from . import audit
from .fair_process_summary import fair_process_summary
from .summaries import disagreement_answer, plan_summary

# An audit event's details are printed up to this many characters each (the record itself is
# whole in the database; versions and their changes are printed in full in their own section).
DETAIL_LIMIT = 400


def case_bundle(plan: Plan, *, viewer: User, append_pdfs: bool) -> CaseBundle:
    """Everything the case bundle shows `viewer` (who may download it: policy.can_download_case_bundle).
    Load the plan with summaries.SUMMARY_READS."""
    summary = plan_summary(plan, generated_by=viewer, with_closure=True)
    # The fair process (meetings, support, factors, adjustments counted) is part of the closure
    # section once a plan is closed; an open plan's bundle shows it in a section of its own.
    summary.fair_process = summary.fair_process or fair_process_summary(plan)
    return CaseBundle(
        summary=summary,
        disagreements=_disagreements(plan),
        escalations=_escalations(plan),
        audit=_audit_extract(plan, viewer),
        appendices=_appendices(plan, viewer) if append_pdfs else [],
        appendices_requested=append_pdfs,
    )


def _short(text: str | None, limit: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _subject(ack: Acknowledgement, reviews: dict[int, Review]) -> str:
    if ack.subject is AckSubject.PLAN:
        return f"Plan version {ack.plan_version}"
    if ack.subject is AckSubject.REVIEW:
        review = reviews.get(ack.review_id) if ack.review_id is not None else None
        return f"Weekly review of {format_date(review.review_date)}" if review else "Weekly review"
    return "Closure"


def _disagreements(plan: Plan) -> list[DisagreementRow]:
    """Each disagreement, and what followed it: for a plan version, the next version issued
    (the amendment); for a review, the next review; for the closure, nothing can follow."""
    reviews = {r.id: r for r in plan.reviews}
    ordered_reviews = sorted(plan.reviews, key=lambda r: (r.review_date, r.created_at))
    rows: list[DisagreementRow] = []
    for ack in sorted(plan.acknowledgements, key=lambda a: a.acknowledged_at):
        if ack.response is not AckResponse.DISAGREE:
            continue
        followed = "Nothing later is recorded."
        if ack.subject is AckSubject.PLAN:
            later: PlanVersion | None = next((v for v in plan.versions if v.version > ack.plan_version), None)
            if later is not None:
                followed = (
                    f"Version {later.version} issued on {format_date(to_london(later.created_at).date())} "
                    f"by {later.created_by.name}" + (f": {later.change_summary}" if later.change_summary else ".")
                )
        elif ack.subject is AckSubject.REVIEW:
            after = next((r for r in ordered_reviews if r.created_at > ack.acknowledged_at), None)
            if after is not None:
                followed = f"The next weekly review, of {format_date(after.review_date)} ({after.decision.label})"
                followed += f": {_short(after.summary)}" if after.summary else "."
        else:
            followed = "The closure stands as recorded; the comment is kept with it."
        if ack.disagreement_response is not None:  # answered (issue 18): the response comes first
            followed = f"{disagreement_answer(ack, plan)} Then: {followed}"
        rows.append(
            DisagreementRow(
                at=to_london(ack.acknowledged_at),
                subject=_subject(ack, reviews),
                comment=ack.comment or "",
                followed=followed,
            )
        )
    return rows


def _escalations(plan: Plan) -> list[EscalationRow]:
    """Each weekly review that decided to escalate, and the review (or closure) that came next."""
    ordered = sorted(plan.reviews, key=lambda r: (r.review_date, r.created_at))
    rows: list[EscalationRow] = []
    for i, review in enumerate(ordered):
        if review.decision is not ReviewDecision.ESCALATE:
            continue
        after = ordered[i + 1] if i + 1 < len(ordered) else None
        if after is not None:
            followed = f"Next weekly review, {format_date(after.review_date)}: {after.decision.label}"
            followed += f" — {_short(after.summary)}" if after.summary else ""
        elif plan.closure is not None:
            followed = (
                f"Closed on {format_date(to_london(plan.closure.closed_at).date())}: {plan.closure.outcome.label}"
            )
        else:
            followed = "No later review is recorded yet."
        rows.append(
            EscalationRow(
                review_date=review.review_date, reviewer=review.reviewer.name, summary=review.summary, followed=followed
            )
        )
    return rows


def _detail(changes: dict[str, object] | None) -> str:
    """An event's recorded details in words ("response: agree; comment: …"); an amendment's
    field-by-field diff is left to the versions section."""
    parts = []
    for key, value in (changes or {}).items():
        if key == "diff":
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        parts.append(f"{key.replace('_', ' ')}: {_short(shown, DETAIL_LIMIT)}")
    return "; ".join(parts)


def _audit_extract(plan: Plan, viewer: User) -> list[AuditRow]:
    """The plan's audit trail as `viewer` may see it (policy.visible_history), oldest first."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(policy.visible_history(viewer, plan))
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return [
        AuditRow(
            at=to_london(e.at),
            who=e.actor.name if e.actor else "System",
            what=f"{e.verb.replace('_', ' ').capitalize()} {e.entity.replace('_', ' ')}",
            detail=_detail(e.changes),
        )
        for e in events
    ]


def _appendices(plan: Plan, viewer: User) -> list[AppendixFile]:
    """The attached PDFs `viewer` may see, oldest first, with their bytes."""
    pdfs: Sequence[Attachment] = db.session.scalars(
        select(Attachment)
        .where(Attachment.plan_id == plan.id, Attachment.kind == "pdf")
        .options(
            undefer(Attachment.content),
            joinedload(Attachment.action),
            joinedload(Attachment.review),
            joinedload(Attachment.observation),
        )
        .order_by(Attachment.uploaded_at, Attachment.id)
    ).all()
    return [
        AppendixFile(
            filename=a.filename,
            attached_to=attachment_ops.subject_label(a),
            sha256=a.sha256,
            content=bytes(a.content),
        )
        for a in pdfs
        if policy.can_view_attachment(viewer, plan, a)
    ]


# --- The download ------------------------------------------------------------------------------


def bundle_filename(plan: Plan) -> str:
    """A server-chosen ASCII file name, e.g. PIP-2026-0007-case-bundle.pdf."""
    reference = re.sub(r"[^A-Za-z0-9-]", "", plan.reference) or f"plan-{plan.id}"
    return f"{reference}-case-bundle.pdf"


def record_bundle_download(actor: User, plan: Plan, *, appended: int) -> None:
    """Every case bundle download is an audit event in the plan's history, with how many
    attached PDFs went with it."""
    audit.record(
        actor,
        "downloaded",
        "case_bundle",
        plan.id,
        plan_id=plan.id,
        changes={"file": bundle_filename(plan), "attached_pdfs": appended},
    )
    db.session.flush()
