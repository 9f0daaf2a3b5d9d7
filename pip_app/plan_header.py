"""The plan page's header (status, people, dates, next review, flags), which every part of the
plan page refreshes beside itself: its template and the context it needs, for the parts that
live in their own packages (decisions, disagreements) and answer with a Screen of their own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app

from . import policy
from .access import current_person
from .clock import today
from .flags import plan_flags
from .lifecycle import WEEKDAYS
from .models import Plan, PlanStage
from .services import stages
from .stage_rules import next_stage

HEADER = "plans/_header.html"


@dataclass(frozen=True)
class StagePrompt:
    """A registered manager decided to move to the formal procedure; no move is proposed yet."""

    decided_by: str
    decided_on: date | None
    stage: PlanStage


def stage_prompt(plan: Plan) -> StagePrompt | None:
    """The header's prompt to propose the stage move, for those who may propose it (the plan's
    manager, the service's registered managers), until one is proposed."""
    if not policy.can_propose_stage(current_person(), plan):
        return None
    escalation = stages.formal_move_awaited(plan)
    upcoming = next_stage(plan.stage.value)
    if escalation is None or upcoming is None:
        return None
    by = escalation.decided_by.name if escalation.decided_by else "A registered manager"
    return StagePrompt(by, escalation.decided_on, PlanStage(upcoming))


def header_context(plan: Plan) -> dict[str, Any]:
    """What `plans/_header.html` reads besides the plan."""
    return dict(
        flags=plan_flags(plan, today(), current_app.config["ACK_OUTSTANDING_DAYS"]),
        weekday=WEEKDAYS[plan.review_weekday],
        may_edit=policy.can_edit_plan(current_person(), plan),
        stage_prompt=stage_prompt(plan),
    )


def header_beside(part: str, changed: bool) -> Sequence[str]:
    """A Screen's out-of-band refresh for a plan-page part: the header, always."""
    return [HEADER]
