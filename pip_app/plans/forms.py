"""Forms for authoring a plan: risk, controls, actions, observation schedule, issue, amend, acknowledge."""

from datetime import timedelta

from wtforms import BooleanField, IntegerField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..formatting import format_date
from ..forms import (
    SHORT_TEXT,
    BoundedDateField,
    ChoiceField,
    MultiCheckboxField,
    NumberField,
    PrefixedForm,
    VersionedForm,
    enum_options,
    text_field,
)
from ..lifecycle import WEEKDAYS
from ..models import ControlKind, EvidenceSource, KeyQuestion, PlanType, RiskArea, Shift
from ..params import LATEST_DATE, parse_id


class RiskForm(VersionedForm):
    # A new plan offers "Choose a staff member" first (value ""): nobody is picked by default.
    staff_id = ChoiceField("Staff member", coerce=parse_id, validators=[DataRequired("Choose the staff member.")])
    service_id = ChoiceField("Service", coerce=int, validators=[InputRequired("Choose the service.")])
    plan_type = ChoiceField(
        "Type of plan",
        choices=enum_options(PlanType),
        default=PlanType.PERFORMANCE.value,
        description="Probation: the plan runs during the staff member's probation period.",
    )
    risk_area = ChoiceField(
        "Risk area", choices=enum_options(RiskArea), validators=[InputRequired("Choose the risk area.")]
    )
    risk_statement = text_field(
        "Risk statement",
        required="Write the risk: what could go wrong, and for whom.",
        description="What could go wrong for people using the service, e.g. \u201cEarly signs of deterioration are recorded but not escalated, so residents may not get timely medical help.\u201d",
    )
    evidence_sources = MultiCheckboxField("What showed the risk", choices=enum_options(EvidenceSource))
    evidence_detail = text_field(
        "Evidence detail", description="Dates, incidents, audit results. Avoid naming people who use the service."
    )
    key_questions = MultiCheckboxField("CQC key questions affected", choices=enum_options(KeyQuestion))
    baseline_text = StringField(
        "Baseline",
        validators=[Optional(), Length(max=SHORT_TEXT)],
        description="Where practice is now, e.g. \u201cMAR audit 62%\u201d.",
    )
    baseline_figure = NumberField("Baseline figure (optional)", validators=[Optional()])
    start_date = BoundedDateField("Start date", validators=[InputRequired("Enter the start date.")])
    weeks = IntegerField(
        "Length in weeks",
        default=4,
        validators=[
            InputRequired("Enter the length in weeks."),
            NumberRange(min=1, max=26, message="A plan runs for 1 to 26 weeks."),
        ],
    )
    review_weekday = ChoiceField(
        "Weekly review day",
        coerce=int,
        choices=[SelectChoice(i, day) for i, day in enumerate(WEEKDAYS)],
        validators=[InputRequired("Choose the weekly review day.")],
    )

    def validate_start_date(self, field):
        """The plan's planned end (start + weeks) falls within the date window too."""
        weeks = self.weeks.data if isinstance(self.weeks.data, int) and 1 <= self.weeks.data <= 26 else 0
        if field.data and field.data <= LATEST_DATE and field.data + timedelta(weeks=weeks) > LATEST_DATE:
            raise ValidationError(f"Start the plan early enough for it to end by {format_date(LATEST_DATE)}.")


class NoControlForm(VersionedForm):
    prefix_name = "nocontrol"
    no_control_reason = text_field(
        "No interim control needed because",
        max_length=1000,
        required="Say why people are safe without an interim control.",
    )


class ControlForm(VersionedForm):
    prefix_name = "control"
    kind = ChoiceField(
        "Control",
        choices=enum_options(ControlKind),
        validators=[InputRequired("Choose the control.")],
        description="Restricted duties, or removal from regulated activity, also asks a registered manager for "
        "the regulatory decisions (the DBS referral test among them).",
    )
    detail = text_field(
        "Detail",
        max_length=2000,
        required="Describe how the control works on shift.",
        description="Who does what, when, e.g. \u201cThe senior on duty confirms every escalation decision before handover.\u201d",
    )
    responsible_id = ChoiceField(
        "Responsible senior", coerce=int, validators=[InputRequired("Choose who is responsible.")]
    )
    start_date = BoundedDateField("Start date", validators=[InputRequired("Enter the start date.")])
    review_by_date = BoundedDateField("Review by", validators=[InputRequired("Enter the review-by date.")])

    def validate_review_by_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError("The review-by date must be on or after the start date.")


