"""The interim-control register: the filtered list, its CSV export, one control's page, and the
inline "record a check" and "lift" forms used from the register, the plan page and that page.

A check or lift answers where it was asked from (the form's `origin`): a row of the register, the
plan page's controls panel, or the control's own page — the three parts of `CONTROL`."""

from __future__ import annotations

from typing import Any

from flask import abort, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import policy
from ..access import control_route, current_person, requires
from ..clock import today
from ..extensions import db
from ..flags import NOT_CHECKED_DAYS
from ..formatting import format_date
from ..htmx import is_htmx
from ..models import ControlKind, InterimControl
from ..plan_page import plan_page_context, refreshed_beside
from ..refusals import Refusal
from ..screens import Screen, page_or_fragment, problems_beside, submit
from ..services import audit
from ..services import control_continuation as continuation
from ..services import controls as control_ops
from . import bp, queries
from .forms import check_form, continue_form, lift_form, safe_register_url
from .queries import RegisterFilters
from .table import control_tbody_html, register_rows_html

bp.add_app_template_global(register_rows_html)  # the table's rows (register/_results.html)
bp.add_app_template_global(control_tbody_html)  # one control's (register/_control_rows.html)

RECENT_CHECKS = 10


@bp.get("/register")
@requires(policy.can_view_register)
def index() -> ResponseReturnValue:
    """Every control on issued plans the user may see: summary strip, filters, sortable table, pages."""
    filters = RegisterFilters.from_args(request.args)
    day = today()
    me = current_person()
    # The summary and the filter choices sit outside the results fragment: only the page needs them.
    around: dict[str, Any] = (
        {} if is_htmx() else dict(summary=queries.summary(me, day), options=queries.filter_options(me))
    )
    # Unfiltered, by type or flagged, the table lists controls the summary has just counted.
    known_total = around["summary"].count_of(filters) if around else None
    result = queries.register_page(me, filters, day, total=known_total)
    rights = policy.control_rights(me, [r.control for r in result.rows])
    return page_or_fragment(
        "register/index.html",
        "register/_results.html",
        filters=filters,
        result=result,
        control_rights=rights,
        actions_column=any(r.check or r.lift or r.keep for r in rights.values()),
        **_register_constants(),
        **around,
    )


@bp.get("/register.csv")
@requires(policy.can_view_register)
def export_csv() -> ResponseReturnValue:
    """The register with the current filters as a CSV download for Excel; the download is audited
    (a HEAD request — a link checker, a prefetch — downloads nothing and is not)."""
    filters = RegisterFilters.from_args(request.args)
    day = today()
    rows = queries.register_rows(current_user, filters, day)
    body = queries.register_csv(rows)
    if request.method == "GET":
        db.session.rollback()  # end the read before writing, so SQLite takes the write lock cleanly
        audit.record(
            current_user,
            "exported",
            "register",
            None,
            changes={"filters": filters.as_audit(), "rows": len(rows), "format": "csv"},
        )
    return (
        body.encode("utf-8"),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="interim-controls-{day.isoformat()}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/register/controls/<int:control_id>")
@control_route
def control(control: InterimControl) -> ResponseReturnValue:
    """One control with its recent checks and the forms policy allows; for htmx, its register
    row with the check or lift form opened in place (`?form=check|lift`)."""
    next_url = safe_register_url(request.args.get("next"))
    wanted = request.args.get("form")
    # Reached from the plan page or the register, a saved change goes back there.
    origin = "plan" if request.args.get("origin") == "plan" else "register" if request.args.get("next") else "control"
    if not is_htmx():
        return CONTROL.show(control, "control", origin=origin, next_url=next_url, focus=wanted)
    rights = policy.control_rights(current_user, [control])[control.id]
    forms = {}
    if wanted == "check" and rights.check:
        forms["check"] = check_form(control, origin=origin, next_url=next_url)
    elif wanted == "lift" and rights.lift:
        forms["lift"] = lift_form(control, origin=origin, next_url=next_url)
    elif wanted == "continue" and rights.keep:
        forms["continue"] = continue_form(control, origin=origin, next_url=next_url)
    return CONTROL.show(
        control, "plan" if origin == "plan" else "register", origin=origin, next_url=next_url, forms=forms
    )


@bp.post("/register/controls/<int:control_id>/check")
@control_route
def record_check(control: InterimControl) -> ResponseReturnValue:
    """Record that a control operated on a day, with a note of what was checked."""
    form = check_form(control, formdata=request.form)
    if refused := _not_in_force(control, form, "check"):
        return refused
    _allow(policy.can_check_control(current_user, control))
    return submit(
        CONTROL,
        control,
        _part(form),
        form,
        lambda: control_ops.record_check(current_user, control, form.checked_on.data, form.note.data),
        kept=_kept(form, "check"),
        url=_back(control, form),
        saved_with=_where(form),
        message=f"Check recorded for {control.kind.label.lower()} on {control.plan.reference}.",
    )


@bp.post("/register/controls/<int:control_id>/lift")
@control_route
def lift(control: InterimControl) -> ResponseReturnValue:
    """Lift a control, or carry it into ongoing monitoring, with the date and a rationale."""
    form = lift_form(control, formdata=request.form)
    _allow(policy.can_lift_control(current_user, control))
    if refused := _not_in_force(control, form, "lift"):
        return refused
    what = "carried into ongoing monitoring" if form.carry_into_monitoring else "lifted"
    return submit(
        CONTROL,
        control,
        _part(form),
        form,
        lambda: control_ops.lift_control(
            current_user,
            control,
            form.lifted_on.data,
            form.rationale.data,
            carry_into_monitoring=form.carry_into_monitoring,
        ),
        stale=control,
        kept=_kept(form, "lift"),
        url=_back(control, form),
        saved_with=_where(form),
        message=f"{control.kind.label} on {control.plan.reference} {what}.",
    )


