"""The form that drafts a letter: its kind, and what the manager chooses or writes for that kind."""

from __future__ import annotations

from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from ..forms import BoundedDateField, ChoiceField, PrefixedForm, text_field
from ..services.letters import TEXT_MAX


class DraftLetterForm(PrefixedForm):
    """Which letter, and its inputs: the formal meeting an invitation invites to; a warning's
    expiry and consequences; a hearing's outcome. The rest comes from the plan."""

    prefix_name = "letter"
    kind = ChoiceField(
        "Letter",
        choices=[SelectChoice("", "Choose the letter")],
        validators=[InputRequired("Choose the letter to draft.")],
    )
    # Any id is accepted here: the operation says why a meeting will not do (not formal, passed).
    meeting = SelectField(
        "Formal meeting (for an invitation)", validate_choice=False, validators=[Optional()], default=""
    )
    expires_on = BoundedDateField(
        "Expires on (for an improvement note or a final written warning)",
        validators=[Optional()],
        description="Leave blank for the usual period: 6 months for an improvement note, 12 months for a final written warning.",
    )
    consequences = text_field(
        "Consequences of not improving (for an improvement note or a final written warning)",
        max_length=TEXT_MAX,
        description="Leave blank for the standard wording for the letter.",
    )
    outcome_text = text_field("Outcome and reasons (for a capability hearing outcome)", max_length=TEXT_MAX)
