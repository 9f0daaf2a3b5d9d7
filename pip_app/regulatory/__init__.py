"""Regulatory decisions (issue 20): when a plan moves to a formal stage, closes "not achieved" or
because the staff member left, or has restricted duties or removal from regulated activity in
force, the registered manager's recorded decision on each referral that applies — the DBS, the
professional regulator, the nation's workforce regulator, the local authority's safeguarding team."""

from flask import Blueprint

bp = Blueprint("regulatory", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
