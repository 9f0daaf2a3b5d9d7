"""The forms of approvals and escalations."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from ..forms import BoundedDateField, ChoiceField, PrefixedForm, VersionedForm, enum_options, text_field
from ..models import EscalationDecision, PlanStage
from ..params import parse_id
from ..services.approvals import COMMENT_MAX
from ..services.escalations import TEXT_MAX
from ..services.stages import REASON_MAX


class CommentForm(VersionedForm):
    """A message in a request's thread."""

    prefix_name = "comment"
    body = text_field("Your comment", max_length=COMMENT_MAX, required="Write your comment.")


class ApprovalDecisionForm(VersionedForm):
    """Approve (comment optional) or return with comments (required: the operation says so)."""

    prefix_name = "approval"
    comment = text_field(
        "Comment with your decision",
        max_length=COMMENT_MAX,
        description="Needed to return it: say what has to change. Optional when you approve.",
    )


class EscalateForm(VersionedForm):
    """Escalate a plan to the registered managers."""

    prefix_name = "escalate"
    reason = text_field(
        "Why escalate",
        max_length=TEXT_MAX,
        required="Say why you are escalating.",
        description="For example: at risk or not met in two reviews running, or a new incident.",
    )


class EscalationDecisionForm(VersionedForm):
    """A registered manager's decision on an escalation."""

    prefix_name = "decide"
    decision = ChoiceField(
        "Decision",
        choices=[SelectChoice("", "Choose the decision"), *enum_options(EscalationDecision)],
        validators=[InputRequired("Choose the decision.")],
    )
    new_end_date = BoundedDateField(
        "New end date (to extend)", validators=[Optional()], description="Only when the decision is to extend."
    )
    rationale = text_field("Rationale", max_length=TEXT_MAX, required="Give the rationale for the decision.")
    decided_on = BoundedDateField("Decided on", validators=[InputRequired("Enter the date of the decision.")])

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then: an extension needs its new end date."""
        valid = super().validate(extra_validators)
        if self.decision.data == EscalationDecision.EXTEND.value and not self.new_end_date.data:
            if not self.new_end_date.errors:
                self.new_end_date.errors = [*self.new_end_date.errors, "Choose the new end date."]
            valid = False
        return valid


class StageForm(PrefixedForm):
    """Propose moving the plan to its next stage, after a formal meeting (issue 20). The meeting
    is checked by the operation, which says why one does not do (none, too little notice)."""

    prefix_name = "stage"
    stage = ChoiceField(
        "Move to",
        choices=enum_options(PlanStage, leave_out=(PlanStage.INFORMAL,)),
        validators=[InputRequired("Choose the stage.")],
    )
    meeting_id = ChoiceField(
        "The formal meeting it follows", coerce=parse_id, validate_choice=False, validators=[Optional()]
    )
    reason = text_field(
        "Why the plan moves to this stage",
        max_length=REASON_MAX,
        required="Say why the plan moves to a formal stage.",
        description="What the informal stage showed, and what the formal meeting found.",
    )
