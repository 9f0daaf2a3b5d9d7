"""What the disagreements part shows this person, as results and booleans: the plan page's
acknowledgements panel includes it, and the disagreement routes answer with it."""

from __future__ import annotations

from typing import Any

from .. import policy
from ..access import current_person
from ..models import Plan
from ..services import disagreements as disagreement_ops


def disagreement_panel(plan: Plan, **overrides: Any) -> dict[str, Any]:
    """The plan's disagreements with their responses, and what this person may do with them (load the
    plan with services.disagreements.RESPONSE_READS: they then cost no statement of their own)."""
    me = current_person()
    panel = dict(
        rows=disagreement_ops.plan_disagreements(plan),
        manager_id=plan.manager_id,
        may_respond=policy.can_respond_to_disagreement(me, plan),
        is_staff=policy.can_acknowledge(me, plan),
        responding=None,
        form=None,
        saved=None,
        saved_message=None,
        conflict=None,
        section_error=None,
    )
    panel.update(overrides)
    return panel
