"""The interim-control register: every control in force, checks and lifting."""

from flask import Blueprint

bp = Blueprint("register", __name__)

from . import views  # noqa: E402,F401  (the routes register themselves on bp)
