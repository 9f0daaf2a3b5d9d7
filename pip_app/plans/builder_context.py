"""Everything the plan builder page and its section fragments need, in one place, and its `Screen`."""

from __future__ import annotations

from datetime import timedelta

from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import policy
from ..lifecycle import WEEKDAYS, issue_problems, quality_findings
from ..models import Plan
from ..quality import assess_action
from ..screens import Screen
from ..services.factors import factors_answered
from ..services.plans import changes_since, issue_request, unissued_changes
from . import choices
from .forms import ActionForm, AmendForm, ControlForm, IssueForm, NoControlForm, RiskForm, ScheduleForm


def risk_form_for(plan: Plan) -> RiskForm:
    form = RiskForm(obj=plan, formdata=None)
    form.staff_id.choices = [SelectChoice(plan.staff_id, plan.staff.name)]
    form.service_id.choices = [SelectChoice(plan.service_id, plan.service.name)]
    form.weeks.data = max((plan.planned_end_date - plan.start_date).days // 7, 1)
    form.row_version.data = plan.row_version
    return form


def control_form(plan: Plan, control=None, formdata=None) -> ControlForm:
    form = ControlForm(obj=control, formdata=formdata) if control else ControlForm(formdata=formdata)
    form.responsible_id.choices = choices.responsible_choices(plan)
    if control is None and formdata is None:
        form.start_date.data = plan.start_date
        form.review_by_date.data = min(plan.start_date + timedelta(days=14), plan.planned_end_date)
    if control is not None and formdata is None:
        form.row_version.data = control.row_version
    return form


def action_form(plan: Plan, action=None, formdata=None) -> ActionForm:
    form = ActionForm(obj=action, formdata=formdata) if action else ActionForm(formdata=formdata)
    form.owner_id.choices = choices.owner_choices(plan)
    if action is None and formdata is None:
        form.owner_id.data = plan.staff_id
        form.due_date.data = plan.planned_end_date
    if action is not None and formdata is None:
        form.row_version.data = action.row_version
    return form


def schedule_form(plan: Plan, formdata=None) -> ScheduleForm:
    form = ScheduleForm(formdata=formdata)
    form.observer_id.choices = choices.observer_choices(plan)
    if formdata is None:
        form.weeks.data = max((plan.planned_end_date - plan.start_date).days // 7, 1)
    return form


def builder_context(plan: Plan, **overrides) -> dict:
    """Forms (blank, or the one being corrected), findings and issue checks for the builder."""
    context = dict(
        plan=plan,
        weekdays=WEEKDAYS,
        risk_form=risk_form_for(plan),
        control_form=control_form(plan),
        no_control_form=NoControlForm(
            formdata=None, no_control_reason=plan.no_control_reason, row_version=plan.row_version
        ),
        action_form=action_form(plan),
        schedule_form=schedule_form(plan),
        issue_form=IssueForm(formdata=None, row_version=plan.row_version),
        amend_form=AmendForm(formdata=None, row_version=plan.row_version),
        editing=None,  # ("control" | "action" | "observation", id) being edited inline
        withdrawing=None,  # the id of the action whose withdrawal is being corrected (withdraw_form)
        withdraw_form=None,
        edit_form=None,
        saved=None,  # the section just saved, for a confirmation message
        conflict=None,  # the section whose save was refused because the record had changed
    )
    context.update(overrides)
    for form in (context["action_form"], context["edit_form"]):
        if isinstance(form, ActionForm):
            form.findings = typed_findings(form, plan)
    context["problems"] = issue_problems(plan, factors_answered=factors_answered(plan) if plan.is_draft else None)
    context["may_see_health"] = policy.can_see_health_detail(current_user, plan)
    context["findings"] = quality_findings(plan)
    context["unissued"] = unissued_changes(plan)
    request = issue_request(plan) if plan.is_draft else None
    context["request"] = request
    context["request_changes"] = changes_since(request.proposal, plan) if request is not None else []
    return context


QUALITY_FIELDS = ("behaviour", "when", "check_method", "success_criterion")


def typed_findings(form: ActionForm, plan: Plan) -> list:
    """The measurability findings for what has been typed into an action form (none while blank),
    their examples in the plan's risk area."""
    behaviour, when, check_method, success_criterion = typed = [form[name].data for name in QUALITY_FIELDS]
    return assess_action(behaviour, when, check_method, success_criterion, plan.risk_area) if any(typed) else []


BUILDER_PARTS = {
    "risk": "plans/_risk.html",
    "controls": "plans/_controls.html",
    "actions": "plans/_actions.html",
    "observations": "plans/_observations.html",
    "issue": "plans/_issue.html",
}

# What a saved change in one section shows in the others: every change to a plan's content moves
# the issue section (what is left before issuing, or the unissued changes of an active plan and
# its "Issue version n" button); an action added, changed or removed renumbers the references the
# observation schedule names as each shift's focus.
BUILDER_AFFECTS: dict[str, tuple[str, ...]] = {
    "risk": ("issue",),
    "controls": ("issue",),
    "actions": ("issue", "observations"),
    "observations": ("issue",),
}


def builder_refreshed_beside(section: str, changed: bool) -> list[str]:
    """The sections refreshed out of band after a saved change to `section` (none otherwise)."""
    return [BUILDER_PARTS[other] for other in BUILDER_AFFECTS.get(section, ()) if changed]


BUILDER = Screen("plans/edit.html", BUILDER_PARTS, builder_context, builder_refreshed_beside)
