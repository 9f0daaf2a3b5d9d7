"""Flask-Login wiring: the session token check, idle and absolute timeouts, htmx-aware redirects."""
import secrets
from datetime import datetime, timezone

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user

from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from ..htmx import is_htmx


def init_login(app: Flask) -> None:
    """Attach Flask-Login with our loader, login view and timeout checks."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(enforce_absolute_timeout)


@login_manager.user_loader
def load_user(stored_id: str):
    """Load the user named by "id:token", only while the token still matches and they are active."""
    from ..models import User

    user_id, _, token = stored_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id), options=[joinedload(User.services)])
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
    now = datetime.now(timezone.utc).timestamp()
    if started is None or now - started > limit:
        logout_user()
        session.clear()
        return unauthorised()
    return None
