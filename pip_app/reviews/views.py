"""The governance loop on the plan page: weekly reviews, observation outcomes, action status,
review acknowledgements, pause and resume. htmx gets the panel back (with the header flags
out of band); a plain form gets a 303 to the plan page. Where a weekly review is validated
(`forms.review_form_class`), authorised (`plan_route`), saved (`services.reviews.record_review`)
and rendered (`plan_page.PLAN_PAGE`, part "reviews"): all from this module."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import abort, make_response, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import policy
from ..access import part_or_404, plan_route
from ..charts import value_rows, values_table
from ..clock import today
from ..forms import ReviewAcknowledgeForm
from ..htmx import is_htmx
from ..lifecycle import following_review_date, live_actions
from ..models import (
    AckResponse,
    Action,
    ActionStatus,
    ControlDecisionKind,
    ControlStatus,
    Observation,
    ObservationStatus,
    Outcome,
    Plan,
    Progress,
    Review,
    ReviewDecision,
)
from ..params import page_arg, parse_id
from ..plan_page import (
    PLAN_PAGE,
    PLAN_PAGE_READS,
    PLAN_PART_READS,
    RECORDED_OBSERVATION_READS,
    observation_panel,
    review_marks,
)
from ..screens import plan_part, submit
from ..services import reviews as review_ops
from ..services.reviews import EntryValues
from . import bp
from .forms import (
    ActionStatusForm,
    CancelRemainingForm,
    ObservationOutcomeForm,
    PauseForm,
    ResumeForm,
    review_form_class,
)

# Every route here: signed in, the plan visible (else 404) and editable by this person (else 403).
edits_plan = plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS)


def _save(
    plan: Plan,
    panel: str,
    form,
    operation: Callable[[], object],
    message: str | Callable[[], str],
    *,
    stale=None,
    error_field: str | None = None,
    **kept,
) -> ResponseReturnValue:
    """The panel's form through `screens.submit`; saved, a plain form goes back to the panel."""
    return submit(
        PLAN_PAGE,
        plan,
        panel,
        form,
        operation,
        message=message,
        stale=stale,
        error_field=error_field,
        kept=kept,
        url=url_for("plans.show", plan_id=plan.id, _anchor=f"{panel}-panel"),
    )


def _review_form(plan, formdata=None, **kwargs):
    actions = [a for a in live_actions(plan) if a.status is not ActionStatus.ASSURED]
    controls = [c for c in plan.controls if c.status is ControlStatus.ACTIVE]
    may_lift = all(policy.can_lift_control(current_user, c, plan) for c in controls) if controls else False
    form = review_form_class(actions, controls, may_lift)(formdata=formdata, **kwargs)
    return form, actions, controls


# --- Weekly reviews


@bp.get("/<int:plan_id>/reviews")
@plan_route(reads=PLAN_PART_READS)
def earlier(plan: Plan) -> ResponseReturnValue:
    """The reviews the plan page does not show, newest first, a page at a time: a fragment for
    htmx, a page of its own otherwise."""
    may_acknowledge = policy.can_acknowledge(current_user, plan)
    shown = review_ops.shown_review_ids(plan, current_user if may_acknowledge else None)
    return plan_part(
        plan,
        "reviews/_earlier.html",
        "Earlier weekly reviews",
        "reviews-panel",
        page=review_ops.earlier_reviews(plan, shown, page_arg(request.args)),
        may_edit=policy.can_edit_plan(current_user, plan),
        may_acknowledge=may_acknowledge,
        review_statement=review_ops.review_statement,
        **review_marks(plan),
    )


@bp.get("/<int:plan_id>/actions/<int:action_id>/values")
@plan_route(reads=PLAN_PART_READS, parts={"action_id": Action})
def measured_values(plan: Plan, action: Action) -> ResponseReturnValue:
    """A measured action's values at each review as a table (its chart's accessible alternative,
    opened from the chart): a fragment for htmx, a page of its own otherwise."""
    if not action.has_measure:
        abort(404)
    values = review_ops.stored_measured_values(plan).get(action.id, [])
    return plan_part(
        plan,
        "reviews/_values.html",
        f"{action.ref}: {action.measure_name}",
        f"action-{action.id}",
        table=values_table(action, value_rows(action, values)),
    )


