"""The response to a disagreement: discussed on, with whom, the outcome, whether the plan changed."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..forms import BoundedDateField, PrefixedForm, RadioChoice, text_field
from ..services.disagreements import OUTCOME_MAX, WITH_MAX

YES, NO = "yes", "no"


class ResponseForm(PrefixedForm):
    """What the manager records once they have discussed the disagreement with the staff member."""

    prefix_name = "response"
    discussed_on = BoundedDateField(
        "Discussed on", validators=[InputRequired("Enter the day you discussed the disagreement.")]
    )
    discussed_with = text_field(
        "Who was there",
        max_length=WITH_MAX,
        required="Say who was there, e.g. “Sam Patel and me”.",
        description="The staff member and anyone else at the discussion (a companion, a registered manager).",
    )
    outcome = text_field(
        "Outcome",
        max_length=OUTCOME_MAX,
        required="Say what the outcome was: what you agreed or decided, and why.",
        description="What you agreed or decided, and why, in words the staff member will read.",
    )
    plan_changed = RadioChoice(
        "Did the plan change as a result?",
        choices=[SelectChoice(YES, "Yes: the plan was changed"), SelectChoice(NO, "No: the plan stays as it is")],
        validators=[InputRequired("Say whether the plan changed: yes or no.")],
    )

    @property
    def changed(self) -> bool | None:
        return {YES: True, NO: False}.get(self.plan_changed.data or "")
