"""The support form."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import SHORT_TEXT, BoundedDateField, ChoiceField, VersionedForm, enum_options, text_field
from ..models import SupportKind


class SupportForm(VersionedForm):
    """One piece of support: what, by whom, from when, delivered when."""

    prefix_name = "support"
    kind = ChoiceField(
        "Kind of support",
        choices=enum_options(SupportKind),
        validators=[InputRequired("Choose the kind of support.")],
    )
    description = text_field(
        "What it is",
        max_length=2000,
        required="Say what the support is, e.g. “Two shadowed medication rounds with the deputy manager”.",
    )
    provided_by = StringField(
        "Who provides it",
        validators=[
            DataRequired("Say who provides it (a name, a role, or a training provider)."),
            Length(max=SHORT_TEXT, message=f"Keep this to {SHORT_TEXT} characters or fewer."),
        ],
        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
    )
    starts_on = BoundedDateField("From", validators=[InputRequired("Enter the date the support starts.")])
    delivered_on = BoundedDateField(
        "Delivered on (optional)",
        validators=[Optional()],
        description="Leave empty until it has been delivered.",
    )
    note = text_field("Note (optional)", max_length=2000)
