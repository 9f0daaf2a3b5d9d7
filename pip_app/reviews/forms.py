"""The weekly review form (one block per action and per active control), observation outcomes,
action status, review acknowledgement, pause and resume."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..forms import (
    PERCENT_MESSAGE,
    BoundedDateField,
    ChoiceField,
    HiddenIdField,
    NumberField,
    PrefixedForm,
    VersionedForm,
    enum_options,
    text_field,
)
from ..models import ActionStatus, ControlDecisionKind, ObservationStatus, Outcome, Progress, ReviewDecision

NOTE = 2000


class ReviewForm(VersionedForm):
    prefix_name = "review"
    submission_token = HiddenField()
    corrects_review_id = HiddenIdField()
    review_date = BoundedDateField("Review date", validators=[InputRequired("Enter the date of the review.")])
    summary = text_field("Overall summary", max_length=NOTE, required="Write a short overall summary of the week.")
    decision = RadioField(
        "Decision",
        choices=enum_options(ReviewDecision),
        default=ReviewDecision.CONTINUE.value,
        validators=[InputRequired("Choose the decision.")],
    )
    extend_to = BoundedDateField("Extend to", validators=[Optional()])
    extend_reason = text_field("Reason for extending", max_length=1000)
    escalation_reason = text_field(
        "Why escalate",
        max_length=4000,
        description="The registered managers see this and decide what happens next.",
    )
    next_review_date = BoundedDateField("Next review", validators=[InputRequired("Enter the date of the next review.")])

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then: an extension needs its new end date and a reason, an escalation its reason."""
        valid = super().validate(extra_validators)
        needed = {
            ReviewDecision.EXTEND.value: (
                (self.extend_to, "Choose the new end date."),
                (self.extend_reason, "Say why the plan is being extended."),
            ),
            ReviewDecision.ESCALATE.value: ((self.escalation_reason, "Say why you are escalating."),),
        }
        if self.decision.data in needed:
            for field, message in needed[self.decision.data]:
                if not field.data and not field.errors:
                    field.errors = list(field.errors) + [message]
                    valid = False
        return valid

    def validate_next_review_date(self, field):
        if self.review_date.data and field.data and field.data <= self.review_date.data:
            raise ValidationError("The next review must be after this one.")

    def action_fields(self, action):
        """The progress, measured value and note fields for one action."""
        return self[f"progress_{action.id}"], self._fields.get(f"value_{action.id}"), self[f"note_{action.id}"]

    def control_fields(self, control):
        """The decision and rationale fields for one control."""
        return self[f"control_{control.id}"], self[f"rationale_{control.id}"]


def review_form_class(actions, controls, may_lift: bool) -> type[ReviewForm]:
    """A ReviewForm with a block of fields for each action under review and each active control."""

    class PlanReviewForm(ReviewForm):
        pass

    for action in actions:
        setattr(
            PlanReviewForm,
            f"progress_{action.id}",
            RadioField(
                f"{action.ref} progress",
                choices=enum_options(Progress),
                validators=[InputRequired(f"Choose on track, at risk or not met for {action.ref}.")],
            ),
        )
        if action.has_measure:
            label = f"{action.measure_name} this week" + (f" ({action.measure_unit})" if action.measure_unit else "")
            percent = action.measure_unit == "%"
            setattr(
                PlanReviewForm,
                f"value_{action.id}",
                NumberField(label, validators=[Optional()], low=0, high=100, message=PERCENT_MESSAGE)
                if percent
                else NumberField(label, validators=[Optional()]),
            )
        setattr(
            PlanReviewForm,
            f"note_{action.id}",
            TextAreaField(
                f"{action.ref} note",
                validators=[Length(max=NOTE, message=f"Keep this to {NOTE:,} characters or fewer.")],
            ),
        )
    choices = (
        enum_options(ControlDecisionKind)
        if may_lift
        else [SelectChoice(ControlDecisionKind.KEEP.value, ControlDecisionKind.KEEP.label)]
    )
    for control in controls:
        setattr(
            PlanReviewForm,
            f"control_{control.id}",
            RadioField(
                control.kind.label,
                choices=choices,
                default=ControlDecisionKind.KEEP.value,
                validators=[InputRequired("Choose keep or lift.")],
            ),
        )
        setattr(
            PlanReviewForm,
            f"rationale_{control.id}",
            TextAreaField("Rationale for lifting", validators=[Length(max=1000)]),
        )
    return PlanReviewForm


class ObservationOutcomeForm(VersionedForm):
    prefix_name = "outcome"
    status = RadioField(
        "What happened",
        choices=enum_options(ObservationStatus, leave_out={ObservationStatus.PLANNED}),
        validators=[InputRequired("Choose done, missed or cancelled.")],
    )
    outcome = RadioField("Outcome", choices=enum_options(Outcome), validators=[Optional()])
    notes = text_field("Notes (the reason, if cancelled)", max_length=NOTE)

    def validate_outcome(self, field):
        if self.status.data == ObservationStatus.DONE.value and not field.data:
            raise ValidationError("Choose the outcome: met, partly met or not met.")

    def validate_notes(self, field):
        if self.status.data == ObservationStatus.CANCELLED.value and not field.data:
            raise ValidationError("Give the reason for cancelling.")


class ActionStatusForm(VersionedForm):
    prefix_name = "status"
    status = ChoiceField("New status", choices=enum_options(ActionStatus, leave_out={ActionStatus.OPEN}))
    evidence = text_field("Evidence", max_length=NOTE, required="Give the evidence (or, for not met, the reason).")
    on = BoundedDateField("Date", validators=[InputRequired("Enter the date.")])


class CancelRemainingForm(PrefixedForm):
    """Cancel every observed shift still planned, with one reason. `back` says where it was sent
    from ("close": the closure page's gate), so a plain form returns there."""

    prefix_name = "cancel-remaining"
    reason = text_field(
        "Reason for cancelling them", max_length=NOTE, required="Give the reason for cancelling the observations."
    )
    back = HiddenField()


class PauseForm(VersionedForm):
    prefix_name = "pause"
    reason = text_field("Reason for pausing", max_length=1000, required="Give the reason for pausing the plan.")


class ResumeForm(VersionedForm):
    prefix_name = "resume"
    planned_end_date = BoundedDateField("New planned end date (optional)", validators=[Optional()])