@bp.get("/<int:plan_id>/reviews/new")
@edits_plan
def new_review(plan: Plan) -> ResponseReturnValue:
    """The weekly review form, in the reviews panel; ?corrects=<id> starts a correction."""
    corrects = _correctable(plan, request.args.get("corrects", ""))
    form, actions, controls = _review_form(plan)
    form.review_date.data = today()
    form.next_review_date.data = following_review_date(today(), plan.review_weekday, plan.review_interval_days)
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
    return PLAN_PAGE.show(
        plan, "reviews", review_form=form, review_actions=actions, review_controls=controls, correcting=corrects
    )


def _correctable(plan, raw: str | int | None) -> Review | None:
    """The plan's review with this id (404 if it is not the plan's), or None for no usable id."""
    review_id = parse_id(raw)
    return part_or_404(plan, Review, review_id) if review_id is not None else None


@bp.post("/<int:plan_id>/reviews")
@edits_plan
def record_review(plan: Plan) -> ResponseReturnValue:
    """Save the weekly review: progress per action, control decisions, the decision, the next date."""
    form, actions, controls = _review_form(plan, formdata=request.form)
    already = review_ops.find_submission(form.submission_token.data)
    if already is not None and already.plan_id == plan.id:
        # A double-click: the first save stands.
        return _on_the_plan_page(
            plan,
            PLAN_PAGE.saved(
                plan, "reviews", url_for("plans.show", plan_id=plan.id, _anchor="reviews-panel"), "Weekly review saved."
            ),
        )
    corrects = _correctable(plan, form.corrects_review_id.data)

    def record() -> None:
        review_ops.record_review(
            current_user,
            plan,
            review_date=form.review_date.data,
            summary=form.summary.data,
            decision=ReviewDecision(form.decision.data),
            next_review_date=form.next_review_date.data,
            extend_to=form.extend_to.data,
            extend_reason=form.extend_reason.data,
            escalation_reason=form.escalation_reason.data,
            corrects=corrects,
            submission_token=form.submission_token.data or None,
            entries=[_entry(form, action) for action in actions],
            control_decisions=[
                dict(
                    control=c,
                    decision=ControlDecisionKind(form.control_fields(c)[0].data),
                    rationale=form.control_fields(c)[1].data,
                )
                for c in controls
            ],
        )

    return _on_the_plan_page(
        plan,
        _save(
            plan,
            "reviews",
            form,
            record,
            "Weekly review saved. The staff member will be asked to acknowledge it.",
            stale=plan,
            error_field="summary",
            review_form=form,
            review_actions=actions,
            review_controls=controls,
            correcting=corrects,
        ),
    )


def _on_the_plan_page(plan: Plan, result: ResponseReturnValue) -> ResponseReturnValue:
    """The review form opened at its own address (…/reviews/new, so Back and Forward find it);
    once the review is saved in place, the address is the plan's again."""
    response = make_response(result)
    if is_htmx() and response.status_code == 200:
        response.headers["HX-Replace-Url"] = url_for("plans.show", plan_id=plan.id)
    return response


def _entry(form: Any, action: Action) -> EntryValues:
    progress, value, note = form.action_fields(action)
    return EntryValues(
        action=action,
        progress=Progress(progress.data),
        measured_value=float(value.data) if value is not None and value.data is not None else None,
        note=note.data,
    )


@bp.post("/<int:plan_id>/reviews/<int:review_id>/acknowledge")
@plan_route(policy.can_acknowledge, reads=PLAN_PAGE_READS, parts={"review_id": Review})
def acknowledge_review(plan: Plan, review: Review) -> ResponseReturnValue:
    """The staff member agrees with a review, or disagrees with a comment."""
    form = ReviewAcknowledgeForm(prefix=f"rack{review.id}")
    return _save(
        plan,
        "reviews",
        form,
        lambda: review_ops.acknowledge_review(
            current_user, review, response=AckResponse(form.response.data), comment=form.comment.data
        ),
        "Thank you. Your response to the review has been recorded.",
        error_field="response",
        ack_review_form=form,
        ack_review_id=review.id,
    )


# --- Observation outcomes


@bp.get("/<int:plan_id>/observations/<int:observation_id>/outcome")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"observation_id": Observation})
def observation_outcome_form(plan: Plan, observation: Observation) -> ResponseReturnValue:
    """The outcome form for one observed shift, in place."""
    form = ObservationOutcomeForm(formdata=None, prefix=f"outcome{observation.id}", row_version=observation.row_version)
    return PLAN_PAGE.show(plan, "observations", editing=("observation", observation.id), edit_form=form)


