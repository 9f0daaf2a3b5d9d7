"""Reasonable adjustments and occupational-health referrals: restricted detail.

Who may see or record them is the views' (policy.can_see_health_detail,
policy.can_record_adjustments); here the dates and decisions are enforced (adjustment_rules),
every change is audited, and so is every view of the restricted panel. The audit events name
what changed and the dates, never the request or recommendations themselves: the events reach
the plan's history (filtered by policy.visible_history) and the administrator's audit log.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from ..adjustment_rules import (
    AdjustmentFacts,
    ExtensionProposal,
    TimeAfterAdjustments,
    adjustment_problems,
    extension_proposal,
    referral_problems,
    time_after_adjustments,
)
from ..clock import now_utc, today
from ..extensions import db
from ..models import Adjustment, AdjustmentDecision, AdjustmentDisclosure, HealthReferral, Plan, User
from ..refusals import Conflict, Refusal
from . import audit
from .plans import require_move

# What an audit event may say of a change (dates and decisions; no free text).
PLAIN_FIELDS = {
    "requested_on",
    "decision",
    "implemented_on",
    "review_on",
    "access_to_work",
    "referred_on",
    "report_received_on",
}


@dataclass
class AdjustmentValues:
    requested_on: date
    requested_by: str
    request: str
    decision: AdjustmentDecision = AdjustmentDecision.PENDING
    decision_reason: str = ""
    implemented_on: date | None = None
    review_on: date | None = None
    access_to_work: bool = False

    def facts(self) -> AdjustmentFacts:
        return AdjustmentFacts(
            self.requested_on, self.decision.value, self.decision_reason, self.implemented_on, self.review_on
        )


@dataclass
class ReferralValues:
    referred_on: date
    questions: str
    report_received_on: date | None = None
    recommendations: str = ""


def facts_of(adjustment: Adjustment) -> AdjustmentFacts:
    return AdjustmentFacts(
        adjustment.requested_on,
        adjustment.decision.value,
        adjustment.decision_reason or "",
        adjustment.implemented_on,
        adjustment.review_on,
        adjustment.plan_extended_days,
    )


def plan_adjustments(plan_id: int) -> list[Adjustment]:
    return list(
        db.session.scalars(
            select(Adjustment).where(Adjustment.plan_id == plan_id).order_by(Adjustment.requested_on, Adjustment.id)
        )
    )


def plan_referrals(plan_id: int) -> list[HealthReferral]:
    return list(
        db.session.scalars(
            select(HealthReferral)
            .where(HealthReferral.plan_id == plan_id)
            .order_by(HealthReferral.referred_on, HealthReferral.id)
        )
    )


def proposal_for(plan: Plan, adjustments: list[Adjustment]) -> ExtensionProposal | None:
    """The extension the adjustments propose for an active plan (None otherwise)."""
    if plan.status.value != "active":
        return None
    return extension_proposal(plan.start_date, plan.planned_end_date, [facts_of(a) for a in adjustments])


def time_after_closing(plan: Plan, on: date | None = None) -> TimeAfterAdjustments | None:
    """How long the plan has run after its agreed adjustments were in place, to `on` (today):
    what closing asks about. Dates and counts only, so it may be shown to whoever closes."""
    return time_after_adjustments(plan.start_date, on or today(), [facts_of(a) for a in plan_adjustments(plan.id)])


def record_panel_view(actor: User, plan_id: int) -> None:
    """Someone read the restricted panel: who and when, on the record."""
    audit.record(actor, "viewed", "restricted_panel", plan_id, plan_id=plan_id)


def _plain(changes: dict[str, Any]) -> dict[str, Any]:
    """What the audit event keeps of a change: dates and decisions as they are, other fields by name."""
    return {k: (v if k in PLAIN_FIELDS else "changed") for k, v in changes.items()}


def _open(plan: Plan) -> None:
    if plan.is_closed:
        raise Conflict("This plan is closed and can no longer be changed.")


def adjustment_problems_of(values: AdjustmentValues) -> list[tuple[str, str]]:
    return adjustment_problems(values.facts(), today())


def _check_adjustment(plan: Plan, values: AdjustmentValues) -> None:
    _open(plan)
    problems = adjustment_problems_of(values)
    if problems:
        raise Refusal(problems[0][1], field=problems[0][0])


def _columns(values: AdjustmentValues) -> dict[str, Any]:
    return asdict(values) | {"decision_reason": values.decision_reason or None}


def record_adjustment(actor: User, plan: Plan, values: AdjustmentValues) -> Adjustment:
    """Put a request for an adjustment (and its decision, if made) on the record."""
    _check_adjustment(plan, values)
    adjustment = Adjustment(plan=plan, recorded_by=actor, **_columns(values))
    db.session.add(adjustment)
    db.session.flush()
    audit.record(actor, "recorded", "adjustment", adjustment.id, plan_id=plan.id, changes=_plain(_columns(values)))
    return adjustment


def update_adjustment(actor: User, adjustment: Adjustment, values: AdjustmentValues) -> None:
    """Record the decision, the implementation, the review date, or correct the request."""
    _check_adjustment(adjustment.plan, values)
    columns = _columns(values)
    changes = audit.field_diff(adjustment, columns)
    for name, value in columns.items():
        setattr(adjustment, name, value)
    db.session.flush()
    if changes:
        audit.record(actor, "updated", "adjustment", adjustment.id, plan_id=adjustment.plan_id, changes=_plain(changes))


def accept_extension(actor: User, plan: Plan, proposed_end: date | None) -> ExtensionProposal:
    """Extend the plan by the delay in putting agreed adjustments in place, as proposed."""
    require_move(plan, "extend")
    adjustments = plan_adjustments(plan.id)
    proposal = proposal_for(plan, adjustments)
    if proposal is None or proposal.proposed_end != proposed_end:
        raise Conflict("The proposal has changed since the page was loaded: check it and accept again.")
    latest = max(
        (
            a
            for a in adjustments
            if a.decision is AdjustmentDecision.AGREED and a.implemented_on == proposal.in_place_on
        ),
        key=lambda a: a.id,
    )
    latest.plan_extended_days = (proposal.in_place_on - plan.start_date).days
    # The event is the adjustment's (restricted): the plan's history shows the new end date to
    # everyone through the plan itself, and why only to those who may see adjustments.
    audit.record(
        actor,
        "extended plan",
        "adjustment",
        latest.id,
        plan_id=plan.id,
        changes={"planned_end_date": [proposal.current_end, proposal.proposed_end], "days": proposal.days},
    )
    plan.planned_end_date = proposal.proposed_end
    db.session.flush()
    return proposal


def record_referral(actor: User, plan: Plan, values: ReferralValues) -> HealthReferral:
    """Put an occupational-health referral on the record."""
    _open(plan)
    _check_referral(values)
    referral = HealthReferral(plan=plan, recorded_by=actor, **asdict(values))
    db.session.add(referral)
    db.session.flush()
    audit.record(actor, "recorded", "health_referral", referral.id, plan_id=plan.id, changes=_plain(asdict(values)))
    return referral


def update_referral(actor: User, referral: HealthReferral, values: ReferralValues) -> None:
    """Record the report and its recommendations, or correct the referral."""
    _open(referral.plan)
    _check_referral(values)
    changes = audit.field_diff(referral, asdict(values))
    for name, value in asdict(values).items():
        setattr(referral, name, value)
    db.session.flush()
    if changes:
        audit.record(
            actor, "updated", "health_referral", referral.id, plan_id=referral.plan_id, changes=_plain(changes)
        )


def referral_problems_of(values: ReferralValues) -> list[tuple[str, str]]:
    return referral_problems(values.referred_on, values.report_received_on, today())


def _check_referral(values: ReferralValues) -> None:
    problems = referral_problems_of(values)
    if problems:
        raise Refusal(problems[0][1], field=problems[0][0])


REASON_LIMIT = 2000


def plan_disclosure(plan_id: int) -> AdjustmentDisclosure | None:
    """The registered manager's choice about the closure summary, if one was made."""
    return db.session.scalar(select(AdjustmentDisclosure).where(AdjustmentDisclosure.plan_id == plan_id))


