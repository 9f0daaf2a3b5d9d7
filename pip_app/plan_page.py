"""The plan page every feature answers with: what it reads, its context, and its `Screen`.

The plan page is shared: the plan's own routes, the weekly-review loop, the control forms opened
from it and the closure panel all re-render one of its panels (with the header and flags
refreshed out of band). So its context lives here, at app level, rather than in one feature.
Templates receive booleans and results (`may_edit`, `control_rights`, `closure_panel`); they
never call the policy themselves.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from . import policy
from .attachments.panel import attachment_panel
from .clock import today
from .disagreements.panel import disagreement_panel
from .flags import plan_flags
from .formatting import format_date, format_measure
from .forms import ClosureAcknowledgeForm, PlanAcknowledgeForm
from .lifecycle import WEEKDAYS
from .measures import chart_geometry, measure_met, reaches
from .models import (
    Acknowledgement,
    Action,
    Closure,
    InterimControl,
    Observation,
    Plan,
    PlanVersion,
    Review,
)
from .screens import Screen, page_or_fragment
from .services import acknowledgements
from .services import closure as closure_ops
from .services.controls import last_check_notes
from .services.disagreements import RESPONSE_OPTIONS
from .services.plans import unissued_changes
from .services.reviews import (
    load_flag_entries,
    review_statement,
    reviews_in_full,
    shown_review_ids,
    stored_measured_values,
)

# What the plan page reads, in a fixed number of statements whatever the plan's size: one SELECT
# per collection, with the people each row names joined in. Of reviews, acknowledgements and
# versions only what the flags and counts need: the reviews shown are loaded whole on their own
# (services.reviews.reviews_in_full), the rest open as parts of their own (history, versions,
# acknowledgements, earlier reviews).
PLAN_PAGE_OPTIONS = (
    joinedload(Plan.staff),
    joinedload(Plan.manager),
    joinedload(Plan.service),
    joinedload(Plan.closure).joinedload(Closure.closed_by),
    selectinload(Plan.controls).joinedload(InterimControl.responsible),
    selectinload(Plan.controls).joinedload(InterimControl.lifted_by),
    selectinload(Plan.controls).joinedload(InterimControl.continued_by),
    selectinload(Plan.actions).joinedload(Action.owner),
    selectinload(Plan.observations).joinedload(Observation.observer),
    selectinload(Plan.observations).selectinload(Observation.focus),
    selectinload(Plan.reviews).load_only(
        Review.plan_id, Review.review_date, Review.created_at, Review.corrects_review_id
    ),
    selectinload(Plan.acknowledgements).defer(Acknowledgement.statement).joinedload(Acknowledgement.user),
    selectinload(Plan.versions).load_only(PlanVersion.plan_id, PlanVersion.version, PlanVersion.created_at),
    *RESPONSE_OPTIONS,  # disagreements' responses, in the acknowledgements' SELECT (issue 18)
)

# What the parts opened from the plan page read of the plan itself (each loads its own rows).
PLAN_PART_OPTIONS = (
    joinedload(Plan.staff),
    selectinload(Plan.actions),
    selectinload(Plan.controls),
    selectinload(Plan.reviews).load_only(Review.plan_id, Review.review_date, Review.corrects_review_id),
    selectinload(Plan.acknowledgements).defer(Acknowledgement.statement).joinedload(Acknowledgement.user),
)


def plan_page_context(plan: Plan, **overrides: Any) -> dict[str, Any]:
    """The plan page's context; `overrides` carry a form being corrected or a row being edited."""
    values = stored_measured_values(plan)
    charts, chart_rows, met = {}, {}, {}
    for action in plan.actions:
        if action.has_measure:
            target, unit, higher = action.measure_target, action.measure_unit, action.measure_higher_is_better
            series = [v for _, v in values.get(action.id, [])]
            charts[action.id] = chart_geometry(series, target=target, baseline=action.measure_baseline, unit=unit)
            met[action.id] = measure_met(series, target, action.measure_consecutive, higher)
            # The chart's table, formatted here: a dozen rows for each of twenty actions cost
            # more as template expressions than the rest of the panel.
            chart_rows[action.id] = [
                (format_date(day), format_measure(v, unit), target is not None and reaches(v, target, higher))
                for day, v in values.get(action.id, [])
            ]
    may_edit = policy.can_edit_plan(current_user, plan)
    may_acknowledge = policy.can_acknowledge(current_user, plan)
    waiting_on = current_user if may_acknowledge else None
    shown = reviews_in_full(shown_review_ids(plan, waiting_on))
    load_flag_entries([plan])  # after the reviews shown, so the newest keeps its entries whole
    context = dict(
        plan=plan,
        flags=plan_flags(plan, today(), current_app.config["ACK_OUTSTANDING_DAYS"]),
        values=values,
        charts=charts,
        chart_rows=chart_rows,
        met=met,
        **review_marks(plan),
        shown_reviews=shown,
        earlier_reviews=len(plan.reviews) - len(shown),
        last_notes=last_check_notes([c.id for c in plan.controls]),
        review_statement=review_statement,
        ack_form=PlanAcknowledgeForm(formdata=None, version=plan.version),
        ack_due=acknowledgements.plan_acknowledgement_due(plan),
        ack_statement=acknowledgements.plan_statement(plan),
        unissued=unissued_changes(plan) if may_edit else [],
        weekday=WEEKDAYS[plan.review_weekday],
        may_edit=may_edit,
        may_acknowledge=may_acknowledge,
        may_view_register=policy.can_view_register(current_user),
        may_see_health=policy.can_see_health_detail(current_user, plan),
        control_rights=policy.control_rights(current_user, plan.controls),
        closure_panel=closure_panel(plan, may_acknowledge, ClosureAcknowledgeForm),
        attachments=attachment_panel(plan),
        disagreement_panel=disagreement_panel(plan),
        editing=None,
        edit_form=None,
        saved=None,
        conflict=None,
        section_error=None,
    )
    context.update(overrides)
    return context