@bp.post("/register/controls/<int:control_id>/continue")
@control_route
def continue_control(control: InterimControl) -> ResponseReturnValue:
    """Reviewed: the control continues until a later day, with the reason; its review is due then."""
    form = continue_form(control, formdata=request.form)
    # The registered managers decide whether a control continues, as whether it is lifted; a control
    # no longer in force, or on a closed plan, is then refused with 409 saying why.
    _allow(policy.can_lift_control(current_user, control))
    if refused := _not_in_force(control, form, "continue"):
        return refused
    return submit(
        CONTROL,
        control,
        _part(form),
        form,
        lambda: continuation.continue_control(current_user, control, form.continued_until.data, form.reason.data),
        stale=control,
        checks=lambda: problems_beside(
            form, continuation.continue_problems(form.continued_until.data, form.reason.data, today())
        ),
        kept=_kept(form, "continue"),
        url=_back(control, form),
        saved_with=_where(form),
        message=lambda: f"{control.kind.label} on {control.plan.reference} continues until "
        f"{format_date(control.continued_until)}.",
    )


# --- How a control answers


def _allow(allowed: bool) -> None:
    """403 unless the person's role may do this to this control."""
    if not allowed:
        abort(403)


def _not_in_force(control: InterimControl, form: Any, kind: str) -> ResponseReturnValue | None:
    """A control already lifted or carried into monitoring takes nothing more: 409, saying what happened."""
    try:
        control_ops.ensure_active(control)
    except Refusal as refusal:
        return CONTROL.show(control, _part(form), refusal.status, **_kept(form, kind), section_error=str(refusal))
    return None


def _part(form: Any) -> str:
    """Where the form was sent from: a register row, the plan page's panel, or the control's page."""
    origin = form.origin_value
    return origin if is_htmx() and origin in ("register", "plan") else "control"


def _where(form: Any) -> dict[str, Any]:
    """Where the form came from, for the part that answers it."""
    return dict(origin=form.origin_value, next_url=safe_register_url(form.next.data))


def _kept(form: Any, kind: str) -> dict[str, Any]:
    """The form being corrected, where it came from."""
    return _where(form) | dict(forms={kind: form}, focus=kind)


def _back(control: InterimControl, form: Any) -> str:
    """Where a plain form goes after a saved change: back where it came from."""
    origin, next_url = form.origin_value, safe_register_url(form.next.data)
    if origin == "register":
        return next_url
    if origin == "plan":
        return url_for("plans.show", plan_id=control.plan_id, _anchor=f"control-{control.id}")
    return url_for("register.control", control_id=control.id, next=next_url)


def _register_constants() -> dict[str, Any]:
    return dict(
        columns=queries.COLUMNS,
        table_columns=queries.TABLE_COLUMNS,
        statuses=queries.STATUS_LABELS,
        flag_labels=queries.FLAG_LABELS,
        not_checked_days=NOT_CHECKED_DAYS,
        control_kinds=ControlKind.choices(),
    )


def _refreshed_beside(part: str, changed: bool) -> list[str]:
    """Answered on the plan page, a check or lift refreshes what the plan page's controls panel
    refreshes (plan_page.refreshed_beside): its header and flags."""
    return refreshed_beside("controls", changed) if part == "plan" else []


def control_context(
    control: InterimControl,
    *,
    origin: str = "control",
    next_url: str = "",
    forms: dict | None = None,
    focus: str | None = None,
    conflict: str | None = None,
    section_error: str | None = None,
    saved: str | None = None,
    saved_message: str | None = None,
    oob: bool = False,
) -> dict[str, Any]:
    """What each of the control's parts shows: its register row, the plan page's controls panel, or
    its page — with the form being corrected (`forms`), a refusal, a conflict or a saved notice."""
    rights = policy.control_rights(current_user, [control])
    forms = {} if section_error else dict(forms or {})
    kind = next(iter(forms), None)
    conflicted = kind if conflict else None
    if is_htmx() and origin == "plan":
        # The whole plan page's context: the panel's answer refreshes the plan's header too.
        return plan_page_context(
            control.plan,
            control_forms={(control.id, k): f for k, f in forms.items()},
            control_error=(control.id, section_error) if section_error else None,
            control_conflict=control.id if conflicted else None,
            control_notice=(control.id, saved_message) if saved_message else None,
        )
    row = queries.register_row(control, today())
    if is_htmx() and origin == "register":
        return dict(
            row=row,
            next_url=next_url,
            actions_column=True,
            control_rights=rights,
            forms=forms,
            error=section_error,
            conflict=conflicted,
            notice=saved_message,
            summary=queries.summary(current_user, today()) if saved else None,
            **_register_constants(),
        )
    if rights[control.id].check and "check" not in forms:
        forms["check"] = check_form(control, origin=origin, next_url=next_url)
    if rights[control.id].lift and "lift" not in forms:
        forms["lift"] = lift_form(control, origin=origin, next_url=next_url)
    if rights[control.id].keep and "continue" not in forms:
        forms["continue"] = continue_form(control, origin=origin, next_url=next_url)
    return dict(
        control=control,
        row=row,
        checks=control.checks[:RECENT_CHECKS],
        forms=forms,
        next_url=next_url,
        focus=focus,
        error=section_error,
        conflict=conflicted,
        control_rights=rights,
    )


CONTROL = Screen(
    "register/control.html",
    {
        "register": "register/_row_update.html",
        "plan": "plans/_controls_panel.html",
        "control": "register/control.html",
    },
    control_context,
    _refreshed_beside,
)
