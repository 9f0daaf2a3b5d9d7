"""The interim-control register: the filtered list, its CSV export, one control's page, and the
inline "record a check" and "lift" forms used from the register, the plan page and that page."""
from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from .. import page_cache, policy
from ..clock import today
from ..extensions import db
from ..htmx import is_htmx, page_or_fragment, redirect_after_post
from ..models import ControlKind, InterimControl
from ..plans.builder_context import is_stale
from ..services import audit, controls as control_ops
from . import bp, queries
from .forms import check_form, lift_form, safe_register_url
from .queries import RegisterFilters

RECENT_CHECKS = 10


@bp.get("/register")
@login_required
def index():
    """Every control on issued plans the user may see: summary strip, filters, sortable table, pages."""
    if not policy.can_view_register(current_user):
        abort(403)
    if kept := page_cache.lookup():
        return kept
    filters = RegisterFilters.from_args(request.args)
    day = today()
    # The summary and the filter choices sit outside the results fragment: only the page needs them.
    around = {} if is_htmx() else dict(summary=queries.summary(current_user, day),
                                      options=queries.filter_options(current_user))
    # Unfiltered, the table lists the controls in force the summary has just counted.
    known_total = around["summary"].total if around and filters.counts_controls_in_force else None
    result = queries.register_page(current_user, filters, day, total=known_total)
    return page_cache.keep(page_or_fragment(
        "register/index.html", "register/_results.html", filters=filters, result=result,
        actions_column=_may_act_on_any(result.rows), **_register_constants(), **around))


@bp.get("/register.csv")
@login_required
def export_csv():
    """The register with the current filters as a CSV download for Excel; the download is audited."""
    if not policy.can_view_register(current_user):
        abort(403)
    filters = RegisterFilters.from_args(request.args)
    day = today()
    rows = queries.register_rows(current_user, filters, day)
    body = queries.register_csv(rows)
    db.session.commit()  # end the read before writing, so SQLite takes the write lock cleanly
    audit.record(current_user, "exported", "register", None,
                 changes={"filters": filters.as_audit(), "rows": len(rows), "format": "csv"})
    db.session.commit()
    return body.encode("utf-8"), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="interim-controls-{day.isoformat()}.csv"',
        "Cache-Control": "no-store",
    }


@bp.get("/register/controls/<int:control_id>")
@login_required
def control(control_id: int):
    """One control with its recent checks and the forms policy allows; for htmx, its register
    row with the check or lift form opened in place (`?form=check|lift`)."""
    control = _control_or_404(control_id)
    next_url = safe_register_url(request.args.get("next"))
    wanted = request.args.get("form")
    # Reached from the plan page or the register, a saved change goes back there.
    origin = "plan" if request.args.get("origin") == "plan" else "register" if request.args.get("next") else "control"
    if is_htmx():
        forms = {}
        if wanted == "check" and policy.can_check_control(current_user, control):
            forms["check"] = check_form(control, origin=origin, next_url=next_url)
        elif wanted == "lift" and _may_lift(control):
            forms["lift"] = lift_form(control, origin=origin, next_url=next_url)
        if origin == "plan":
            return _plan_controls_panel(control, 200, control_forms={(control.id, k): f for k, f in forms.items()})
        return _register_rows(control, next_url, forms=forms)
    return _control_page(control, next_url=next_url, focus=wanted, origin=origin)


@bp.post("/register/controls/<int:control_id>/check")
@login_required
def record_check(control_id: int):
    """Record that a control operated on a day, with a note of what was checked."""
    control = _control_or_404(control_id)
    form = check_form(control, formdata=request.form)
    try:
        control_ops.ensure_active(control)
    except control_ops.ControlNotActive as error:
        return _refused(control, form, "check", 409, error=str(error))
    if not policy.can_check_control(current_user, control):
        abort(403)
    if not form.validate():
        return _refused(control, form, "check", 422)
    try:
        control_ops.record_check(current_user, control, form.checked_on.data, form.note.data)
    except control_ops.ControlError as error:
        db.session.rollback()
        return _refused(control, _with_error(form, error), "check", 422)
    db.session.commit()
    return _done(control, form, f"Check recorded for {control.kind.label.lower()} on {control.plan.reference}.")


