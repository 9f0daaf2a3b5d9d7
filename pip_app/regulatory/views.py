"""Regulatory decision routes: the plan's "Regulatory considerations" (a part of the plan page
loaded when opened, or a page of its own), and recording or correcting one decision."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload

from .. import policy
from ..access import plan_route
from ..clock import today
from ..models import Plan, RegulatoryAnswer, RegulatoryDecision, RegulatoryQuestion
from ..plan_header import header_beside, header_context
from ..plan_reads import PlanReads
from ..regulatory_rules import WHEN_NEEDED
from ..screens import Screen, problems_beside, submit
from ..services import regulatory as regulatory_ops
from . import bp
from .forms import RegulatoryDecisionForm

# What the part and the header's flags read of the plan.
PART_READS = PlanReads(
    joined=(joinedload(Plan.staff), joinedload(Plan.closure)),
    collections={"controls": (), "regulatory_decisions": (joinedload(RegulatoryDecision.decided_by),)},
)


def decision_form(code: str, decision: RegulatoryDecision | None, formdata: Any = None) -> RegulatoryDecisionForm:
    """One question's form: blank (dated today), or filled from its decision to correct it."""
    form = RegulatoryDecisionForm(
        formdata=formdata, prefix=f"regulatory-{code}", row_version=decision.row_version if decision else ""
    )
    if formdata is None:
        if decision is not None:
            form.answer.data, form.rationale.data = decision.answer.value, decision.rationale
            form.decided_on.data, form.reference.data = decision.decided_on, decision.reference
        else:
            form.decided_on.data = today()
    return form


def regulatory_context(plan: Plan, kept: tuple[str, RegulatoryDecisionForm] | None = None, **overrides: Any) -> dict:
    """The part (with the plan page's header, refreshed beside it); `kept`: a form being corrected."""
    may_record = policy.can_record_regulatory(current_user, plan)
    questions = regulatory_ops.checklist(plan)
    forms = {q.code: decision_form(q.code, q.decision) for q in questions} if may_record else {}
    if kept is not None:
        forms[kept[0]] = kept[1]
    context = dict(
        plan=plan,
        **header_context(plan),
        questions=questions,
        needed=regulatory_ops.why_needed(plan),
        when_needed=WHEN_NEEDED,
        outstanding=regulatory_ops.outstanding_questions(plan),
        registration=regulatory_ops.registration_in_words(plan.staff),
        may_record=may_record,
        forms=forms,
        open_form=kept[0] if kept else None,
        saved=None,
        saved_message=None,
        conflict=None,
        section_error=None,
    )
    context.update(overrides)
    return context


REGULATORY = Screen("regulatory/page.html", {"panel": "regulatory/_panel.html"}, regulatory_context, header_beside)


@bp.get("/<int:plan_id>/regulatory")
@plan_route(policy.can_view_regulatory, reads=PART_READS)
def index(plan: Plan) -> ResponseReturnValue:
    """The plan's regulatory considerations (the part for htmx, a page of its own otherwise)."""
    return REGULATORY.show(plan, "panel")


@bp.post("/<int:plan_id>/regulatory")
@plan_route(policy.can_record_regulatory, reads=PART_READS)
def record(plan: Plan) -> ResponseReturnValue:
    """Record or correct the registered manager's decision on the question the form names (a
    stale copy of the form is refused with 409)."""
    try:
        asked = RegulatoryQuestion(request.form.get("question", ""))
    except ValueError:
        return REGULATORY.show(plan, "panel", 422, section_error="That is not a question of the checklist.")
    existing = next((d for d in plan.regulatory_decisions if d.question is asked), None)
    form = decision_form(asked.value, existing, request.form)

    def values() -> regulatory_ops.DecisionValues:
        return regulatory_ops.DecisionValues(
            answer=RegulatoryAnswer(form.answer.data),
            rationale=form.rationale.data,
            decided_on=form.decided_on.data,
            reference=form.reference.data or "",
        )

    return submit(
        REGULATORY,
        plan,
        "panel",
        form,
        lambda: regulatory_ops.record_decision(current_user, plan, asked, values()),
        url=url_for("plans.show", plan_id=plan.id, _anchor="regulatory"),
        message="Decision recorded.",
        stale=existing,  # a new decision's form carries no version: one recorded meanwhile makes it stale
        checks=lambda: problems_beside(form, regulatory_ops.decision_problems(values())),
        kept={"kept": (asked.value, form)},
    )
