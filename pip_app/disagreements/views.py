"""Disagreement routes: the plan's disagreements and their responses (a part of the plan page's
acknowledgements, or a page of its own without JavaScript), the response form, recording the
response, and the staff member confirming they have read it."""

from __future__ import annotations

from typing import Any

from flask import abort, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..access import plan_route
from ..clock import today
from ..models import Acknowledgement, Plan, Review
from ..plan_header import header_beside, header_context
from ..plan_reads import REGULATORY_FLAG_READS, PlanReads
from ..screens import Screen, problems_beside, submit
from ..services import disagreements as disagreement_ops
from . import bp
from .forms import ResponseForm
from .panel import disagreement_panel


def disagreements_context(plan: Plan, **overrides: Any) -> dict[str, Any]:
    """The disagreements part (with the plan page's header, refreshed beside it)."""
    return dict(plan=plan, **header_context(plan), disagreement_panel=disagreement_panel(plan, **overrides))


DISAGREEMENTS = Screen(
    "disagreements/page.html", {"panel": "disagreements/_panel.html"}, disagreements_context, header_beside
)


def _disagreement(plan: Plan, ack: Acknowledgement) -> disagreement_ops.Disagreement:
    """The acknowledgement as a disagreement of this plan (404 if it is an agreement)."""
    found = disagreement_ops.disagreement_of(plan, ack.id)
    if found is None:
        abort(404)
    return found


def _values(form: ResponseForm) -> disagreement_ops.ResponseValues:
    return disagreement_ops.ResponseValues(
        discussed_on=form.discussed_on.data,
        discussed_with=form.discussed_with.data or "",
        outcome=form.outcome.data or "",
        plan_changed=form.changed,
    )


def _url(plan: Plan, ack: Acknowledgement) -> str:
    return url_for("plans.show", plan_id=plan.id, _anchor=f"disagreement-{ack.id}")


PARTS = {"ack_id": Acknowledgement}
# What the part and the header's flags read of the plan (its disagreements are read on their own).
PLAN_PART_READS = (
    PlanReads(
        joined=(joinedload(Plan.staff),),
        collections={
            "controls": (),
            "observations": (),
            "actions": (),
            "versions": (),
            "reviews": (selectinload(Review.entries),),
            "acknowledgements": (joinedload(Acknowledgement.user),),
        },
    )
    + REGULATORY_FLAG_READS
    + disagreement_ops.RESPONSE_READS
)


@bp.get("/<int:plan_id>/disagreements")
@plan_route(reads=PLAN_PART_READS)
def index(plan: Plan) -> ResponseReturnValue:
    """The plan's disagreements and their responses (the part for htmx, a page otherwise)."""
    return DISAGREEMENTS.show(plan, "panel")


@bp.get("/<int:plan_id>/disagreements/<int:ack_id>/respond")
@plan_route(policy.can_respond_to_disagreement, reads=PLAN_PART_READS, parts=PARTS)
def respond_form(plan: Plan, ack: Acknowledgement) -> ResponseReturnValue:
    """The form to record the response to a disagreement, the discussion dated today."""
    _disagreement(plan, ack)
    form = ResponseForm(formdata=None)
    form.discussed_on.data = today()
    return DISAGREEMENTS.show(plan, "panel", responding=ack.id, form=form)


@bp.post("/<int:plan_id>/disagreements/<int:ack_id>/response")
@plan_route(policy.can_respond_to_disagreement, reads=PLAN_PART_READS, parts=PARTS)
def respond(plan: Plan, ack: Acknowledgement) -> ResponseReturnValue:
    """Record the response: discussed on, with whom, the outcome, whether the plan changed."""
    disagreement = _disagreement(plan, ack)
    form = ResponseForm()
    return submit(
        DISAGREEMENTS,
        plan,
        "panel",
        form,
        lambda: disagreement_ops.respond(current_user, disagreement, _values(form)),
        url=_url(plan, ack),
        message=f"Response recorded. {plan.staff.name} has been told it is there to read.",
        checks=lambda: problems_beside(
            form, disagreement_ops.response_problems(disagreement.disagreed_on, _values(form))
        ),
        kept={"responding": ack.id, "form": form},
    )


@bp.post("/<int:plan_id>/disagreements/<int:ack_id>/read")
@plan_route(policy.can_acknowledge, reads=PLAN_PART_READS, parts=PARTS)
def mark_read(plan: Plan, ack: Acknowledgement) -> ResponseReturnValue:
    """The staff member confirms they have read the response to their disagreement."""
    disagreement = _disagreement(plan, ack)
    return submit(
        DISAGREEMENTS,
        plan,
        "panel",
        None,
        lambda: disagreement_ops.mark_read(current_user, disagreement),
        url=_url(plan, ack),
        message="Thank you. You have confirmed you read the response.",
    )