@bp.get("/<int:plan_id>/observations/recorded")
@plan_route(reads=RECORDED_OBSERVATION_READS)
def recorded_observations(plan: Plan) -> ResponseReturnValue:
    """The observed shifts already recorded (done, missed or cancelled), opened from the plan page's
    observations panel: a fragment for htmx, a page of its own otherwise. None is planned, so no
    row offers a form."""
    return plan_part(
        plan,
        "plans/_observation_table.html",
        "Recorded observed shifts",
        "observations-panel",
        rows=observation_panel(plan.observations).recorded,
        caption=f"Observed shifts recorded for {plan.reference}",
    )


@bp.post("/<int:plan_id>/observations/<int:observation_id>/outcome")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"observation_id": Observation})
def record_observation(plan: Plan, observation: Observation) -> ResponseReturnValue:
    """Record an observed shift as done (met / partly met / not met), missed, or cancelled with a reason."""
    form = ObservationOutcomeForm(prefix=f"outcome{observation.id}")
    return _save(
        plan,
        "observations",
        form,
        lambda: review_ops.record_observation(
            current_user,
            observation,
            status=ObservationStatus(form.status.data),
            outcome=Outcome(form.outcome.data) if form.outcome.data else None,
            notes=form.notes.data,
        ),
        "Observation recorded.",
        stale=observation,
        error_field="status",
        editing=("observation", observation.id),
        edit_form=form,
    )


@bp.post("/<int:plan_id>/observations/cancel-remaining")
@edits_plan
def cancel_remaining_observations(plan: Plan) -> ResponseReturnValue:
    """Cancel every observed shift still planned, with one reason: from the observations panel,
    or from the closure page's gate (a plain form that goes back there)."""
    form = CancelRemainingForm()
    back_to_close = form.back.data == "close"
    cancelled: list[Observation] = []

    def cancel() -> None:
        cancelled.extend(review_ops.cancel_remaining_observations(current_user, plan, form.reason.data))

    return submit(
        PLAN_PAGE,
        plan,
        "observations",
        form,
        cancel,
        message=lambda: f"{len(cancelled)} observed shift{'s' if len(cancelled) != 1 else ''} cancelled.",
        kept={"cancel_form": form},
        url=url_for("closure.close", plan_id=plan.id, _anchor="closure-gate")
        if back_to_close
        else url_for("plans.show", plan_id=plan.id, _anchor="observations-panel"),
    )


# --- Action status


@bp.get("/<int:plan_id>/actions/<int:action_id>/status")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"action_id": Action})
def action_status_form(plan: Plan, action: Action) -> ResponseReturnValue:
    """The completed / assured / not met form for one action, in place."""
    form = ActionStatusForm(formdata=None, prefix=f"status{action.id}", row_version=action.row_version, on=today())
    form.status.data = request.args.get("to") or ("assured" if action.status is ActionStatus.COMPLETED else "completed")
    return PLAN_PAGE.show(plan, "actions", editing=("action", action.id), edit_form=form)


@bp.post("/<int:plan_id>/actions/<int:action_id>/status")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"action_id": Action})
def set_action_status(plan: Plan, action: Action) -> ResponseReturnValue:
    """Record that an action was completed, assured (with evidence), or not met (with the reason)."""
    form = ActionStatusForm(prefix=f"status{action.id}")
    return _save(
        plan,
        "actions",
        form,
        lambda: review_ops.set_action_status(
            current_user, action, ActionStatus(form.status.data), form.evidence.data, form.on.data
        ),
        lambda: f"{action.ref} is now {action.status.label.lower()}.",
        stale=action,
        error_field="status",
        editing=("action", action.id),
        edit_form=form,
    )


# --- Pause and resume


@bp.post("/<int:plan_id>/pause")
@edits_plan
def pause(plan: Plan) -> ResponseReturnValue:
    """Pause the plan (e.g. sickness absence): nothing becomes overdue while it is paused."""
    form = PauseForm()
    return _save(
        plan,
        "reviews",
        form,
        lambda: review_ops.pause_plan(current_user, plan, form.reason.data),
        "Plan paused.",
        stale=plan,
        pause_form=form,
    )


@bp.post("/<int:plan_id>/resume")
@edits_plan
def resume(plan: Plan) -> ResponseReturnValue:
    """Resume a paused plan; the next review falls on the next review day."""
    form = ResumeForm()
    return _save(
        plan,
        "reviews",
        form,
        lambda: review_ops.resume_plan(current_user, plan, planned_end_date=form.planned_end_date.data),
        "Plan resumed.",
        stale=plan,
        resume_form=form,
    )
