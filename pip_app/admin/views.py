"""Users and services, for the system administrator."""
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..extensions import db
from ..models import Service, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    """Every admin page is for administrators only."""
    if not policy.can_administer(current_user):
        abort(403)


@bp.get("/users")
def users():
    """Everyone with an account, their role, services and line manager."""
    people = db.session.scalars(
        select(User).options(selectinload(User.services), joinedload(User.line_manager)).order_by(User.name)
    ).all()
    services = db.session.scalars(select(Service).order_by(Service.name)).all()
    return render_template("admin/users.html", people=people, services=services)
