"""The adjustment, referral and extension forms."""

from __future__ import annotations

from wtforms import BooleanField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import (
    SHORT_TEXT,
    BoundedDateField,
    PrefixedForm,
    RadioChoice,
    VersionedForm,
    enum_options,
    text_field,
)
from ..models import AdjustmentDecision

DETAIL_TEXT = 4000


class AdjustmentForm(VersionedForm):
    """A request for an adjustment, and what became of it."""

    prefix_name = "adjustment"
    requested_on = BoundedDateField("Requested on", validators=[InputRequired("Enter the date it was asked for.")])
    requested_by = StringField(
        "Who asked",
        validators=[
            DataRequired("Say who asked (the staff member, their representative, occupational health …)."),
            Length(max=SHORT_TEXT, message=f"Keep this to {SHORT_TEXT} characters or fewer."),
        ],
        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
    )
    request = text_field(
        "What was asked for",
        max_length=DETAIL_TEXT,
        required="Say what was asked for, e.g. “Written handover notes on coloured paper”.",
        description="The need, never a diagnosis.",
    )
    decision = RadioChoice(
        "Decision",
        choices=enum_options(AdjustmentDecision),
        default=AdjustmentDecision.PENDING.value,
        validators=[InputRequired("Choose the decision, or “Not decided yet”.")],
    )
    decision_reason = text_field("Reason for the decision", max_length=DETAIL_TEXT)
    implemented_on = BoundedDateField("Implemented on (optional)", validators=[Optional()])
    review_on = BoundedDateField("Review date (optional)", validators=[Optional()])
    access_to_work = BooleanField("Access to Work suggested")


class ReferralForm(VersionedForm):
    """An occupational-health referral and its report."""

    prefix_name = "referral"
    referred_on = BoundedDateField("Referred on", validators=[InputRequired("Enter the date of the referral.")])
    questions = text_field(
        "Questions asked", max_length=DETAIL_TEXT, required="Say what occupational health was asked."
    )
    report_received_on = BoundedDateField("Report received on (optional)", validators=[Optional()])
    recommendations = text_field("Recommendations (optional)", max_length=DETAIL_TEXT)


class ExtensionForm(PrefixedForm):
    """Accept the proposed extension: the end date shown is sent back, so a changed one is not
    accepted unseen."""

    prefix_name = "extension"
    proposed_end = BoundedDateField(
        "Proposed end", validators=[InputRequired("The proposal is missing: reload the page.")]
    )


class DisclosureForm(VersionedForm):
    """The registered manager's choice of what the closure summary prints of the adjustments."""

    prefix_name = "disclosure"
    include = RadioChoice(
        "What the closure summary shows of the adjustments",
        choices=[
            SelectChoice("count", "Only the count and the date they were in place (the default)"),
            SelectChoice(
                "detail", "Include the adjustment detail: what each was, the decision and when it was in place"
            ),
        ],
        validators=[InputRequired("Choose what the closure summary shows.")],
    )
    reason = text_field(
        "Why",
        max_length=2000,
        required="Say why you chose this for the closure summary.",
        description="Everyone who may read the plan may download its closure summary, the line manager included. "
        "Occupational-health referrals are never printed.",
    )
