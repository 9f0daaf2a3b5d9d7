"""Attachments: evidence files kept with a plan (audit sheets, observation checklists, fit notes,
supervision records), their bytes in the database.

Every upload and every download is an audit event in the same transaction. The file's type is
read from its content (`file_types.identify`); its SHA-256 is kept and shown, so a copy printed
in a bundle or handed to a tribunal can be checked against the record. The same file is stored
once per object (a second upload to the same object is refused, naming the first); the same file
on another object of the plan is stored and flagged as a duplicate of the earlier one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from .. import plain_rows
from ..clock import today
from ..extensions import db
from ..file_types import KINDS, FileKind, clean_filename, download_name, identify
from ..formatting import format_date
from ..models import Action, Attachment, AttachmentVisibility, Meeting, Observation, Plan, Review, User
from ..plan_reads import PlanReads, name_of
from ..refusals import Conflict, Refusal
from . import audit

CHUNK_BYTES = 256 * 1024  # a download is read from the database this much at a time
DESCRIPTION_LIMIT = 200


@dataclass(frozen=True)
class Subject:
    """What a file is attached to: the plan as a whole, or one action, review, observation or meeting of it."""

    key: str  # "plan", "action-12", "review-3", "observation-7", "meeting-2"
    label: str  # "The plan as a whole", "A2: Records MAR …", "Weekly review of 3 Mar 2026"
    action: Action | None = None
    review: Review | None = None
    observation: Observation | None = None
    meeting: Meeting | None = None


def _meeting_label(meeting: Meeting) -> str:
    return f"{meeting.kind.label} meeting, {format_date(meeting.held_on)}"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def subject_label(attachment: Attachment) -> str:
    """What a stored file is attached to, in words."""
    if attachment.action is not None:
        return f"{attachment.action.ref}: {_short(attachment.action.behaviour)}"
    if attachment.review is not None:
        return f"Weekly review of {format_date(attachment.review.review_date)}"
    if attachment.observation is not None:
        o = attachment.observation
        return f"Observed {o.shift.label.lower()} shift, {format_date(o.scheduled_on)}"
    if attachment.meeting is not None:
        return _meeting_label(attachment.meeting)
    return "The plan as a whole"


def subjects(plan: Plan) -> list[Subject]:
    """Everything on this plan a file may be attached to, in the order the plan page shows them."""
    found = [Subject("plan", "The plan as a whole")]
    found += [Subject(f"action-{a.id}", f"{a.ref}: {_short(a.behaviour)}", action=a) for a in plan.actions]
    found += [
        Subject(f"review-{r.id}", f"Weekly review of {format_date(r.review_date)}", review=r)
        for r in plan.reviews
        if r.id is not None
    ]
    found += [
        Subject(
            f"observation-{o.id}",
            f"Observed {o.shift.label.lower()} shift, {format_date(o.scheduled_on)}",
            observation=o,
        )
        for o in plan.observations
    ]
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.plan_id == plan.id).order_by(Meeting.held_on, Meeting.id)
    )
    found += [Subject(f"meeting-{m.id}", _meeting_label(m), meeting=m) for m in meetings]
    return found


def attach_file(
    actor: User,
    plan: Plan,
    *,
    subject: Subject,
    filename: str,
    content: bytes,
    description: str,
    visibility: AttachmentVisibility,
    copy_given_on: date | None = None,
    max_bytes: int,
) -> Attachment:
    """Keep a file as evidence on the plan (or one of its actions, reviews or observations).
    Refuses a closed plan (409), an empty or oversized file, a type not taken, a description
    missing or too long, a copy given in the future, and the same file twice on one object."""
    if plan.is_closed:
        raise Refusal("This plan is closed, so nothing more can be attached to it.")
    if len(content) > max_bytes:
        raise Refusal(f"The file is larger than {max_bytes // (1024 * 1024)} MB, so it was not attached.", "file")
    kind = identify(filename, content)
    description = " ".join(description.split())
    if not description:
        raise Refusal("Say what the file is, e.g. “MAR audit, week 3”.", "description")
    if len(description) > DESCRIPTION_LIMIT:
        raise Refusal(f"Keep this to {DESCRIPTION_LIMIT} characters or fewer.", "description")
    if copy_given_on is not None and copy_given_on > today():
        raise Refusal("The date a copy was given cannot be in the future.", "copy_given_on")
    digest = hashlib.sha256(content).hexdigest()
    same_object = db.session.scalar(
        select(Attachment)
        .where(Attachment.plan_id == plan.id, Attachment.subject_key == subject.key, Attachment.sha256 == digest)
        .options(joinedload(Attachment.uploaded_by))
    )
    if same_object is not None:
        raise Refusal(
            f"This file is already attached here: “{same_object.filename}”, by {same_object.uploaded_by.name} "
            f"on {format_date(same_object.uploaded_at)} (the same SHA-256). It is kept once per item.",
            "file",
        )
    attachment = Attachment(
        plan=plan,
        action=subject.action,
        review=subject.review,
        observation=subject.observation,
        meeting=subject.meeting,
        subject_key=subject.key,
        filename=clean_filename(filename, kind),
        description=description,
        kind=kind.code,
        size=len(content),
        sha256=digest,
        visibility=visibility,
        copy_given_on=copy_given_on,
        uploaded_by=actor,
        content=content,
    )
    db.session.add(attachment)
    db.session.flush()
    db.session.expire(plan, ["attachments"])  # read again, with this one, if the page lists them
    audit.record(
        actor,
        "attached",
        "attachment",
        attachment.id,
        plan_id=plan.id,
        changes={
            "filename": attachment.filename,
            "attached_to": subject.label,
            "type": kind.label,
            "size": attachment.size,
            "sha256": digest,
            "visibility": visibility,
            "copy_given_on": copy_given_on,
        },
    )
    return attachment


def record_copy_given(actor: User, attachment: Attachment, given_on: date) -> None:
    """Record the date the staff member was given a copy of the file (once; 409 if already set)."""
    if attachment.plan.is_closed:
        raise Refusal("This plan is closed, so its attachments can no longer be changed.")
    if attachment.copy_given_on is not None:
        raise Conflict(
            f"A copy of “{attachment.filename}” was already recorded as given on {format_date(attachment.copy_given_on)}."
        )
    if given_on > today():
        raise Refusal("The date a copy was given cannot be in the future.", "given_on")
    attachment.copy_given_on = given_on
    db.session.flush()
    audit.record(
        actor,
        "copy given",
        "attachment",
        attachment.id,
        plan_id=attachment.plan_id,
        changes={"filename": attachment.filename, "copy_given_on": given_on},
    )


@dataclass(frozen=True)
class Sent:
    """What a download sends, read before its transaction ends (the event is written in another)."""

    id: int
    plan_id: int
    filename: str
    sha256: str
    size: int
    media_type: str
    download_name: str

    @classmethod
    def of(cls, attachment: Attachment) -> Sent:
        return cls(
            id=attachment.id,
            plan_id=attachment.plan_id,
            filename=attachment.filename,
            sha256=attachment.sha256,
            size=attachment.size,
            media_type=kind_of(attachment).media_type,
            download_name=download_filename(attachment),
        )


def record_download(actor: User, sent: Sent) -> None:
    """A download is an event in the plan's history, with the name and hash of what was sent."""
    audit.record(
        actor,
        "downloaded",
        "attachment",
        sent.id,
        plan_id=sent.plan_id,
        changes={"filename": sent.filename, "sha256": sent.sha256, "sent_as": sent.download_name},
    )


