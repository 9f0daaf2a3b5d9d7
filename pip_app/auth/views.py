"""Sign in and sign out."""
from urllib.parse import urlsplit

from datetime import datetime, timezone

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from ..extensions import db
from ..models import User
from ..services import audit
from .forms import LoginForm
from .passwords import verify_password

bp = Blueprint("auth", __name__)

BAD_CREDENTIALS = "Email address or password not recognised, or the account is not active."


def safe_next(target: str | None) -> str | None:
    """A same-site relative path to return to after sign-in, or None for anything else."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; on success start a fresh session and go to `next` or the dashboard."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "GET":
        return render_template("auth/login.html", form=form)
    if not form.validate():
        return render_template("auth/login.html", form=form), 422
    email = form.email.data.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if not verify_password(user.password_hash if user else None, form.password.data) or not user.active:
        audit.record(None, "sign_in_failed", "user", user.id if user else None, changes={"email": email})
        db.session.commit()
        form.password.data = ""
        return render_template("auth/login.html", form=form, error=BAD_CREDENTIALS), 401
    session.clear()
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = datetime.now(timezone.utc).timestamp()
    audit.record(user, "signed_in", "user", user.id)
    db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("main.dashboard"), code=303)


@bp.post("/logout")
@login_required
def logout():
    """Sign out: rotate the session token so any copy of this session cookie stops working."""
    user = db.session.get(User, current_user.id)
    user.rotate_session_token()
    audit.record(user, "signed_out", "user", user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    response = redirect(url_for("auth.login"), code=303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
