"""Adjustment routes: the restricted panel (a part of the plan page loaded when opened, each view
of it audited), the adjustment and referral forms, and accepting the extension they propose.
Everyone but the staff member, the service's registered managers and HR is answered 404."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import policy
from ..access import plan_route
from ..clock import today
from ..database import begin_writes
from ..extensions import db
from ..models import Adjustment, AdjustmentDecision, HealthReferral, Plan
from ..screens import Screen, problems_beside, submit
from ..services import adjustments as adjustment_ops
from . import bp
from .forms import AdjustmentForm, DisclosureForm, ExtensionForm, ReferralForm

SEEN_BY = policy.can_see_health_detail


def adjustments_context(plan: Plan, **overrides: Any) -> dict[str, Any]:
    """The restricted panel: adjustments, referrals, the extension they propose, and a form when open."""
    adjustments = adjustment_ops.plan_adjustments(plan.id)
    may_record = policy.can_record_adjustments(current_user, plan)
    proposal = adjustment_ops.proposal_for(plan, adjustments)
    may_choose = policy.can_choose_adjustment_detail(current_user, plan)
    disclosure = adjustment_ops.plan_disclosure(plan.id)
    context = dict(
        may_choose=may_choose,
        disclosure=disclosure,
        disclosure_form=_disclosure_form(disclosure) if may_choose else None,
        plan=plan,
        adjustments=adjustments,
        referrals=adjustment_ops.plan_referrals(plan.id),
        may_record=may_record,
        proposal=proposal,
        extension_form=ExtensionForm(formdata=None, data={"proposed_end": proposal.proposed_end}) if proposal else None,
        editing=None,
        form=None,
        saved=None,
        saved_message=None,
        conflict=None,
        section_error=None,
    )
    context.update(overrides)
    return context


def _disclosure_form(disclosure: Any) -> DisclosureForm:
    """The choice as it stands (the count only, when none was made)."""
    form = DisclosureForm(formdata=None)
    form.include.data = "detail" if disclosure is not None and disclosure.include_detail else "count"
    form.row_version.data = str(disclosure.row_version) if disclosure is not None else ""
    return form


ADJUSTMENTS = Screen("adjustments/page.html", {"panel": "adjustments/_panel.html"}, adjustments_context)


def _viewed(plan: Plan) -> None:
    """Every view of the restricted panel is on the record. The read transaction ends first and
    the event is written in one that takes the write lock up front (as a download's is)."""
    if request.method != "GET":  # a HEAD request (a link checker, a prefetch) shows nothing
        return
    plan_id = plan.id
    db.session.rollback()
    begin_writes()
    adjustment_ops.record_panel_view(current_user, plan_id)


def _show(plan: Plan, **overrides: Any) -> ResponseReturnValue:
    _viewed(plan)
    return ADJUSTMENTS.show(plan, "panel", **overrides)


def _adjustment_values(form: AdjustmentForm) -> adjustment_ops.AdjustmentValues:
    return adjustment_ops.AdjustmentValues(
        requested_on=form.requested_on.data,
        requested_by=form.requested_by.data,
        request=form.request.data,
        decision=AdjustmentDecision(form.decision.data),
        decision_reason=form.decision_reason.data or "",
        implemented_on=form.implemented_on.data,
        review_on=form.review_on.data,
        access_to_work=bool(form.access_to_work.data),
    )


def _referral_values(form: ReferralForm) -> adjustment_ops.ReferralValues:
    return adjustment_ops.ReferralValues(
        referred_on=form.referred_on.data,
        questions=form.questions.data,
        report_received_on=form.report_received_on.data,
        recommendations=form.recommendations.data or "",
    )


def _panel_url(plan: Plan) -> str:
    return url_for("plans.show", plan_id=plan.id, _anchor="adjustments")


@bp.get("/<int:plan_id>/adjustments")
@plan_route(seen_by=SEEN_BY)
def index(plan: Plan) -> ResponseReturnValue:
    """The restricted panel (audited): the panel for htmx, a page of its own otherwise."""
    return _show(plan)


@bp.get("/<int:plan_id>/adjustments/new")
@plan_route(policy.can_record_adjustments, seen_by=SEEN_BY)
def new_adjustment(plan: Plan) -> ResponseReturnValue:
    """The form for a request for an adjustment, dated today."""
    form = AdjustmentForm(formdata=None)
    form.requested_on.data = today()
    return _show(plan, editing="adjustment-new", form=form)


@bp.post("/<int:plan_id>/adjustments")
@plan_route(policy.can_record_adjustments, seen_by=SEEN_BY)
def record_adjustment(plan: Plan) -> ResponseReturnValue:
    """Put a request for an adjustment on the record."""
    form = AdjustmentForm()
    return submit(
        ADJUSTMENTS,
        plan,
        "panel",
        form,
        lambda: adjustment_ops.record_adjustment(current_user, plan, _adjustment_values(form)),
        url=_panel_url(plan),
        message="Adjustment recorded.",
        checks=lambda: problems_beside(form, adjustment_ops.adjustment_problems_of(_adjustment_values(form))),
        kept={"form": form, "editing": "adjustment-new"},
    )


@bp.get("/<int:plan_id>/adjustments/<int:adjustment_id>/edit")
@plan_route(policy.can_record_adjustments, parts={"adjustment_id": Adjustment}, seen_by=SEEN_BY)
def edit_adjustment(plan: Plan, adjustment: Adjustment) -> ResponseReturnValue:
    """The adjustment's form, filled in: the decision, when implemented, the review date."""
    form = AdjustmentForm(formdata=None, obj=adjustment)
    form.decision.data, form.row_version.data = adjustment.decision.value, str(adjustment.row_version)
    form.decision_reason.data = adjustment.decision_reason or ""
    editing = f"adjustment-{adjustment.id}"
    return _show(plan, editing=editing, form=form)


@bp.post("/<int:plan_id>/adjustments/<int:adjustment_id>")
@plan_route(policy.can_record_adjustments, parts={"adjustment_id": Adjustment}, seen_by=SEEN_BY)
def update_adjustment(plan: Plan, adjustment: Adjustment) -> ResponseReturnValue:
    """Record the decision or the implementation, or correct the request (409 on a stale copy)."""
    form = AdjustmentForm()
    return submit(
        ADJUSTMENTS,
        plan,
        "panel",
        form,
        lambda: adjustment_ops.update_adjustment(current_user, adjustment, _adjustment_values(form)),
        url=_panel_url(plan),
        message="Adjustment saved.",
        stale=adjustment,
        checks=lambda: problems_beside(form, adjustment_ops.adjustment_problems_of(_adjustment_values(form))),
        kept={"form": form, "editing": f"adjustment-{adjustment.id}"},
    )


@bp.get("/<int:plan_id>/adjustments/referrals/new")
@plan_route(policy.can_record_adjustments, seen_by=SEEN_BY)
def new_referral(plan: Plan) -> ResponseReturnValue:
    """The form for an occupational-health referral, dated today."""
    form = ReferralForm(formdata=None)
    form.referred_on.data = today()
    return _show(plan, editing="referral-new", form=form)


@bp.post("/<int:plan_id>/adjustments/referrals")
@plan_route(policy.can_record_adjustments, seen_by=SEEN_BY)
def record_referral(plan: Plan) -> ResponseReturnValue:
    """Put an occupational-health referral on the record."""
    form = ReferralForm()
    return submit(
        ADJUSTMENTS,
        plan,
        "panel",
        form,
        lambda: adjustment_ops.record_referral(current_user, plan, _referral_values(form)),
        url=_panel_url(plan),
        message="Referral recorded.",
        checks=lambda: problems_beside(form, adjustment_ops.referral_problems_of(_referral_values(form))),
        kept={"form": form, "editing": "referral-new"},
    )


@bp.get("/<int:plan_id>/adjustments/referrals/<int:referral_id>/edit")
@plan_route(policy.can_record_adjustments, parts={"referral_id": HealthReferral}, seen_by=SEEN_BY)
def edit_referral(plan: Plan, referral: HealthReferral) -> ResponseReturnValue:
    """The referral's form, filled in: the report and its recommendations."""
    form = ReferralForm(formdata=None, obj=referral)
    form.row_version.data = str(referral.row_version)
    return _show(plan, editing=f"referral-{referral.id}", form=form)


@bp.post("/<int:plan_id>/adjustments/referrals/<int:referral_id>")
@plan_route(policy.can_record_adjustments, parts={"referral_id": HealthReferral}, seen_by=SEEN_BY)
def update_referral(plan: Plan, referral: HealthReferral) -> ResponseReturnValue:
    """Record the report, or correct the referral (409 on a stale copy)."""
    form = ReferralForm()
    return submit(
        ADJUSTMENTS,
        plan,
        "panel",
        form,
        lambda: adjustment_ops.update_referral(current_user, referral, _referral_values(form)),
        url=_panel_url(plan),
        message="Referral saved.",
        stale=referral,
        checks=lambda: problems_beside(form, adjustment_ops.referral_problems_of(_referral_values(form))),
        kept={"form": form, "editing": f"referral-{referral.id}"},
    )


@bp.post("/<int:plan_id>/adjustments/extend")
@plan_route(policy.can_record_adjustments, seen_by=SEEN_BY)
def accept_extension(plan: Plan) -> ResponseReturnValue:
    """Extend the plan by the delay in putting agreed adjustments in place, as proposed."""
    form = ExtensionForm()
    accepted: list[Any] = []
    return submit(
        ADJUSTMENTS,
        plan,
        "panel",
        form,
        lambda: accepted.append(adjustment_ops.accept_extension(current_user, plan, form.proposed_end.data)),
        url=_panel_url(plan),
        message=lambda: f"The plan is extended by {accepted[0].days} days.",
    )


@bp.post("/<int:plan_id>/adjustments/closure-summary")
@plan_route(policy.can_choose_adjustment_detail, seen_by=SEEN_BY)
def choose_disclosure(plan: Plan) -> ResponseReturnValue:
    """A registered manager chooses whether the closure summary prints the adjustments' detail
    or only their count, with why (audited; 409 on a choice made on a stale copy)."""
    form = DisclosureForm()
    disclosure = adjustment_ops.plan_disclosure(plan.id)
    include = form.include.data == "detail"
    return submit(
        ADJUSTMENTS,
        plan,
        "panel",
        form,
        lambda: adjustment_ops.choose_disclosure(current_user, plan, include_detail=include, reason=form.reason.data),
        url=_panel_url(plan),
        message=lambda: "The closure summary will include the adjustment detail."
        if include
        else "The closure summary will show only the count of adjustments.",
        stale=disclosure,
        kept={"disclosure_form": form},
    )
