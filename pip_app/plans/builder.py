"""The builder's inline parts: interim controls, actions (with the live quality check) and the
observation schedule. Each change answers htmx with its section, and a plain form with a 303."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from .. import policy
from ..access import part_or_404, plan_or_404
from ..extensions import db
from ..htmx import page_or_fragment, redirect_after_post
from ..models import ControlKind, InterimControl, Observation, Action, Shift
from ..quality import assess_action
from ..schedule import build_ics, generate_schedule
from ..services import plans as plan_ops
from .builder_context import action_form, builder_context, control_form, is_stale, schedule_form
from .choices import observer_choices
from .page import PLAN_PAGE_OPTIONS
from .forms import NoControlForm, ObservationForm
from . import bp

QUALITY_FIELDS = ("behaviour", "when", "check_method", "success_criterion")
ACTION_DATES = ("due_date", "when_date")
SECTIONS = {"controls": "plans/_controls.html", "actions": "plans/_actions.html",
            "observations": "plans/_observations.html"}
PART_KINDS = {"controls": "control", "actions": "action", "observations": "observation"}
ADD_FORMS = {"controls": "control_form", "actions": "action_form"}


def _section(plan, section: str, status: int = 200, **overrides):
    return page_or_fragment("plans/edit.html", SECTIONS[section], status=status, **builder_context(plan, **overrides))


def _done(plan, section: str):
    """After a successful change: the fresh section for htmx, a 303 back to it otherwise."""
    db.session.commit()
    if request.headers.get("HX-Request") == "true":
        return _section(plan, section, saved=section)
    return redirect_after_post(url_for("plans.edit", plan_id=plan.id, _anchor=section))


def _perform(plan, section: str, operation):
    """Run the operation, then answer as _done; an operation's refusal is a 409 message on the section."""
    try:
        operation()
    except plan_ops.PlanError as error:
        db.session.rollback()
        return _section(plan, section, 409, section_error=str(error))
    return _done(plan, section)


def _save(plan, section: str, form, operation, *, dates=(), part=None):
    """Validate the form (422 with its errors, input kept), refuse an edit of `part` made on a stale
    copy (409, input kept), then _perform the operation. No `part`: the section's add form."""
    if part is None:
        kept = {ADD_FORMS[section]: form}
    else:
        kept = dict(editing=(PART_KINDS[section], part.id), edit_form=form)
    if not form.validate() or not _within_plan(plan, form, *dates):
        return _section(plan, section, 422, **kept)
    if part is not None and is_stale(form, part):
        return _section(plan, section, 409, conflict=section, **kept)
    return _perform(plan, section, operation)


def _within_plan(plan, form, *fields) -> bool:
    ok = True
    for name in fields:
        field = form[name]
        if field.data and not plan.start_date <= field.data <= plan.planned_end_date:
            field.errors = list(field.errors) + [
                f"Choose a date within the plan, {plan.start_date:%-d %b %Y} to {plan.planned_end_date:%-d %b %Y}."]
            ok = False
    return ok


# --- Interim controls


@bp.get("/<int:plan_id>/controls")
@login_required
def controls(plan_id: int):
    """The controls section, e.g. after cancelling an edit."""
    return _section(plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS), "controls")


@bp.post("/<int:plan_id>/controls")
@login_required
def add_control(plan_id: int):
    """Add an interim control."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form = control_form(plan, formdata=request.form)
    return _save(plan, "controls", form, lambda: plan_ops.add_control(current_user, plan, _control_values(form)),
                 dates=("start_date",))


@bp.get("/<int:plan_id>/controls/<int:control_id>/edit")
@login_required
def edit_control(plan_id: int, control_id: int):
    """The control as an inline form."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    control = part_or_404(plan, InterimControl, control_id)
    return _section(plan, "controls", editing=("control", control.id), edit_form=control_form(plan, control))


