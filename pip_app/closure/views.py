"""Closure routes: close a plan with evidence, the staff member's closure acknowledgement, and
the PDFs (the closure summary of a closed plan; any readable issued plan printed as a PDF; the
case bundle for HR and the registered managers)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import policy
from ..access import plan_or_404, plan_route
from ..adjustment_rules import considered_line
from ..clock import today
from ..conditional import ETAG_READS, unless_unchanged
from ..database import begin_writes
from ..extensions import db
from ..forms import ClosureAcknowledgeForm
from ..lifecycle import Problem, plan_run
from ..models import AckResponse, Plan
from ..pdf import render_case_bundle, render_plan_pdf
from ..plan_page import closure_panel
from ..screens import Screen, submit
from ..services import adjustments as adjustment_ops
from ..services import case_bundle as bundle_ops
from ..services import closure as closure_ops
from ..services import summaries as summary_ops
from ..services.adjustments import facts_of, plan_adjustments
from ..services.closure_draft import draft_sections
from ..services.closure_gate import closure_gate, final_measures
from . import bp
from .forms import CloseForm, close_form_for


def _closable(user: Any, plan: Plan) -> bool:
    """The close page's rule: a closed plan says so (403 with the reason), not just "no access"."""
    if not policy.can_close_plan(user, plan) and plan.is_closed:
        abort(403, description="This plan is closed and can no longer be changed.")
    return policy.can_close_plan(user, plan)


def close_context(
    plan: Plan,
    *,
    form: CloseForm,
    problems: list[Problem] | None = None,
    section_error: str | None = None,
    conflict: str | None = None,
    **_: Any,
) -> dict[str, Any]:
    """The close form: the gate, the final measures and the problems that stopped the closure."""
    problems = list(problems or []) + ([Problem(section_error, "close-form")] if section_error else [])
    return dict(
        plan=plan,
        form=form,
        gate=closure_gate(plan),
        problems=problems,
        measures=final_measures(plan),
        adjustments_line=considered_line(facts_of(a) for a in plan_adjustments(plan.id)) if form.time_after else None,
        ack_days=closure_ops.ACK_DUE_DAYS,
        conflict=bool(conflict),
        control_rights=policy.control_rights(current_user, plan.controls, plan),
        run=plan_run(plan.start_date, plan.planned_end_date, today()),
        waiting=closure_ops.pending_closure(plan),
    )


CLOSE = Screen("closure/close.html", {"form": "closure/_form.html"}, close_context)


def acknowledge_context(plan: Plan, *, form: ClosureAcknowledgeForm, **_: Any) -> dict[str, Any]:
    panel = closure_panel(plan, True, ClosureAcknowledgeForm) or {}
    return dict(plan=plan, panel=panel | {"form": form, "may_acknowledge": True})


ACKNOWLEDGE = Screen("closure/acknowledge.html", {"form": "closure/_acknowledge.html"}, acknowledge_context)


@bp.route("/<int:plan_id>/close", methods=["GET", "POST"])
@plan_route(_closable)
def close(plan: Plan) -> ResponseReturnValue:
    """Close a plan: the outcome and four evidence sections (drafted from the plan's record),
    a decision on each active control and a reason for each action that is not assured."""
    time_after = adjustment_ops.time_after_closing(plan)
    if request.method == "GET":
        data = draft_sections(plan) | {"row_version": plan.row_version}
        data |= {name: action.status_reason for action, name in close_form_for(plan, current_user).reason_fields}
        return CLOSE.show(plan, "form", form=close_form_for(plan, current_user, time_after, formdata=None, data=data))
    form = close_form_for(plan, current_user, time_after)
    reasonable_time, explanation = form.reasonable_time_answer()
    return submit(
        CLOSE,
        plan,
        "form",
        form,
        lambda: closure_ops.close_plan(
            current_user,
            plan,
            outcome=form.outcome.data,
            **form.section_values(),
            control_decisions={
                c.id: closure_ops.ControlDecision(form[d].data, form[r].data) for c, d, r in form.control_fields
            },
            action_reasons={a.id: form[name].data for a, name in form.reason_fields},
            reasonable_time=reasonable_time,
            reasonable_time_explanation=explanation,
        ),
        stale=plan,
        kept={"form": form},
        leave=True,
        url=url_for("plans.show", plan_id=plan.id, _anchor="closure-panel"),
        message=lambda: (
            f"{plan.reference} is closed. {plan.staff.name} will be asked to acknowledge the closure."
            if plan.is_closed
            else "The closure needs approval: it has been sent, and the plan closes when it is approved."
        ),
    )


