"""Plans: the list, the plan page, authoring (risk, controls, actions, observations), issue, amend."""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")

from . import builder, views  # noqa: E402,F401  (the routes register themselves on bp)
