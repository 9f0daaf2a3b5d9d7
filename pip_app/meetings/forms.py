"""The meeting form and the staff member's answer to the minutes."""

from __future__ import annotations

from collections.abc import Sequence

from wtforms import StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..formatting import format_date
from ..forms import (
    SHORT_TEXT,
    AcknowledgementForm,
    BoundedDateField,
    ChoiceField,
    MultiCheckboxField,
    RadioChoice,
    VersionedForm,
    enum_options,
    text_field,
)
from ..models import CompanionKind, Meeting, MeetingKind, Review, User

MINUTES_TEXT = 10_000  # a long formal meeting's notes; 20,000 characters is a paste gone wrong
NOTES_TEXT = 2_000


def short_text(label: str, description: str | None = None) -> StringField:
    """A one-line answer of at most SHORT_TEXT characters, spaces tidied."""
    return StringField(
        label,
        validators=[Length(max=SHORT_TEXT, message=f"Keep this to {SHORT_TEXT} characters or fewer.")],
        description=description,
        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
    )


class MeetingForm(VersionedForm):
    """A meeting as recorded after it (or, without minutes yet, before it)."""

    prefix_name = "meeting"
    kind = RadioChoice(
        "Type of meeting",
        choices=enum_options(MeetingKind),
        default=MeetingKind.SUPERVISION.value,
        validators=[InputRequired("Choose the type of meeting.")],
    )
    held_on = BoundedDateField("Date", validators=[InputRequired("Enter the date of the meeting.")])
    starts_at = TimeField("Time (optional)", validators=[Optional()])
    place = short_text("Place (optional)", "For example “Manager's office, Larkfield House” or “Video call”.")
    attendee_ids = MultiCheckboxField("Who attended", coerce=int, validate_choice=False)
    other_attendees = text_field(
        "Other attendees (optional)",
        max_length=NOTES_TEXT,
        description="Anyone without an account here, one a line, with their role.",
    )
    note_taker = short_text("Note-taker (optional)")
    companion_kind = RadioChoice(
        "The staff member's companion",
        choices=enum_options(CompanionKind),
        default=CompanionKind.NONE.value,
        validators=[InputRequired("Say whether the staff member was accompanied.")],
        description="At a formal meeting or appeal hearing they may bring a colleague or a trade-union representative or official.",
    )
    companion_name = short_text("Companion's name")
    notice_given_on = BoundedDateField(
        "Told in writing beforehand on (optional)",
        validators=[Optional()],
        description="Leave empty if no written notice was given.",
    )
    evidence_copies = text_field(
        "Evidence copies given with the notice (optional)",
        max_length=NOTES_TEXT,
        description="Which audits, observation records or statements they were given copies of.",
    )
    discussion = text_field("What was discussed", max_length=MINUTES_TEXT)
    staff_account = text_field("The staff member's account, in their own words", max_length=MINUTES_TEXT)
    decisions = text_field("Decisions", max_length=MINUTES_TEXT)
    review_id = ChoiceField("The weekly review it was (optional)")
    minutes_shared_on = BoundedDateField(
        "Minutes shared with the staff member on (optional)",
        validators=[Optional()],
        description="They are late if not shared within 5 working days of the meeting.",
    )

    def validate_attendee_ids(self, field):
        known = {choice.value for choice in field.choices or []}
        if any(value not in known for value in field.data or []):
            raise ValidationError("Choose attendees from the list; name anyone else under “Other attendees”.")


def meeting_form(
    people: Sequence[User], reviews: Sequence[Review], meeting: Meeting | None = None, **kwargs: object
) -> MeetingForm:
    """The form offering this plan's people and reviews (filled from `meeting` when editing)."""
    if meeting is not None and kwargs.get("formdata", True) is None:
        kwargs["obj"] = meeting
    form = MeetingForm(**kwargs)
    form.attendee_ids.choices = [SelectChoice(p.id, p.name) for p in people]
    form.review_id.choices = [SelectChoice("", "Not a weekly review")] + [
        SelectChoice(str(r.id), f"Weekly review of {format_date(r.review_date)}") for r in reviews
    ]
    if meeting is not None and kwargs.get("formdata", True) is None:
        form.attendee_ids.data = [u.id for u in meeting.attendees]
        form.review_id.data = str(meeting.review_id or "")
        form.kind.data, form.companion_kind.data = meeting.kind.value, meeting.companion_kind.value
        form.companion_name.data = meeting.companion_name or ""
        form.row_version.data = str(meeting.row_version)
    return form


class MinutesAcknowledgeForm(AcknowledgementForm):
    """The staff member's answer to the minutes of one meeting."""

    prefix_name = "minutes"
    response = RadioChoice(
        "Your response to the minutes",
        choices=[
            SelectChoice("agree", "I agree they are accurate"),
            SelectChoice("disagree", "I disagree, with comment"),
        ],
        validators=[InputRequired("Choose agree, or disagree with a comment.")],
    )
