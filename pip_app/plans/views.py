"""Plan-level pages: the list, a new plan (risk first), the plan page, the builder, issue, amend,
acknowledge, earlier versions."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from .. import page_cache, plan_templates, policy
from ..access import plan_or_404
from ..clock import today
from ..database import LIKE_ESCAPE, contains_pattern
from ..extensions import db
from ..htmx import page_or_fragment, redirect_after_post
from ..lifecycle import diff_snapshots
from ..models import AckResponse, Plan, PlanStatus, PlanVersion, RiskArea, Service, User
from ..services import acknowledgements, plans as plan_ops
from . import bp, choices
from .builder_context import builder_context, is_stale
from .page import PLAN_PAGE_OPTIONS, POLICY_COLUMNS, plan_page_context
from .forms import AcknowledgeForm, AmendForm, IssueForm, RiskForm

PAGE_SIZE = 50
MAX_PAGE = 100_000  # beyond any real list; keeps OFFSET within PostgreSQL's bigint


@bp.get("/")
@login_required
def index():
    """Every plan the user may see, filtered by status, service, staff member, risk area and text."""
    if not policy.can_list_plans(current_user):
        abort(403)
    args = request.args
    query = select(Plan).where(policy.visible_plans(current_user))
    if args.get("status") in PlanStatus._value2member_map_:
        query = query.where(Plan.status == PlanStatus(args["status"]))
    if args.get("risk_area") in RiskArea._value2member_map_:
        query = query.where(Plan.risk_area == RiskArea(args["risk_area"]))
    if args.get("service", "").isdigit():
        query = query.where(Plan.service_id == int(args["service"]))
    if args.get("staff", "").isdigit():
        query = query.where(Plan.staff_id == int(args["staff"]))
    text = args.get("q", "").strip()[:100]
    if text:
        pattern = contains_pattern(text)
        query = query.join(User, User.id == Plan.staff_id).where(or_(*(
            column.ilike(pattern, escape=LIKE_ESCAPE) for column in (Plan.reference, User.name, Plan.risk_statement))))
    page = min(max(int(args["page"]) if args.get("page", "").isdigit() else 1, 1), MAX_PAGE)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    plans = db.session.scalars(
        query.options(joinedload(Plan.staff), joinedload(Plan.service))
        .order_by(Plan.reference.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    visible = select(Plan.staff_id, Plan.service_id).where(policy.visible_plans(current_user)).subquery()
    staff = db.session.scalars(select(User).where(User.id.in_(select(visible.c.staff_id))).order_by(User.name)).all()
    services = db.session.scalars(select(Service).where(Service.id.in_(select(visible.c.service_id))).order_by(Service.name)).all()
    return page_or_fragment(
        "plans/index.html", "plans/_results.html", plans=plans, total=total, page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), args=args, staff=staff, services=services,
        statuses=PlanStatus, risk_areas=RiskArea)


def _risk_form(actor, plan: Plan | None = None, **kwargs) -> RiskForm:
    form = RiskForm(**kwargs)
    if plan is None or plan.is_draft:
        form.staff_id.choices = choices.staff_choices(actor)
        form.service_id.choices = choices.service_choices(actor)
    if plan is not None:
        form.staff_id.choices = form.staff_id.choices if plan.is_draft else [SelectChoice(plan.staff_id, plan.staff.name)]
        form.service_id.choices = form.service_id.choices if plan.is_draft else [SelectChoice(plan.service_id, plan.service.name)]
        if plan.service_id not in {c.value for c in form.service_id.choices}:
            form.service_id.choices.append(SelectChoice(plan.service_id, plan.service.name))
    return form


def _risk_values(form: RiskForm) -> dict:
    start = form.start_date.data
    return dict(
        staff_id=form.staff_id.data, service_id=form.service_id.data, risk_area=RiskArea(form.risk_area.data),
        risk_statement=form.risk_statement.data, evidence_sources=list(form.evidence_sources.data or []),
        evidence_detail=form.evidence_detail.data or "", key_questions=list(form.key_questions.data or []),
        baseline_text=form.baseline_text.data or "",
        baseline_figure=float(form.baseline_figure.data) if form.baseline_figure.data is not None else None,
        start_date=start, planned_end_date=start + timedelta(weeks=form.weeks.data),
        review_weekday=form.review_weekday.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """A new plan opens with the risk: who, what could go wrong, the evidence, the baseline."""
    if not policy.can_create_plans(current_user):
        abort(403)
    template = plan_templates.get_template(request.values.get("template", ""))
    form = _risk_form(current_user)
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
        if request.args.get("staff", "").isdigit():
            form.staff_id.data = int(request.args["staff"])
        return render_template("plans/new.html", form=form, template=template, templates=plan_templates.TEMPLATES)
    if not form.validate():
        return render_template("plans/new.html", form=form, template=template, templates=plan_templates.TEMPLATES), 422
    staff = db.session.get(User, form.staff_id.data)
    if staff is None or not policy.can_create_plan_for(current_user, staff):
        abort(403)
    plan = plan_ops.create_draft(current_user, template=template, manager_id=current_user.id, **_risk_values(form))
    db.session.commit()
    flash(f"Draft {plan.reference} saved. Add the interim controls and actions next.", "success")
    return redirect_after_post(url_for("plans.edit", plan_id=plan.id))


@bp.get("/<int:plan_id>")
@login_required
def show(plan_id: int):
    """The plan page: header and flags, risk, controls, actions with progress, observations, reviews,
    acknowledgements, history."""
    kept = page_cache.lookup()
    plan = plan_or_404(plan_id, options=POLICY_COLUMNS if kept else PLAN_PAGE_OPTIONS)  # the policy, every time
    if kept:
        return kept
    return page_cache.keep(render_template("plans/show.html", **plan_page_context(plan)))


@bp.get("/<int:plan_id>/edit")
@login_required
def edit(plan_id: int):
    """The plan builder: risk, interim controls, actions, observation schedule, then issue or amend."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    return render_template("plans/edit.html", **builder_context(plan))


