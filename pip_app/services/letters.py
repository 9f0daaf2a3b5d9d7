"""Formal letters to the staff member (issue 20, point 2): drafted from the plan's structured data
and kept as versioned records.

- `draft_letter` builds everything the letter says now (`Letter.content`) and notes the plan's
  row version; drafting the same kind again makes the next version. An unsent draft may be drafted
  again (`redraft_letter`, with the same choices) or deleted.
- `send_letter` refuses a draft of a plan changed since (409: draft it again), a letter already
  sent, or an older version; it dates the letter, sets the appeal deadline of an outcome letter
  (APPEAL_WORKING_DAYS after sending) and emails the staff member (through the outbox).
- `acknowledge_receipt`: the staff member confirms they received it — receipt, not agreement.

Each change writes its audit event in the same transaction; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from .. import letter_rules as rules
from ..clock import now_utc, to_london, today
from ..extensions import db
from ..formatting import format_baseline, format_date
from ..letter_rules import LetterFacts
from ..models import (
    ActionStatus,
    Appeal,
    Letter,
    LetterKind,
    Meeting,
    MeetingKind,
    Plan,
    PlanStage,
    Support,
    User,
    choice_label,
)
from ..notifications.due import nation_code
from ..policy import visible_plans
from ..refusals import Conflict, Refusal
from . import audit, notifications
from .paging import Page, one_page

TEXT_MAX = 4000
STAGE_LABELS = {stage.value: stage.label for stage in PlanStage}


@dataclass
class LetterInputs:
    """What the manager chooses or writes for a letter (the rest comes from the plan)."""

    meeting_id: int | None = None  # an invitation's formal meeting
    expires_on: date | None = None  # a warning's expiry (None: the default for its kind)
    consequences: str = ""  # a warning's consequences of not improving (blank: the default)
    outcome_text: str = ""  # a hearing outcome's decision and reasons

    def as_content(self) -> dict[str, Any]:
        return {
            "meeting_id": self.meeting_id,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "consequences": self.consequences,
            "outcome_text": self.outcome_text,
        }

    @classmethod
    def from_content(cls, saved: dict[str, Any]) -> LetterInputs:
        expires = saved.get("expires_on")
        return cls(
            meeting_id=saved.get("meeting_id"),
            expires_on=date.fromisoformat(expires) if expires else None,
            consequences=saved.get("consequences") or "",
            outcome_text=saved.get("outcome_text") or "",
        )


# --- Reading -----------------------------------------------------------------------------------


def visible_letters(plan: Plan) -> list[Letter]:
    """The plan's letters, latest first (the view keeps those the person may read)."""
    return sorted(plan.letters, key=lambda letter: letter.id, reverse=True)


def formal_meetings(plan: Plan) -> list[Meeting]:
    """The plan's formal meetings still to come (those an invitation may invite to), soonest first."""
    return [m for m in plan.meetings if m.kind is MeetingKind.FORMAL and m.held_on >= today()]


def latest_version(plan: Plan, kind: LetterKind) -> int:
    """The highest version of this kind of letter on the plan (0: none yet)."""
    return (
        db.session.scalar(select(func.max(Letter.version)).where(Letter.plan_id == plan.id, Letter.kind == kind)) or 0
    )


def open_appeal(plan: Plan) -> Appeal | None:
    return next((a for a in plan.appeals if a.is_open), None)


def decided_appeal(plan: Plan) -> Appeal | None:
    """The latest appeal with an outcome."""
    decided = [a for a in plan.appeals if not a.is_open]
    return decided[-1] if decided else None


# --- Rules before drafting ----------------------------------------------------------------------


def _meeting(plan: Plan, meeting_id: int | None) -> Meeting | None:
    return next((m for m in plan.meetings if m.id == meeting_id), None) if meeting_id else None


