"""Letter routes: the plan's "Letters" (a part of the plan page loaded when opened, or a page of its
own), drafting, sending, drafting again or deleting a draft, the letter as a PDF, and the staff
member's confirmation of receipt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, abort, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from .. import policy
from ..access import plan_route
from ..database import begin_writes
from ..extensions import db
from ..formatting import format_date
from ..letter_rules import APPEALABLE, in_words
from ..models import Appeal, Letter, LetterKind, Plan
from ..params import parse_id
from ..pdf import render_letter
from ..plan_reads import PlanReads
from ..screens import Screen, problems_beside, submit
from ..services import letters as letter_ops
from . import bp
from .forms import DraftLetterForm

# What the part reads of the plan.
PART_READS = PlanReads(
    joined=(joinedload(Plan.staff), joinedload(Plan.manager)),
    collections={
        "letters": (joinedload(Letter.drafted_by),),
        "meetings": (),
        "appeals": (joinedload(Appeal.meeting),),
    },
)


@dataclass(frozen=True)
class LetterRow:
    """One letter as the part shows it, with what this person may do to it."""

    letter: Letter
    changed: str  # an unsent draft: what would read differently if drafted now, in words ("": nothing)
    appealable: bool
    may_read: bool
    may_change: bool  # send, draft again, delete (unsent only)
    may_acknowledge: bool


def draft_form(plan: Plan, formdata: Any = None) -> DraftLetterForm:
    """The drafting form, offering the kinds this person may draft and the formal meetings to come."""
    form = DraftLetterForm(formdata=formdata)
    kinds = [kind for kind in LetterKind if policy.can_draft_letter(current_user, plan, kind)]
    form.kind.choices = [SelectChoice("", "Choose the letter"), *(SelectChoice(k.value, k.label) for k in kinds)]
    form.meeting.choices = [SelectChoice("", "Choose the meeting")] + [
        SelectChoice(str(m.id), f"{m.kind.label}, {format_date(m.held_on)}{', ' + m.place if m.place else ''}")
        for m in letter_ops.formal_meetings(plan)
    ]
    return form


def letters_context(plan: Plan, form: DraftLetterForm | None = None, **overrides: Any) -> dict:
    """The part: the letters this person may see, and the drafting form if they may draft."""
    rows = [
        LetterRow(
            letter=letter,
            changed="" if letter.is_sent else in_words(letter_ops.changes_since_drafted(plan, letter)),
            appealable=letter.kind.value in APPEALABLE,
            may_read=policy.can_read_letter(current_user, plan, letter),
            may_change=not letter.is_sent and policy.can_send_letter(current_user, plan, letter),
            may_acknowledge=policy.can_acknowledge_letter(current_user, plan, letter) and letter.received_at is None,
        )
        for letter in letter_ops.visible_letters(plan)
        if policy.can_read_letter(current_user, plan, letter)  # the staff member: sent letters only
    ]
    may_draft = policy.can_draft_letters(current_user, plan)
    if form is None and may_draft:
        form = draft_form(plan)
    context = dict(
        plan=plan,
        rows=rows,
        form=form if may_draft else None,
        open_form=overrides.pop("open_form", False),
        has_meetings=bool(letter_ops.formal_meetings(plan)),
        saved=None,
        saved_message=None,
        section_error=None,
    )
    context.update(overrides)
    return context


LETTERS = Screen("letters/page.html", {"panel": "letters/_panel.html"}, letters_context)


def _back(plan: Plan) -> str:
    return url_for("plans.show", plan_id=plan.id, _anchor="letters")


def _changeable(plan: Plan, letter: Letter) -> None:
    """404 for a letter this person may not see; 403 for one they see but may not change."""
    if not policy.can_read_letter(current_user, plan, letter):
        abort(404)
    if not policy.can_send_letter(current_user, plan, letter):
        abort(403)


@bp.get("/<int:plan_id>/letters")
@plan_route(policy.can_view_letters, reads=PART_READS)
def index(plan: Plan) -> ResponseReturnValue:
    """The plan's letters (the part for htmx, a page of its own otherwise)."""
    return LETTERS.show(plan, "panel")


