"""The form building blocks every feature shares: labelled enum options, stripped text areas,
selects and tick-boxes that refuse in the app's words, prefixed forms and the row version a stale
save is refused by (see `screens.is_stale`), and the field types with sane domains:

- `BoundedDateField`: a date within params.EARLIEST_DATE … LATEST_DATE (1 Jan 2000 … 31 Dec 2100);
  relative rules (review-by after the start, the next review after this one, an extension after
  the current end) sit on the forms and operations that know both dates.
- `NumberField`: a finite decimal (NaN, sNaN and Infinity refused: Python's Decimal accepts them,
  and comparing a signalling NaN raises) within ±1,000,000, or 0–100 where its unit is "%".
- `HiddenIdField`: a hidden id or version number within the id columns' INTEGER range, None when absent or unusable.

Each refuses beside its field with the input kept (the form comes back with 422, see `screens`).
"""

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .models import AckResponse
from .params import EARLIEST_DATE, LATEST_DATE, in_window, parse_id, window_message

LONG_TEXT = 4000
SHORT_TEXT = 200
LARGEST_NUMBER = Decimal(1_000_000)  # beyond any count, percentage or score a plan measures
PERCENT_MESSAGE = "A percentage is between 0 and 100."
# A plain decimal in ASCII digits, optionally with an exponent: no NaN, Infinity or digit groups.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")


class BoundedDateField(DateField):
    """A date within 1 Jan 2000 … 31 Dec 2100, refused beside the field otherwise (a year 9999 date
    overflows the day after it; a year 1 plan is a typing slip). The date picker gets the same
    window as its min and max."""

    def __init__(self, label=None, validators=None, **kwargs):
        window = {"min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}
        kwargs["render_kw"] = window | (kwargs.get("render_kw") or {})
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        if self.data is not None and not in_window(self.data):
            raise ValidationError(window_message())


class NumberField(DecimalField):
    """A finite number within `low` … `high` (±1,000,000 unless given), refused with `message` (or
    one naming the bounds). With `percent_unit`, the name of the form's unit field, the bounds
    become 0–100 whenever that field says "%", refused with `percent_message`."""

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        low: Decimal | int = -LARGEST_NUMBER,
        high: Decimal | int = LARGEST_NUMBER,
        message: str | None = None,
        percent_unit: str | None = None,
        percent_message: str = PERCENT_MESSAGE,
        **kwargs,
    ):
        kwargs.setdefault("places", None)
        super().__init__(label, validators, **kwargs)
        self.low, self.high = Decimal(low), Decimal(high)
        self.message = message or f"Enter a number between {self.low:,} and {self.high:,}."
        self.percent_unit, self.percent_message = percent_unit, percent_message

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip() if isinstance(valuelist[0], str) else ""
        self.data = Decimal(text) if _NUMBER.fullmatch(text) else None
        if text and self.data is None:
            raise ValueError("Enter a number, like 62 or 62.5.")

    def pre_validate(self, form):
        if self.data is None:
            return
        if self.percent_unit and (form[self.percent_unit].data or "").strip() == "%":
            if not 0 <= self.data <= 100:
                raise ValidationError(self.percent_message)
        elif not self.low <= self.data <= self.high:
            raise ValidationError(self.message)


class HiddenIdField(HiddenField):
    """A hidden id or version number: an int within the id columns' INTEGER range, or None when absent or unusable (the
    view then treats it as not given, never as a crash)."""

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = parse_id(valuelist[0] if isinstance(valuelist[0], str) else None)


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
    version = HiddenIdField()


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
