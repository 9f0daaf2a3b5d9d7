"""Sign-in, sign-out, the signed-in person's account pages and the session rules."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import account, views  # noqa: E402,F401  (the routes register themselves on bp)
