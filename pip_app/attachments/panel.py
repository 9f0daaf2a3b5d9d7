"""The attachments panel: what it shows this person, as results and booleans (the plan page
includes it; the attachments screen renders it on its own and as the htmx part)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app

from .. import policy
from ..access import current_person
from ..file_types import format_size
from ..formatting import format_date
from ..models import Plan
from ..services import attachments as attachment_ops
from .forms import HINT, AttachForm, CopyGivenForm, attach_form


@dataclass(frozen=True)
class Row:
    """One file as the panel lists it."""

    id: int
    filename: str
    description: str
    kind: str
    size: str
    sha256: str
    attached_to: str
    restricted: bool
    uploaded_by: str
    uploaded_at: datetime
    copy_given_on: date | None
    duplicate_of: str | None  # "A1: … (12 Mar 2026)" when the same bytes were attached earlier elsewhere


def attachment_panel(
    plan: Plan,
    *,
    form: AttachForm | None = None,
    copy_form: CopyGivenForm | None = None,
    editing: int | None = None,
    saved: bool = False,
    saved_message: str | None = None,
    section_error: str | None = None,
    conflict: bool = False,
    form_on_demand: bool = False,
) -> dict[str, Any]:
    """The panel's context for the signed-in person (the view has checked they may see the plan).
    With `form_on_demand` (the plan page) the upload form opens when asked for, unless `form` is
    given: its choice of everything a file may be attached to was a fifth of the plan page."""
    me = current_person()
    every = attachment_ops.plan_attachments(plan)
    found = [a for a in every if policy.can_view_attachment(me, plan, a)]
    earlier = attachment_ops.duplicates(found)
    may_attach = policy.can_attach(me, plan)
    sees_restricted = policy.can_see_restricted(me, plan)
    rows = [
        Row(
            id=a.id,
            filename=a.filename,
            description=a.description,
            kind=attachment_ops.kind_of(a).label,
            size=format_size(a.size),
            sha256=a.sha256,
            attached_to=attachment_ops.subject_label(a),
            restricted=a.is_restricted,
            uploaded_by=a.uploaded_by.name,
            uploaded_at=a.uploaded_at,
            copy_given_on=a.copy_given_on,
            duplicate_of=(
                f"{attachment_ops.subject_label(earlier[a.id])}, attached {format_date(earlier[a.id].uploaded_at)}"
                if a.id in earlier
                else None
            ),
        )
        for a in found
    ]
    if may_attach and form is None and not form_on_demand:
        form = new_attach_form(plan)
    return dict(
        upload_context(),
        rows=rows,
        # A line manager is told restricted files exist (they may have attached one); staff never are.
        hidden=len(every) - len(found) if may_attach and not sees_restricted else 0,
        may_attach=may_attach,
        sees_restricted=sees_restricted,
        form=form if may_attach else None,
        # Each listed file's "copy given" form (none to build when no file is listed).
        copy_form=copy_form or (CopyGivenForm(formdata=None) if may_attach and rows else None),
        editing=editing,
        saved=saved,
        saved_message=saved_message,
        section_error=section_error,
        conflict=conflict,
    )


def new_attach_form(plan: Plan) -> AttachForm:
    """An empty upload form, offering everything on the plan a file may be attached to."""
    return attach_form(attachment_ops.subjects(plan), formdata=None)


def upload_context() -> dict[str, Any]:
    """What the upload form says of the size limit."""
    limit = int(current_app.config["ATTACHMENT_MAX_BYTES"])
    return dict(max_bytes=limit, hint=HINT.format(limit=format_size(limit)))
