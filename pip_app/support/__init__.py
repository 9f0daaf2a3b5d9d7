"""Support: what is offered to help the staff member meet the plan (coaching, shadowing,
training, a buddy, a rota change, equipment), by whom, from when, and when it was delivered."""

from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
