"""Forms for the administrator's changes to someone's account; each needs an explicit tick."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from ..forms import enum_options
from ..models import ApproverRole, Role

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
