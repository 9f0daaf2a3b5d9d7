"""Contributing factors: what may be getting in the way of the staff member's practice, answered
before the plan is issued (the issue gate asks for it)."""

from flask import Blueprint

bp = Blueprint("factors", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
