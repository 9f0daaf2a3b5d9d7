"""The plan page's header (status, people, dates, next review, flags), which every part of the
plan page refreshes beside itself: its template and the context it needs, for the parts that
live in their own packages (decisions, disagreements) and answer with a Screen of their own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app
from flask_login import current_user

from . import policy
from .clock import today
from .flags import plan_flags
from .lifecycle import WEEKDAYS
from .models import Plan

HEADER = "plans/_header.html"


def header_context(plan: Plan) -> dict[str, Any]:
    """What `plans/_header.html` reads besides the plan."""
    return dict(
        flags=plan_flags(plan, today(), current_app.config["ACK_OUTSTANDING_DAYS"]),
        weekday=WEEKDAYS[plan.review_weekday],
        may_edit=policy.can_edit_plan(current_user, plan),
    )


def header_beside(part: str, changed: bool) -> Sequence[str]:
    """A Screen's out-of-band refresh for a plan-page part: the header, always."""
    return [HEADER]
