"""The sign-in, second-step, password, two-factor and email-preference forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from ..credentials.password_policy import MAX_LENGTH, MIN_LENGTH

NEW_PASSWORD_HINT = (
    f"At least {MIN_LENGTH} characters. Three or four unrelated words work well; "
    "common passwords and your own name or email are refused."
)


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)])
    next = HiddenField()


class SecondFactorForm(FlaskForm):
    code = StringField(
        "Code",
        description="The 6-digit code from your authenticator app, or one of your recovery codes.",
        validators=[DataRequired("Enter the code from your authenticator app."), Length(max=40)],
    )


class EnrolmentForm(FlaskForm):
    code = StringField(
        "Code from the app",
        description="After adding the account, type the 6-digit code the app shows.",
        validators=[DataRequired("Enter the 6-digit code from your authenticator app."), Length(max=20)],
    )


class CurrentPasswordForm(FlaskForm):
    """Confirms a sensitive change (new recovery codes, turning two-factor sign-in off)."""

    current_password = PasswordField(
        "Your current password",
        validators=[DataRequired("Enter your current password."), Length(max=MAX_LENGTH)],
    )


def _new_password_fields():
    return (
        PasswordField(
            "New password",
            description=NEW_PASSWORD_HINT,
            validators=[DataRequired("Enter a new password."), Length(max=MAX_LENGTH)],
        ),
        PasswordField(
            "New password again",
            validators=[
                DataRequired("Type the new password again."),
                EqualTo("new_password", "The two new passwords do not match."),
            ],
        ),
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password."), Length(max=MAX_LENGTH)]
    )
    new_password, confirm_password = _new_password_fields()


class NewPasswordForm(FlaskForm):
    """Setting a password through a reset link."""

    new_password, confirm_password = _new_password_fields()


EACH_AS_IT_HAPPENS = "each"
DIGEST_ONLY = "digest"


class NotificationPreferenceForm(FlaskForm):
    """How often the person gets emails (acknowledgement requests always come as they happen)."""

    frequency = RadioField(
        "Emails about your work",
        choices=[
            SelectChoice(EACH_AS_IT_HAPPENS, "Each as it happens, plus a daily digest"),
            SelectChoice(DIGEST_ONLY, "A daily digest only"),
        ],
        description="Requests to acknowledge a plan, a review or a closure always come as they happen.",
        validators=[DataRequired("Choose how often you get emails.")],
    )
