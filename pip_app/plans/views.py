"""The plans list and the plan page."""
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import policy
from ..access import plan_or_404
from ..extensions import db
from ..models import Plan

bp = Blueprint("plans", __name__, url_prefix="/plans")


@bp.get("/")
@login_required
def index():
    """Every plan the user may see."""
    if not policy.can_list_plans(current_user):
        abort(403)
    plans = db.session.scalars(
        select(Plan)
        .where(policy.visible_plans(current_user))
        .options(joinedload(Plan.staff), joinedload(Plan.service))
        .order_by(Plan.reference.desc())
    ).all()
    return render_template("plans/index.html", plans=plans)


@bp.get("/<int:plan_id>")
@login_required
def show(plan_id: int):
    """The plan page: header, risk, controls, actions, observations, reviews, history."""
    plan = plan_or_404(plan_id)
    return render_template("plans/show.html", plan=plan)
