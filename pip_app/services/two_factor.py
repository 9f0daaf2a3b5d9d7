"""Two-factor sign-in: enrol an authenticator app, check a code or recovery code, replace the
recovery codes, turn it off. Operations take the actor, write the audit event and never commit."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from ..clock import now_utc
from ..credentials import totp
from ..credentials.passwords import hash_password, verify_password
from ..database import rows_changed
from ..extensions import db
from ..models import RecoveryCode, User
from . import audit


class TwoFactorError(ValueError):
    """A two-factor change that cannot be made, with a message for the person asking."""


WRONG_CODE = "That code did not work. Check the time on your phone is right and type the newest code."


def required_for(user: User) -> bool:
    """Whether this person's role must use two-factor sign-in (TWO_FACTOR_REQUIRED_ROLES)."""
    return user.role.value in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]


def needs_enrolment(user: User) -> bool:
    """A person whose role requires two-factor sign-in but who has not set it up yet."""
    return required_for(user) and not user.two_factor_enabled


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes this person has."""
    unused = select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    return db.session.scalar(unused) or 0


def start_enrolment(actor: User) -> str:
    """A new secret for the enrolment page. Nothing is stored: the page keeps it in the person's
    session until a code proves the app has it (`confirm_enrolment`), so showing it changes nothing."""
    if actor.two_factor_enabled:
        raise TwoFactorError("Two-factor sign-in is already set up.")
    return totp.new_secret()


def confirm_enrolment(actor: User, secret: str | None, code: str) -> list[str]:
    """Store the secret and turn two-factor sign-in on once a code from the app matches it;
    returns new recovery codes."""
    if actor.two_factor_enabled or not secret:
        raise TwoFactorError("Start again: reload the page to see your setup code.")
    step = totp.matching_step(secret, code, after=None)
    if step is None:
        raise TwoFactorError(WRONG_CODE)
    actor.totp_secret = secret
    actor.totp_enabled_at = now_utc()
    actor.totp_last_counter = step
    actor.rotate_session_token()  # sessions that began with the password alone end
    codes = _new_recovery_codes(actor)
    audit.record(actor, "two_factor_enrolled", "user", actor.id, changes={"recovery_codes": len(codes)})
    return codes


def replace_recovery_codes(actor: User) -> list[str]:
    """A fresh set of recovery codes; every earlier code stops working."""
    if not actor.two_factor_enabled:
        raise TwoFactorError("Set up two-factor sign-in first.")
    codes = _new_recovery_codes(actor)
    audit.record(actor, "recovery_codes_replaced", "user", actor.id, changes={"recovery_codes": len(codes)})
    return codes


def check_second_factor(user: User, entry: str) -> str | None:
    """ "totp" or "recovery_code" when the entry proves the second factor (a recovery code is
    used up, a code cannot be replayed), None otherwise. The sign-in view audits the outcome."""
    if not user.two_factor_enabled or user.totp_secret is None:
        return None
    if totp.looks_like_code(entry):
        step = totp.matching_step(user.totp_secret, entry, after=user.totp_last_counter)
        if step is None:
            return None
        # Only the request that moves the counter on wins, so one code cannot sign in twice at once.
        won = rows_changed(
            update(User)
            .where(User.id == user.id, or_(User.totp_last_counter.is_(None), User.totp_last_counter < step))
            .values(totp_last_counter=step)
            .execution_options(synchronize_session="fetch")
        )
        return "totp" if won else None
    typed = totp.normalise_recovery_code(entry)
    if not typed:
        return None
    unused = db.session.scalars(
        select(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .order_by(RecoveryCode.id)
    ).all()
    for code in unused:
        if verify_password(code.code_hash, typed):
            # Only the request that flips used_at wins, so one code cannot sign in twice at once.
            won = rows_changed(
                update(RecoveryCode)
                .where(RecoveryCode.id == code.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now_utc())
            )
            if not won:
                return None
            audit.record(user, "recovery_code_used", "user", user.id, changes={"left": len(unused) - 1})
            return "recovery_code"
    return None


def turn_off(actor: User, user: User) -> None:
    """Remove two-factor sign-in: by the person (roles that may go without), or by an
    administrator when someone has lost their phone and codes (every session ends)."""
    if actor.id == user.id and required_for(user):
        raise TwoFactorError("Your role must use two-factor sign-in, so it cannot be turned off.")
    if not user.two_factor_enabled and not user.totp_secret:
        raise TwoFactorError("Two-factor sign-in is not set up.")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.rotate_session_token()
    verb = "two_factor_disabled" if actor.id == user.id else "two_factor_reset"
    audit.record(actor, verb, "user", user.id)


def _new_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code of this person; only the hashes are stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [totp.new_recovery_code() for _ in range(current_app.config["RECOVERY_CODE_COUNT"])]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(totp.normalise_recovery_code(code))))
    return codes
