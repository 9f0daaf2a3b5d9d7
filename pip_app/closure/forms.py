"""Forms for closing a plan (outcome, the four sections, a decision per active control, a reason
per action that is not assured) and for the staff member's closure acknowledgement."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from .. import policy
from ..adjustment_rules import TimeAfterAdjustments
from ..forms import RadioChoice, VersionedForm, enum_options, text_field
from ..models import ActionStatus, ClosureOutcome, ControlStatus, Plan
from ..services.closure import EXPLANATION_LIMIT, SECTION_LIMIT, ClosureSections
from ..services.closure_draft import PROMPT
from ..summaries import CLOSURE_SECTIONS


def _no_prompt(form, field):
    if field.data and PROMPT in field.data:
        raise ValidationError(f"Replace the “{PROMPT} …]” prompt with what actually happens.")


HEADINGS = dict(CLOSURE_SECTIONS)


def _section(label: str, required: str, description: str):
    field = text_field(label, max_length=SECTION_LIMIT, required=required, description=description)
    field.kwargs["validators"].append(_no_prompt)
    return field


class CloseForm(VersionedForm):
    """The fixed part of the closure form; close_form_for adds the per-control and per-action fields."""

    prefix_name = "close"
    outcome = RadioChoice(
        "Outcome", choices=enum_options(ClosureOutcome), validators=[InputRequired("Choose the outcome.")]
    )
    what_changed = _section(
        HEADINGS["what_changed"],
        "Say what changed in practice.",
        "What the person now does differently, action by action.",
    )
    how_measured = _section(
        HEADINGS["how_measured"],
        "Say how the change was measured.",
        "Audits, observed shifts and reviews: baseline against the final figures.",
    )
    risk_now_controlled = _section(
        HEADINGS["risk_now_controlled"],
        "Say how the risk is now controlled.",
        "How people using the service are kept safe now the interim controls are decided.",
    )
    ongoing_monitoring = _section(
        HEADINGS["ongoing_monitoring"],
        "Say what ongoing monitoring remains.",
        "What is checked from now on, by whom, how often and until when.",
    )

    # Set by close_form_for: [(control, decision field name, rationale field name)], [(action, field name)]
    control_fields: list = []
    reason_fields: list = []
    # Set by close_form_for where agreed adjustments were in place (then `reasonable_time` and
    # `reasonable_time_explanation` are fields of the form too).
    time_after: TimeAfterAdjustments | None = None

    def reasonable_time_answer(self) -> tuple[bool | None, str | None]:
        """The answer on a reasonable time after the adjustments (None, None when not asked)."""
        if self.time_after is None:
            return None, None
        chosen = self["reasonable_time"].data
        return (None if chosen not in ("yes", "no") else chosen == "yes"), self["reasonable_time_explanation"].data

    def section_values(self) -> ClosureSections:
        """The four sections as typed (each field is required, so each holds text)."""
        return ClosureSections(
            what_changed=self.what_changed.data,
            how_measured=self.how_measured.data,
            risk_now_controlled=self.risk_now_controlled.data,
            ongoing_monitoring=self.ongoing_monitoring.data,
        )


def close_form_for(plan: Plan, actor, time_after: TimeAfterAdjustments | None = None, **kwargs) -> CloseForm:
    """The closure form for this plan: a decision and rationale for each active control (lifting
    is offered only to someone who may lift it), a reason for each action not assured, and —
    where agreed adjustments were in place (`time_after`) — whether the staff member had a
    reasonable time to improve after them."""

    class PlanCloseForm(CloseForm):
        pass

    if time_after is not None:
        question = f"Did {plan.staff.name} have a reasonable time to improve after the adjustments were in place?"
        PlanCloseForm.reasonable_time = RadioChoice(
            question,
            choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
            validators=[InputRequired(f"Say whether {plan.staff.name} had a reasonable time after the adjustments.")],
        )
        PlanCloseForm.reasonable_time_explanation = text_field(
            "Why",
            max_length=EXPLANATION_LIMIT,
            required="Explain your answer on a reasonable time after the adjustments.",
            description="A short explanation, printed in the closure summary that everyone on the plan may read: "
            "dates and what happened, not health or adjustment detail.",
        )
        PlanCloseForm.time_after = time_after

    control_fields, reason_fields = [], []
    for control in plan.controls:
        if control.status is not ControlStatus.ACTIVE:
            continue
        choices = [SelectChoice("monitor", "Carry it into ongoing monitoring")]
        if policy.can_lift_control(actor, control):
            choices.insert(0, SelectChoice("lift", "Lift it: no longer needed"))
        decision, rationale = f"control_{control.id}_decision", f"control_{control.id}_rationale"
        setattr(
            PlanCloseForm,
            decision,
            RadioChoice(
                f"What happens to “{control.kind.label}”",
                choices=choices,
                validators=[InputRequired(f"Choose what happens to “{control.kind.label}”.")],
            ),
        )
        setattr(
            PlanCloseForm,
            rationale,
            text_field(
                "Rationale",
                max_length=2000,
                required=f"Give the rationale for the decision on “{control.kind.label}”.",
                description="Why it is safe to lift, or what the ongoing monitoring looks like and for how long.",
            ),
        )
        control_fields.append((control, decision, rationale))
    for action in plan.actions:
        if action.status is ActionStatus.ASSURED or action.is_withdrawn:
            continue
        name = f"reason_{action.id}"
        setattr(
            PlanCloseForm,
            name,
            text_field(
                f"Why {action.ref} closes without assurance",
                max_length=2000,
                required=f"Say why {action.ref} closes without assurance.",
                description=f"{action.ref} is {action.status.label.lower()}. E.g. completed; the measure did not reach "
                "its target and continues under ongoing monitoring.",
            ),
        )
        reason_fields.append((action, name))
    PlanCloseForm.control_fields = control_fields
    PlanCloseForm.reason_fields = reason_fields
    return PlanCloseForm(**kwargs)
