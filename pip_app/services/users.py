"""Creating and changing user accounts."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update

from ..clock import now_utc
from ..credentials.password_policy import MIN_LENGTH, password_problems
from ..credentials.passwords import hash_password, verify_password
from ..database import rows_changed
from ..extensions import db
from ..models import ApproverRole, Nation, PasswordReset, ProfessionalRegister, Role, Service, User
from . import audit

MIN_PASSWORD_LENGTH = MIN_LENGTH


class UserError(ValueError):
    """A user account change that cannot be made, with a message for the person asking."""


class WrongPassword(UserError):
    """The current password typed to confirm a change was not right (counted by the throttle)."""


def normalise_email(email: str) -> str:
    """Emails are unique whatever their case: stored lower-case, compared lower-case."""
    return (email or "").strip().lower()


def find_by_email(email: str) -> User | None:
    """The user with this email, in any case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def check_password_policy(password: str, *, email: str | None = None, name: str | None = None) -> None:
    """Refuse passwords that are short, common, or built from the person's email or name."""
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise UserError(" ".join(problems))


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    services: Sequence[Service] = (),
    line_manager: User | None = None,
) -> User:
    """Add an account; a duplicate email (in any case) is refused with a clear message."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise UserError("Enter a valid email address, like name@example.org.")
    if not (name or "").strip():
        raise UserError("Enter the person's name.")
    if find_by_email(email):
        raise UserError(f"An account with the email {email} already exists.")
    check_password_policy(password, email=email, name=name)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        services=list(services),
        line_manager=line_manager,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "created",
        "user",
        user.id,
        changes={"email": email, "role": role, "services": [s.name for s in services]},
    )
    return user


def set_password(actor: User | None, user: User, password: str, *, via: str | None = None) -> None:
    """Change a password; every existing session of that user ends."""
    check_password_policy(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    user.rotate_session_token()
    audit.record(actor, "password_changed", "user", user.id, changes={"via": via} if via else None)


def change_own_password(actor: User, current_password: str, new_password: str) -> None:
    """Self-service change: the current password first, then the policy for the new one."""
    if not verify_password(actor.password_hash, current_password or ""):
        raise WrongPassword("Your current password is not right.")
    if new_password == current_password:
        raise UserError("The new password must be different from the current one.")
    set_password(actor, actor, new_password, via="self_service")


def sign_out_everywhere(actor: User) -> None:
    """End every session of this person, on every device, this one included."""
    actor.rotate_session_token()
    audit.record(actor, "session_revoked", "user", actor.id, changes={"scope": "everywhere"})


def change_role(actor: User, user: User, role: Role) -> None:
    """Give someone another role; their sessions end so the new role applies at once."""
    role = Role(role)
    if user.id == actor.id:
        raise UserError("You cannot change your own role. Ask another administrator.")
    if user.role is role:
        raise UserError(f"{user.name} is already a {role.label.lower()}.")
    audit.record(actor, "role_changed", "user", user.id, changes={"role": [user.role, role]})
    user.role = role
    user.rotate_session_token()


REGISTRATION_NUMBER_MAX = 40


def set_registration(
    actor: User, user: User, nation: Nation, register: ProfessionalRegister, number: str | None
) -> None:
    """Record the nation a person works in and their professional register (issue 20), audited.
    "None" keeps no number; any other register needs one."""
    nation, register = Nation(nation), ProfessionalRegister(register)
    number = (number or "").strip() or None
    if register is ProfessionalRegister.NONE:
        number = None
    elif number is None:
        raise UserError("Enter their registration number.")
    new = {"nation": nation, "professional_register": register, "registration_number": number}
    changes = audit.field_diff(user, new)
    if not changes:
        raise UserError(f"{user.name}'s nation and register are already recorded as that.")
    for name, value in new.items():
        setattr(user, name, value)
    audit.record(actor, "registration_changed", "user", user.id, changes=changes)


def set_approver_role(actor: User, service: Service, role: ApproverRole) -> None:
    """Who approves this service's plans before issue and its hard closures (issue 18)."""
    role = ApproverRole(role)
    if service.approver_role is role:
        raise UserError(f"{role.label} already approve{'s' if role is ApproverRole.HR else ''} {service.name}'s plans.")
    audit.record(
        actor, "approver_changed", "service", service.id, changes={"approver_role": [service.approver_role, role]}
    )
    service.approver_role = role


def deactivate_user(actor: User, user: User) -> None:
    """Stop someone signing in (records stay); every session and reset link ends at once."""
    if user.id == actor.id:
        raise UserError("You cannot deactivate your own account. Ask another administrator.")
    if not user.active:
        raise UserError(f"{user.name}'s account is already deactivated.")
    user.active = False
    user.rotate_session_token()
    _revoke_reset_links(user)
    audit.record(actor, "deactivated", "user", user.id)


def reactivate_user(actor: User, user: User) -> None:
    """Let a deactivated person sign in again with their existing password."""
    if user.active:
        raise UserError(f"{user.name}'s account is already active.")
    user.active = True
    user.rotate_session_token()
    audit.record(actor, "reactivated", "user", user.id)


def create_reset_link(actor: User, user: User) -> str:
    """A new single-use reset token for this person (returned once, stored only as SHA-256);
    any earlier link of theirs stops working."""
    if not user.active:
        raise UserError("Reactivate the account before creating a reset link.")
    _revoke_reset_links(user)
    token = secrets.token_urlsafe(32)
    expires_at = now_utc() + current_app.config["PASSWORD_RESET_LIFETIME"]
    reset = PasswordReset(user_id=user.id, token_hash=_token_hash(token), created_by_id=actor.id, expires_at=expires_at)
    db.session.add(reset)
    db.session.flush()
    audit.record(actor, "reset_link_created", "user", user.id, changes={"link": reset.id, "expires_at": expires_at})
    return token


def find_reset_link(token: str) -> PasswordReset | None:
    """The reset link this token opens, if it is unused, not replaced, in date and its person active."""
    if not token or len(token) > 100:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token)))
    if reset is None or not _still_valid(reset):
        return None
    return reset


def reset_password_with_link(reset: PasswordReset, password: str) -> User:
    """Set the new password through a reset link, using the link up (only once, even if two
    requests race); every session of the person ends."""
    user = reset.user
    if not _still_valid(reset):
        raise UserError("This reset link has expired or has already been used.")
    check_password_policy(password, email=user.email, name=user.name)
    used = rows_changed(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None), PasswordReset.revoked_at.is_(None))
        .values(used_at=now_utc())
    )
    if not used:
        raise UserError("This reset link has expired or has already been used.")
    set_password(user, user, password, via="reset_link")
    return user


def _still_valid(reset: PasswordReset, now: datetime | None = None) -> bool:
    return (
        reset.used_at is None
        and reset.revoked_at is None
        and reset.expires_at > (now or now_utc())
        and reset.user.active
    )


def _revoke_reset_links(user: User) -> None:
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None), PasswordReset.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
