"""Creating and changing user accounts."""
from __future__ import annotations

from sqlalchemy import func, select

from ..auth.passwords import hash_password
from ..extensions import db
from ..models import Role, Service, User
from . import audit

MIN_PASSWORD_LENGTH = 12


class UserError(ValueError):
    """A user account change that cannot be made, with a message for the person asking."""


def normalise_email(email: str) -> str:
    """Emails are unique whatever their case: stored lower-case, compared lower-case."""
    return (email or "").strip().lower()


def find_by_email(email: str) -> User | None:
    """The user with this email, in any case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def check_password_policy(password: str) -> None:
    """Refuse passwords that are too short."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    services: list[Service] = (),
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
    check_password_policy(password)
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
        actor, "created", "user", user.id,
        changes={"email": email, "role": role, "services": [s.name for s in services]},
    )
    return user


def set_password(actor: User | None, user: User, password: str) -> None:
    """Change a password; every existing session of that user ends."""
    check_password_policy(password)
    user.password_hash = hash_password(password)
    user.rotate_session_token()
    audit.record(actor, "password_changed", "user", user.id)
