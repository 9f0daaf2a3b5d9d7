"""Flask-Login wiring: the session token check, idle and absolute timeouts, htmx-aware
redirects, the half-signed-in state between password and code, and the enrolment guard."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flask import Flask, Request, current_app, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, TimestampSigner

from ..extensions import db, login_manager
from ..htmx import is_htmx

if TYPE_CHECKING:
    from ..models import User


def init_login(app: Flask) -> None:
    """Attach Flask-Login with our loader, login view and timeout checks."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.session_interface = RenewingSessions()
    app.before_request(enforce_absolute_timeout)
    app.before_request(require_two_factor_enrolment)


class SignedSession(SecureCookieSession):
    """A session that knows how old its cookie's signature is (None: no cookie came with it)."""

    cookie_age: timedelta | None = None


class RenewingSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but an unchanged session's cookie is signed again only once
    it is SESSION_RENEW_AFTER old, not on every response. The idle timeout
    (PERMANENT_SESSION_LIFETIME, counted from the signature's time) still restarts with activity,
    at most that much early. Signing and setting the cookie was 3 % of a plan page's CPU."""

    session_class = SignedSession

    def open_session(self, app: Flask, request: Request) -> SignedSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(
                cookie, max_age=int(app.permanent_session_lifetime.total_seconds()), return_timestamp=True
            )
        except BadSignature:  # tampered with, or older than the idle timeout
            return self.session_class()
        opened = self.session_class(data)
        signer = serializer.make_signer()
        assert isinstance(signer, TimestampSigner)  # a timed serializer's signer
        now = signer.get_timestamp()  # the clock the signature's age is checked by
        opened.cookie_age = timedelta(seconds=now - signed_at.timestamp())
        return opened

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        age = getattr(session, "cookie_age", None)
        return age is None or age >= app.config["SESSION_RENEW_AFTER"]


@login_manager.user_loader
def load_user(stored_id: str):
    """Load the user named by "id:token", only while the token still matches and they are active."""
    from ..models import User

    user_id, _, token = stored_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = User.get_with_service_ids(db.session, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


@login_manager.unauthorized_handler
def unauthorised():
    """Send the browser to the login page; an htmx request gets HX-Redirect rather than a 302."""
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if is_htmx():
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = url_for("auth.login")
        return response
    return redirect(target)


def enforce_absolute_timeout():
    """End a session that began longer ago than SESSION_ABSOLUTE_LIFETIME, however active."""
    if not current_user.is_authenticated:
        return None
    started = session.get("signed_in_at")
    limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    now = datetime.now(UTC).timestamp()
    if started is None or now - started > limit:
        logout_user()
        session.clear()
        return unauthorised()
    return None


PENDING_KEY = "pending_sign_in"  # the half-signed-in state between password and code

# Pages a person who must enrol in two-factor sign-in may still open before they have.
ENROLMENT_ALLOWED = {"auth.two_factor", "auth.logout", "main.healthz", "static"}


def require_two_factor_enrolment():
    """Someone whose role requires two-factor sign-in sees nothing else until they set it up."""
    from ..services.two_factor import needs_enrolment

    if not current_user.is_authenticated or request.endpoint in ENROLMENT_ALLOWED:
        return None
    if not needs_enrolment(current_user):
        return None
    target = url_for("auth.two_factor")
    if is_htmx():
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def now_timestamp() -> float:
    """Seconds since the epoch, as the session stores times."""
    return datetime.now(UTC).timestamp()


def start_session(user) -> None:
    """Sign in fully: a fresh session cookie and a new session token (which also ends the
    person's other sessions), permanent so the idle timeout applies."""
    session.clear()
    user.rotate_session_token()
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = now_timestamp()


def keep_session(user) -> None:
    """After this person's own change rotated their token (password, two-factor), keep this
    session signed in while every other one ends. The absolute timeout still counts from the
    original sign-in."""
    started = session.get("signed_in_at")
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = started or now_timestamp()


def end_session() -> None:
    """Sign out this browser (the caller rotates the token to end copies of the cookie)."""
    logout_user()
    session.clear()


def start_pending_sign_in(user, next_url: str | None) -> None:
    """Password accepted, code still needed: remember who and until when, but sign nobody in.
    The session token is kept so a password change or deactivation meanwhile cancels it."""
    session.clear()
    lifetime = current_app.config["TWO_FACTOR_PENDING_LIFETIME"].total_seconds()
    session[PENDING_KEY] = {
        "user_id": user.id,
        "token": user.session_token,
        "expires": now_timestamp() + lifetime,
        "next": next_url or "",
    }


def pending_sign_in() -> tuple[User, str | None] | tuple[None, None]:
    """(user, next) while a half-finished sign-in is still valid, else (None, None)."""
    from ..models import User

    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("expires", 0) < now_timestamp():
        return None, None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, str(pending.get("token"))):
        return None, None
    return user, pending.get("next") or None


def clear_pending_sign_in() -> None:
    """Forget a half-finished sign-in."""
    session.pop(PENDING_KEY, None)
