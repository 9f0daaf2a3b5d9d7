"""Password hashing with argon2id; parameters come from the app config."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; a missing hash still costs one verification (no timing leak)."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("pip_dummy_hash", {})
    if "hash" not in cache:
        cache["hash"] = _hasher().hash("not a real password, only for equal timing")
    return cache["hash"]
