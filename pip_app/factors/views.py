"""Contributing-factor routes: the answers (a part of the plan and builder pages loaded when
opened) and the form. The health need is shown and offered only to those who may see health
detail (policy.can_see_health_detail); a line manager is told to ask a registered manager."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload

from .. import policy
from ..access import plan_route
from ..models import Plan
from ..plan_reads import PlanReads
from ..screens import Screen, submit
from ..services import factors as factor_ops
from . import bp
from .forms import FactorsForm

PANEL_READS = PlanReads(joined=(joinedload(Plan.staff),))


def factors_context(plan: Plan, **overrides: Any) -> dict[str, Any]:
    """The answers, whether this person sees the health need, and the form when open."""
    context = dict(
        plan=plan,
        factors=factor_ops.plan_factors(plan.id),
        sees_health=policy.can_see_health_detail(current_user, plan),
        may_edit=policy.can_edit_plan(current_user, plan),
        editing=False,
        form=None,
        saved=None,
        saved_message=None,
        conflict=None,
        section_error=None,
    )
    context.update(overrides)
    return context


FACTORS = Screen("factors/page.html", {"panel": "factors/_panel.html"}, factors_context)


def _values(form: FactorsForm) -> factor_ops.FactorValues:
    return factor_ops.FactorValues(
        **{name: form[name].data or "" for name in factor_ops.FactorValues.__dataclass_fields__}
    )


@bp.get("/<int:plan_id>/factors")
@plan_route(reads=PANEL_READS)
def index(plan: Plan) -> ResponseReturnValue:
    """The contributing factors (the panel for htmx, a page of its own otherwise)."""
    return FACTORS.show(plan, "panel")


@bp.get("/<int:plan_id>/factors/edit")
@plan_route(policy.can_edit_plan, reads=PANEL_READS)
def edit(plan: Plan) -> ResponseReturnValue:
    """The form, filled with the answers so far."""
    factors = factor_ops.plan_factors(plan.id)
    form = FactorsForm(formdata=None, obj=factors)
    form.row_version.data = str(factors.row_version) if factors else ""
    if not policy.can_see_health_detail(current_user, plan):
        form.health_need.data = ""
    return FACTORS.show(plan, "panel", editing=True, form=form)


@bp.post("/<int:plan_id>/factors")
@plan_route(policy.can_edit_plan, reads=PANEL_READS)
def save(plan: Plan) -> ResponseReturnValue:
    """Record or correct the contributing factors (409 on a stale copy)."""
    form = FactorsForm()
    factors = factor_ops.plan_factors(plan.id)
    return submit(
        FACTORS,
        plan,
        "panel",
        form,
        lambda: factor_ops.save_factors(
            current_user, plan, _values(form), keep_health=not policy.can_see_health_detail(current_user, plan)
        ),
        url=url_for("plans.show", plan_id=plan.id, _anchor="factors"),
        message="Contributing factors saved.",
        stale=factors,
        kept={"form": form, "editing": True},
    )
