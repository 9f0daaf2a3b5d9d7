"""The builder's inline parts: interim controls, actions (with the live quality check) and the
observation schedule. Each change answers htmx with its section, and a plain form with a 303."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import policy
from ..access import plan_route
from ..extensions import db
from ..lifecycle import live_actions
from ..models import Action, ControlKind, InterimControl, Observation, Plan, Shift
from ..notifications.calendar import observation_uid
from ..plan_page import PLAN_PAGE_READS
from ..quality import assess_action
from ..refusals import Refusal
from ..schedule import build_ics, generate_schedule
from ..screens import add_error, submit
from ..services import audit
from ..services import plans as plan_ops
from ..services.plans import ActionValues, ControlValues
from . import bp
from .builder_context import BUILDER, QUALITY_FIELDS, action_form, control_form, schedule_form
from .choices import observer_choices
from .forms import NoControlForm, ObservationForm, WithdrawActionForm

ACTION_DATES = ("due_date", "when_date")
PART_KINDS = {"controls": "control", "actions": "action", "observations": "observation"}
ADD_FORMS = {"controls": "control_form", "actions": "action_form", "observations": "schedule_form"}
# Every builder route: signed in, the plan visible (else 404) and editable by this person (else 403).
edits_plan = plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS)


def _save(
    plan: Plan, section: str, form, operation: Callable[[], object], *, dates=(), part=None
) -> ResponseReturnValue:
    """Validate the form and its dates (422, input kept), refuse an edit of `part` made on a stale
    copy (409, input kept), then change and answer with the section. No `part`: the add form."""
    kept = {ADD_FORMS[section]: form} if part is None else dict(editing=(PART_KINDS[section], part.id), edit_form=form)
    return submit(
        BUILDER,
        plan,
        section,
        form,
        operation,
        stale=part,
        kept=kept,
        checks=lambda: _within_plan(plan, form, *dates),
        url=url_for("plans.edit", plan_id=plan.id, _anchor=section),
    )


def _remove(plan: Plan, section: str, operation: Callable[[], object]) -> ResponseReturnValue:
    """A removal has no fields of its own: only the operation can refuse it (on the section)."""
    return submit(BUILDER, plan, section, None, operation, url=url_for("plans.edit", plan_id=plan.id, _anchor=section))


def _within_plan(plan: Plan, form, *fields: str) -> bool:
    ok = True
    for name in fields:
        field = form[name]
        if field.data and not plan.start_date <= field.data <= plan.planned_end_date:
            add_error(
                field,
                f"Choose a date within the plan, {plan.start_date:%-d %b %Y} to {plan.planned_end_date:%-d %b %Y}.",
            )
            ok = False
    return ok


# --- Interim controls


@bp.get("/<int:plan_id>/controls")
@edits_plan
def controls(plan: Plan) -> ResponseReturnValue:
    """The controls section, e.g. after cancelling an edit."""
    return BUILDER.show(plan, "controls")


@bp.post("/<int:plan_id>/controls")
@edits_plan
def add_control(plan: Plan) -> ResponseReturnValue:
    """Add an interim control."""
    form = control_form(plan, formdata=request.form)
    return _save(
        plan,
        "controls",
        form,
        lambda: plan_ops.add_control(current_user, plan, _control_values(form)),
        dates=("start_date",),
    )


@bp.get("/<int:plan_id>/controls/<int:control_id>/edit")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"control_id": InterimControl})
def edit_control(plan: Plan, control: InterimControl) -> ResponseReturnValue:
    """The control as an inline form."""
    return BUILDER.show(plan, "controls", editing=("control", control.id), edit_form=control_form(plan, control))


@bp.post("/<int:plan_id>/controls/<int:control_id>")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"control_id": InterimControl})
def update_control(plan: Plan, control: InterimControl) -> ResponseReturnValue:
    """Save a control's changes, unless someone else changed it first."""
    form = control_form(plan, formdata=request.form)
    return _save(
        plan,
        "controls",
        form,
        lambda: plan_ops.update_control(current_user, control, _control_values(form)),
        dates=("start_date",),
        part=control,
    )


@bp.post("/<int:plan_id>/controls/<int:control_id>/delete")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"control_id": InterimControl})
def remove_control(plan: Plan, control: InterimControl) -> ResponseReturnValue:
    """Remove a control from a draft."""
    return _remove(plan, "controls", lambda: plan_ops.remove_control(current_user, control))


