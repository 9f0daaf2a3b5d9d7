"""Plan-level pages: the list, a new plan (risk first), the plan page, the builder, issue, amend,
acknowledge, earlier versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import plan_templates, policy
from ..access import plan_route, requires
from ..clock import today
from ..conditional import unless_unchanged
from ..extensions import db
from ..forms import PlanAcknowledgeForm
from ..htmx import redirect_after_post
from ..lifecycle import diff_snapshots
from ..models import AckResponse, Plan, PlanStage, PlanStatus, PlanType, RiskArea, User
from ..params import id_arg, page_arg
from ..plan_page import PLAN_PAGE, PLAN_PAGE_READS, PLAN_PAGE_SHOWN, PLAN_PART_READS, PLAN_ROW_SHOWN, plan_page_context
from ..plan_reads import read_collections
from ..screens import page_or_fragment, plan_part, submit
from ..services import acknowledgements, approvals
from ..services import plans as plan_ops
from ..services.audit import readable_history
from ..services.plans import RiskValues
from . import bp, choices
from .builder_context import BUILDER, builder_context
from .forms import AmendForm, IssueForm, RiskForm
from .queries import open_plans_for, plan_acknowledgements, plan_history, plan_list, plan_version, plan_versions


@bp.get("/")
@requires(policy.can_list_plans)
def index() -> ResponseReturnValue:
    """Every plan the user may see, filtered by status, service, staff member, risk area, stage and text."""
    found = plan_list(current_user, request.args)
    return page_or_fragment(
        "plans/index.html",
        "plans/_results.html",
        plans=found.plans,
        total=found.total,
        page=found.page,
        pages=found.pages,
        args=request.args,
        staff=found.staff,
        services=found.services,
        statuses=PlanStatus.choices(),
        risk_areas=RiskArea.choices(),
        stages=PlanStage.choices(),
        may_create=policy.can_create_plans(current_user),
    )


def _risk_form(actor: User, plan: Plan | None = None, **kwargs: object) -> RiskForm:
    form = RiskForm(**kwargs)
    if plan is None or plan.is_draft:
        form.staff_id.choices = ([SelectChoice("", "Choose a staff member")] if plan is None else []) + list(
            choices.staff_choices(actor)
        )
        form.service_id.choices = choices.service_choices(actor)
    if plan is not None:
        form.staff_id.choices = (
            form.staff_id.choices if plan.is_draft else [SelectChoice(plan.staff_id, plan.staff.name)]
        )
        form.service_id.choices = (
            form.service_id.choices if plan.is_draft else [SelectChoice(plan.service_id, plan.service.name)]
        )
        if plan.service_id not in {c.value for c in form.service_id.choices}:
            form.service_id.choices.append(SelectChoice(plan.service_id, plan.service.name))
    return form


def _risk_values(form: RiskForm) -> RiskValues:
    start = form.start_date.data
    return RiskValues(
        staff_id=form.staff_id.data,
        service_id=form.service_id.data,
        plan_type=PlanType(form.plan_type.data or PlanType.PERFORMANCE.value),
        risk_area=RiskArea(form.risk_area.data),
        risk_statement=form.risk_statement.data,
        evidence_sources=list(form.evidence_sources.data or []),
        evidence_detail=form.evidence_detail.data or "",
        key_questions=list(form.key_questions.data or []),
        baseline_text=form.baseline_text.data or "",
        baseline_figure=float(form.baseline_figure.data) if form.baseline_figure.data is not None else None,
        start_date=start,
        planned_end_date=start + timedelta(weeks=form.weeks.data),
        review_weekday=form.review_weekday.data,
    )


def _may_plan_for(staff_id: int) -> None:
    """403 unless the person may open a plan for this staff member (a form can name anyone)."""
    staff = db.session.get(User, staff_id)
    if staff is None or not policy.can_create_plan_for(current_user, staff):
        abort(403)


@bp.get("/new/open-plans")
@requires(policy.can_create_plans)
def open_plans_of() -> ResponseReturnValue:
    """The chosen staff member's open plans, shown as a warning beside the choice (htmx)."""
    return render_template(
        "plans/_open_plans.html", open_plans=open_plans_for(current_user, id_arg(request.args, "staff_id"))
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(policy.can_create_plans)
def new() -> ResponseReturnValue:
    """A new plan opens with the risk: who, what could go wrong, the evidence, the baseline."""
    template = plan_templates.get_template(request.values.get("template", ""))
    form = _risk_form(current_user)
    context: dict[str, Any] = dict(form=form, template=template, templates=plan_templates.TEMPLATES)
    if request.method == "GET":
        start = today()
        form.start_date.data = start
        form.review_weekday.data = start.weekday()
        if template:
            form.risk_area.data = template.risk_area.value
            form.risk_statement.data = template.risk_statement
            form.evidence_sources.data = [e.value for e in template.evidence_sources]
            form.key_questions.data = [k.value for k in template.key_questions]
            form.baseline_text.description = f"Where practice is now, e.g. “{template.baseline_hint}”."
            form.weeks.data = template.weeks
        form.staff_id.data = id_arg(request.args, "staff")
        context["open_plans"] = open_plans_for(current_user, form.staff_id.data)
        return render_template("plans/new.html", **context)
    context["open_plans"] = open_plans_for(current_user, form.staff_id.data)
    if not form.validate():
        return render_template("plans/new.html", **context), 422
    _may_plan_for(form.staff_id.data)
    plan = plan_ops.create_draft(current_user, template=template, manager_id=current_user.id, **_risk_values(form))
    flash(f"Draft {plan.reference} saved. Add the interim controls and actions next.", "success")
    return redirect_after_post(url_for("plans.edit", plan_id=plan.id))


@bp.get("/<int:plan_id>")
@plan_route(reads=PLAN_PAGE_READS, collections_later=True, plain=PLAN_ROW_SHOWN)
def show(plan: Plan) -> ResponseReturnValue:
    """The plan page: header and flags, risk, controls, actions with progress, observations, reviews,
    acknowledgements, history. 304 when the client's copy is still this person's page now: its
    plan's row is read once, and its collections only for a page to send."""

    def page() -> str:
        read_collections(plan, PLAN_PAGE_READS, plain=PLAN_PAGE_SHOWN)
        return render_template("plans/show.html", **plan_page_context(plan))

    return unless_unchanged(plan, "page", page)


@bp.get("/<int:plan_id>/edit")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS)
def edit(plan: Plan) -> ResponseReturnValue:
    """The plan builder: risk, interim controls, actions, observation schedule, then issue or amend."""
    return render_template("plans/edit.html", **builder_context(plan))


