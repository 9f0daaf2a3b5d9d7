"""Regulatory decisions on a plan (issue 20): once it moved to a formal stage, closed "not
achieved" or because the staff member left, or has restricted duties or removal from regulated
activity in force (regulatory_rules.triggered), the registered manager records, for each referral that applies
(regulatory_rules.questions), whether it was made, why, when, and its reference. An answer is
corrected in place, each change audited; a decision is not dated in the future."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from ..clock import today
from ..extensions import db
from ..formatting import format_date
from ..models import (
    ClosureOutcome,
    ControlKind,
    ControlStatus,
    Plan,
    ProfessionalRegister,
    RegulatoryAnswer,
    RegulatoryDecision,
    RegulatoryQuestion,
    User,
)
from ..refusals import Conflict, Refusal
from ..regulatory_rules import (
    TRIGGER_CONTROLS,
    in_words,
    outstanding,
    professional_regulator,
    questions,
    reasons,
    triggered,
    workforce_regulator,
)
from . import audit

# The stored values of regulatory_rules, as the model's enums for SQL.
TRIGGER_CONTROL_KINDS = [ControlKind(k) for k in TRIGGER_CONTROLS]
RATIONALE_MAX = 4000
REFERENCE_MAX = 100


@dataclass
class DecisionValues:
    """A decision as the form gives it (text already stripped)."""

    answer: RegulatoryAnswer
    rationale: str
    decided_on: date
    reference: str = ""


@dataclass
class Question:
    """One question of the checklist: what it asks, the hint, and its recorded decision if any."""

    code: str
    heading: str
    hint: str
    decision: RegulatoryDecision | None


def _trigger_inputs(plan: Plan) -> tuple[object, list[ControlKind]]:
    outcome = plan.closure.outcome if plan.closure is not None else None
    kinds = [c.kind for c in plan.controls if c.status is ControlStatus.ACTIVE]
    return outcome, kinds


def why_needed(plan: Plan) -> str:
    """Why the plan needs regulatory decisions, as a phrase after "The plan" (empty: it does not)."""
    return "" if plan.is_draft else in_words(reasons(*_trigger_inputs(plan), stage=plan.stage))


def is_needed(plan: Plan) -> bool:
    """The plan moved to a formal stage, closed "not achieved" or because the staff member left,
    or has restricted duties or removal from regulated activity in force."""
    return not plan.is_draft and triggered(*_trigger_inputs(plan), stage=plan.stage)


def outstanding_questions(plan: Plan) -> list[str]:
    """The questions that apply and have no decision yet (empty when nothing is needed)."""
    if plan.is_draft:
        return []
    staff = plan.staff
    answered = [d.question for d in plan.regulatory_decisions]
    return outstanding(*_trigger_inputs(plan), staff.nation, staff.professional_register, answered, stage=plan.stage)


def _texts(plan: Plan, code: str) -> tuple[str, str]:
    staff = plan.staff
    name = staff.name
    if code == "dbs":
        hint = (
            f"Refer {name} to the DBS if you removed them from regulated activity — or would have, had they "
            "not left — because they harmed someone or posed a risk of harm (Safeguarding Vulnerable Groups "
            "Act 2006). This is a legal duty: not referring when the test is met, without a reasonable excuse, "
            "is an offence."
        )
        removals = [
            c
            for c in plan.controls
            if c.status is ControlStatus.ACTIVE and c.kind is ControlKind.REMOVED_FROM_REGULATED_ACTIVITY
        ]
        if removals:
            hint += (
                f" {name} has been removed from regulated activity (an interim control in force since "
                f"{format_date(min(c.start_date for c in removals))}): decide whether it was because of harm or "
                "the risk of harm."
            )
        if plan.closure is not None and plan.closure.outcome is ClosureOutcome.LEFT:
            hint += f" {name} left during the procedure: the duty holds all the same."
        if staff.nation is not None and staff.nation.value == "scotland":
            hint += " In Scotland the referral goes to Disclosure Scotland (the PVG Scheme)."
        return RegulatoryQuestion.DBS.label, hint
    if code == "professional":
        regulator = professional_regulator(staff.professional_register)
        return (
            f"Informing the professional regulator ({regulator})",
            "Where someone no longer meets the fit-and-proper criteria, take proportionate action and, if they "
            f"are registered, inform their regulator (CQC Regulation 19(5)). Refer to {regulator} serious risks "
            "that local action cannot manage; the referral describes the local steps taken, which this plan records.",
        )
    if code == "workforce":
        regulator = workforce_regulator(staff.nation)
        sssc = (
            "The SSSC expects a referral when a registered worker is dismissed, suspended or demoted, or for "
            "serious or persistent failure to do the job competently — not for a warning or a performance plan alone."
        )
        scw = (
            "Social Care Wales's fitness to practise covers a registered worker's continuing failure to meet standards."
        )
        niscc = (
            "The NISCC's fitness to practise covers registered social care workers whose conduct or practice "
            "falls below its Standards of Conduct and Practice."
        )
        nation = staff.nation.value if staff.nation else None
        hint = {"scotland": sssc, "wales": scw, "northern_ireland": niscc}.get(nation or "", f"{sssc} {scw} {niscc}")
        return f"Referral to the workforce regulator ({regulator})", hint
    return (
        RegulatoryQuestion.SAFEGUARDING.label,
        "Refer to the local authority's safeguarding team where an adult with care and support needs is "
        "experiencing, or is at risk of, abuse or neglect.",
    )


def checklist(plan: Plan) -> list[Question]:
    """The questions shown: those that apply to the staff member now, and any answered earlier
    that no longer do (a decision on the record is never hidden)."""
    decisions = {d.question.value: d for d in plan.regulatory_decisions}
    applies = questions(plan.staff.nation, plan.staff.professional_register) if is_needed(plan) else []
    codes = [code for code in RegulatoryQuestion if code.value in applies or code.value in decisions]
    return [Question(c.value, *_texts(plan, c.value), decisions.get(c.value)) for c in codes]


def registration_in_words(user: User) -> str:
    """The staff member's nation and register as the checklist shows them."""
    nation = user.nation.label if user.nation else "Nation not recorded"
    register = user.professional_register
    if register is None:
        return f"{nation}; professional register not recorded"
    if register is ProfessionalRegister.NONE:
        return f"{nation}; not on a professional register"
    return f"{nation}; {register.label}, registration number {user.registration_number}"


