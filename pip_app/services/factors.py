"""Contributing factors: what may be getting in the way, answered before a plan is issued.

The health need is restricted detail: only someone who may see it changes it (the view says who,
`keep_health`); the audit event names the fields that changed, never what they say."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select

from ..clock import now_utc
from ..extensions import db
from ..models import ContributingFactors, Plan, User
from ..refusals import Conflict, Refusal
from . import audit


@dataclass
class FactorValues:
    staff_account: str = ""
    workload_rota: str = ""
    induction: str = ""
    language_literacy: str = ""
    health_need: str = ""
    caring: str = ""
    systems: str = ""
    none_identified_reason: str = ""


def plan_factors(plan_id: int) -> ContributingFactors | None:
    return db.session.scalar(select(ContributingFactors).where(ContributingFactors.plan_id == plan_id))


def factors_answered(plan: Plan) -> bool:
    """The issue gate's question: are the contributing factors answered?"""
    factors = plan_factors(plan.id)
    return factors is not None and factors.answered


def save_factors(actor: User, plan: Plan, values: FactorValues, *, keep_health: bool) -> ContributingFactors:
    """Record (or correct) the contributing factors; `keep_health` leaves the stored health need
    as it is (the person saving may not see it)."""
    if plan.is_closed:
        raise Conflict("This plan is closed and can no longer be changed.")
    factors = plan_factors(plan.id)
    columns = asdict(values)
    if keep_health:
        columns["health_need"] = factors.health_need if factors else ""
    named = [v for k, v in columns.items() if k != "none_identified_reason"]
    if not any(v.strip() for v in named) and not columns["none_identified_reason"].strip():
        raise Refusal(
            "Say what may be getting in the way, or why none was identified (for example “None identified: "
            "discussed in supervision on 2 Nov, workload and rota checked”).",
            field="none_identified_reason",
        )
    if factors is None:
        factors = ContributingFactors(plan=plan, updated_by=actor, **columns)
        db.session.add(factors)
        changed = sorted(k for k, v in columns.items() if v)
    else:
        changed = sorted(audit.field_diff(factors, columns))
        for name, value in columns.items():
            setattr(factors, name, value)
        factors.updated_by, factors.updated_at = actor, now_utc()
    db.session.flush()
    # That a health need was recorded is itself restricted: its own event, which the plan's
    # history shows only to those who may see it (policy.HEALTH_ENTITIES).
    if "health_need" in changed:
        audit.record(actor, "recorded", "health_need", factors.id, plan_id=plan.id)
    changed = [name for name in changed if name != "health_need"]
    if changed:
        audit.record(
            actor, "recorded", "contributing_factors", factors.id, plan_id=plan.id, changes={"fields": changed}
        )
    return factors
