"""The signed-in person's own account: password, two-factor sign-in, email preference, sign out everywhere."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_required

from ..access import current_person
from ..credentials import totp
from ..credentials.passwords import verify_password
from ..extensions import db
from ..requests import keep_on_record
from ..services import audit, notifications, two_factor
from ..services.two_factor import TwoFactorError
from ..services.users import UserError, WrongPassword, change_own_password, sign_out_everywhere
from . import bp, throttle
from .forms import (
    DIGEST_ONLY,
    EACH_AS_IT_HAPPENS,
    ChangePasswordForm,
    CurrentPasswordForm,
    EnrolmentForm,
    NotificationPreferenceForm,
)
from .session import end_session, keep_session

SETUP_KEY = "two_factor_setup"  # {"user_id", "secret"}: the setup key shown, not yet confirmed


def _password_confirmed(form: CurrentPasswordForm) -> bool:
    """Whether the current password typed is right; a wrong one is refused and counted."""
    if verify_password(current_person().password_hash, form.current_password.data):
        return True
    _refuse_wrong_password(form.current_password, "Your current password is not right.")
    return False


def _refuse_wrong_password(field, message: str) -> None:
    """A wrong current password: counts towards the throttle, audited, shown by the field."""
    throttle.note_failure()
    audit.record(
        current_person(), "password_check_failed", "user", current_person().id, changes={"page": request.endpoint}
    )
    keep_on_record()
    field.errors.append(message)


@bp.get("/account")
@login_required
def account():
    """Who I am, my sign-in settings, how often I get emails, and "sign out everywhere"."""
    return _account_page()


def _account_page(preference_form: NotificationPreferenceForm | None = None, status: int = 200):
    me = current_person()
    codes_left = two_factor.recovery_codes_left(me) if me.two_factor_enabled else None
    form = preference_form or NotificationPreferenceForm(
        prefix="email", frequency=DIGEST_ONLY if me.digest_only else EACH_AS_IT_HAPPENS
    )
    return render_template(
        "auth/account.html",
        me=me,
        codes_left=codes_left,
        two_factor_required=two_factor.required_for(me),
        preference_form=form,
        digest_hour=current_app.config["DIGEST_HOUR"],
    ), status


@bp.post("/account/notifications")
@login_required
def notification_preference():
    """Choose each email as it happens (plus the digest), or the daily digest only."""
    form = NotificationPreferenceForm(prefix="email")
    if not form.validate():
        return _account_page(form, 422)
    digest_only = form.frequency.data == DIGEST_ONLY
    if notifications.set_digest_only(current_person(), digest_only):
        flash(
            "Saved: you will get one email a day, the digest (and requests to acknowledge as they happen)."
            if digest_only
            else "Saved: you will get each email as it happens, plus the daily digest.",
            "success",
        )
    else:
        flash("Your email settings are unchanged.", "info")
    return redirect(url_for("auth.account", _anchor="email-h"), code=303)


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_all():
    """End every session of mine (other browsers, phones, this one) at once."""
    sign_out_everywhere(current_person())
    end_session()
    flash("You have been signed out everywhere, including here.", "info")
    response = redirect(url_for("auth.login"), code=303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@throttle.limit_password_check
def change_password():
    """Change my password: the current one, then the new one twice."""
    form = ChangePasswordForm()
    if request.method == "GET":
        return render_template("auth/change_password.html", form=form)
    if not form.validate():
        return render_template("auth/change_password.html", form=form), 422
    try:
        change_own_password(current_person(), form.current_password.data, form.new_password.data)
    except WrongPassword as error:
        db.session.rollback()
        _refuse_wrong_password(form.current_password, str(error))
        return render_template("auth/change_password.html", form=form), 422
    except UserError as error:
        db.session.rollback()
        form.new_password.errors.append(str(error))
        return render_template("auth/change_password.html", form=form), 422
    keep_session(current_person())
    flash("Your password has been changed. Any other sessions of yours have been signed out.", "success")
    return redirect(url_for("auth.account"), code=303)


@bp.route("/account/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@login_required
def two_factor_page():
    """Set up two-factor sign-in (QR code, then a code to prove it works), or see its status."""
    me = current_person()
    if me.two_factor_enabled:
        if request.method == "POST":
            flash("Two-factor sign-in is already set up.", "info")
            return redirect(url_for("auth.two_factor"), code=303)
        return _status_page()
    form = EnrolmentForm()
    secret = _pending_secret(me)
    if request.method == "POST" and form.validate():
        try:
            codes = two_factor.confirm_enrolment(me, secret, form.code.data)
        except TwoFactorError as error:
            form.code.errors.append(str(error))
        else:
            session.pop(SETUP_KEY, None)
            keep_session(me)
            return render_template("auth/recovery_codes.html", codes=codes, first_time=True)
    uri = totp.provisioning_uri(secret, me.email, current_app.config["TWO_FACTOR_ISSUER"])
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/two_factor_enrol.html",
        form=form,
        qr_svg=totp.qr_svg(uri),
        secret=totp.grouped(secret),
        required=two_factor.required_for(me),
    ), status


@bp.post("/account/two-factor/recovery-codes")
@login_required
@throttle.limit_password_check
def replace_recovery_codes():
    """A new set of recovery codes (the old ones stop working), after the current password."""
    form = CurrentPasswordForm(prefix="codes")
    if not form.validate() or not _password_confirmed(form):
        return _status_page(codes_form=form), 422
    try:
        codes = two_factor.replace_recovery_codes(current_person())
    except TwoFactorError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.two_factor"), code=303)
    return render_template("auth/recovery_codes.html", codes=codes, first_time=False)


@bp.post("/account/two-factor/turn-off")
@login_required
@throttle.limit_password_check
def turn_off_two_factor():
    """Turn two-factor sign-in off, for roles that may sign in without it."""
    form = CurrentPasswordForm(prefix="off")
    if not form.validate() or not _password_confirmed(form):
        return _status_page(off_form=form), 422
    try:
        two_factor.turn_off(current_person(), current_person())
    except TwoFactorError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.two_factor"), code=303)
    keep_session(current_person())
    flash("Two-factor sign-in is off. Your other sessions have been signed out.", "success")
    return redirect(url_for("auth.account"), code=303)


def _pending_secret(me) -> str:
    """The setup key being enrolled: kept in this person's session from the first view of the
    page until a code confirms it (so viewing the page writes nothing to the database)."""
    pending = session.get(SETUP_KEY) or {}
    if pending.get("user_id") != me.id or not pending.get("secret"):
        pending = {"user_id": me.id, "secret": two_factor.start_enrolment(me)}
        session[SETUP_KEY] = pending
    return pending["secret"]


def _status_page(**forms):
    """The two-factor status page, with a form showing its errors if one was refused."""
    me = current_person()
    forms = {"codes_form": CurrentPasswordForm(prefix="codes"), "off_form": CurrentPasswordForm(prefix="off"), **forms}
    return render_template(
        "auth/two_factor_status.html",
        me=me,
        codes_left=two_factor.recovery_codes_left(me),
        required=two_factor.required_for(me),
        **forms,
    )