@bp.post("/<int:plan_id>/risk")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS)
def update_risk(plan: Plan) -> ResponseReturnValue:
    """Save the risk section (drafts and active plans; an active plan's change needs an amendment)."""
    form = _risk_form(current_user, plan)

    def save() -> None:
        if plan.is_draft and form.staff_id.data != plan.staff_id:
            _may_plan_for(form.staff_id.data)
        plan_ops.update_risk(current_user, plan, _risk_values(form))

    return submit(
        BUILDER,
        plan,
        "risk",
        form,
        save,
        stale=plan,
        kept={"risk_form": form},
        url=url_for("plans.edit", plan_id=plan.id, _anchor="risk"),
    )


@bp.post("/<int:plan_id>/issue")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS)
def issue(plan: Plan) -> ResponseReturnValue:
    """Issue a draft: the staff member is then asked to acknowledge it."""
    form = IssueForm()
    return submit(
        BUILDER,
        plan,
        "issue",
        form,
        lambda: plan_ops.issue_plan(current_user, plan, override_reason=form.override_reason.data),
        stale=plan,
        error_field="override_reason",
        kept={"issue_form": form},
        url=url_for("plans.show", plan_id=plan.id),
        leave=True,
        message=lambda: f"{plan.reference} issued. {plan.staff.name} will be asked to acknowledge it.",
    )


