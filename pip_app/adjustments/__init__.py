"""Reasonable adjustments and occupational-health referrals: restricted detail, seen by the staff
member, the service's registered managers and HR only (404 for anyone else), every view of the
panel audited."""

from flask import Blueprint

bp = Blueprint("adjustments", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
