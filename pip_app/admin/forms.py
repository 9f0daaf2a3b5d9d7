"""Forms for the administrator's changes to someone's account; each needs an explicit tick."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..forms import ChoiceField, enum_options
from ..models import ApproverRole, Nation, ProfessionalRegister, Role
from ..services.users import REGISTRATION_NUMBER_MAX

CONFIRM = "Tick the box to confirm."


class ConfirmForm(FlaskForm):
    """A change that needs nothing but a deliberate confirmation."""

    confirm = BooleanField("I understand", validators=[DataRequired(CONFIRM)])


class RoleForm(FlaskForm):
    role = SelectField(
        "New role",
        choices=enum_options(Role),
        validators=[DataRequired("Choose a role.")],
    )
    confirm = BooleanField(
        "I understand their sessions end and they sign in again with the new role",
        validators=[DataRequired(CONFIRM)],
    )


class ApproverForm(FlaskForm):
    """Who approves a service's plans before issue and its hard closures."""

    approver_role = SelectField(
        "Approver", choices=enum_options(ApproverRole), validators=[DataRequired("Choose who approves.")]
    )


class RegistrationForm(FlaskForm):
    """Where a person works and the professional register they are on (issue 20): they decide which
    regulatory referrals a registered manager must consider if a plan fails."""

    nation = ChoiceField(
        "Nation they work in",
        choices=[SelectChoice("", "Choose the nation"), *enum_options(Nation)],
        validators=[DataRequired("Choose the nation they work in.")],
    )
    professional_register = ChoiceField(
        "Professional register",
        choices=[SelectChoice("", "Choose the register"), *enum_options(ProfessionalRegister)],
        validators=[DataRequired("Choose their register, or “None”.")],
    )
    registration_number = StringField(
        "Registration number",
        validators=[
            Length(max=REGISTRATION_NUMBER_MAX, message=f"Keep this to {REGISTRATION_NUMBER_MAX} characters or fewer.")
        ],
        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
        description="Their PIN or registration number; required unless the register is “None”.",
    )

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then: a register needs its number."""
        valid = super().validate(extra_validators)
        register = self.professional_register.data
        if register and register != ProfessionalRegister.NONE.value and not self.registration_number.data:
            self.registration_number.errors = [*self.registration_number.errors, "Enter their registration number."]
            valid = False
        return valid