@bp.post("/<int:plan_id>/letters")
@plan_route(policy.can_draft_letters, reads=PART_READS)
def draft(plan: Plan) -> ResponseReturnValue:
    """Draft a letter from the plan as it is now (a new version if one of its kind exists)."""
    form = draft_form(plan, request.form)

    def inputs() -> letter_ops.LetterInputs:
        return letter_ops.LetterInputs(
            meeting_id=parse_id(form.meeting.data),
            expires_on=form.expires_on.data,
            consequences=form.consequences.data or "",
            outcome_text=form.outcome_text.data or "",
        )

    return submit(
        LETTERS,
        plan,
        "panel",
        form,
        lambda: letter_ops.draft_letter(current_user, plan, LetterKind(form.kind.data), inputs()),
        url=_back(plan),
        message="Letter drafted. Read it (PDF), then send it.",
        checks=lambda: problems_beside(form, letter_ops.draft_problems(plan, LetterKind(form.kind.data), inputs())),
        kept={"form": form, "open_form": True},
    )


@bp.post("/<int:plan_id>/letters/<int:letter_id>/send")
@plan_route(policy.can_view_letters, reads=PART_READS, parts={"letter_id": Letter})
def send(plan: Plan, letter: Letter) -> ResponseReturnValue:
    """Send a draft to the staff member (refused with 409 if the plan changed since it was drafted)."""
    _changeable(plan, letter)
    return submit(
        LETTERS,
        plan,
        "panel",
        None,
        lambda: letter_ops.send_letter(current_user, plan, letter, request.form.get("row_version")),
        url=_back(plan),
        message=f"{letter.kind.label} sent. {plan.staff.name} has been emailed to read it and confirm receipt.",
    )


@bp.post("/<int:plan_id>/letters/<int:letter_id>/redraft")
@plan_route(policy.can_view_letters, reads=PART_READS, parts={"letter_id": Letter})
def redraft(plan: Plan, letter: Letter) -> ResponseReturnValue:
    """Draft this letter again, with the same choices, from the plan as it is now."""
    _changeable(plan, letter)
    return submit(
        LETTERS,
        plan,
        "panel",
        None,
        lambda: letter_ops.redraft_letter(current_user, plan, letter),
        url=_back(plan),
        message="Letter drafted again as a new version.",
    )


@bp.post("/<int:plan_id>/letters/<int:letter_id>/delete")
@plan_route(policy.can_view_letters, reads=PART_READS, parts={"letter_id": Letter})
def delete(plan: Plan, letter: Letter) -> ResponseReturnValue:
    """Delete an unsent draft."""
    _changeable(plan, letter)
    return submit(
        LETTERS,
        plan,
        "panel",
        None,
        lambda: letter_ops.delete_draft(current_user, plan, letter),
        url=_back(plan),
        message="Draft deleted.",
    )


@bp.post("/<int:plan_id>/letters/<int:letter_id>/receipt")
@plan_route(policy.can_view_letters, reads=PART_READS, parts={"letter_id": Letter})
def acknowledge_receipt(plan: Plan, letter: Letter) -> ResponseReturnValue:
    """The staff member confirms they received the letter (receipt, not agreement)."""
    if not policy.can_read_letter(current_user, plan, letter):
        abort(404)
    if not policy.can_acknowledge(current_user, plan):
        abort(403)
    return submit(
        LETTERS,
        plan,
        "panel",
        None,
        lambda: letter_ops.acknowledge_receipt(current_user, plan, letter),
        url=_back(plan),
        message="Thank you: your receipt of this letter is recorded.",
    )


@bp.get("/<int:plan_id>/letters/<int:letter_id>/letter.pdf")
@plan_route(policy.can_view_letters, parts={"letter_id": Letter})
def pdf(plan: Plan, letter: Letter) -> ResponseReturnValue:
    """The letter as a PDF (a draft marked "Draft — not sent"); every download is audited."""
    if not policy.can_read_letter(current_user, plan, letter):
        abort(404)
    body = render_letter(letter_ops.letter_facts(letter, generated_by=current_user))
    filename = letter_ops.pdf_filename(letter)
    # End the read transaction, then write the event in one that takes the write lock first.
    db.session.rollback()
    if request.method == "GET":  # a HEAD request (a link checker, a prefetch) downloads nothing
        begin_writes()
        letter_ops.record_download(current_user, letter)
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
