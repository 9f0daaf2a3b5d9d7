"""The weekly review loop: reviews, observation outcomes, action status, pause and resume."""

from flask import Blueprint

bp = Blueprint("reviews", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
