"""Closure routes: close a plan with evidence, the staff member's closure acknowledgement, and
the PDFs (the closure summary of a closed plan; any readable issued plan printed as a PDF)."""
from __future__ import annotations

from flask import Response, abort, flash, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden, NotFound

from .. import policy
from ..access import plan_or_404
from ..extensions import db
from ..htmx import page_or_fragment, redirect_after_post
from ..models import AckResponse, Plan
from ..pdf import render_plan_pdf
from ..services import closure as closure_ops
from ..services import summaries as summary_ops
from ..services.closure_draft import draft_sections
from ..services.closure_gate import closure_gate, final_measures
from ..services.plans import PlanError
from . import bp
from .forms import ClosureAcknowledgeForm, close_form_for


def _refuse(error_class, detail: str):
    """Abort with the app's error page and a specific message."""
    error = error_class()
    error.pip_detail = detail
    raise error


@bp.app_template_global("closure_panel")
def closure_panel(plan: Plan) -> dict:
    """What the plan page's closure panel shows this user (the panel is rendered by the plan page)."""
    state = closure_ops.closure_ack_state(plan)
    may_acknowledge = state is not None and state.due and policy.can_acknowledge(current_user, plan)
    return dict(
        closure=plan.closure,
        state=state,
        can_close=policy.can_close_plan(current_user, plan),
        can_download=policy.can_download_closure(current_user, plan),
        may_acknowledge=may_acknowledge,
        statement=closure_ops.closure_statement(plan) if plan.closure else "",
        form=ClosureAcknowledgeForm(formdata=None) if may_acknowledge else None,
    )


def _closable_plan(plan_id: int) -> Plan:
    plan = plan_or_404(plan_id)
    if not policy.can_close_plan(current_user, plan):
        if plan.is_closed:
            _refuse(Forbidden, "This plan is closed and can no longer be changed.")
        abort(403)
    return plan


def _close_page(plan: Plan, form, status: int = 200, problems=(), conflict: bool = False):
    context = dict(plan=plan, form=form, gate=closure_gate(plan), problems=list(problems),
                   measures=final_measures(plan), ack_days=closure_ops.ACK_DUE_DAYS, conflict=conflict)
    return page_or_fragment("closure/close.html", "closure/_form.html", status=status, **context)


@bp.route("/<int:plan_id>/close", methods=["GET", "POST"])
@login_required
def close(plan_id: int):
    """Close a plan: the outcome and four evidence sections (drafted from the plan's record),
    a decision on each active control and a reason for each action that is not assured."""
    plan = _closable_plan(plan_id)
    if request.method == "GET":
        data = draft_sections(plan) | {"row_version": plan.row_version}
        data |= {name: action.status_reason for action, name in close_form_for(plan, current_user).reason_fields}
        return _close_page(plan, close_form_for(plan, current_user, formdata=None, data=data))
    form = close_form_for(plan, current_user)
    if not form.validate():
        return _close_page(plan, form, 422)
    if str(plan.row_version) != (form.row_version.data or ""):
        return _close_page(plan, form, 409, conflict=True)
    try:
        closure_ops.close_plan(
            current_user, plan, outcome=form.outcome.data, **form.section_values(),
            control_decisions={c.id: closure_ops.ControlDecision(form[d].data, form[r].data)
                               for c, d, r in form.control_fields},
            action_reasons={a.id: form[name].data for a, name in form.reason_fields},
        )
    except closure_ops.ClosureRefused as error:
        db.session.rollback()
        return _close_page(plan, form, 422, problems=error.problems)
    except PlanError as error:
        db.session.rollback()
        return _close_page(plan, form, 409, problems=[closure_ops.Problem(str(error), "close-form")])
    db.session.commit()
    flash(f"{plan.reference} is closed. {plan.staff.name} will be asked to acknowledge the closure.", "success")
    return redirect_after_post(url_for("plans.show", plan_id=plan.id, _anchor="closure-panel"))


@bp.post("/<int:plan_id>/closure/acknowledge")
@login_required
def acknowledge(plan_id: int):
    """The staff member agrees with the closure, or disagrees with a comment."""
    plan = plan_or_404(plan_id, policy.can_acknowledge)
    if plan.closure is None:
        _refuse(NotFound, "This plan has not been closed, so there is no closure to respond to.")
    form = ClosureAcknowledgeForm()
    status = 422
    if form.validate():
        try:
            closure_ops.acknowledge_closure(current_user, plan, response=AckResponse(form.response.data),
                                            comment=form.comment.data)
        except PlanError as error:
            db.session.rollback()
            form.response.errors = list(form.response.errors) + [str(error)]
            status = 409
        else:
            db.session.commit()
            flash("Thank you. Your response to the closure has been recorded.", "success")
            return redirect_after_post(url_for("plans.show", plan_id=plan.id, _anchor="closure-panel"))
    panel = closure_panel(plan) | {"form": form, "may_acknowledge": True}
    return page_or_fragment("closure/acknowledge.html", "closure/_acknowledge.html", status=status,
                            plan=plan, panel=panel)


def _pdf_response(plan: Plan, kind: str) -> Response:
    """Render, record the download in the plan's history, and send it (never cached)."""
    summary = summary_ops.plan_summary(plan, generated_by=current_user, with_closure=kind == "closure")
    body = render_plan_pdf(summary)
    filename = summary_ops.pdf_filename(plan, kind)
    # End the read transaction before writing: on SQLite a read transaction that turns into a
    # write fails at once if anyone wrote meanwhile (see database.py).
    db.session.rollback()
    if request.method == "GET":  # a HEAD request (a link checker, a prefetch) downloads nothing
        summary_ops.record_download(current_user, plan, kind)
        db.session.commit()
    disposition = "attachment" if kind == "closure" else "inline"
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    })


@bp.get("/<int:plan_id>/closure.pdf")
@login_required
def pdf(plan_id: int):
    """The closure summary of a closed plan: the record HR keeps."""
    plan = plan_or_404(plan_id, policy.can_download_closure, options=summary_ops.summary_load_options())
    if plan.closure is None:
        _refuse(NotFound, "This plan has not been closed, so it has no closure summary yet. "
                          "Use “Print as PDF” on the plan page for the plan itself.")
    return _pdf_response(plan, "closure")


@bp.get("/<int:plan_id>/plan.pdf")
@login_required
def plan_pdf(plan_id: int):
    """Any issued plan the user may read, as a PDF (without the closure sections)."""
    plan = plan_or_404(plan_id, policy.can_download_closure, options=summary_ops.summary_load_options())
    return _pdf_response(plan, "plan")
