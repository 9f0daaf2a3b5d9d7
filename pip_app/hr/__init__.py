"""HR's view: closed plans and their closure summaries."""

from flask import Blueprint

bp = Blueprint("hr", __name__, url_prefix="/hr")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
