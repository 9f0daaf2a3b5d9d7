"""The plan page's header (status, people, dates, next review, flags), which every part of the
plan page refreshes beside itself: its template and the context it needs, for the parts that
live in their own packages (decisions, disagreements) and answer with a Screen of their own."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Text, cast, select

from . import policy
from .access import current_person
from .clock import today
from .extensions import db
from .flags import ACK_OUTSTANDING, Flag, FlagFact, flags_on, plan_flags
from .lifecycle import WEEKDAYS
from .models import Plan, PlanAttention, PlanStage
from .plan_reads import PlanReads, read_with_plan
from .services import stages
from .services.attention import ATTENTION, ack_days
from .services.reviews import load_flag_entries
from .stage_rules import next_stage

HEADER = "plans/_header.html"

# The plan's flag facts as kept (`services.attention`), in the plan's own SELECT, as JSON text (a
# row read with its joined collections is made unique, and a decoded list cannot be): None for a
# plan with nothing that will ever flag unless it changes (it has no row).
KEPT_FACTS_READS = PlanReads(
    columns={
        "kept_facts": select(cast(PlanAttention.facts, Text)).where(PlanAttention.plan_id == Plan.id).scalar_subquery()
    }
)


def flags_today(plan: Plan) -> list[Flag]:
    """The plan's flags today. From its facts as kept, where they were read with it
    (`KEPT_FACTS_READS`) and this transaction has not changed it; otherwise worked out from its
    rows (an answer to a change is made before the commit keeps the new facts), as the kept ones
    are: the suite checks after every test that they are the same. The kept facts spare the plan
    page working out every flag's facts and reading the entries of a review it does not show."""
    columns, days = read_with_plan(plan), ack_days()
    if "kept_facts" in columns and plan.id not in ATTENTION.changed_plans(db.session()):
        kept = [FlagFact.from_json(fact) for fact in json.loads(columns["kept_facts"] or "[]")]
        # Kept with another ACK_OUTSTANDING_DAYS (changed, and `flask refresh-attention` not yet
        # run): what is outstanding is worked out with the days now set.
        if all(fact.number == days for fact in kept if fact.code == ACK_OUTSTANDING):
            return flags_on(kept, today())
    load_flag_entries([plan])  # the last two reviews' entries in one statement, not one a review
    return plan_flags(plan, today(), days)


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
        flags=flags_today(plan),
        weekday=WEEKDAYS[plan.review_weekday],
        may_edit=policy.can_edit_plan(current_person(), plan),
        stage_prompt=stage_prompt(plan),
    )


def header_beside(part: str, changed: bool) -> Sequence[str]:
    """A Screen's out-of-band refresh for a plan-page part: the header, always."""
    return [HEADER]
