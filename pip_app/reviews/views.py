"""The governance loop on the plan page: weekly reviews, observation outcomes, action status,
review acknowledgements, pause and resume. htmx gets the panel back (with the header flags
out of band); a plain form gets a 303 to the plan page."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required

from .. import policy
from ..access import plan_or_404
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
        out_of_band.append(PANELS["actions"])  # the progress charts take the new values
    body += "".join(render_template(template, **(context | {"oob": True})) for template in out_of_band)
    return body, status, {"Vary": "HX-Request"}


def _saved(plan, panel: str, message: str):
    db.session.commit()
    if is_htmx():
        return _panel(plan, panel, saved=panel, saved_message=message)
    flash(message, "success")
    return redirect_after_post(url_for("plans.show", plan_id=plan.id, _anchor=f"{panel}-panel"))


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
    if not raw.isdigit():
        return None
    review = db.session.get(Review, int(raw))
    if review is None or review.plan_id != plan.id:
        abort(404)
    return review


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
    context = dict(review_form=form, review_actions=actions, review_controls=controls, correcting=corrects)
    if not form.validate():
        return _panel(plan, "reviews", 422, **context)
    if is_stale(form, plan):
        return _panel(plan, "reviews", 409, conflict="reviews", **context)
    try:
        review_ops.record_review(
            current_user, plan, review_date=form.review_date.data, summary=form.summary.data,
            decision=ReviewDecision(form.decision.data), next_review_date=form.next_review_date.data,
            extend_to=form.extend_to.data, extend_reason=form.extend_reason.data, corrects=corrects,
            submission_token=form.submission_token.data or None,
            entries=[_entry(form, action) for action in actions],
            control_decisions=[dict(control=c, decision=ControlDecisionKind(form.control_fields(c)[0].data),
                                    rationale=form.control_fields(c)[1].data) for c in controls],
        )
    except PlanError as error:
        db.session.rollback()
        form.summary.errors = list(form.summary.errors) + [str(error)]
        return _panel(plan, "reviews", 422, **context)
    return _saved(plan, "reviews", "Weekly review saved. The staff member will be asked to acknowledge it.")


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


def _observation(plan, observation_id: int) -> Observation:
    observation = db.session.get(Observation, observation_id)
    if observation is None or observation.plan_id != plan.id:
        abort(404)
    return observation


@bp.get("/<int:plan_id>/observations/<int:observation_id>/outcome")
@login_required
def observation_outcome_form(plan_id: int, observation_id: int):
    """The outcome form for one observed shift, in place."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    observation = _observation(plan, observation_id)
    form = ObservationOutcomeForm(formdata=None, prefix=f"outcome{observation.id}", row_version=observation.row_version)
    return _panel(plan, "observations", editing=("observation", observation.id), edit_form=form)


@bp.post("/<int:plan_id>/observations/<int:observation_id>/outcome")
@login_required
def record_observation(plan_id: int, observation_id: int):
    """Record an observed shift as done (met / partly met / not met), missed, or cancelled with a reason."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    observation = _observation(plan, observation_id)
    form = ObservationOutcomeForm(prefix=f"outcome{observation.id}")
    editing = ("observation", observation.id)
    if not form.validate():
        return _panel(plan, "observations", 422, editing=editing, edit_form=form)
    if is_stale(form, observation):
        return _panel(plan, "observations", 409, editing=editing, edit_form=form, conflict="observations")
    try:
        review_ops.record_observation(current_user, observation, status=ObservationStatus(form.status.data),
                                      outcome=Outcome(form.outcome.data) if form.outcome.data else None,
                                      notes=form.notes.data)
    except PlanError as error:
        db.session.rollback()
        form.status.errors = list(form.status.errors) + [str(error)]
        return _panel(plan, "observations", 422, editing=editing, edit_form=form)
    return _saved(plan, "observations", "Observation recorded.")


# --- Action status


def _action(plan, action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None or action.plan_id != plan.id:
        abort(404)
    return action


@bp.get("/<int:plan_id>/actions/<int:action_id>/status")
@login_required
def action_status_form(plan_id: int, action_id: int):
    """The completed / assured / not met form for one action, in place."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    action = _action(plan, action_id)
    form = ActionStatusForm(formdata=None, prefix=f"status{action.id}", row_version=action.row_version, on=today())
    form.status.data = request.args.get("to") or ("assured" if action.status is ActionStatus.COMPLETED else "completed")
    return _panel(plan, "actions", editing=("action", action.id), edit_form=form)


@bp.post("/<int:plan_id>/actions/<int:action_id>/status")
@login_required
def set_action_status(plan_id: int, action_id: int):
    """Record that an action was completed, assured (with evidence), or not met (with the reason)."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    action = _action(plan, action_id)
    form = ActionStatusForm(prefix=f"status{action.id}")
    editing = ("action", action.id)
    if not form.validate():
        return _panel(plan, "actions", 422, editing=editing, edit_form=form)
    if is_stale(form, action):
        return _panel(plan, "actions", 409, editing=editing, edit_form=form, conflict="actions")
    try:
        review_ops.set_action_status(current_user, action, ActionStatus(form.status.data), form.evidence.data, form.on.data)
    except PlanError as error:
        db.session.rollback()
        form.status.errors = list(form.status.errors) + [str(error)]
        return _panel(plan, "actions", 422, editing=editing, edit_form=form)
    return _saved(plan, "actions", f"{action.ref} is now {action.status.label.lower()}.")


# --- Pause and resume


@bp.post("/<int:plan_id>/pause")
@login_required
def pause(plan_id: int):
    """Pause the plan (e.g. sickness absence): nothing becomes overdue while it is paused."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    return _change_state(plan, PauseForm(), "pause_form", lambda form: review_ops.pause_plan(
        current_user, plan, form.reason.data), "Plan paused.")


@bp.post("/<int:plan_id>/resume")
@login_required
def resume(plan_id: int):
    """Resume a paused plan; the next review falls on the next review day."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    return _change_state(plan, ResumeForm(), "resume_form", lambda form: review_ops.resume_plan(
        current_user, plan, planned_end_date=form.planned_end_date.data), "Plan resumed.")


def _change_state(plan, form, form_name: str, operation, message: str):
    if not form.validate():
        return _panel(plan, "reviews", 422, **{form_name: form})
    if is_stale(form, plan):
        return _panel(plan, "reviews", 409, conflict="reviews", **{form_name: form})
    try:
        operation(form)
    except PlanError as error:
        db.session.rollback()
        return _panel(plan, "reviews", 422, section_error=str(error), **{form_name: form})
    return _saved(plan, "reviews", message)
