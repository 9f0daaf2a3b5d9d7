"""Sign in (password, then a code for people with two-factor sign-in), sign out, and setting a
password through an administrator's reset link."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..access import current_person
from ..credentials.passwords import verify_password
from ..extensions import db
from ..requests import keep_on_record
from ..services import audit, two_factor
from ..services.users import UserError, find_by_email, find_reset_link, reset_password_with_link
from . import bp, throttle
from .forms import LoginForm, NewPasswordForm, SecondFactorForm
from .session import (
    clear_pending_sign_in,
    end_session,
    pending_sign_in,
    start_pending_sign_in,
    start_session,
)

BAD_CREDENTIALS = "Email address or password not recognised, or the account is not active."
BAD_CODE = "That code was not recognised. Type the newest code from your app, or an unused recovery code."
SIGN_IN_EXPIRED = "Your sign-in took too long, so it was stopped. Please sign in again."
NO_STORE = {"Cache-Control": "no-store"}


def safe_next(target: str | None) -> str | None:
    """A same-site relative path to return to after sign-in, or None for anything else."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target


def _after_sign_in(user, next_url: str | None):
    """Where a fully signed-in person goes: enrolment first if their role requires it."""
    if two_factor.needs_enrolment(user):
        return redirect(url_for("auth.two_factor"), code=303)
    return redirect(next_url or url_for("main.dashboard"), code=303)


@bp.route("/login", methods=["GET", "POST"])
@throttle.limit_sign_in_per_address
@throttle.limit_sign_in_per_account
def login():
    """Check the password; sign in, or ask for the code when the person has two-factor sign-in."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "GET":
        return render_template("auth/login.html", form=form)
    if not form.validate():
        return render_template("auth/login.html", form=form), 422
    email = form.email.data.strip().lower()
    user = find_by_email(email)
    if not verify_password(user.password_hash if user else None, form.password.data) or not user.active:
        throttle.note_failure()
        audit.record(None, "sign_in_failed", "user", user.id if user else None, changes={"email": email})
        keep_on_record()
        form.password.data = ""
        return render_template("auth/login.html", form=form, error=BAD_CREDENTIALS), 401
    next_url = safe_next(form.next.data)
    if user.two_factor_enabled:
        start_pending_sign_in(user, next_url)
        return redirect(url_for("auth.second_factor"), code=303)
    start_session(user)
    audit.record(user, "signed_in", "user", user.id)
    return _after_sign_in(user, next_url)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@throttle.limit_second_factor_per_address
@throttle.limit_second_factor
def second_factor():
    """The second step: a code from the app or a recovery code; only then is the person signed in."""
    user, next_url = pending_sign_in()
    if user is None:
        clear_pending_sign_in()
        flash(SIGN_IN_EXPIRED, "info")
        return redirect(url_for("auth.login"), code=303)
    form = SecondFactorForm()
    if request.method == "GET":
        return render_template("auth/second_factor.html", form=form)
    if not form.validate():
        return render_template("auth/second_factor.html", form=form), 422
    method = two_factor.check_second_factor(user, form.code.data)
    if method is None:
        throttle.note_failure()
        audit.record(None, "sign_in_failed", "user", user.id, changes={"stage": "two_factor"})
        keep_on_record()
        form.code.data = ""
        return render_template("auth/second_factor.html", form=form, error=BAD_CODE), 401
    start_session(user)
    audit.record(user, "signed_in", "user", user.id, changes={"two_factor": method})
    left = two_factor.recovery_codes_left(user) if method == "recovery_code" else None
    if left is not None:
        flash(
            f"You signed in with a recovery code; it cannot be used again. You have {left} left. "
            "If your phone is lost, set up two-factor sign-in again from your account page.",
            "info",
        )
    return _after_sign_in(user, next_url)


@bp.post("/logout")
@login_required
def logout():
    """Sign out: rotate the session token so any copy of this session cookie stops working."""
    user = current_person()
    user.rotate_session_token()
    audit.record(user, "signed_out", "user", user.id)
    end_session()
    flash("You have signed out.", "info")
    response = redirect(url_for("auth.login"), code=303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password through a single-use link an administrator created."""
    reset = find_reset_link(token)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 404, NO_STORE
    form = NewPasswordForm()
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("auth/reset_password.html", form=form, person=reset.user), status, NO_STORE
    try:
        reset_password_with_link(reset, form.new_password.data)
    except UserError as error:
        db.session.rollback()
        form.new_password.errors.append(str(error))
        return render_template("auth/reset_password.html", form=form, person=reset.user), 422, NO_STORE
    end_session()
    flash("Your new password is set. Sign in with it now.", "success")
    return redirect(url_for("auth.login"), code=303)
