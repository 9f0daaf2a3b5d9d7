"""Support routes: the plan's support (a part of the plan page loaded when opened), and the form
to record or correct it (including the day it was delivered)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload

from .. import policy
from ..access import plan_route
from ..clock import today
from ..models import Plan, Support, SupportKind
from ..plan_reads import PlanReads
from ..screens import Screen, problems_beside, submit
from ..services import support as support_ops
from . import bp
from .forms import SupportForm

PANEL_READS = PlanReads(joined=(joinedload(Plan.staff),))


def support_context(plan: Plan, **overrides: Any) -> dict[str, Any]:
    """The support panel: the plan's support and, when open, the form being filled or corrected."""
    context = dict(
        plan=plan,
        rows=support_ops.plan_support(plan),
        may_edit=policy.can_edit_plan(current_user, plan),
        editing=None,
        form=None,
        saved=None,
        saved_message=None,
        conflict=None,
        section_error=None,
    )
    context.update(overrides)
    return context


SUPPORT = Screen("support/page.html", {"panel": "support/_panel.html"}, support_context)


def _values(form: SupportForm) -> support_ops.SupportValues:
    return support_ops.SupportValues(
        kind=SupportKind(form.kind.data),
        description=form.description.data,
        provided_by=form.provided_by.data,
        starts_on=form.starts_on.data,
        delivered_on=form.delivered_on.data,
        note=form.note.data or "",
    )


def _rules_hold(form: SupportForm) -> bool:
    """The dates' rules, beside their field, before saving."""
    return problems_beside(form, support_ops.support_problems(_values(form)))


def _panel_url(plan: Plan) -> str:
    return url_for("plans.show", plan_id=plan.id, _anchor="support")


@bp.get("/<int:plan_id>/support")
@plan_route(reads=PANEL_READS)
def index(plan: Plan) -> ResponseReturnValue:
    """The plan's support (the panel for htmx, a page of its own otherwise)."""
    return SUPPORT.show(plan, "panel")


@bp.get("/<int:plan_id>/support/new")
@plan_route(policy.can_edit_plan, reads=PANEL_READS)
def new_support(plan: Plan) -> ResponseReturnValue:
    """The form for new support, starting today."""
    form = SupportForm(formdata=None)
    form.starts_on.data = today()
    return SUPPORT.show(plan, "panel", editing="new", form=form)


@bp.post("/<int:plan_id>/support")
@plan_route(policy.can_edit_plan, reads=PANEL_READS)
def record(plan: Plan) -> ResponseReturnValue:
    """Put support on the plan's record."""
    form = SupportForm()
    return submit(
        SUPPORT,
        plan,
        "panel",
        form,
        lambda: support_ops.record_support(current_user, plan, _values(form)),
        url=_panel_url(plan),
        message="Support recorded.",
        checks=lambda: _rules_hold(form),
        kept={"form": form, "editing": "new"},
    )


@bp.get("/<int:plan_id>/support/<int:support_id>/edit")
@plan_route(policy.can_edit_plan, reads=PANEL_READS, parts={"support_id": Support})
def edit_support(plan: Plan, support: Support) -> ResponseReturnValue:
    """The support's form, filled in, to correct it or say when it was delivered."""
    form = SupportForm(formdata=None, obj=support)
    form.kind.data, form.row_version.data = support.kind.value, str(support.row_version)
    return SUPPORT.show(plan, "panel", editing=support.id, form=form)


@bp.post("/<int:plan_id>/support/<int:support_id>")
@plan_route(policy.can_edit_plan, reads=PANEL_READS, parts={"support_id": Support})
def update(plan: Plan, support: Support) -> ResponseReturnValue:
    """Correct support or record its delivery (a stale copy of the form is refused with 409)."""
    form = SupportForm()
    return submit(
        SUPPORT,
        plan,
        "panel",
        form,
        lambda: support_ops.update_support(current_user, support, _values(form)),
        url=_panel_url(plan),
        message="Support saved.",
        stale=support,
        checks=lambda: _rules_hold(form),
        kept={"form": form, "editing": support.id},
    )
