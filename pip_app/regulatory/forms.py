"""The form of one regulatory decision."""

from __future__ import annotations

from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from ..forms import BoundedDateField, ChoiceField, VersionedForm, enum_options, text_field
from ..models import RegulatoryAnswer
from ..services.regulatory import RATIONALE_MAX, REFERENCE_MAX


class RegulatoryDecisionForm(VersionedForm):
    """Referred, not referred or not applicable; why; when; the referral's reference."""

    prefix_name = "regulatory"
    answer = ChoiceField(
        "Decision",
        choices=[SelectChoice("", "Choose the decision"), *enum_options(RegulatoryAnswer)],
        validators=[InputRequired("Choose referred, not referred or not applicable.")],
    )
    rationale = text_field(
        "Rationale", max_length=RATIONALE_MAX, required="Give the reasons for the decision, whatever it is."
    )
    decided_on = BoundedDateField("Decided on", validators=[InputRequired("Enter the date of the decision.")])
    reference = StringField(
        "Reference number (optional)",
        validators=[Length(max=REFERENCE_MAX, message=f"Keep this to {REFERENCE_MAX} characters or fewer.")],
        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
        description="The regulator's or the local authority's reference, once you have one.",
    )