@bp.post("/<int:plan_id>/controls/<int:control_id>")
@login_required
def update_control(plan_id: int, control_id: int):
    """Save a control's changes, unless someone else changed it first."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    control = part_or_404(plan, InterimControl, control_id)
    form = control_form(plan, formdata=request.form)
    return _save(plan, "controls", form, lambda: plan_ops.update_control(current_user, control, _control_values(form)),
                 dates=("start_date",), part=control)


@bp.post("/<int:plan_id>/controls/<int:control_id>/delete")
@login_required
def remove_control(plan_id: int, control_id: int):
    """Remove a control from a draft."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    control = part_or_404(plan, InterimControl, control_id)
    return _perform(plan, "controls", lambda: plan_ops.remove_control(current_user, control))


@bp.post("/<int:plan_id>/no-control")
@login_required
def no_control(plan_id: int):
    """Record why no interim control is needed."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form = NoControlForm()
    if not form.validate():
        return _section(plan, "controls", 422, no_control_form=form)
    plan_ops.set_no_control_reason(current_user, plan, form.no_control_reason.data)
    return _done(plan, "controls")


def _control_values(form) -> dict:
    return dict(kind=ControlKind(form.kind.data), detail=form.detail.data, responsible_id=form.responsible_id.data,
                start_date=form.start_date.data, review_by_date=form.review_by_date.data)


# --- Actions


@bp.get("/<int:plan_id>/actions")
@login_required
def actions(plan_id: int):
    """The actions section."""
    return _section(plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS), "actions")


@bp.post("/<int:plan_id>/actions")
@login_required
def add_action(plan_id: int):
    """Add the next action; vague wording is allowed in a draft but shown beside the fields."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form = action_form(plan, formdata=request.form)
    return _save(plan, "actions", form, lambda: plan_ops.add_action(current_user, plan, _action_values(form)),
                 dates=ACTION_DATES)


@bp.get("/<int:plan_id>/actions/<int:action_id>/edit")
@login_required
def edit_action(plan_id: int, action_id: int):
    """The action as an inline form."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    action = part_or_404(plan, Action, action_id)
    return _section(plan, "actions", editing=("action", action.id), edit_form=action_form(plan, action))


@bp.post("/<int:plan_id>/actions/<int:action_id>")
@login_required
def update_action(plan_id: int, action_id: int):
    """Save an action's changes, unless someone else changed it first."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    action = part_or_404(plan, Action, action_id)
    form = action_form(plan, formdata=request.form)
    return _save(plan, "actions", form, lambda: plan_ops.update_action(current_user, action, _action_values(form)),
                 dates=ACTION_DATES, part=action)


@bp.post("/<int:plan_id>/actions/<int:action_id>/delete")
@login_required
def remove_action(plan_id: int, action_id: int):
    """Remove an action from a draft; the others are renumbered."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    action = part_or_404(plan, Action, action_id)
    return _perform(plan, "actions", lambda: plan_ops.remove_action(current_user, action))


@bp.post("/<int:plan_id>/actions/check")
@login_required
def check_action(plan_id: int):
    """The live measurability check as the manager types (changes nothing)."""
    plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form = request.form
    findings = assess_action(*(form.get(f"action-{name}") for name in QUALITY_FIELDS))
    slot = form.get("quality_slot", "new")
    slot = slot if slot == "new" or slot.isdigit() else "new"
    return render_template("plans/_quality.html", findings=findings, slot=slot, checked=True)


def _action_values(form) -> dict:
    def number(field):
        return float(field.data) if field.data is not None else None

    has_measure = bool((form.measure_name.data or "").strip())
    return dict(
        behaviour=form.behaviour.data, when=form.when.data.strip(), when_date=form.when_date.data,
        check_method=form.check_method.data, success_criterion=form.success_criterion.data,
        measure_name=form.measure_name.data.strip() if has_measure else None,
        measure_unit=(form.measure_unit.data or "").strip() or None if has_measure else None,
        measure_baseline=number(form.measure_baseline) if has_measure else None,
        measure_target=number(form.measure_target) if has_measure else None,
        measure_higher_is_better=bool(form.measure_higher_is_better.data) if has_measure else True,
        measure_consecutive=(form.measure_consecutive.data or 1) if has_measure else None,
        owner_id=form.owner_id.data or None, due_date=form.due_date.data,
    )


# --- Observation schedule


@bp.get("/<int:plan_id>/observations")
@login_required
def observations(plan_id: int):
    """The observation schedule section."""
    return _section(plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS), "observations")


@bp.post("/<int:plan_id>/observations/schedule")
@login_required
def schedule(plan_id: int):
    """Generate planned observations from a rule, e.g. 2 observed shifts a week for 4 weeks."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form = schedule_form(plan, formdata=request.form)
    if form.validate():
        try:
            slots = generate_schedule(plan.start_date, plan.planned_end_date, form.per_week.data,
                                      form.weeks.data, form.shift.data)
        except ValueError as error:
            form.per_week.errors = list(form.per_week.errors) + [str(error)]
        else:
            plan_ops.schedule_observations(current_user, plan, slots, observer_id=form.observer_id.data,
                                           focus=list(plan.actions))
            return _done(plan, "observations")
    return _section(plan, "observations", 422, schedule_form=form)


