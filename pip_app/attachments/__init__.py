"""Attachments: evidence files on a plan, its actions, reviews and observations — upload (the one
route that takes a file), download (streamed, audited), and "copy given to the staff member"."""

from flask import Blueprint

bp = Blueprint("attachments", __name__, url_prefix="/plans")

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