def choose_disclosure(actor: User, plan: Plan, *, include_detail: bool, reason: str) -> AdjustmentDisclosure:
    """A registered manager chooses whether the closure summary prints each adjustment (what, the
    decision, when in place) or only the counted line, and says why; audited with the reason
    (a restricted event: policy.HEALTH_ENTITIES)."""
    reason = (reason or "").strip()
    if not reason:
        raise Refusal("Say why you chose this for the closure summary.", field="reason")
    if len(reason) > REASON_LIMIT:
        raise Refusal(f"Keep the reason to {REASON_LIMIT:,} characters or fewer.", field="reason")
    disclosure = plan_disclosure(plan.id)
    before = disclosure.include_detail if disclosure is not None else False
    if disclosure is None:
        disclosure = AdjustmentDisclosure(plan=plan, include_detail=include_detail, reason=reason, chosen_by=actor)
        db.session.add(disclosure)
    else:
        disclosure.include_detail, disclosure.reason, disclosure.chosen_by = include_detail, reason, actor
        disclosure.chosen_at = now_utc()
    db.session.flush()
    audit.record(
        actor,
        "chose",
        "adjustment_disclosure",
        disclosure.id,
        plan_id=plan.id,
        changes={"include_detail": [before, include_detail], "reason": reason},
    )
    return disclosure