def _observation_form(plan, observation=None, formdata=None) -> ObservationForm:
    form = ObservationForm(obj=observation, formdata=formdata)
    form.observer_id.choices = observer_choices(plan)
    form.focus.choices = [SelectChoice(a.id, f"{a.ref} {a.behaviour[:60]}") for a in plan.actions]
    if observation is not None and formdata is None:
        form.focus.data = [a.id for a in observation.focus]
        form.shift.data = observation.shift.value
        form.row_version.data = observation.row_version
    return form


@bp.get("/<int:plan_id>/observations/<int:observation_id>/edit")
@login_required
def edit_observation(plan_id: int, observation_id: int):
    """One planned observation as an inline form."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    observation = part_or_404(plan, Observation, observation_id)
    return _section(plan, "observations", editing=("observation", observation.id),
                    edit_form=_observation_form(plan, observation))


@bp.post("/<int:plan_id>/observations/<int:observation_id>")
@login_required
def update_observation(plan_id: int, observation_id: int):
    """Move one planned observation, or change its shift, observer or focus."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    observation = part_or_404(plan, Observation, observation_id)
    form = _observation_form(plan, formdata=request.form)

    def move():
        focus = [a for a in plan.actions if a.id in set(form.focus.data or [])]
        plan_ops.update_observation(current_user, observation, dict(
            scheduled_on=form.scheduled_on.data, shift=Shift(form.shift.data),
            observer_id=form.observer_id.data, focus=focus))

    return _save(plan, "observations", form, move, dates=("scheduled_on",), part=observation)


@bp.post("/<int:plan_id>/observations/<int:observation_id>/delete")
@login_required
def remove_observation(plan_id: int, observation_id: int):
    """Remove a planned observation from a draft."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    observation = part_or_404(plan, Observation, observation_id)
    return _perform(plan, "observations", lambda: plan_ops.remove_observation(current_user, observation))


@bp.get("/<int:plan_id>/observations.ics")
@login_required
def observations_ics(plan_id: int):
    """The planned observations as a calendar file for the observer."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    mine = request.args.get("mine") == "1"
    events = [
        dict(uid=f"observation-{o.id}@pip-app", date=o.scheduled_on, shift=o.shift.value,
             summary=f"Observed shift: {plan.staff.name} ({plan.reference})",
             description=f"Observer: {o.observer.name}. Focus: " + "; ".join(
                 f"{a.ref} {a.behaviour}" for a in o.focus) if o.focus else f"Observer: {o.observer.name}.",
             location=plan.service.name)
        for o in plan.observations
        if o.status.value == "planned" and (not mine or o.observer_id == current_user.id)
    ]
    body = build_ics(events, calendar_name=f"Observations {plan.reference}")
    filename = f"observations-{plan.reference}.ics"
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8",
                       "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
