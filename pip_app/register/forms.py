"""Forms for the register and the plan page: record a control check, lift a control, continue it.

One control's forms carry its id in their prefix, so a page listing many controls has unique
field ids. Where the form was sent from (`origin`, and the register view in `next`) decides
what the answer is: the register row, the plan's controls panel, or the control's own page.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import url_for
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..clock import today
from ..forms import BoundedDateField, PrefixedForm, VersionedForm, text_field
from ..services.control_continuation import CONTINUE_MAX_WEEKS, REASON_MAX
from ..services.controls import NOTE_MAX, RATIONALE_MAX

ORIGINS = ("register", "plan", "control")
LIFT = "lift"
MONITOR = "monitor"


class _FromSomewhere:
    """Where the form was sent from, so the answer goes back there."""

    origin = HiddenField(default="control")
    next = HiddenField()

    @property
    def origin_value(self) -> str:
        return self.origin.data if self.origin.data in ORIGINS else "control"


class CheckForm(_FromSomewhere, PrefixedForm):
    checked_on = BoundedDateField("Date of the check", validators=[InputRequired("Enter the date of the check.")])
    note = text_field(
        "What was checked",
        max_length=NOTE_MAX,
        required="Say what was checked, e.g. “3 escalation decisions signed off”.",
        description="What you saw the control do, e.g. “3 escalation decisions signed off on the late shift”.",
    )


class LiftForm(_FromSomewhere, VersionedForm):
    outcome = RadioField(
        "What happens to the control",
        choices=[
            SelectChoice(LIFT, "Lift it: people are protected without it"),
            SelectChoice(MONITOR, "Carry it into ongoing monitoring"),
        ],
        default=LIFT,
        validators=[InputRequired("Choose whether to lift it or carry it into monitoring.")],
    )
    lifted_on = BoundedDateField("Date of the decision", validators=[InputRequired("Enter the date of the decision.")])
    rationale = text_field(
        "Rationale",
        max_length=RATIONALE_MAX,
        required="Give the rationale: what shows people are now protected without this control.",
        description="The evidence, e.g. “Two consecutive audits at 100%; observed shifts met.” "
        "If you carry it into monitoring, say what monitoring continues.",
    )

    @property
    def carry_into_monitoring(self) -> bool:
        return self.outcome.data == MONITOR


class ContinueForm(_FromSomewhere, VersionedForm):
    """Reviewed: the control continues until a later day, because … (issue 18)."""

    continued_until = BoundedDateField(
        "Continue until", validators=[InputRequired("Enter the date the control continues until.")]
    )
    reason = text_field(
        "Why it continues",
        max_length=REASON_MAX,
        required="Say why the control continues: what the review found.",
        description=f"What the review found, e.g. “MAR audit at 85%: not yet at target”. At most "
        f"{CONTINUE_MAX_WEEKS} weeks at a time; it is then reviewed again.",
    )


def continue_form(control, *, origin="control", next_url=None, formdata=None) -> ContinueForm:
    """A blank continuation form (four weeks from today suggested), or the one posted to it."""
    form = ContinueForm(formdata=formdata, prefix=f"continue-{control.id}")
    if formdata is None:
        form.continued_until.data = today() + timedelta(weeks=4)
        form.row_version.data = control.row_version
        form.origin.data, form.next.data = origin, next_url or ""
    return form


def check_form(control, *, origin="control", next_url=None, formdata=None) -> CheckForm:
    """A blank check form for a control (today's date), or the one posted to it."""
    form = CheckForm(formdata=formdata, prefix=f"check-{control.id}")
    if formdata is None:
        form.checked_on.data = today()
        form.origin.data, form.next.data = origin, next_url or ""
    return form


def lift_form(control, *, origin="control", next_url=None, formdata=None) -> LiftForm:
    """A blank lift form carrying the control's row version, or the one posted to it."""
    form = LiftForm(formdata=formdata, prefix=f"lift-{control.id}")
    if formdata is None:
        form.lifted_on.data = today()
        form.row_version.data = control.row_version
        form.origin.data, form.next.data = origin, next_url or ""
    return form


def safe_register_url(value: str | None) -> str:
    """The register address to return to: only the register itself, with its filters."""
    home = url_for("register.index")
    parts = urlsplit(value or "")
    if parts.scheme or parts.netloc or parts.path != home:
        return home
    return f"{home}?{parts.query}" if parts.query else home
