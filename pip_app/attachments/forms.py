"""The upload form and the "copy given" form."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..file_types import ACCEPT_ATTRIBUTE, ACCEPTED
from ..forms import BoundedDateField, ChoiceField, PrefixedForm, RadioChoice, enum_options
from ..models import AttachmentVisibility
from ..services.attachments import DESCRIPTION_LIMIT, Subject


class AttachForm(PrefixedForm):
    """A file, what it is, what it belongs to, who may see it, and whether the staff member has a copy."""

    prefix_name = "attach"
    file = FileField(
        "File",
        validators=[FileRequired("Choose a file to attach.")],
        render_kw={"accept": ACCEPT_ATTRIBUTE},
    )
    description = StringField(
        "What is it?",
        validators=[
            DataRequired("Say what the file is, e.g. “MAR audit, week 3”."),
            Length(max=DESCRIPTION_LIMIT, message=f"Keep this to {DESCRIPTION_LIMIT} characters or fewer."),
        ],
        description="For example “MAR audit, week 3”, “Observation checklist, late shift 5 March”, “Fit note”.",
        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
    )
    attached_to = ChoiceField("Attach it to", validators=[InputRequired("Choose what the file belongs to.")])
    visibility = RadioChoice(
        "Who may see it",
        choices=enum_options(AttachmentVisibility),
        default=AttachmentVisibility.STAFF.value,
        validators=[InputRequired("Choose who may see the file.")],
        description="Restrict health details, fit notes, occupational health reports and witness statements.",
    )
    copy_given_on = BoundedDateField(
        "Copy given to the staff member on (optional)",
        validators=[Optional()],
        description="Leave empty if they have not been given a copy yet; you can record it later.",
    )


def attach_form(subjects: list[Subject], **kwargs: object) -> AttachForm:
    """The upload form offering this plan's objects (the plan, each action, review and observation)."""
    form = AttachForm(**kwargs)
    form.attached_to.choices = [SelectChoice(s.key, s.label) for s in subjects]
    if not form.attached_to.data:
        form.attached_to.data = "plan"
    return form


HINT = f"{ACCEPTED}; at most {{limit}} each. The type is checked from the file itself, not its name."


class CopyGivenForm(PrefixedForm):
    """The date the staff member was given a copy of a file."""

    prefix_name = "copy"
    given_on = BoundedDateField("Copy given on", validators=[InputRequired("Enter the date the copy was given.")])
