"""Time-based one-time codes (RFC 6238, via pyotp), the enrolment QR code and recovery codes.

Plain functions over plain values: the operations that store anything are in
services/two_factor.py.
"""

from __future__ import annotations

import io
import re
import secrets
import time

import pyotp
import segno

STEP_SECONDS = 30
DRIFT_STEPS = 1  # accept the previous and next 30-second code too (phone clocks drift)
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed
RECOVERY_GROUP = 5

_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    """A fresh base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code as an inline <svg> element (no XML declaration, no inline styles)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out,
        kind="svg",
        scale=5,
        border=4,
        light="#fff",
        xmldecl=False,
        svgns=True,
        nl=False,
        title="QR code for your authenticator app",
        svgclass="qr-code",
        lineclass=None,
    )
    return out.getvalue().decode("ascii")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand: "ABCD EFGH …"."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def looks_like_code(text: str) -> bool:
    """Six digits (spaces ignored): an authenticator code rather than a recovery code."""
    return bool(_CODE.match(re.sub(r"\s+", "", text or "")))


def matching_step(secret: str, code: str, *, after: int | None, now: float | None = None) -> int | None:
    """The time step whose code this is, within the allowed drift, and later than `after`
    (the last step already used, so a code cannot be replayed); None if it does not match."""
    code = re.sub(r"\s+", "", code or "")
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_for(secret: str, now: float | None = None) -> str:
    """The current code for a secret (tests and the enrolment check use it)."""
    return pyotp.TOTP(secret).at(now if now is not None else time.time())


def new_recovery_code() -> str:
    """A one-time recovery code like "k7m2p-x9qrt" (50 bits)."""
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(2 * RECOVERY_GROUP))
    return f"{chars[:RECOVERY_GROUP]}-{chars[RECOVERY_GROUP:]}"


def normalise_recovery_code(text: str) -> str:
    """What a person typed, as stored: lower case, spaces and hyphens dropped."""
    return re.sub(r"[\s\-]+", "", (text or "").lower())
