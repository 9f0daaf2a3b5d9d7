"""Decisions that need a second person (issue 18): requests for approval (a draft before issue, a
hard closure) with their comment thread, and escalations waiting for a registered manager's
decision. They answer with the plan page's "decisions" part."""

from flask import Blueprint

bp = Blueprint("decisions", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