@bp.post("/<int:plan_id>/closure/acknowledge")
@plan_route(policy.can_acknowledge)
def acknowledge(plan: Plan) -> ResponseReturnValue:
    """The staff member agrees with the closure, or disagrees with a comment."""
    if plan.closure is None:
        abort(404, description="This plan has not been closed, so there is no closure to respond to.")
    form = ClosureAcknowledgeForm()
    return submit(
        ACKNOWLEDGE,
        plan,
        "form",
        form,
        lambda: closure_ops.acknowledge_closure(
            current_user, plan, response=AckResponse(form.response.data), comment=form.comment.data
        ),
        error_field="response",
        kept={"form": form},
        leave=True,
        url=url_for("plans.show", plan_id=plan.id, _anchor="closure-panel"),
        message="Thank you. Your response to the closure has been recorded.",
    )


def _pdf_response(plan: Plan, kind: str) -> Response:
    """304 if the client kept this PDF as it would be made now; else render it, record the
    download in the plan's history, and send it (never cached by browsers)."""
    return unless_unchanged(
        plan, kind, lambda: _render_pdf(plan_or_404(plan.id, reads=summary_ops.SUMMARY_READS), kind)
    )


def _render_pdf(plan: Plan, kind: str) -> Response:
    summary = summary_ops.plan_summary(plan, generated_by=current_user, with_closure=kind == "closure")
    body = render_plan_pdf(summary)
    filename = summary_ops.pdf_filename(plan, kind)
    # End the read transaction before writing: on SQLite a read transaction that turns into a
    # write fails at once if anyone wrote meanwhile (see database.py).
    db.session.rollback()
    if request.method == "GET":  # a HEAD request (a link checker, a prefetch) downloads nothing
        summary_ops.record_download(current_user, plan, kind)
    disposition = "attachment" if kind == "closure" else "inline"
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.get("/<int:plan_id>/closure.pdf")
@plan_route(policy.can_download_closure, reads=ETAG_READS)
def pdf(plan: Plan) -> ResponseReturnValue:
    """The closure summary of a closed plan: the record HR keeps."""
    if plan.closure is None:
        abort(
            404,
            description="This plan has not been closed, so it has no closure summary yet. "
            "Use “Print as PDF” on the plan page for the plan itself.",
        )
    return _pdf_response(plan, "closure")


@bp.get("/<int:plan_id>/plan.pdf")
@plan_route(policy.can_download_closure, reads=ETAG_READS)
def plan_pdf(plan: Plan) -> ResponseReturnValue:
    """Any issued plan the user may read, as a PDF (without the closure sections)."""
    return _pdf_response(plan, "plan")


@bp.get("/<int:plan_id>/case-bundle.pdf")
@plan_route(policy.can_download_case_bundle, reads=summary_ops.SUMMARY_READS)
def case_bundle(plan: Plan) -> ResponseReturnValue:
    """The case bundle: the whole record in one PDF for HR, a tribunal or a regulator;
    `?attachments=1` appends the attached PDFs. Audited like every download."""
    append_pdfs = request.args.get("attachments") == "1"
    bundle = bundle_ops.case_bundle(plan, viewer=current_user, append_pdfs=append_pdfs)
    body = render_case_bundle(bundle)
    filename = bundle_ops.bundle_filename(plan)
    # End the read transaction, then write the event in one that takes the write lock first (on
    # SQLite a read transaction that turns into a write fails if anyone wrote meanwhile).
    db.session.rollback()
    if request.method == "GET":  # a HEAD request (a link checker, a prefetch) downloads nothing
        begin_writes()
        bundle_ops.record_bundle_download(current_user, plan, appended=len(bundle.appendices))
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