@bp.post("/<int:plan_id>/no-control")
@edits_plan
def no_control(plan: Plan) -> ResponseReturnValue:
    """Record why no interim control is needed."""
    form = NoControlForm()
    return submit(
        BUILDER,
        plan,
        "controls",
        form,
        lambda: plan_ops.set_no_control_reason(current_user, plan, form.no_control_reason.data),
        kept={"no_control_form": form},
        url=url_for("plans.edit", plan_id=plan.id, _anchor="controls"),
    )


def _control_values(form: Any) -> ControlValues:
    return ControlValues(
        kind=ControlKind(form.kind.data),
        detail=form.detail.data,
        responsible_id=form.responsible_id.data,
        start_date=form.start_date.data,
        review_by_date=form.review_by_date.data,
    )


# --- Actions


@bp.get("/<int:plan_id>/actions")
@edits_plan
def actions(plan: Plan) -> ResponseReturnValue:
    """The actions section."""
    return BUILDER.show(plan, "actions")


@bp.post("/<int:plan_id>/actions")
@edits_plan
def add_action(plan: Plan) -> ResponseReturnValue:
    """Add the next action; vague wording is allowed in a draft but shown beside the fields."""
    form = action_form(plan, formdata=request.form)
    return _save(
        plan, "actions", form, lambda: plan_ops.add_action(current_user, plan, _action_values(form)), dates=ACTION_DATES
    )


@bp.get("/<int:plan_id>/actions/<int:action_id>/edit")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"action_id": Action})
def edit_action(plan: Plan, action: Action) -> ResponseReturnValue:
    """The action as an inline form."""
    return BUILDER.show(plan, "actions", editing=("action", action.id), edit_form=action_form(plan, action))


@bp.post("/<int:plan_id>/actions/<int:action_id>")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"action_id": Action})
def update_action(plan: Plan, action: Action) -> ResponseReturnValue:
    """Save an action's changes, unless someone else changed it first."""
    form = action_form(plan, formdata=request.form)
    return _save(
        plan,
        "actions",
        form,
        lambda: plan_ops.update_action(current_user, action, _action_values(form)),
        dates=ACTION_DATES,
        part=action,
    )


@bp.post("/<int:plan_id>/actions/<int:action_id>/delete")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"action_id": Action})
def remove_action(plan: Plan, action: Action) -> ResponseReturnValue:
    """Remove an action from a draft; the others are renumbered."""
    return _remove(plan, "actions", lambda: plan_ops.remove_action(current_user, action))


@bp.post("/<int:plan_id>/actions/<int:action_id>/withdraw")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"action_id": Action})
def withdraw_action(plan: Plan, action: Action) -> ResponseReturnValue:
    """Withdraw an action from an issued plan, with the reason: kept as withdrawn, not deleted,
    and shown as an unissued change until the amendment is issued."""
    form = WithdrawActionForm(prefix=f"withdraw{action.id}")
    return submit(
        BUILDER,
        plan,
        "actions",
        form,
        lambda: plan_ops.withdraw_action(current_user, action, form.reason.data),
        stale=action,
        kept=dict(withdrawing=action.id, withdraw_form=form),
        url=url_for("plans.edit", plan_id=plan.id, _anchor="actions"),
        message=f"{action.ref} withdrawn. Issue the changes so that {plan.staff.name} sees it.",
    )


@bp.post("/<int:plan_id>/actions/check")
@edits_plan
def check_action(plan: Plan) -> ResponseReturnValue:
    """The live measurability check as the manager types (changes nothing)."""
    form = request.form
    behaviour, when, check_method, success_criterion = (form.get(f"action-{name}") for name in QUALITY_FIELDS)
    findings = assess_action(behaviour, when, check_method, success_criterion, plan.risk_area)
    slot = form.get("quality_slot", "new")
    slot = slot if slot == "new" or slot.isdigit() else "new"
    return render_template("plans/_quality.html", findings=findings, slot=slot, checked=True)


def _action_values(form: Any) -> ActionValues:
    def number(field):
        return float(field.data) if field.data is not None else None

    has_measure = bool((form.measure_name.data or "").strip())
    return ActionValues(
        behaviour=form.behaviour.data,
        when=form.when.data.strip(),
        when_date=form.when_date.data,
        check_method=form.check_method.data,
        success_criterion=form.success_criterion.data,
        measure_name=form.measure_name.data.strip() if has_measure else None,
        measure_unit=(form.measure_unit.data or "").strip() or None if has_measure else None,
        measure_baseline=number(form.measure_baseline) if has_measure else None,
        measure_target=number(form.measure_target) if has_measure else None,
        measure_higher_is_better=bool(form.measure_higher_is_better.data) if has_measure else True,
        measure_consecutive=(form.measure_consecutive.data or 1) if has_measure else None,
        owner_id=form.owner_id.data or None,
        due_date=form.due_date.data,
    )


