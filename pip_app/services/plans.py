"""Plan operations: references, snapshots of issued versions."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Plan


def next_reference(year: int) -> str:
    """The next free human-friendly reference for a year, e.g. PIP-2026-0007."""
    prefix = f"PIP-{year}-"
    last = db.session.scalar(
        select(Plan.reference).where(Plan.reference.like(prefix + "%")).order_by(Plan.reference.desc()).limit(1)
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def snapshot(plan: Plan) -> dict:
    """Everything the staff member acknowledges in an issued version, as plain data."""
    return {
        "reference": plan.reference,
        "version": plan.version,
        "staff": plan.staff.name,
        "manager": plan.manager.name,
        "service": plan.service.name,
        "start_date": plan.start_date.isoformat(),
        "planned_end_date": plan.planned_end_date.isoformat(),
        "review_weekday": plan.review_weekday,
        "risk_area": plan.risk_area.label,
        "risk_statement": plan.risk_statement,
        "evidence_sources": list(plan.evidence_sources or []),
        "evidence_detail": plan.evidence_detail,
        "key_questions": list(plan.key_questions or []),
        "baseline_text": plan.baseline_text,
        "baseline_figure": plan.baseline_figure,
        "no_control_reason": plan.no_control_reason,
        "controls": [
            {
                "kind": c.kind.label,
                "detail": c.detail,
                "responsible": c.responsible.name,
                "start_date": c.start_date.isoformat(),
                "review_by_date": c.review_by_date.isoformat(),
                "status": c.status.label,
            }
            for c in plan.controls
        ],
        "actions": [
            {
                "ref": a.ref,
                "behaviour": a.behaviour,
                "when": a.when,
                "check_method": a.check_method,
                "success_criterion": a.success_criterion,
                "measure": (
                    {
                        "name": a.measure_name,
                        "unit": a.measure_unit,
                        "baseline": a.measure_baseline,
                        "target": a.measure_target,
                        "consecutive": a.measure_consecutive,
                    }
                    if a.has_measure
                    else None
                ),
                "owner": a.owner.name if a.owner else None,
                "due_date": a.due_date.isoformat() if a.due_date else None,
            }
            for a in plan.actions
        ],
    }
