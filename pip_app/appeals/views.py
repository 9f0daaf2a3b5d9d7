"""Appeal routes: the plan's "Appeal" part (loaded when opened, or a page of its own), and the
five changes — lodge, record, choose the hearer, link the hearing, record the outcome."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload

from .. import policy
from ..access import plan_route
from ..clock import today
from ..formatting import format_date
from ..models import Appeal, AppealOutcome, CompanionKind, Meeting, Plan
from ..params import parse_id
from ..plan_header import header_beside, header_context
from ..plan_reads import PlanReads
from ..screens import Screen, problems_beside, submit
from ..services import appeals as appeal_ops
from . import bp
from .forms import HearerForm, HearingForm, LodgeAppealForm, OutcomeForm, RecordAppealForm

# What the part, its rules (who was involved) and the header's flags read of the plan.
PART_READS = PlanReads(
    joined=(joinedload(Plan.staff), joinedload(Plan.service), joinedload(Plan.closure)),
    collections={
        "letters": (),
        "approvals": (),
        "escalations": (),
        "regulatory_decisions": (),
        "appeals": (
            joinedload(Appeal.hearer),
            joinedload(Appeal.meeting),
            joinedload(Appeal.lodged_by),
            joinedload(Appeal.decided_by),
        ),
    },
)


def hearing_in_words(meeting: Meeting) -> str:
    """ "4 Dec 2026, Training room (companion: a trade-union representative)"."""
    where = f", {meeting.place}" if meeting.place else ""
    who = (
        f"companion: {meeting.companion_kind.label.lower()}, {meeting.companion_name}"
        if meeting.companion_kind is not CompanionKind.NONE
        else "no companion recorded"
    )
    return f"{format_date(meeting.held_on)}{where} ({who})"


def _version(appeal: Appeal | None) -> str:
    return str(appeal.row_version) if appeal is not None else ""


def appeal_context(plan: Plan, **overrides: Any) -> dict:
    """The part (with the plan page's header, refreshed beside it). A form passed in `overrides`
    (being corrected) replaces the blank one, so nothing typed is lost."""
    current = appeal_ops.open_appeal(plan)
    letters = appeal_ops.appealable_letters(plan)
    letter_choices = [("", "Choose the letter")] + [(str(x.id), appeal_ops.letter_in_words(x)) for x in letters]
    may = dict(
        may_lodge=policy.can_lodge_appeal(current_user, plan) and current is None and bool(letters),
        may_record=policy.can_record_appeal(current_user, plan) and current is None and bool(letters),
        may_assign=current is not None and policy.can_assign_hearer(current_user, plan),
        may_link=current is not None and policy.can_link_appeal_hearing(current_user, plan),
        may_decide=current is not None and policy.can_decide_appeal(current_user, plan),
    )
    forms: dict[str, Any] = {}
    if may["may_lodge"]:
        forms["lodge_form"] = LodgeAppealForm(formdata=None)
    if may["may_record"]:
        forms["record_form"] = RecordAppealForm(formdata=None, lodged_on=today())
    if may["may_assign"]:
        hearers = appeal_ops.eligible_hearers(plan)
        forms["hearer_form"] = HearerForm(formdata=None, row_version=_version(current))
        forms["hearer_choices"] = [("", "Choose the hearer")] + [
            (str(p.id), f"{p.name} ({p.role.label})") for p in hearers
        ]
    if may["may_link"]:
        meetings = appeal_ops.hearing_meetings(plan)
        forms["hearing_form"] = HearingForm(formdata=None, row_version=_version(current))
        forms["hearing_choices"] = [("", "Choose the hearing")] + [(str(m.id), hearing_in_words(m)) for m in meetings]
    if may["may_decide"]:
        forms["outcome_form"] = OutcomeForm(formdata=None, row_version=_version(current), decided_on=today())
    context = dict(
        plan=plan,
        **header_context(plan),
        **may,
        **forms,
        current=current,
        decided=[a for a in appeal_ops.appeals_newest_first(plan) if not a.is_open],
        letters=letters,
        letter_choices=letter_choices,
        letter_words=appeal_ops.letter_in_words,
        today=today(),
        saved=None,
        saved_message=None,
        conflict=None,
        section_error=None,
    )
    context.update(overrides)
    for name in ("lodge_form", "record_form"):
        if name in context:
            context[name].letter.choices = letter_choices
    if "hearer_form" in context:
        context["hearer_form"].hearer.choices = context.get("hearer_choices", [])
    if "hearing_form" in context:
        context["hearing_form"].meeting.choices = context.get("hearing_choices", [])
    return context


APPEAL = Screen("appeals/page.html", {"panel": "appeals/_panel.html"}, appeal_context, header_beside)
HERE = "appeal"


def _back(plan: Plan) -> str:
    return url_for("plans.show", plan_id=plan.id, _anchor=HERE)


@bp.get("/<int:plan_id>/appeal")
@plan_route(policy.can_read_appeal, reads=PART_READS)
def index(plan: Plan) -> ResponseReturnValue:
    """The plan's appeals (the part for htmx, a page of its own otherwise)."""
    return APPEAL.show(plan, "panel")


@bp.post("/<int:plan_id>/appeal")
@plan_route(policy.can_lodge_appeal, reads=PART_READS)
def lodge(plan: Plan) -> ResponseReturnValue:
    """The staff member appeals against an outcome letter, with their grounds."""
    form = LodgeAppealForm(request.form)

    def values() -> appeal_ops.AppealValues:
        return appeal_ops.AppealValues(parse_id(form.letter.data), form.grounds.data, today())

    return submit(
        APPEAL,
        plan,
        "panel",
        form,
        lambda: appeal_ops.lodge_appeal(current_user, plan, values()),
        url=_back(plan),
        message="Your appeal has been lodged.",
        checks=lambda: problems_beside(form, [] if parse_id(form.letter.data) else [("letter", "Choose the letter.")]),
        kept={"lodge_form": form},
    )


@bp.post("/<int:plan_id>/appeal/record")
@plan_route(policy.can_record_appeal, reads=PART_READS)
def record(plan: Plan) -> ResponseReturnValue:
    """HR records an appeal made another way (late ones with the reason it is accepted)."""
    form = RecordAppealForm(request.form)

    def values() -> appeal_ops.AppealValues:
        return appeal_ops.AppealValues(
            parse_id(form.letter.data), form.grounds.data, form.lodged_on.data, form.late_reason.data or ""
        )

    return submit(
        APPEAL,
        plan,
        "panel",
        form,
        lambda: appeal_ops.record_appeal(current_user, plan, values()),
        url=_back(plan),
        message="Appeal recorded.",
        checks=lambda: problems_beside(form, [] if parse_id(form.letter.data) else [("letter", "Choose the letter.")]),
        kept={"record_form": form},
    )


@bp.post("/<int:plan_id>/appeal/hearer")
@plan_route(policy.can_assign_hearer, reads=PART_READS)
def choose_hearer(plan: Plan) -> ResponseReturnValue:
    """Choose who hears the appeal: someone not previously involved (checked again here)."""
    form = HearerForm(request.form)
    return submit(
        APPEAL,
        plan,
        "panel",
        form,
        lambda: appeal_ops.assign_hearer(current_user, plan, parse_id(form.hearer.data)),
        url=_back(plan),
        message="Hearer chosen: they have been emailed.",
        stale=appeal_ops.open_appeal(plan),
        kept={"hearer_form": form},
    )


@bp.post("/<int:plan_id>/appeal/hearing")
@plan_route(policy.can_link_appeal_hearing, reads=PART_READS)
def link_hearing(plan: Plan) -> ResponseReturnValue:
    """Link the appeal hearing recorded in the plan's meetings."""
    form = HearingForm(request.form)
    return submit(
        APPEAL,
        plan,
        "panel",
        form,
        lambda: appeal_ops.link_hearing(
            current_user, plan, parse_id(form.meeting.data), unaccompanied=bool(form.unaccompanied.data)
        ),
        url=_back(plan),
        message="Hearing linked.",
        stale=appeal_ops.open_appeal(plan),
        kept={"hearing_form": form},
    )


@bp.post("/<int:plan_id>/appeal/outcome")
@plan_route(policy.can_decide_appeal, reads=PART_READS)
def decide(plan: Plan) -> ResponseReturnValue:
    """The hearer records the outcome, with reasons."""
    form = OutcomeForm(request.form)
    current = appeal_ops.open_appeal(plan)

    def values() -> appeal_ops.OutcomeValues:
        return appeal_ops.OutcomeValues(AppealOutcome(form.outcome.data), form.reasons.data, form.decided_on.data)

    return submit(
        APPEAL,
        plan,
        "panel",
        form,
        lambda: appeal_ops.decide_appeal(current_user, plan, values()),
        url=_back(plan),
        message="Outcome recorded: the staff member has been emailed.",
        stale=current,
        checks=lambda: problems_beside(form, appeal_ops.outcome_problems(current, values())),
        kept={"outcome_form": form},
    )
