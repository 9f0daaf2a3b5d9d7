"""Evidence-based closure of a plan and the closure summary PDF."""

from flask import Blueprint

bp = Blueprint("closure", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