def plan_part(plan: Plan, fragment: str, heading: str, anchor: str, **context: Any) -> ResponseReturnValue:
    """A part of the plan page opened on its own (history, versions, acknowledgements, earlier
    reviews): the fragment for htmx, a page of its own otherwise (a plain link, no JavaScript)."""
    return page_or_fragment(
        "plans/part.html", fragment, plan=plan, fragment=fragment, heading=heading, anchor=anchor, **context
    )


def review_marks(plan: Plan) -> dict[str, Any]:
    """What each review shown says beside it: its acknowledgement, and whether it was corrected."""
    return dict(
        acked_reviews={a.review_id: a for a in plan.acknowledgements if a.review_id},
        corrected={r.corrects_review_id for r in plan.reviews if r.corrects_review_id},
    )


def closure_panel(plan: Plan, may_acknowledge: bool, form_class: type) -> dict[str, Any] | None:
    """What the plan page's closure panel shows this person (None on a draft: no panel)."""
    if plan.is_draft:
        return None
    state = closure_ops.closure_ack_state(plan)
    due = state is not None and state.due and may_acknowledge
    return dict(
        closure=plan.closure,
        state=state,
        can_close=policy.can_close_plan(current_user, plan),
        can_download=policy.can_download_closure(current_user, plan),
        can_download_bundle=policy.can_download_case_bundle(current_user, plan),
        may_acknowledge=due,
        statement=closure_ops.closure_statement(plan) if plan.closure else "",
        form=form_class(formdata=None) if due else None,
    )


PANELS = {
    "reviews": "reviews/_panel.html",
    "observations": "plans/_observations_panel.html",
    "actions": "plans/_actions_panel.html",
    "acks": "plans/_acks_panel.html",
    "controls": "plans/_controls_panel.html",
    "acknowledge": "plans/_acknowledge.html",
}


def _refreshed_beside(panel: str, status: int) -> list[str]:
    """A panel's change shows in the header's flags and next review date; a saved review also
    moves the progress charts and may lift controls."""
    if panel in ("controls", "acknowledge"):
        return []
    refreshed = ["plans/_flags.html", "plans/_next_review.html"]
    if panel == "reviews" and status == 200:
        refreshed += [PANELS["actions"], PANELS["controls"]]
    return refreshed


PLAN_PAGE = Screen("plans/show.html", PANELS, plan_page_context, _refreshed_beside)