class ActionForm(VersionedForm):
    prefix_name = "action"
    findings: list = []  # the measurability findings for what was typed; set by the builder's context
    behaviour = text_field(
        "What the person does differently", max_length=1000, required="Say what the person will do differently."
    )
    when = StringField(
        "When",
        validators=[DataRequired("Say when: every shift, daily, weekly or by a date."), Length(max=SHORT_TEXT)],
        description="e.g. every shift, daily, weekly, at every medication round, by 14 Dec 2026",
    )
    when_date = BoundedDateField("By date (optional)", validators=[Optional()])
    check_method = text_field("How it is checked", max_length=1000, required="Say how it will be checked.")
    success_criterion = text_field("What good looks like", max_length=1000, required="Say what good looks like.")
    measure_name = StringField(
        "Measure (optional)", validators=[Optional(), Length(max=120)], description="e.g. Sampled notes on time"
    )
    measure_unit = StringField("Unit", validators=[Optional(), Length(max=20)], description="e.g. %")
    measure_baseline = NumberField(
        "Baseline",
        validators=[Optional()],
        percent_unit="measure_unit",
        percent_message="A percentage baseline is between 0 and 100.",
    )
    measure_target = NumberField(
        "Target",
        validators=[Optional()],
        percent_unit="measure_unit",
        percent_message="A percentage target is between 0 and 100.",
    )
    measure_higher_is_better = BooleanField("Higher is better", default=True)
    measure_consecutive = IntegerField(
        "Consecutive checks that must meet the target",
        default=2,
        validators=[Optional(), NumberRange(min=1, max=12, message="Between 1 and 12.")],
    )
    owner_id = ChoiceField("Owner", coerce=int, validators=[Optional()])
    due_date = BoundedDateField("Due date", validators=[Optional()])

    def validate_measure_target(self, field):
        if self.measure_name.data and field.data is None:
            raise ValidationError("Give the target for this measure.")
        if field.data is not None and not self.measure_name.data:
            raise ValidationError("Name the measure this target belongs to.")


class ScheduleForm(PrefixedForm):
    prefix_name = "schedule"
    per_week = IntegerField(
        "Observed shifts a week",
        default=2,
        validators=[InputRequired("Enter how many a week."), NumberRange(min=1, max=7, message="Between 1 and 7.")],
    )
    weeks = IntegerField(
        "For how many weeks",
        default=4,
        validators=[InputRequired("Enter how many weeks."), NumberRange(min=1, max=26, message="Between 1 and 26.")],
    )
    observer_id = ChoiceField("Observer", coerce=int, validators=[InputRequired("Choose the observer.")])
    shift = ChoiceField("Shift", choices=enum_options(Shift), validators=[InputRequired("Choose the shift.")])


class ObservationForm(VersionedForm):
    prefix_name = "observation"
    scheduled_on = BoundedDateField("Date", validators=[InputRequired("Enter the date.")])
    shift = ChoiceField("Shift", choices=enum_options(Shift))
    observer_id = ChoiceField("Observer", coerce=int)
    focus = MultiCheckboxField("Focus", coerce=int)


class IssueForm(VersionedForm):
    prefix_name = "issue"
    override_reason = text_field("Reason to issue with actions that are not yet measurable", max_length=1000)


class AmendForm(VersionedForm):
    prefix_name = "amend"
    change_summary = text_field("What changed and why", max_length=1000, required="Say briefly what changed and why.")
    override_reason = text_field("Reason to issue with actions that are not yet measurable", max_length=1000)


class WithdrawActionForm(VersionedForm):
    """Withdraw one action from an issued plan while amending (prefixed per action: each has its own)."""

    prefix_name = "withdraw"
    reason = text_field("Why it is withdrawn", max_length=1000, required="Give the reason for withdrawing the action.")
