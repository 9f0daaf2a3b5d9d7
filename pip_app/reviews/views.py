"""The governance loop on the plan page: weekly reviews, observation outcomes, action status,
review acknowledgements, pause and resume. htmx gets the panel back (with the header flags
out of band); a plain form gets a 303 to the plan page."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import flash, render_template, request, url_for
from flask_login import current_user, login_required

from .. import policy
from ..access import part_or_404, plan_or_404
from ..clock import today
from ..extensions import db
from ..htmx import is_htmx, redirect_after_post
from ..models import (
    AckResponse, Action, ActionStatus, ControlDecisionKind, ControlStatus, Observation, ObservationStatus,
    Outcome, Progress, Review, ReviewDecision,
)
from ..plans.builder_context import is_stale
from ..plans.page import PLAN_PAGE_OPTIONS, plan_page_context
from ..services import reviews as review_ops
from ..services.plans import PlanError
from . import bp
from .forms import (
    ActionStatusForm, ObservationOutcomeForm, PauseForm, ResumeForm, ReviewAcknowledgeForm, review_form_class,
)

PANELS = {
    "reviews": "plans/_reviews_panel.html",
    "observations": "plans/_observations_panel.html",
    "actions": "plans/_actions_panel.html",
    "acks": "plans/_acks_panel.html",
}


def _panel(plan, panel: str, status: int = 200, **overrides):
    """The panel (plus refreshed flags out of band) for htmx, or the whole plan page."""
    context = plan_page_context(plan, **overrides)
    if not is_htmx():
        return render_template("plans/show.html", **context), status
    body = render_template(PANELS[panel], **context)
    out_of_band = ["plans/_flags.html", "plans/_next_review.html"]
    if panel == "reviews" and status == 200:
        # The progress charts take the new values; controls the review lifted show as lifted.
        out_of_band += [PANELS["actions"], "plans/_controls_panel.html"]
    body += "".join(render_template(template, **(context | {"oob": True})) for template in out_of_band)
    return body, status, {"Vary": "HX-Request"}


def _saved(plan, panel: str, message: str):
    db.session.commit()
    if is_htmx():
        return _panel(plan, panel, saved=panel, saved_message=message)
    flash(message, "success")
    return redirect_after_post(url_for("plans.show", plan_id=plan.id, _anchor=f"{panel}-panel"))


def _save(plan, panel: str, form, operation, message, *, checked, error_field=None, **kept):
    """Validate the form (422 with its errors), refuse it if `checked` changed since it was loaded
    (409, input kept), then run the operation and answer as _saved. The operation's refusal is a
    422: on `error_field` if given, else a message on the panel. `message` may be a function, for
    a message that reads the new state."""
    if not form.validate():
        return _panel(plan, panel, 422, **kept)
    if is_stale(form, checked):
        return _panel(plan, panel, 409, conflict=panel, **kept)
    try:
        operation()
    except PlanError as error:
        db.session.rollback()
        if error_field is None:
            return _panel(plan, panel, 422, section_error=str(error), **kept)
        error_field.errors = list(error_field.errors) + [str(error)]
        return _panel(plan, panel, 422, **kept)
    return _saved(plan, panel, message() if callable(message) else message)


def _review_form(plan, formdata=None, **kwargs):
    actions = [a for a in plan.actions if a.status is not ActionStatus.ASSURED]
    controls = [c for c in plan.controls if c.status is ControlStatus.ACTIVE]
    may_lift = all(policy.can_lift_control(current_user, c) for c in controls) if controls else False
    form = review_form_class(actions, controls, may_lift)(formdata=formdata, **kwargs)
    return form, actions, controls


# --- Weekly reviews


@bp.get("/<int:plan_id>/reviews/new")
@login_required
def new_review(plan_id: int):
    """The weekly review form, in the reviews panel; ?corrects=<id> starts a correction."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    corrects = _correctable(plan, request.args.get("corrects", ""))
    form, actions, controls = _review_form(plan)
    form.review_date.data = today()
    form.next_review_date.data = today() + timedelta(days=plan.review_interval_days)
    form.submission_token.data = secrets.token_urlsafe(24)
    form.row_version.data = plan.row_version
    if corrects:
        form.corrects_review_id.data = corrects.id
        form.review_date.data, form.summary.data = corrects.review_date, corrects.summary
        form.decision.data, form.next_review_date.data = corrects.decision.value, corrects.next_review_date
        for entry in corrects.entries:
            if f"progress_{entry.action_id}" in form:
                form[f"progress_{entry.action_id}"].data = entry.progress.value
                form[f"note_{entry.action_id}"].data = entry.note
                if f"value_{entry.action_id}" in form:
                    form[f"value_{entry.action_id}"].data = entry.measured_value
    return _panel(plan, "reviews", review_form=form, review_actions=actions, review_controls=controls,
                  correcting=corrects)


def _correctable(plan, raw: str) -> Review | None:
    """The plan's review with this id (404 if it is not the plan's), or None for no id."""
    return part_or_404(plan, Review, int(raw)) if raw.isdigit() else None


