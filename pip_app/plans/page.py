"""Everything the plan page and its panels need: flags, charts, acknowledgements, history."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, load_only, selectinload

from .. import policy
from ..clock import today
from ..extensions import db
from ..flags import plan_flags
from ..lifecycle import WEEKDAYS
from ..measures import chart_geometry, measure_met, reaches
from ..models import (
    Acknowledgement, Action, AuditEvent, Closure, InterimControl, Observation, Plan, PlanVersion, Review,
)
from ..register.queries import last_check_notes
from ..services import acknowledgements
from ..services.plans import unissued_changes
from ..services.reviews import measured_values, review_statement
from ..formatting import format_date, format_measure
from .forms import AcknowledgeForm


# Everything the plan page reads, in a fixed number of statements whatever the plan's size:
# one SELECT per collection, with the people each row names joined in.
PLAN_PAGE_OPTIONS = (
    joinedload(Plan.staff), joinedload(Plan.manager), joinedload(Plan.service),
    joinedload(Plan.closure).joinedload(Closure.closed_by),
    selectinload(Plan.controls).joinedload(InterimControl.responsible),
    selectinload(Plan.controls).joinedload(InterimControl.lifted_by),
    selectinload(Plan.actions).joinedload(Action.owner),
    selectinload(Plan.observations).joinedload(Observation.observer),
    selectinload(Plan.observations).selectinload(Observation.focus),
    selectinload(Plan.reviews).joinedload(Review.reviewer),
    selectinload(Plan.reviews).selectinload(Review.entries),
    selectinload(Plan.reviews).selectinload(Review.control_decisions),
    selectinload(Plan.acknowledgements).joinedload(Acknowledgement.user),
    selectinload(Plan.versions).joinedload(PlanVersion.created_by),
)


# What the policy reads of a plan: enough to check a kept page may still be shown.
POLICY_COLUMNS = (load_only(Plan.status, Plan.staff_id, Plan.manager_id, Plan.service_id),)


def plan_page_context(plan: Plan, **overrides) -> dict:
    """The plan page's context; `overrides` carry a form being corrected or a row being edited."""
    values = measured_values(plan)
    charts, chart_rows, met = {}, {}, {}
    for action in plan.actions:
        if action.has_measure:
            target, unit, higher = action.measure_target, action.measure_unit, action.measure_higher_is_better
            series = [v for _, v in values.get(action.id, [])]
            charts[action.id] = chart_geometry(series, target=target, baseline=action.measure_baseline, unit=unit)
            met[action.id] = measure_met(series, target, action.measure_consecutive, higher)
            # The chart's table, formatted here: a dozen rows for each of twenty actions cost
            # more as template expressions than the rest of the panel.
            chart_rows[action.id] = [(format_date(day), format_measure(v, unit), reaches(v, target, higher))
                                     for day, v in values.get(action.id, [])]
    acked_reviews = {a.review_id: a for a in plan.acknowledgements if a.review_id}
    context = dict(
        plan=plan,
        flags=plan_flags(plan, today(), current_app.config["ACK_OUTSTANDING_DAYS"]),
        values=values, charts=charts, chart_rows=chart_rows, met=met,
        acked_reviews=acked_reviews,
        corrected={r.corrects_review_id for r in plan.reviews if r.corrects_review_id},
        last_notes=last_check_notes([c.id for c in plan.controls]),
        review_statement=review_statement,
        ack_form=AcknowledgeForm(formdata=None, version=plan.version),
        ack_due=acknowledgements.plan_acknowledgement_due(plan),
        ack_statement=acknowledgements.plan_statement(plan),
        unissued=unissued_changes(plan) if policy.can_edit_plan(current_user, plan) else [],
        weekday=WEEKDAYS[plan.review_weekday],
        may_edit=policy.can_edit_plan(current_user, plan),
        may_acknowledge=policy.can_acknowledge(current_user, plan),
        editing=None, edit_form=None, saved=None, conflict=None, section_error=None,
    )
    context.update(overrides)
    context["history"] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.plan_id == plan.id).options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(200)
    ).all()
    return context
