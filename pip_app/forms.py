"""The form building blocks every feature shares: labelled enum options, stripped text areas,
selects and tick-boxes that refuse in the app's words, prefixed forms and the row version a stale
save is refused by (see `screens.is_stale`)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .models import AckResponse

LONG_TEXT = 4000
SHORT_TEXT = 200


class MultiCheckboxField(SelectMultipleField):
    """Tick-boxes for a multiple choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def enum_options(enum_cls, *, leave_out=()) -> list[SelectChoice]:
    """A labelled enum's members as the options of a select or radio field, in declaration order."""
    return [SelectChoice(m.value, m.label) for m in enum_cls if m not in leave_out]


def text_field(label, max_length=LONG_TEXT, required=None, description=None):
    """A stripped text area, required (with this message) or not, and at most max_length long."""
    validators = [DataRequired(required)] if required else []
    validators.append(Length(max=max_length, message=f"Keep this to {max_length:,} characters or fewer."))
    return TextAreaField(
        label,
        validators=validators,
        description=description,
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


class ChoiceField(SelectField):
    """A select whose refusal of an unlisted value reads like the rest of the app."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("Choose one of the options in the list.") from None


class PrefixedForm(FlaskForm):
    """A form whose field names and ids carry a prefix, so several forms share a page safely."""

    prefix_name = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)


class VersionedForm(PrefixedForm):
    """Carries the row version the form was loaded from, so a stale save is refused, not applied."""

    row_version = HiddenField()


class RadioChoice(RadioField):
    """Radio buttons whose refusal of an unlisted value reads like the rest of the app."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("Choose one of the options.") from None


class AcknowledgementForm(PrefixedForm):
    """Agree, or disagree with a comment: the staff member's answer to a plan version, a weekly
    review or a closure. Each kind sets its prefix, the comment's length and why words are needed."""

    disagree_reason = "so your manager can discuss it with you."
    response = RadioChoice(
        "Your response",
        choices=enum_options(AckResponse),
        validators=[InputRequired("Choose agree, or disagree with a comment.")],
    )
    comment = text_field("Your comment (optional if you agree)", max_length=2000)

    def validate_comment(self, field):
        if self.response.data == AckResponse.DISAGREE.value and not field.data:
            raise ValidationError(f"Say what you disagree with, {self.disagree_reason}")


class PlanAcknowledgeForm(AcknowledgementForm):
    """A plan version: the version read is sent back, so a newer one is not acknowledged unseen."""

    prefix_name = "ack"
    version = HiddenField()


class ReviewAcknowledgeForm(AcknowledgementForm):
    """A weekly review (prefixed per review: several can wait on one page)."""

    prefix_name = "rack"
    response = RadioChoice(
        "Your response",
        choices=[SelectChoice("agree", "Agree"), SelectChoice("disagree", "Disagree, with comment")],
        validators=[InputRequired("Choose agree, or disagree with a comment.")],
    )


class ClosureAcknowledgeForm(AcknowledgementForm):
    """The closure: the comment is kept with the closure record HR holds."""

    prefix_name = "closure-ack"
    disagree_reason = "so that it is kept with the closure record."
    comment = text_field("Your comment (optional if you agree)", max_length=4000)
