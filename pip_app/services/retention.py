"""Records management: backups, the retention purge of old closed plans, and a subject access
export of everything held about one person."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, or_, select, text

from ..clock import now_utc
from ..extensions import db
from ..models import (
    FACTOR_FIELDS,
    REFERENCE_ORDER,
    Acknowledgement,
    Adjustment,
    AdjustmentDisclosure,
    Attachment,
    AuditEvent,
    Closure,
    ContributingFactors,
    HealthReferral,
    Letter,
    Meeting,
    Notification,
    Plan,
    PlanStatus,
    RegulatoryDecision,
    Support,
    User,
)
from . import audit


def backup_sqlite(database_path: str, target_path: str) -> int:
    """Copy a live SQLite database with its online backup API; returns the pages copied."""
    source = sqlite3.connect(database_path)
    target = sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
        return int(target.execute("PRAGMA page_count").fetchone()[0])
    finally:
        target.close()
        source.close()


def plans_due_for_purge(older_than_years: int) -> list[Plan]:
    """Closed plans whose closure is older than the retention period."""
    cutoff = now_utc() - timedelta(days=round(365.25 * older_than_years))
    return list(
        db.session.scalars(
            select(Plan)
            .join(Closure)
            .where(Plan.status == PlanStatus.CLOSED, Closure.closed_at < cutoff)
            .order_by(*REFERENCE_ORDER)
        )
    )


def purge_closed(actor: User | None, older_than_years: int) -> list[str]:
    """Delete closed plans past retention, with their audit trail; record the purge itself."""
    plans = plans_due_for_purge(older_than_years)
    references = [p.reference for p in plans]
    if not plans:
        return references
    ids = [p.id for p in plans]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL pip.audit_purge = 'on'"))  # the append-only trigger's one exception
    db.session.execute(delete(AuditEvent).where(AuditEvent.plan_id.in_(ids)))
    for plan in plans:
        db.session.delete(plan)
    db.session.flush()
    audit.record(
        actor, "purged", "plan", None, changes={"references": references, "older_than_years": older_than_years}
    )
    return references


def _response_record(ack: Acknowledgement) -> dict[str, Any] | None:
    """The manager's response to a disagreement (issue 18), as the person's own data."""
    response = ack.disagreement_response
    if response is None:
        return None
    return {
        "discussed_on": response.discussed_on.isoformat(),
        "discussed_with": response.discussed_with,
        "outcome": response.outcome,
        "plan_changed": response.plan_changed,
        "recorded_by": response.responded_by.name,
        "recorded_at": response.responded_at.isoformat(),
        "read_at": response.staff_read_at.isoformat() if response.staff_read_at else None,
    }


def export_person(user: User) -> dict[str, Any]:
    """Everything held about one person (a subject access request), as plain data."""
    from .plans import snapshot

    plans = db.session.scalars(select(Plan).where(Plan.staff_id == user.id).order_by(*REFERENCE_ORDER)).all()
    managed = db.session.scalars(
        select(Plan.reference).where(Plan.manager_id == user.id).order_by(*REFERENCE_ORDER)
    ).all()
    acks = db.session.scalars(
        select(Acknowledgement).where(Acknowledgement.user_id == user.id).order_by(Acknowledgement.acknowledged_at)
    ).all()
    events = db.session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.actor_id == user.id, (AuditEvent.entity == "user") & (AuditEvent.entity_id == user.id)))
        .order_by(AuditEvent.at)
    ).all()
    emails = db.session.scalars(
        select(Notification).where(Notification.recipient_id == user.id).order_by(Notification.created_at)
    ).all()
    return {
        "exported_at": now_utc().isoformat() + "Z",
        "person": {
            "name": user.name,
            "email": user.email,
            "role": user.role.value,
            "active": user.active,
            "services": [s.name for s in user.services],
            "line_manager": user.line_manager.name if user.line_manager else None,
            "created_at": user.created_at.isoformat(),
            "nation": user.nation.value if user.nation else None,
            "professional_register": user.professional_register.value if user.professional_register else None,
            "registration_number": user.registration_number,
        },
        "plans_about_them": [_plan_record(plan, snapshot) for plan in plans],
        "plans_they_manage": list(managed),
        "acknowledgements": [
            {
                "plan": a.plan.reference,
                "subject": a.subject.value,
                "version": a.plan_version,
                "statement": a.statement,
                "response": a.response.value,
                "comment": a.comment,
                "at": a.acknowledged_at.isoformat(),
                "response_to_disagreement": _response_record(a),
            }
            for a in acks
        ],
        "emails": [
            {
                "kind": n.kind.value,
                "subject": n.subject,
                "status": n.status.value,
                "added_at": n.created_at.isoformat(),
                "sent_at": n.sent_at.isoformat() if n.sent_at else None,
            }
            for n in emails
        ],
        "audit_events": [
            {
                "at": e.at.isoformat(),
                "verb": e.verb,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "plan_id": e.plan_id,
                "changes": e.changes,
            }
            for e in events
        ],
    }


def _plan_record(plan: Plan, snapshot: Callable[[Plan], dict[str, Any]]) -> dict[str, Any]:
    record = snapshot(plan) | {"status": plan.status.value}
    for entry, control in zip(record["controls"], plan.controls, strict=True):  # live status: not in the snapshot
        entry["status"] = control.status.label
    record["reviews"] = [
        {
            "date": r.review_date.isoformat(),
            "reviewer": r.reviewer.name,
            "summary": r.summary,
            "decision": r.decision.value,
            "staff_comment": r.staff_comment,
            "entries": [
                {
                    "action": e.action.ref,
                    "progress": e.progress.value,
                    "measured_value": e.measured_value,
                    "note": e.note,
                }
                for e in r.entries
            ],
        }
        for r in plan.reviews
    ]
    record["observations"] = [
        {
            "date": o.scheduled_on.isoformat(),
            "shift": o.shift.value,
            "status": o.status.value,
            "outcome": o.outcome.value if o.outcome else None,
            "notes": o.notes,
        }
        for o in plan.observations
    ]
    # The evidence files held on the plan (restricted ones included: they are about this person),
    # described with their fingerprints; each file itself is downloaded from the plan.
    record["attachments"] = [
        {
            "file": a.filename,
            "what": a.description,
            "attached_to": a.subject_key,
            "type": a.kind,
            "bytes": a.size,
            "sha256": a.sha256,
            "visibility": a.visibility.value,
            "uploaded_by": a.uploaded_by.name,
            "uploaded_at": a.uploaded_at.isoformat(),
            "copy_given_on": a.copy_given_on.isoformat() if a.copy_given_on else None,
        }
        for a in db.session.scalars(
            select(Attachment).where(Attachment.plan_id == plan.id).order_by(Attachment.uploaded_at, Attachment.id)
        )
    ]
    record |= _fair_process(plan)
    # Regulatory decisions about them (issue 20): each referral considered, the decision and why.
    record["regulatory_decisions"] = [
        {
            "question": d.question.value,
            "decision": d.answer.value,
            "rationale": d.rationale,
            "decided_by": d.decided_by.name,
            "decided_on": d.decided_on.isoformat(),
            "reference": d.reference,
        }
        for d in _rows(RegulatoryDecision, plan, RegulatoryDecision.question)
    ]
    # Formal letters to them (issue 20), drafts too: what each says, when it was sent, received, expires.
    record["letters"] = [
        {
            "kind": letter.kind.value,
            "version": letter.version,
            "drafted_at": letter.drafted_at.isoformat(),
            "sent_on": letter.sent_on.isoformat() if letter.sent_on else None,
            "expires_on": letter.expires_on.isoformat() if letter.expires_on else None,
            "appeal_by": letter.appeal_by.isoformat() if letter.appeal_by else None,
            "received_at": letter.received_at.isoformat() if letter.received_at else None,
            "content": letter.content,
        }
        for letter in _rows(Letter, plan, Letter.kind)
    ]
    if plan.closure:
        c = plan.closure
        record["closure"] = {
            "outcome": c.outcome.value,
            "what_changed": c.what_changed,
            "how_measured": c.how_measured,
            "risk_now_controlled": c.risk_now_controlled,
            "ongoing_monitoring": c.ongoing_monitoring,
            "closed_at": c.closed_at.isoformat(),
            "adjustments_in_place_on": c.adjustments_in_place_on.isoformat() if c.adjustments_in_place_on else None,
            "days_after_adjustments": c.days_after_adjustments,
            "reasonable_time_after_adjustments": c.reasonable_time_after_adjustments,
            "reasonable_time_explanation": c.reasonable_time_explanation,
        }
    return record


def _rows(model: Any, plan: Plan, order: Any) -> list[Any]:
    return list(db.session.scalars(select(model).where(model.plan_id == plan.id).order_by(order, model.id)))


def _fair_process(plan: Plan) -> dict[str, Any]:
    """The plan's contributing factors, meetings, support, adjustments and occupational-health referrals (issue 19):
    the restricted detail too, as it is about the person asking."""

    def day(value: Any) -> str | None:
        return value.isoformat() if value else None

    factors = db.session.scalar(select(ContributingFactors).where(ContributingFactors.plan_id == plan.id))
    return {
        "contributing_factors": (
            {name: getattr(factors, name) for name in (*FACTOR_FIELDS, "none_identified_reason")} if factors else None
        ),
        "meetings": [
            {
                "type": m.kind.value,
                "date": day(m.held_on),
                "time": m.starts_at.strftime("%H:%M") if m.starts_at else None,
                "place": m.place,
                "attendees": [u.name for u in m.attendees] + [n for n in m.other_attendees.splitlines() if n.strip()],
                "note_taker": m.note_taker,
                "companion": {"kind": m.companion_kind.value, "name": m.companion_name},
                "written_notice_on": day(m.notice_given_on),
                "evidence_copies": m.evidence_copies,
                "discussion": m.discussion,
                "staff_account": m.staff_account,
                "decisions": m.decisions,
                "minutes_shared_on": day(m.minutes_shared_on),
                "minutes_response": m.minutes_response.value if m.minutes_response else None,
                "minutes_comment": m.minutes_comment,
            }
            for m in _rows(Meeting, plan, Meeting.held_on)
        ],
        "support": [
            {
                "kind": s.kind.value,
                "what": s.description,
                "provided_by": s.provided_by,
                "from": day(s.starts_on),
                "delivered_on": day(s.delivered_on),
                "note": s.note,
            }
            for s in _rows(Support, plan, Support.starts_on)
        ],
        "adjustments": [
            {
                "requested_on": day(a.requested_on),
                "requested_by": a.requested_by,
                "request": a.request,
                "decision": a.decision.value,
                "reason": a.decision_reason,
                "implemented_on": day(a.implemented_on),
                "review_on": day(a.review_on),
                "access_to_work_suggested": a.access_to_work,
            }
            for a in _rows(Adjustment, plan, Adjustment.requested_on)
        ],
        "adjustment_detail_in_closure_summary": next(
            (
                {"include_detail": d.include_detail, "reason": d.reason, "chosen_at": d.chosen_at.isoformat()}
                for d in _rows(AdjustmentDisclosure, plan, AdjustmentDisclosure.chosen_at)
            ),
            None,
        ),
        "occupational_health_referrals": [
            {
                "referred_on": day(r.referred_on),
                "questions": r.questions,
                "report_received_on": day(r.report_received_on),
                "recommendations": r.recommendations,
            }
            for r in _rows(HealthReferral, plan, HealthReferral.referred_on)
        ],
    }
