"""The appeal's forms: lodging (the staff member), recording (HR), the hearer, the hearing, the outcome."""

from __future__ import annotations

from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..forms import BoundedDateField, ChoiceField, PrefixedForm, VersionedForm, enum_options, text_field
from ..models import AppealOutcome
from ..services.appeals import GROUNDS_MAX, REASONS_MAX

LETTER_HINT = "The decision you are appealing against: the letter that told you of it."


class LodgeAppealForm(PrefixedForm):
    """The staff member's own appeal: which letter, and why."""

    prefix_name = "appeal"
    letter = SelectField("The decision", validate_choice=False, description=LETTER_HINT)
    grounds = text_field(
        "Your grounds for appeal",
        max_length=GROUNDS_MAX,
        required="Say why you are appealing: your grounds.",
        description="Why you think the decision is wrong or unfair: what was missed, or what was not taken into account.",
    )


class RecordAppealForm(PrefixedForm):
    """An appeal HR records for the staff member: when it was received, and why it is accepted if late."""

    prefix_name = "appeal-record"
    letter = SelectField("The decision appealed against", validate_choice=False)
    grounds = text_field(
        "The staff member's grounds", max_length=GROUNDS_MAX, required="Give the grounds of the appeal."
    )
    lodged_on = BoundedDateField("Received on", validators=[InputRequired("Enter the day the appeal was received.")])
    late_reason = text_field(
        "Why a late appeal is accepted",
        max_length=GROUNDS_MAX,
        description="Needed only when the appeal was received after the deadline shown for the letter.",
    )


class HearerForm(VersionedForm):
    """Who hears the appeal (the list offers only people not previously involved; the server checks again)."""

    prefix_name = "appeal-hearer"
    hearer = SelectField("Hearer", validate_choice=False)


class HearingForm(VersionedForm):
    """The appeal hearing: one of the plan's meetings of kind "appeal"."""

    prefix_name = "appeal-hearing"
    meeting = SelectField("Appeal hearing", validate_choice=False)
    unaccompanied = BooleanField("The staff member chose to attend the hearing unaccompanied")


class OutcomeForm(VersionedForm):
    """The hearer's decision: upheld, not upheld or varied, why, and when."""

    prefix_name = "appeal-outcome"
    outcome = ChoiceField(
        "Outcome",
        choices=[SelectChoice("", "Choose the outcome"), *enum_options(AppealOutcome)],
        validators=[InputRequired("Choose upheld, not upheld or varied.")],
    )
    reasons = text_field("Reasons", max_length=REASONS_MAX, required="Give the reasons for the outcome.")
    decided_on = BoundedDateField("Decided on", validators=[InputRequired("Enter the date of the decision.")])
