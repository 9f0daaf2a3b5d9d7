"""The dashboard for each role, and /healthz for monitoring."""

from flask import jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from .. import policy
from ..extensions import db
from ..services.dashboard import dashboard_for
from . import bp


@bp.get("/")
@login_required
def dashboard():
    """What needs this person today, by role."""
    return render_template(
        "main/dashboard.html", board=dashboard_for(current_user), may_create=policy.can_create_plans(current_user)
    )


@bp.get("/healthz")
def healthz():
    """200 with the database reachable; 503 when it is not."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # any failure to reach the database is the answer, not a crash
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
