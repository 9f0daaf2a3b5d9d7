"""The password policy: long enough, not common, not built from the person's own email or name.

Pure functions over plain strings (no Flask), so the rules are unit-tested as a table.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 copes with anything; this only stops absurd form posts
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# Look-alike symbols people put in place of letters ("P@ssw0rd"). Digits are undone only in
# the middle of a word, since trailing digits are stripped first.
_SYMBOL_LETTERS = str.maketrans({"@": "a", "$": "s"})
_DIGIT_LETTERS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_EDGES = re.compile(r"^[^a-z]+|[^a-z]+$")
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "01234567890")

TOO_SHORT = f"The password must be at least {MIN_LENGTH} characters long."
TOO_LONG = f"The password must be at most {MAX_LENGTH} characters long."
TOO_COMMON = (
    "That password is too common or too easy to guess (a well-known word or pattern with "
    "numbers or symbols added). Try three or four unrelated words."
)
PERSONAL = "The password must not contain your email address or your name."


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased, comments and blank lines left out."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _core(password: str) -> str:
    """The word a password is built on: look-alikes undone, digits and symbols at either end and
    separators removed ("P@ssw0rd-2024!" → "password")."""
    text = password.lower().translate(_SYMBOL_LETTERS)
    text = _EDGES.sub("", text)
    return _NOT_ALNUM.sub("", text).translate(_DIGIT_LETTERS)


def _smallest_repeat(text: str) -> str:
    """ "abcabcabc" → "abc"; a string that does not repeat is its own unit."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _is_sequence(text: str) -> bool:
    return any(text in run or text in run[::-1] for run in _SEQUENCES)


def _personal_words(email: str | None, name: str | None) -> set[str]:
    """Parts of the email's name and of the person's name long enough to matter (4+ letters)."""
    local = (email or "").lower().partition("@")[0]
    parts = set(re.split(r"[^a-z0-9]+", local)) | {_NOT_ALNUM.sub("", local)}
    parts |= set(re.split(r"[^a-z]+", (name or "").lower()))
    return {part for part in parts if len(part) >= 4}


def is_common(password: str) -> bool:
    """Whether the password is on the list, or a listed word, sequence or repeat dressed up."""
    common = common_passwords()
    lowered = password.lower()
    if lowered in common or _NOT_ALNUM.sub("", lowered) in common:
        return True
    core = _core(password)
    if len(core) < 4:  # nearly all digits and symbols, e.g. "2024!2024!2024"
        return True
    unit = _smallest_repeat(core)
    return core in common or unit in common or len(unit) <= 3 or _is_sequence(unit)


def password_problems(password: str, *, email: str | None = None, name: str | None = None) -> list[str]:
    """Every reason the password is refused, in the order to show them; empty means acceptable."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT]
    if len(password) > MAX_LENGTH:
        return [TOO_LONG]
    problems = []
    squashed = _NOT_ALNUM.sub("", password.lower())
    core = _core(password)
    if (email and password.strip().lower() == email.strip().lower()) or any(
        word in squashed or word in core for word in _personal_words(email, name)
    ):
        problems.append(PERSONAL)
    if is_common(password):
        problems.append(TOO_COMMON)
    return problems