def decision_problems(values: DecisionValues) -> list[tuple[str, str]]:
    """The date's rule, as (form field, message): empty when the decision may be saved."""
    if values.decided_on > today():
        return [("decided_on", "A decision cannot be dated on a day still to come.")]
    return []


def record_decision(
    actor: User, plan: Plan, question: RegulatoryQuestion, values: DecisionValues
) -> RegulatoryDecision:
    """Record (or correct) the registered manager's decision on one question, audited."""
    existing = next((d for d in plan.regulatory_decisions if d.question is question), None)
    if plan.is_draft:
        raise Conflict("A draft plan needs no regulatory decisions.")
    if existing is None and question.value not in [q.code for q in checklist(plan)]:
        raise Conflict("This question does not apply to this plan now: reload the page.")
    problems = decision_problems(values)
    if problems:
        raise Refusal(problems[0][1], field=problems[0][0])
    new = asdict(values) | {"decided_by_id": actor.id}
    if existing is None:
        decision = RegulatoryDecision(plan=plan, question=question, decided_by=actor, **asdict(values))
        db.session.add(decision)
        db.session.flush()
        changes = {"question": question.value, **asdict(values)}
        audit.record(actor, "recorded", "regulatory_decision", decision.id, plan_id=plan.id, changes=changes)
        return decision
    changes = audit.field_diff(existing, new)
    for name, value in new.items():
        setattr(existing, name, value)
    db.session.flush()
    if changes:
        changes = {"question": [question.value, question.value], **changes}
        audit.record(actor, "updated", "regulatory_decision", existing.id, plan_id=plan.id, changes=changes)
    return existing
