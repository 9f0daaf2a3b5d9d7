"""Formal letters (issue 20, point 2): the plan's letters — invitations, improvement notes, final
written warnings, hearing and appeal letters — drafted from the plan's data, sent as PDFs and
their receipt confirmed by the staff member."""

from flask import Blueprint

bp = Blueprint("letters", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
