"""Throttling of credential checks (Flask-Limiter): only failed attempts count, per account and
per client address; a breach is a 429 with the friendly error page and one audit event.

A view marks a failed attempt with `note_failure()`; the limits below count a request only
when it did, so people who type their password right are never slowed down. Limits come from
the config (LOGIN_ACCOUNT_LIMIT and friends), so a test can lower them.
"""

from __future__ import annotations

from flask import current_app, g, request, session
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from ..extensions import limiter
from ..requests import keep_on_record
from ..services import audit
from .session import PENDING_KEY

WAIT_MESSAGE = (
    "There have been too many unsuccessful attempts, so this has been paused to protect the "
    "account. Please wait {wait} and try again, or ask your system administrator for help."
)


def note_failure() -> None:
    """Count this request against the limits of its endpoint (a wrong password or code)."""
    g.credential_failed = True


def _failed(response) -> bool:
    return bool(g.get("credential_failed"))


def _submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def _pending_user_id() -> str:
    pending = session.get(PENDING_KEY) or {}
    return str(pending.get("user_id") or "")


def _signed_in_user_id() -> str:
    return str(current_user.id) if current_user.is_authenticated else ""


def _breached(request_limit: RequestLimit) -> None:
    """Audit the first breach of each window (not every refused request), then refuse."""
    item = request_limit.limit
    first_in_window = limiter.limiter.hit(type(item)(1, item.multiples), "throttled-audit", request_limit.key)
    if first_in_window:
        audit.record(
            None,
            "throttled",
            "user",
            None,
            changes={
                "endpoint": request.endpoint,
                "limit": str(item),
                "email": _submitted_email() or None,
                "address": get_remote_address(),
            },
        )
        keep_on_record()
    # The description is shown by errors.py on the 429 page.
    raise TooManyRequests(description=WAIT_MESSAGE.format(wait=_window(item)))


def _window(item) -> str:
    """ "15 minutes", "1 hour": the length of a limit's window, for people."""
    unit = item.GRANULARITY.name
    return f"{item.multiples} {unit}{'' if item.multiples == 1 else 's'}"


def _limit(config_key: str, key_func):
    return limiter.limit(
        lambda: current_app.config[config_key],
        key_func=key_func,
        methods=["POST"],
        deduct_when=_failed,
        on_breach=_breached,
    )


# Password step: failures per email typed, and per client address (many emails, one source).
limit_sign_in_per_account = _limit("LOGIN_ACCOUNT_LIMIT", _submitted_email)
limit_sign_in_per_address = _limit("LOGIN_ADDRESS_LIMIT", get_remote_address)
# Code step: wrong codes per account waiting for its second factor, and per address.
limit_second_factor = _limit("TWO_FACTOR_LIMIT", _pending_user_id)
limit_second_factor_per_address = _limit("LOGIN_ADDRESS_LIMIT", get_remote_address)
# Signed-in pages that ask for the current password (guessing it from a borrowed session).
limit_password_check = _limit("PASSWORD_CHECK_LIMIT", _signed_in_user_id)
