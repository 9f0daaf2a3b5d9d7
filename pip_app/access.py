"""Load an object for the current user and apply the policy: 404 if absent or not theirs."""
from flask import abort, request
from flask_login import current_user

from . import policy
from .database import SAFE_METHODS
from .extensions import db
from .models import Plan


def plan_or_404(plan_id: int, allowed=policy.can_view_plan, *, options=()) -> Plan:
    """The plan if it exists and the current user passes `allowed`; a plan they may not
    see answers 404 rather than 403, so its existence does not leak.

    A request that may write locks the plan's row first (SELECT … FOR UPDATE OF plans on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), so two people saving on
    one plan at once are taken in turn and the second sees the first's change — its stale
    form is then refused with a 409 rather than overwriting anything."""
    lock = {"of": Plan} if request.method not in SAFE_METHODS else None
    plan = db.session.get(Plan, plan_id, options=list(options), with_for_update=lock)
    if plan is None or not policy.can_view_plan(current_user, plan):
        abort(404)
    if not allowed(current_user, plan):
        abort(403)
    return plan


def part_or_404(plan: Plan, model, part_id: int):
    """A control, action, observation or review of this (already checked) plan, or 404."""
    part = db.session.get(model, part_id)
    if part is None or part.plan_id != plan.id:
        abort(404)
    return part