# Each file's people and what it is attached to, read with the file (not its bytes: `Attachment.content`
# is deferred).
ATTACHMENT_ROW_OPTIONS = (
    name_of(Attachment.uploaded_by),
    joinedload(Attachment.action),
    joinedload(Attachment.review),
    joinedload(Attachment.observation),
    joinedload(Attachment.meeting),
)

# The files read with the plan, for the pages that list them (the plan page, the attachments screen):
# a plan with none costs no statement of its own, where the statement alone was 0.8 ms of the plan page.
ATTACHMENT_READS = PlanReads(collections={"attachments": ATTACHMENT_ROW_OPTIONS})

_PLAN_ATTACHMENTS = (
    select(Attachment)
    .where(Attachment.plan_id == bindparam("plan_id"))
    .options(*ATTACHMENT_ROW_OPTIONS)
    .order_by(Attachment.uploaded_at, Attachment.id)
)


def plan_attachments(plan: Plan) -> Sequence[Attachment]:
    """Every file on the plan, oldest first, without its bytes (the caller keeps those the person
    may see: `policy.can_view_attachment`): as read with the plan (`ATTACHMENT_READS`), or else in
    one statement."""
    if plain_rows.loaded(plan, "attachments"):
        return plan.attachments
    return db.session.scalars(_PLAN_ATTACHMENTS, {"plan_id": plan.id}).all()


def duplicates(attachments: Sequence[Attachment]) -> dict[int, Attachment]:
    """For each file whose bytes were attached earlier elsewhere on the plan, that earlier one."""
    first: dict[str, Attachment] = {}
    found: dict[int, Attachment] = {}
    for attachment in attachments:
        earlier = first.setdefault(attachment.sha256, attachment)
        if earlier is not attachment:
            found[attachment.id] = earlier
    return found


def kind_of(attachment: Attachment) -> FileKind:
    return KINDS[attachment.kind]


def download_filename(attachment: Attachment) -> str:
    """PIP-2026-0007_A2_MAR-audit-week-3.pdf: the plan, the object, the name, the content's extension."""
    part = attachment.subject_key.split("-")[0]
    where = {
        "action": attachment.action.ref if attachment.action else "",
        "review": f"review-{attachment.review.review_date:%Y%m%d}" if attachment.review else "",
        "observation": f"observation-{attachment.observation.scheduled_on:%Y%m%d}" if attachment.observation else "",
        "meeting": f"meeting-{attachment.meeting.held_on:%Y%m%d}" if attachment.meeting else "",
    }.get(part, "")
    prefix = "_".join(p for p in (attachment.plan.reference, where, str(attachment.id)) if p)
    return download_name(prefix, attachment.filename, kind_of(attachment))


def read_chunk(attachment_id: int, offset: int, length: int = CHUNK_BYTES) -> bytes | None:
    """`length` stored bytes from `offset` (0-based), read in the database (substr works on bytea
    and BLOB alike), so a download never holds the whole file; None if the file is gone."""
    piece = db.session.scalar(
        select(func.substr(Attachment.content, offset + 1, length)).where(Attachment.id == attachment_id)
    )
    return None if piece is None else bytes(piece)
