"""HR's view: closed plans (HR: all; seniors: their services), filtered, with closure summary and
case bundle downloads; and the improvement notes and final written warnings sent, with their expiry."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from .. import policy
from ..access import requires
from ..clock import today
from ..extensions import db
from ..forms import BoundedDateField, ChoiceField, enum_options
from ..letter_rules import warning_in_force
from ..models import ClosureOutcome, Plan, PlanStatus, Role, Service
from ..params import page_arg, parse_id
from ..screens import page_or_fragment
from ..services import closure as closure_ops
from ..services import letters as letter_ops
from ..services.closed_plans import closed_plans, closure_acks_for
from . import bp

PAGE_SIZE = 25
MAX_PAGE = 10_000


class ClosureFilterForm(FlaskForm):
    """The filters of the closed-plans list (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    service = ChoiceField("Service", default="", validators=[Optional()])
    outcome = ChoiceField(
        "Outcome",
        default="",
        choices=[SelectChoice("", "Any outcome"), *enum_options(ClosureOutcome)],
        validators=[Optional()],
    )
    closed_from = BoundedDateField("Closed on or after", validators=[Optional()])
    closed_to = BoundedDateField("Closed on or before", validators=[Optional()])

    def validate_closed_to(self, field):
        if field.data and self.closed_from.data and field.data < self.closed_from.data:
            raise ValidationError("This date must be on or after the “closed on or after” date.")


def _services() -> list[Service]:
    """The services of the closed plans this user may see."""
    visible = select(Plan.service_id).where(policy.visible_plans(current_user), Plan.status == PlanStatus.CLOSED)
    return list(db.session.scalars(select(Service).where(Service.id.in_(visible)).order_by(Service.name)))


@bp.get("/closures")
@requires(policy.can_view_hr_closures)
def closures() -> ResponseReturnValue:
    """Closed plans with their outcome, closure date and staff response, and the closure summary PDFs."""
    services = _services()
    form = ClosureFilterForm(formdata=request.args)
    form.service.choices = [SelectChoice("", "Any service")] + [SelectChoice(str(s.id), s.name) for s in services]
    valid = form.validate()
    filters: dict[str, Any] = dict(
        service_id=None if form.service.errors else parse_id(form.service.data),
        outcome=ClosureOutcome(form.outcome.data) if form.outcome.data and not form.outcome.errors else None,
        closed_from=None if form.closed_from.errors else form.closed_from.data,
        closed_to=None if form.closed_to.errors else form.closed_to.data,
    )
    page = page_arg(request.args, maximum=MAX_PAGE)
    plans, total = closed_plans(current_user, page=page, per_page=PAGE_SIZE, **filters)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page > pages:  # past the end (an old link): show the last page
        page = pages
        plans, total = closed_plans(current_user, page=page, per_page=PAGE_SIZE, **filters)
    acks = closure_acks_for(plans)
    on = today()
    states = {p.id: closure_ops.closure_ack_state(p, on, acknowledgement=acks.get(p.id)) for p in plans}
    bundles = {p.id for p in plans if policy.can_download_case_bundle(current_user, p)}
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return page_or_fragment(
        "hr/closures.html",
        "hr/_list.html",
        status=200 if valid else 422,
        form=form,
        plans=plans,
        states=states,
        bundles=bundles,
        total=total,
        page=page,
        pages=pages,
        query=query,
        filtered=any(v is not None for v in filters.values()),
        services=services,
        own_services_only=current_user.role is Role.SENIOR,
    )


@bp.get("/warnings")
@requires(policy.can_view_warnings)
def warnings() -> ResponseReturnValue:
    """Sent improvement notes and final written warnings: in force first (soonest to expire first),
    then expired; with the staff member, the plan and whether receipt was confirmed."""
    page = letter_ops.warnings_page(current_user, page_arg(request.args, maximum=MAX_PAGE), PAGE_SIZE)
    on = today()
    in_force = {letter.id: warning_in_force(letter.expires_on, on) for letter in page.items}
    return page_or_fragment(
        "hr/warnings.html",
        "hr/_warnings.html",
        page=page,
        in_force=in_force,
        own_services_only=current_user.role is Role.SENIOR,
    )