@bp.post("/register/controls/<int:control_id>/lift")
@login_required
def lift(control_id: int):
    """Lift a control, or carry it into ongoing monitoring, with the date and a rationale."""
    control = _control_or_404(control_id)
    form = lift_form(control, formdata=request.form)
    if not policy.can_lift_control(current_user, control):
        abort(403)
    try:
        control_ops.ensure_active(control)
    except control_ops.ControlNotActive as error:
        return _refused(control, form, "lift", 409, error=str(error))
    if not form.validate():
        return _refused(control, form, "lift", 422)
    if is_stale(form, control):
        return _refused(control, form, "lift", 409, conflict=True)
    try:
        control_ops.lift_control(current_user, control, form.lifted_on.data, form.rationale.data,
                                 carry_into_monitoring=form.carry_into_monitoring)
    except control_ops.ControlError as error:
        db.session.rollback()
        return _refused(control, _with_error(form, error), "lift", 422)
    db.session.commit()
    what = "carried into ongoing monitoring" if form.carry_into_monitoring else "lifted"
    return _done(control, form, f"{control.kind.label} on {control.plan.reference} {what}.")


# --- Helpers


def _control_or_404(control_id: int) -> InterimControl:
    """A control on an issued plan the user may see; the register's roles only."""
    if not policy.can_view_register(current_user):
        abort(403)
    control = db.session.get(InterimControl, control_id, options=[joinedload(InterimControl.plan)])
    if control is None or control.plan.is_draft or not policy.can_view_plan(current_user, control.plan):
        abort(404)
    return control


def _may_lift(control: InterimControl) -> bool:
    return control.status.value == "active" and policy.can_lift_control(current_user, control)


def _may_act_on_any(rows) -> bool:
    """Whether the table needs its actions column (HR, read-only, never does)."""
    return any(policy.can_check_control(current_user, r.control) or _may_lift(r.control) for r in rows)


def _register_constants() -> dict:
    return dict(columns=queries.COLUMNS, statuses=queries.STATUS_LABELS, flag_labels=queries.FLAG_LABELS,
                control_kinds=ControlKind.choices())


def _with_error(form, error: control_ops.ControlError):
    """Show an error the operation raised beside the field it is about."""
    field = form[error.field]
    field.errors = list(field.errors) + [str(error)]
    return form


def _register_rows(control, next_url: str, status: int = 200, **context):
    """The control's <tbody> in the register table (for htmx), after a change with the summary too."""
    body = render_template("register/_row_update.html", row=queries.register_row(control, today()),
                           next_url=next_url, actions_column=True, **_register_constants(), **context)
    return body, status, {"Vary": "HX-Request"}


def _plan_controls_panel(control, status: int, **context):
    """The plan page's controls panel (for htmx), with a form open, a message or an error."""
    plan = control.plan
    notes = queries.last_check_notes([c.id for c in plan.controls])
    return render_template("plans/_controls_panel.html", plan=plan, last_notes=notes, **context), status, \
        {"Vary": "HX-Request"}


def _control_page(control, status: int = 200, *, next_url: str, forms=None, focus=None, error=None, conflict=None,
                  origin="control"):
    forms = dict(forms or {})
    origin = next(iter(forms.values())).origin_value if forms else origin
    if "check" not in forms and policy.can_check_control(current_user, control):
        forms["check"] = check_form(control, origin=origin, next_url=next_url)
    if "lift" not in forms and _may_lift(control):
        forms["lift"] = lift_form(control, origin=origin, next_url=next_url)
    checks = control.checks[:RECENT_CHECKS]
    return render_template("register/control.html", control=control, row=queries.register_row(control, today()),
                           checks=checks, forms=forms, next_url=next_url, focus=focus, error=error,
                           conflict=conflict), status


def _refused(control, form, kind: str, status: int, *, error: str | None = None, conflict: bool = False):
    """Answer a refused check or lift where it was asked: the form keeps what was typed."""
    origin, next_url = form.origin_value, safe_register_url(form.next.data)
    forms = {} if error else {kind: form}
    if is_htmx() and origin == "register":
        return _register_rows(control, next_url, status, forms=forms, error=error, conflict=conflict and kind)
    if is_htmx() and origin == "plan":
        return _plan_controls_panel(control, status, control_forms={(control.id, k): f for k, f in forms.items()},
                                    control_error=(control.id, error) if error else None,
                                    control_conflict=control.id if conflict else None)
    return _control_page(control, status, next_url=next_url, forms=forms, focus=kind, error=error,
                         conflict=conflict and kind, origin=origin)


def _done(control, form, message: str):
    """After a check or lift: the fresh row or panel for htmx, a 303 back where it came from otherwise."""
    origin, next_url = form.origin_value, safe_register_url(form.next.data)
    if is_htmx() and origin == "register":
        return _register_rows(control, next_url, notice=message, summary=queries.summary(current_user, today()))
    if is_htmx() and origin == "plan":
        return _plan_controls_panel(control, 200, control_notice=(control.id, message))
    flash(message, "success")
    if origin == "register":
        return redirect_after_post(next_url)
    if origin == "plan":
        return redirect_after_post(url_for("plans.show", plan_id=control.plan_id, _anchor=f"control-{control.id}"))
    return redirect_after_post(url_for("register.control", control_id=control.id, next=next_url))