# --- Observation schedule


@bp.get("/<int:plan_id>/observations")
@edits_plan
def observations(plan: Plan) -> ResponseReturnValue:
    """The observation schedule section."""
    return BUILDER.show(plan, "observations")


@bp.post("/<int:plan_id>/observations/schedule")
@edits_plan
def schedule(plan: Plan) -> ResponseReturnValue:
    """Generate planned observations from a rule, e.g. 2 observed shifts a week for 4 weeks."""
    form = schedule_form(plan, formdata=request.form)

    def schedule_them() -> None:
        try:
            slots = generate_schedule(
                plan.start_date, plan.planned_end_date, form.per_week.data, form.weeks.data, form.shift.data
            )
        except ValueError as error:
            raise Refusal(str(error), "per_week") from error
        plan_ops.schedule_observations(
            current_user, plan, slots, observer_id=form.observer_id.data, focus=live_actions(plan)
        )

    return submit(
        BUILDER,
        plan,
        "observations",
        form,
        schedule_them,
        kept={"schedule_form": form},
        url=url_for("plans.edit", plan_id=plan.id, _anchor="observations"),
    )


def _observation_form(plan, observation=None, formdata=None) -> ObservationForm:
    form = ObservationForm(obj=observation, formdata=formdata)
    form.observer_id.choices = observer_choices(plan)
    form.focus.choices = [SelectChoice(a.id, f"{a.ref} {a.behaviour[:60]}") for a in live_actions(plan)]
    if observation is not None and formdata is None:
        form.focus.data = [a.id for a in observation.focus]
        form.shift.data = observation.shift.value
        form.row_version.data = observation.row_version
    return form


@bp.get("/<int:plan_id>/observations/<int:observation_id>/edit")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"observation_id": Observation})
def edit_observation(plan: Plan, observation: Observation) -> ResponseReturnValue:
    """One planned observation as an inline form."""
    return BUILDER.show(
        plan, "observations", editing=("observation", observation.id), edit_form=_observation_form(plan, observation)
    )


@bp.post("/<int:plan_id>/observations/<int:observation_id>")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"observation_id": Observation})
def update_observation(plan: Plan, observation: Observation) -> ResponseReturnValue:
    """Move one planned observation, or change its shift, observer or focus."""
    form = _observation_form(plan, formdata=request.form)

    def move():
        focus = [a for a in live_actions(plan) if a.id in set(form.focus.data or [])]
        plan_ops.update_observation(
            current_user,
            observation,
            dict(
                scheduled_on=form.scheduled_on.data,
                shift=Shift(form.shift.data),
                observer_id=form.observer_id.data,
                focus=focus,
            ),
        )

    return _save(plan, "observations", form, move, dates=("scheduled_on",), part=observation)


@bp.post("/<int:plan_id>/observations/<int:observation_id>/delete")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS, parts={"observation_id": Observation})
def remove_observation(plan: Plan, observation: Observation) -> ResponseReturnValue:
    """Remove a planned observation from a draft."""
    return _remove(plan, "observations", lambda: plan_ops.remove_observation(current_user, observation))


@bp.get("/<int:plan_id>/observations.ics")
@edits_plan
def observations_ics(plan: Plan) -> ResponseReturnValue:
    """The planned observations as a calendar file for the observer; the download is audited
    (a HEAD request — a link checker, a prefetch — downloads nothing and is not)."""
    mine = request.args.get("mine") == "1"
    events = [
        dict(
            uid=observation_uid(o.id),
            date=o.scheduled_on,
            shift=o.shift.value,
            summary=f"Observed shift: {plan.staff.name} ({plan.reference})",
            description=f"Observer: {o.observer.name}. Focus: " + "; ".join(f"{a.ref} {a.behaviour}" for a in o.focus)
            if o.focus
            else f"Observer: {o.observer.name}.",
            location=plan.service.name,
        )
        for o in plan.observations
        if o.status.value == "planned" and (not mine or o.observer_id == current_user.id)
    ]
    body = build_ics(events, calendar_name=f"Observations {plan.reference}")
    filename = f"observations-{plan.reference}.ics"
    if request.method == "GET":
        plan_id = plan.id
        db.session.rollback()  # end the read before writing, so SQLite takes the write lock cleanly
        audit.record(
            current_user,
            "downloaded",
            "observations_ics",
            plan_id,
            plan_id=plan_id,
            changes={"file": filename, "observations": len(events), "mine": mine},
        )
    return (
        body,
        200,
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