def draft_problems(plan: Plan, kind: LetterKind, inputs: LetterInputs) -> list[tuple[str, str]]:
    """Why this letter cannot be drafted now, as (form field, message): empty when it can."""
    problems: list[tuple[str, str]] = []
    on = today()
    refusal = rules.stage_refusal(kind.value, plan.stage.value, STAGE_LABELS)
    if refusal:
        problems.append(("kind", refusal))
    if kind is LetterKind.INVITATION:
        meeting = _meeting(plan, inputs.meeting_id)
        refusal = rules.invitation_meeting_refusal(
            meeting.kind.value if meeting else None, meeting.held_on if meeting else None, on
        )
        if refusal:
            problems.append(("meeting", refusal))
    if kind.value in rules.WARNINGS and inputs.expires_on is not None:
        refusal = rules.expiry_refusal(kind.value, inputs.expires_on, on)
        if refusal:
            problems.append(("expires_on", refusal))
    if kind is LetterKind.HEARING_OUTCOME and not inputs.outcome_text.strip():
        problems.append(("outcome_text", "Write the outcome of the hearing and the reasons for it."))
    if kind is LetterKind.APPEAL_INVITATION:
        appeal = open_appeal(plan)
        if appeal is None:
            problems.append(
                ("kind", "No appeal is awaiting a hearing on this plan: an appeal invitation follows an appeal.")
            )
        elif appeal.meeting is None:
            problems.append(("kind", "Arrange the appeal hearing (its meeting) on the appeal first."))
    if kind is LetterKind.APPEAL_OUTCOME:
        if open_appeal(plan) is not None:
            problems.append(("kind", "The appeal has no outcome yet: record the hearer's decision first."))
        elif decided_appeal(plan) is None:
            problems.append(("kind", "There is no appeal on this plan, so there is no appeal outcome to send."))
    for name, value in (("consequences", inputs.consequences), ("outcome_text", inputs.outcome_text)):
        if len(value) > TEXT_MAX:
            problems.append((name, f"Keep this to {TEXT_MAX:,} characters or fewer."))
    return problems


# --- What the letter says ------------------------------------------------------------------------


def _meeting_facts(meeting: Meeting) -> dict[str, Any]:
    return {
        "date": meeting.held_on.isoformat(),
        "time": meeting.starts_at.strftime("%H:%M") if meeting.starts_at else "",
        "place": meeting.place,
        "evidence_enclosed": meeting.evidence_copies,
    }


def _concern(plan: Plan) -> dict[str, Any]:
    evidence = ", ".join(choice_label(source) for source in plan.evidence_sources or [])
    return {
        "risk_area": plan.risk_area.label,
        "risk_statement": plan.risk_statement,
        "evidence": evidence,
        "evidence_detail": plan.evidence_detail,
        "baseline": format_baseline(plan.baseline_text, plan.baseline_figure),
    }


def _improvement(plan: Plan) -> dict[str, Any]:
    actions = [
        {
            "ref": action.ref,
            "behaviour": action.behaviour,
            "when": action.when,
            "check": action.check_method,
            "success": action.success_criterion,
        }
        for action in plan.actions
        if action.status is not ActionStatus.WITHDRAWN
    ]
    support = db.session.scalars(select(Support).where(Support.plan_id == plan.id).order_by(Support.starts_on))
    return {
        "actions": actions,
        "end_date": plan.planned_end_date.isoformat(),
        "next_review": plan.next_review_date.isoformat() if plan.next_review_date else None,
        "support": [
            {
                "kind": s.kind.label,
                "description": s.description,
                "provided_by": s.provided_by,
                "starts_on": s.starts_on.isoformat(),
            }
            for s in support
        ],
    }


def build_content(plan: Plan, kind: LetterKind, inputs: LetterInputs, expires_on: date | None) -> dict[str, Any]:
    """Everything the letter says, from the plan as it is now (fixed in the letter from here on)."""
    content: dict[str, Any] = {
        "inputs": inputs.as_content(),
        "stage": plan.stage.label,
        "plan_type": plan.plan_type.label,
        "contact": {"name": plan.manager.name, "email": plan.manager.email},
        "concern": _concern(plan),
    }
    if kind is LetterKind.INVITATION:
        meeting = _meeting(plan, inputs.meeting_id)  # None only if deleted since drafting
        content["meeting"] = _meeting_facts(meeting) if meeting is not None else None
    if kind.value in rules.WARNINGS:
        content |= _improvement(plan)
        content["consequences"] = inputs.consequences.strip() or rules.DEFAULT_CONSEQUENCES[kind.value]
        content["expires_on"] = expires_on.isoformat() if expires_on else None
    if kind is LetterKind.HEARING_OUTCOME:
        content["outcome"] = inputs.outcome_text.strip()
    if kind.value in rules.APPEAL_LETTERS:
        appeal = open_appeal(plan) if kind is LetterKind.APPEAL_INVITATION else decided_appeal(plan)
        # Drafting refuses a letter with no appeal; rebuilt later, the appeal may have moved on.
        content["appeal"] = (
            None
            if appeal is None
            else {
                "lodged_on": appeal.lodged_on.isoformat(),
                "against": appeal.letter.kind.label if appeal.letter is not None else "",
                "hearer": appeal.hearer.name if appeal.hearer is not None else "",
                "meeting": _meeting_facts(appeal.meeting) if appeal.meeting is not None else None,
                "outcome": appeal.outcome.label if appeal.outcome is not None else "",
                "reasons": appeal.outcome_reasons or "",
                "decided_on": appeal.decided_on.isoformat() if appeal.decided_on else None,
            }
        )
    return content


