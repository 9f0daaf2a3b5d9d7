"""Meetings: the supervision, review and formal meetings on a plan — who attended, the companion,
the notice and evidence given beforehand, the minutes, when they were shared and the staff
member's answer to them."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