@bp.post("/<int:plan_id>/submit")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS)
def submit_for_approval(plan: Plan) -> ResponseReturnValue:
    """Submit a draft for approval before issue (the service's approver decides)."""
    form = IssueForm()
    return submit(
        BUILDER,
        plan,
        "issue",
        form,
        lambda: approvals.submit_for_issue(current_user, plan, override_reason=form.override_reason.data),
        stale=plan,
        error_field="override_reason",
        kept={"issue_form": form},
        url=url_for("plans.edit", plan_id=plan.id, _anchor="issue"),
        message="Submitted for approval. You can issue the plan once it is approved.",
    )


@bp.post("/<int:plan_id>/amend")
@plan_route(policy.can_edit_plan, reads=PLAN_PAGE_READS)
def amend(plan: Plan) -> ResponseReturnValue:
    """Issue the changes to an active plan as a new version for the staff member to acknowledge."""
    form = AmendForm()
    return submit(
        BUILDER,
        plan,
        "issue",
        form,
        lambda: plan_ops.amend_plan(
            current_user, plan, change_summary=form.change_summary.data, override_reason=form.override_reason.data
        ),
        stale=plan,
        error_field="change_summary",
        kept={"issue_form": form, "amend_form": form},
        url=url_for("plans.show", plan_id=plan.id),
        leave=True,
        message=lambda: f"Version {plan.version} of {plan.reference} issued. "
        f"{plan.staff.name} will be asked to acknowledge it.",
    )


@bp.post("/<int:plan_id>/acknowledge")
@plan_route(policy.can_acknowledge, reads=PLAN_PAGE_READS)
def acknowledge(plan: Plan) -> ResponseReturnValue:
    """The staff member agrees, or disagrees with a comment, with the exact statement shown."""
    form = PlanAcknowledgeForm()
    return submit(
        PLAN_PAGE,
        plan,
        "acknowledge",
        form,
        lambda: acknowledgements.acknowledge_plan(
            current_user,
            plan,
            version=int(form.version.data or 0),
            response=AckResponse(form.response.data),
            comment=form.comment.data,
        ),
        error_field="response",
        kept={"ack_form": form},
        url=url_for("plans.show", plan_id=plan.id),
        leave=True,
        message="Thank you. Your acknowledgement has been recorded.",
    )


@bp.get("/<int:plan_id>/versions/<int:version>")
@plan_route()
def version(plan: Plan, version: int) -> ResponseReturnValue:
    """An earlier issued version exactly as it was, with what changed from the one before."""
    record, previous = plan_version(plan, version)
    if record is None:
        abort(404)
    changes = diff_snapshots(previous.snapshot, record.snapshot) if previous else []
    return render_template("plans/version.html", plan=plan, record=record, snap=record.snapshot, changes=changes)


@bp.get("/<int:plan_id>/history")
@plan_route(reads=PLAN_PART_READS)
def history(plan: Plan) -> ResponseReturnValue:
    """Every change to the plan, newest first, a page at a time."""
    page = plan_history(current_user, plan, page_arg(request.args))
    return plan_part(
        plan, "plans/_history.html", "History", "history-panel", page=page, readable=readable_history(page.items)
    )


@bp.get("/<int:plan_id>/versions")
@plan_route(reads=PLAN_PART_READS)
def versions(plan: Plan) -> ResponseReturnValue:
    """Every issued version, with who issued it, when and why."""
    return plan_part(plan, "plans/_versions.html", "Issued versions", "history-panel", versions=plan_versions(plan))


@bp.get("/<int:plan_id>/acknowledgements")
@plan_route(reads=PLAN_PART_READS)
def acknowledgement_list(plan: Plan) -> ResponseReturnValue:
    """Every acknowledgement, with the statement that was shown and any comment."""
    return plan_part(
        plan,
        "plans/_acknowledgements.html",
        "Acknowledgements",
        "acks-panel",
        acknowledgements=plan_acknowledgements(plan),
    )
