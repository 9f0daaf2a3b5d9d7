"""Load an object for the current user and apply the policy: 404 if absent or not theirs."""
from flask import abort
from flask_login import current_user

from . import policy
from .extensions import db
from .models import Plan


def plan_or_404(plan_id: int, allowed=policy.can_view_plan, *, options=()) -> Plan:
    """The plan if it exists and the current user passes `allowed`; a plan they may not
    see answers 404 rather than 403, so its existence does not leak."""
    plan = db.session.get(Plan, plan_id, options=list(options))
    if plan is None or not policy.can_view_plan(current_user, plan):
        abort(404)
    if not allowed(current_user, plan):
        abort(403)
    return plan
