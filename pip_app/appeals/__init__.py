"""Appeals (issue 20, point 3): the staff member appeals against a formal outcome letter, or HR
records an appeal for them; a hearer not previously involved is chosen, the appeal hearing linked,
and the hearer records the outcome with reasons."""

from flask import Blueprint

bp = Blueprint("appeals", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