@bp.post("/<int:plan_id>/reviews")
@login_required
def record_review(plan_id: int):
    """Save the weekly review: progress per action, control decisions, the decision, the next date."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form, actions, controls = _review_form(plan, formdata=request.form)
    already = review_ops.find_submission(form.submission_token.data)
    if already is not None and already.plan_id == plan.id:
        return _saved(plan, "reviews", "Weekly review saved.")  # a double-click: the first save stands
    corrects = _correctable(plan, form.corrects_review_id.data or "")

    def record():
        review_ops.record_review(
            current_user, plan, review_date=form.review_date.data, summary=form.summary.data,
            decision=ReviewDecision(form.decision.data), next_review_date=form.next_review_date.data,
            extend_to=form.extend_to.data, extend_reason=form.extend_reason.data, corrects=corrects,
            submission_token=form.submission_token.data or None,
            entries=[_entry(form, action) for action in actions],
            control_decisions=[dict(control=c, decision=ControlDecisionKind(form.control_fields(c)[0].data),
                                    rationale=form.control_fields(c)[1].data) for c in controls],
        )

    return _save(plan, "reviews", form, record,
                 "Weekly review saved. The staff member will be asked to acknowledge it.",
                 checked=plan, error_field=form.summary,
                 review_form=form, review_actions=actions, review_controls=controls, correcting=corrects)


def _entry(form, action: Action) -> dict:
    progress, value, note = form.action_fields(action)
    return dict(action=action, progress=Progress(progress.data),
                measured_value=float(value.data) if value is not None and value.data is not None else None,
                note=note.data)


@bp.post("/<int:plan_id>/reviews/<int:review_id>/acknowledge")
@login_required
def acknowledge_review(plan_id: int, review_id: int):
    """The staff member agrees with a review, or disagrees with a comment."""
    plan = plan_or_404(plan_id, policy.can_acknowledge, options=PLAN_PAGE_OPTIONS)
    review = _correctable(plan, str(review_id))
    form = ReviewAcknowledgeForm(prefix=f"rack{review.id}")
    if not form.validate():
        return _panel(plan, "reviews", 422, ack_review_form=form, ack_review_id=review.id)
    try:
        review_ops.acknowledge_review(current_user, review, response=AckResponse(form.response.data),
                                      comment=form.comment.data)
    except PlanError as error:
        db.session.rollback()
        form.response.errors = list(form.response.errors) + [str(error)]
        return _panel(plan, "reviews", 409, ack_review_form=form, ack_review_id=review.id)
    return _saved(plan, "reviews", "Thank you. Your response to the review has been recorded.")


# --- Observation outcomes


@bp.get("/<int:plan_id>/observations/<int:observation_id>/outcome")
@login_required
def observation_outcome_form(plan_id: int, observation_id: int):
    """The outcome form for one observed shift, in place."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    observation = part_or_404(plan, Observation, observation_id)
    form = ObservationOutcomeForm(formdata=None, prefix=f"outcome{observation.id}", row_version=observation.row_version)
    return _panel(plan, "observations", editing=("observation", observation.id), edit_form=form)


@bp.post("/<int:plan_id>/observations/<int:observation_id>/outcome")
@login_required
def record_observation(plan_id: int, observation_id: int):
    """Record an observed shift as done (met / partly met / not met), missed, or cancelled with a reason."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    observation = part_or_404(plan, Observation, observation_id)
    form = ObservationOutcomeForm(prefix=f"outcome{observation.id}")
    return _save(plan, "observations", form, lambda: review_ops.record_observation(
        current_user, observation, status=ObservationStatus(form.status.data),
        outcome=Outcome(form.outcome.data) if form.outcome.data else None, notes=form.notes.data),
        "Observation recorded.", checked=observation, error_field=form.status,
        editing=("observation", observation.id), edit_form=form)


# --- Action status


@bp.get("/<int:plan_id>/actions/<int:action_id>/status")
@login_required
def action_status_form(plan_id: int, action_id: int):
    """The completed / assured / not met form for one action, in place."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    action = part_or_404(plan, Action, action_id)
    form = ActionStatusForm(formdata=None, prefix=f"status{action.id}", row_version=action.row_version, on=today())
    form.status.data = request.args.get("to") or ("assured" if action.status is ActionStatus.COMPLETED else "completed")
    return _panel(plan, "actions", editing=("action", action.id), edit_form=form)


@bp.post("/<int:plan_id>/actions/<int:action_id>/status")
@login_required
def set_action_status(plan_id: int, action_id: int):
    """Record that an action was completed, assured (with evidence), or not met (with the reason)."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    action = part_or_404(plan, Action, action_id)
    form = ActionStatusForm(prefix=f"status{action.id}")
    return _save(plan, "actions", form, lambda: review_ops.set_action_status(
        current_user, action, ActionStatus(form.status.data), form.evidence.data, form.on.data),
        lambda: f"{action.ref} is now {action.status.label.lower()}.", checked=action, error_field=form.status,
        editing=("action", action.id), edit_form=form)


# --- Pause and resume


@bp.post("/<int:plan_id>/pause")
@login_required
def pause(plan_id: int):
    """Pause the plan (e.g. sickness absence): nothing becomes overdue while it is paused."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form = PauseForm()
    return _save(plan, "reviews", form, lambda: review_ops.pause_plan(current_user, plan, form.reason.data),
                 "Plan paused.", checked=plan, pause_form=form)


@bp.post("/<int:plan_id>/resume")
@login_required
def resume(plan_id: int):
    """Resume a paused plan; the next review falls on the next review day."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form = ResumeForm()
    return _save(plan, "reviews", form, lambda: review_ops.resume_plan(
        current_user, plan, planned_end_date=form.planned_end_date.data), "Plan resumed.", checked=plan,
        resume_form=form)