@bp.post("/<int:plan_id>/risk")
@login_required
def update_risk(plan_id: int):
    """Save the risk section (drafts and active plans; an active plan's change needs an amendment)."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form = _risk_form(current_user, plan)
    if not form.validate():
        return page_or_fragment("plans/edit.html", "plans/_risk.html", status=422,
                                **builder_context(plan, risk_form=form))
    if is_stale(form, plan):
        return page_or_fragment("plans/edit.html", "plans/_risk.html", status=409,
                                **builder_context(plan, risk_form=form, conflict="risk"))
    if plan.is_draft and form.staff_id.data != plan.staff_id:
        staff = db.session.get(User, form.staff_id.data)
        if staff is None or not policy.can_create_plan_for(current_user, staff):
            abort(403)
    plan_ops.update_risk(current_user, plan, _risk_values(form))
    db.session.commit()
    return page_or_fragment("plans/edit.html", "plans/_risk.html", **builder_context(plan, saved="risk"))


@bp.post("/<int:plan_id>/issue")
@login_required
def issue(plan_id: int):
    """Issue a draft: the staff member is then asked to acknowledge it."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form = IssueForm()
    if not form.validate() or is_stale(form, plan):
        return _issue_refused(plan, form, 409 if form.validate() else 422)
    try:
        plan_ops.issue_plan(current_user, plan, override_reason=form.override_reason.data)
    except plan_ops.PlanError as error:
        db.session.rollback()
        form.override_reason.errors = list(form.override_reason.errors) + [str(error)]
        return _issue_refused(plan, form, 422)
    db.session.commit()
    flash(f"{plan.reference} issued. {plan.staff.name} will be asked to acknowledge it.", "success")
    return redirect_after_post(url_for("plans.show", plan_id=plan.id))


@bp.post("/<int:plan_id>/amend")
@login_required
def amend(plan_id: int):
    """Issue the changes to an active plan as a new version for the staff member to acknowledge."""
    plan = plan_or_404(plan_id, policy.can_edit_plan, options=PLAN_PAGE_OPTIONS)
    form = AmendForm()
    if not form.validate() or is_stale(form, plan):
        return _issue_refused(plan, form, 409 if form.validate() else 422, amend_form=form)
    try:
        plan_ops.amend_plan(current_user, plan, change_summary=form.change_summary.data,
                            override_reason=form.override_reason.data)
    except plan_ops.PlanError as error:
        db.session.rollback()
        form.change_summary.errors = list(form.change_summary.errors) + [str(error)]
        return _issue_refused(plan, form, 422, amend_form=form)
    db.session.commit()
    flash(f"Version {plan.version} of {plan.reference} issued. {plan.staff.name} will be asked to acknowledge it.", "success")
    return redirect_after_post(url_for("plans.show", plan_id=plan.id))


def _issue_refused(plan: Plan, form, status: int, **extra):
    context = builder_context(plan, issue_form=form, conflict="issue" if status == 409 else None, **extra)
    return page_or_fragment("plans/edit.html", "plans/_issue.html", status=status, **context)


@bp.post("/<int:plan_id>/acknowledge")
@login_required
def acknowledge(plan_id: int):
    """The staff member agrees, or disagrees with a comment, with the exact statement shown."""
    plan = plan_or_404(plan_id, policy.can_acknowledge, options=PLAN_PAGE_OPTIONS)
    form = AcknowledgeForm()
    if form.validate():
        try:
            version = int(form.version.data or 0)
            acknowledgements.acknowledge_plan(current_user, plan, version=version,
                                              response=AckResponse(form.response.data), comment=form.comment.data)
        except plan_ops.PlanError as error:
            db.session.rollback()
            form.response.errors = list(form.response.errors) + [str(error)]
            status = 409
        else:
            db.session.commit()
            flash("Thank you. Your acknowledgement has been recorded.", "success")
            return redirect_after_post(url_for("plans.show", plan_id=plan.id))
    else:
        status = 422
    return page_or_fragment("plans/show.html", "plans/_acknowledge.html", status=status,
                            **plan_page_context(plan, ack_form=form))


@bp.get("/<int:plan_id>/versions/<int:version>")
@login_required
def version(plan_id: int, version: int):
    """An earlier issued version exactly as it was, with what changed from the one before."""
    plan = plan_or_404(plan_id)
    record = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == version))
    if record is None:
        abort(404)
    previous = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == version - 1))
    changes = diff_snapshots(previous.snapshot, record.snapshot) if previous else []
    return render_template("plans/version.html", plan=plan, record=record, snap=record.snapshot, changes=changes)
