"""Administration: users, services and roles, the audit trail and the email outbox (no plan content)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import outbox, views  # noqa: E402,F401  (the routes register themselves on bp)
