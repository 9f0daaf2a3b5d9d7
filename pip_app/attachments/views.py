"""Attachment routes. Upload is the one route in the app that takes a file part (`takes_files`);
download streams the stored bytes with a server-chosen name; both are audited. Without
JavaScript every form posts and redirects (or comes back as a page with its errors); with htmx
the panel is swapped in place and the upload shows its progress."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, abort, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload

from .. import policy
from ..access import plan_route
from ..database import begin_writes
from ..extensions import db
from ..file_types import sent_filename
from ..models import Attachment, AttachmentVisibility, Plan
from ..plan_reads import PlanReads
from ..requests import takes_files
from ..screens import Screen, plan_part, submit
from ..services import attachments as attachment_ops
from . import bp
from .forms import CopyGivenForm, attach_form
from .panel import attachment_panel, new_attach_form, upload_context

# What the panel and the upload form read of the plan: its objects a file may be attached to.
PANEL_READS = (
    PlanReads(joined=(joinedload(Plan.staff),), collections={"actions": (), "reviews": (), "observations": ()})
    + attachment_ops.ATTACHMENT_READS
)


def attachments_context(plan: Plan, **overrides: Any) -> dict[str, Any]:
    """The attachments screen: the plan's header and the panel (with a form being corrected)."""
    panel = attachment_panel(
        plan,
        form=overrides.get("form"),
        copy_form=overrides.get("copy_form"),
        editing=overrides.get("editing"),
        saved=overrides.get("saved") == "panel",
        saved_message=overrides.get("saved_message"),
        section_error=overrides.get("section_error"),
        conflict=overrides.get("conflict") == "panel",
    )
    return dict(plan=plan, attachments=panel)


ATTACHMENTS = Screen("attachments/page.html", {"panel": "attachments/_panel.html"}, attachments_context)


def _visible_or_404(plan: Plan, attachment: Attachment) -> Attachment:
    """A restricted file is not there for someone who may not see it (404, as for a plan)."""
    if not policy.can_view_attachment(current_user, plan, attachment):
        abort(404)
    return attachment


@bp.get("/<int:plan_id>/attachments")
@plan_route(reads=PANEL_READS)
def index(plan: Plan) -> ResponseReturnValue:
    """The plan's files this person may see (the panel for htmx, a page otherwise)."""
    return ATTACHMENTS.show(plan, "panel")


@bp.get("/<int:plan_id>/attachments/new")
@plan_route(policy.can_attach, reads=PANEL_READS)
def new_file(plan: Plan) -> ResponseReturnValue:
    """The upload form, opened from the plan page (the form for htmx, a page of its own otherwise)."""
    return plan_part(
        plan,
        "attachments/_attach_form.html",
        "Attach a file",
        "attachments-panel",
        a=dict(upload_context(), form=new_attach_form(plan)),
        opened_on_its_own=True,
    )


@bp.post("/<int:plan_id>/attachments")
@takes_files
@plan_route(policy.can_attach, reads=PANEL_READS)
def upload(plan: Plan) -> ResponseReturnValue:
    """Attach a file: its type read from its content, its SHA-256 kept, the upload audited."""
    subjects = attachment_ops.subjects(plan)
    form = attach_form(subjects)
    added: list[Attachment] = []

    def save() -> None:
        upload = form.file.data
        added.append(
            attachment_ops.attach_file(
                current_user,
                plan,
                subject=next(s for s in subjects if s.key == form.attached_to.data),
                filename=sent_filename(upload.filename or ""),
                content=upload.read(),
                description=form.description.data,
                visibility=AttachmentVisibility(form.visibility.data),
                copy_given_on=form.copy_given_on.data,
                max_bytes=int(current_app.config["ATTACHMENT_MAX_BYTES"]),
            )
        )

    def message() -> str:
        attachment = added[0]
        said = f"“{attachment.filename}” attached to {attachment_ops.subject_label(attachment)}."
        if attachment.is_restricted and not policy.can_see_restricted(current_user, plan):
            said += " It is restricted, so only the registered managers and HR can see or download it."
        return said

    return submit(
        ATTACHMENTS,
        plan,
        "panel",
        form,
        save,
        url=url_for("plans.show", plan_id=plan.id, _anchor="attachments-panel"),
        message=message,
        kept={"form": form},
        saved_with={"form": attach_form(subjects, formdata=None)},
    )


@bp.post("/<int:plan_id>/attachments/<int:attachment_id>/copy-given")
@plan_route(policy.can_attach, reads=PANEL_READS, parts={"attachment_id": Attachment})
def copy_given(plan: Plan, attachment: Attachment) -> ResponseReturnValue:
    """Record the date the staff member was given a copy of the file."""
    _visible_or_404(plan, attachment)
    form = CopyGivenForm()
    return submit(
        ATTACHMENTS,
        plan,
        "panel",
        form,
        lambda: attachment_ops.record_copy_given(current_user, attachment, form.given_on.data),
        url=url_for("plans.show", plan_id=plan.id, _anchor="attachments-panel"),
        message=lambda: f"Recorded: {plan.staff.name} was given a copy of “{attachment.filename}”.",
        kept={"copy_form": form, "editing": attachment.id},
    )


def _stream(app: Flask, sent: attachment_ops.Sent) -> Iterator[bytes]:
    """The bytes, a chunk at a time so a 10 MB file is never held whole, read after the request
    has ended (its event committed, no write lock held): each chunk in an app context (and so a
    database session) of its own, as the server may send each from a context of its own."""
    for offset in range(0, sent.size, attachment_ops.CHUNK_BYTES):
        with app.app_context():
            piece = attachment_ops.read_chunk(sent.id, offset)
        if piece is None:  # removed meanwhile (a purge): the response ends short, never with other bytes
            return
        yield piece


@bp.get("/<int:plan_id>/attachments/<int:attachment_id>/download")
@plan_route(parts={"attachment_id": Attachment})
def download(plan: Plan, attachment: Attachment) -> ResponseReturnValue:
    """The file as stored, streamed from the database, with a server-chosen name; audited."""
    _visible_or_404(plan, attachment)
    sent = attachment_ops.Sent.of(attachment)
    # End the read transaction, and write the event in a transaction that takes the write lock
    # first: on SQLite a read transaction that turns into a write fails if anyone wrote meanwhile.
    db.session.rollback()
    if request.method == "GET":  # a HEAD request (a link checker, a prefetch) downloads nothing
        begin_writes()
        attachment_ops.record_download(current_user, sent)
    return Response(
        _stream(current_app._get_current_object(), sent),  # type: ignore[attr-defined]  # the proxy's real app
        mimetype=sent.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{sent.download_name}"',
            "Content-Length": str(sent.size),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
