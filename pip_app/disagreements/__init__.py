"""Disagreements answered (issue 18): the manager records the response to a staff member's
disagreement, and the staff member confirms they have read it."""

from flask import Blueprint

bp = Blueprint("disagreements", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