def changes_since_drafted(plan: Plan, letter: Letter) -> list[str]:
    """What the letter would say differently if drafted now (empty: it still says what the plan says)."""
    inputs = LetterInputs.from_content(letter.content.get("inputs", {}))
    return rules.changed_since_drafted(letter.content, build_content(plan, letter.kind, inputs, letter.expires_on))


# --- Operations ----------------------------------------------------------------------------------


def draft_letter(actor: User, plan: Plan, kind: LetterKind, inputs: LetterInputs) -> Letter:
    """A new version of this kind of letter, its content built from the plan now (audited)."""
    if plan.is_draft:
        raise Conflict("A draft plan has no letters: issue it first.")
    problems = draft_problems(plan, kind, inputs)
    if problems:
        raise Refusal(problems[0][1], field=problems[0][0])
    expires_on = (
        (inputs.expires_on or rules.default_expiry(kind.value, today())) if kind.value in rules.WARNINGS else None
    )
    meeting_id = inputs.meeting_id if kind is LetterKind.INVITATION else None
    if kind.value in rules.APPEAL_LETTERS:
        appeal = open_appeal(plan) if kind is LetterKind.APPEAL_INVITATION else decided_appeal(plan)
        meeting_id = appeal.meeting_id if appeal is not None else None
    letter = Letter(
        plan=plan,
        kind=kind,
        version=latest_version(plan, kind) + 1,
        meeting_id=meeting_id,
        content=build_content(plan, kind, inputs, expires_on),
        plan_row_version=plan.row_version,
        expires_on=expires_on,
        drafted_by=actor,
        drafted_at=now_utc(),
    )
    db.session.add(letter)
    db.session.flush()
    changes: dict[str, Any] = {"kind": kind.value, "version": letter.version}
    if expires_on:
        changes["expires_on"] = expires_on
    audit.record(actor, "drafted", "letter", letter.id, plan_id=plan.id, changes=changes)
    return letter


def _unsent(letter: Letter) -> None:
    if letter.is_sent:
        raise Conflict(f"This letter was sent on {format_date(letter.sent_on)}: a sent letter is kept as it was sent.")


def redraft_letter(actor: User, plan: Plan, letter: Letter) -> Letter:
    """Draft this letter again (a new version) with the same choices, from the plan as it is now."""
    return draft_letter(actor, plan, letter.kind, LetterInputs.from_content(letter.content.get("inputs", {})))


def delete_draft(actor: User, plan: Plan, letter: Letter) -> None:
    """Delete an unsent draft (audited); a sent letter stays."""
    _unsent(letter)
    audit.record(
        actor, "deleted", "letter", letter.id, plan_id=plan.id, changes={"kind": letter.kind, "version": letter.version}
    )
    db.session.delete(letter)
    db.session.flush()


def send_letter(actor: User, plan: Plan, letter: Letter, row_version: str | None) -> None:
    """Send the draft: refused if it was sent already, if the page showed an older copy, if a newer
    version exists, or if the plan changed since it was drafted (409). Dates it, sets an outcome
    letter's appeal deadline, emails the staff member."""
    _unsent(letter)
    if row_version != str(letter.row_version):
        raise Conflict("This letter changed since the page was loaded: reload the page and check it again.")
    newest = latest_version(plan, letter.kind)
    if letter.version != newest:
        raise Conflict(f"Version {newest} of this letter has been drafted since: send that one.")
    changed = changes_since_drafted(plan, letter)
    if changed:
        raise Conflict(
            f"The plan has changed since this letter was drafted on {format_date(letter.drafted_at)} "
            f"({rules.in_words(changed)}): draft it again, so that it says what the plan says now."
        )
    on = today()
    if letter.expires_on is not None and letter.expires_on <= on:
        raise Conflict(
            f"The warning would expire on {format_date(letter.expires_on)}: draft it again with a later date."
        )
    meeting = letter.content.get("meeting")
    if letter.kind is LetterKind.INVITATION and meeting and date.fromisoformat(meeting["date"]) < on:
        raise Conflict("The meeting this letter invites to has passed: draft an invitation to a later meeting.")
    region = nation_code(plan.staff.nation)
    letter.sent_on, letter.sent_by = on, actor
    letter.appeal_by = rules.appeal_deadline(letter.kind.value, on, current_app.config["APPEAL_WORKING_DAYS"], region)
    db.session.flush()
    changes: dict[str, Any] = {"kind": letter.kind, "version": letter.version, "sent_on": on}
    if letter.appeal_by:
        changes["appeal_by"] = letter.appeal_by
    audit.record(actor, "sent", "letter", letter.id, plan_id=plan.id, changes=changes)
    notifications.letter_sent(letter)


def acknowledge_receipt(staff: User, plan: Plan, letter: Letter) -> None:
    """The staff member confirms they received the letter (not that they agree with it), once."""
    if not letter.is_sent:
        raise Conflict("This letter has not been sent.")
    if letter.received_at is not None:
        raise Conflict(f"You confirmed you received this letter on {format_date(letter.received_at)}.")
    letter.received_at = now_utc()
    db.session.flush()
    audit.record(
        staff,
        "received",
        "letter",
        letter.id,
        plan_id=plan.id,
        changes={"kind": letter.kind, "version": letter.version},
    )


# --- The PDF ----------------------------------------------------------------------------------------


def letter_facts(letter: Letter, *, generated_by: User) -> LetterFacts:
    """What the PDF prints: the content fixed at drafting, with the record's own facts."""
    plan = letter.plan
    return LetterFacts(
        kind=letter.kind.value,
        title=letter.kind.label,
        reference=plan.reference,
        staff=plan.staff.name,
        service=plan.service.name,
        manager=plan.manager.name,
        version=letter.version,
        drafted_on=to_london(letter.drafted_at).date(),
        sent_on=letter.sent_on,
        expires_on=letter.expires_on,
        appeal_by=letter.appeal_by,
        appeal_working_days=current_app.config["APPEAL_WORKING_DAYS"],
        content=letter.content,
        generated_by=generated_by.name,
    )


def pdf_filename(letter: Letter) -> str:
    """A server-chosen ASCII name: PIP-2026-0007-improvement-note-v2.pdf."""
    reference = "".join(c for c in letter.plan.reference if c.isalnum() or c == "-") or f"plan-{letter.plan_id}"
    return f"{reference}-{letter.kind.value.replace('_', '-')}-v{letter.version}.pdf"


def record_download(actor: User, letter: Letter) -> None:
    """Every letter download is an audit event in the plan's history."""
    audit.record(
        actor, "downloaded", "letter_pdf", letter.id, plan_id=letter.plan_id, changes={"file": pdf_filename(letter)}
    )
    db.session.flush()


# --- HR's list of warnings ------------------------------------------------------------------------


def warnings_statement(user: User) -> Select[tuple[Letter]]:
    """Sent improvement notes and final warnings on plans the user may see: those in force first
    (soonest to expire first), then the expired (most recently expired first)."""
    on = today()
    in_force = Letter.expires_on >= on
    return (
        select(Letter)
        .join(Plan, Plan.id == Letter.plan_id)
        .where(
            visible_plans(user),
            Letter.kind.in_([LetterKind.IMPROVEMENT_NOTE, LetterKind.FINAL_WARNING]),
            Letter.sent_on.is_not(None),
        )
        .options(joinedload(Letter.plan).joinedload(Plan.staff))
        .order_by(
            case((in_force, 0), else_=1),
            case((in_force, Letter.expires_on), else_=None).asc(),
            Letter.expires_on.desc(),
            Letter.id.desc(),
        )
    )


def warnings_page(user: User, number: int, size: int) -> Page[Letter]:
    return one_page(warnings_statement(user), number, size)
