"""Documented defaults. Secrets never live here: see load_secret_key and the README."""

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any


class Config:
    # Database: SQLite in instance/ unless DATABASE_URL names another (e.g. PostgreSQL).
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app from DATABASE_URL or instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Sessions: no remember-me, an idle timeout, cookies unreadable from scripts.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
    # The idle timeout's cookie is signed again (its 30 minutes restarted) by a request at least
    # this long after it was last signed, not by every request (auth.session.RenewingSessions).
    SESSION_RENEW_AFTER = timedelta(minutes=1)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(0)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # The largest file that may be attached (PIP_ATTACHMENT_MAX_BYTES). Only the upload route
    # takes a request this large (plus a little room for its form); see requests.takes_files.
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    # argon2id parameters (argon2-cffi's RFC 9106 "low memory" profile).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    # Two-factor sign-in (TOTP, as in Google/Microsoft Authenticator). Roles listed here must
    # enrol before they can open any page; everyone else may enrol from /account.
    TWO_FACTOR_REQUIRED_ROLES = ("admin", "hr")
    # Behind a reverse proxy, how many proxies to trust for X-Forwarded-For/-Proto/-Host
    # (so throttling counts the real address and HSTS sees https). 0: none, no proxy.
    PROXY_COUNT = 0
    TWO_FACTOR_ISSUER = "Improvement plans"  # the account name shown in the authenticator app
    TWO_FACTOR_PENDING_LIFETIME = timedelta(minutes=5)  # password accepted, code not yet typed
    RECOVERY_CODE_COUNT = 10
    # Password reset links an administrator creates and passes on: single use, this long.
    PASSWORD_RESET_LIFETIME = timedelta(hours=24)
    # Throttling (Flask-Limiter). Counts live in RATELIMIT_STORAGE_URI: "memory://" is per
    # process, so with several gunicorn workers (or servers) every worker would allow the limit
    # again. Use Redis, e.g. "redis://127.0.0.1:6379" (the `redis` extra: pip install ".[redis]").
    # In production the app refuses to start with memory:// unless SINGLE_PROCESS says that
    # only one process serves it (check_throttle_storage).
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    SINGLE_PROCESS = False  # PIP_SINGLE_PROCESS=1: one worker, one server (memory:// is then enough)
    RATELIMIT_HEADERS_ENABLED = False
    # Failed attempts allowed before 429, in the `limits` notation ("10 per 15 minutes").
    LOGIN_ACCOUNT_LIMIT = "10 per 15 minutes"  # failed passwords for one email address
    LOGIN_ADDRESS_LIMIT = "30 per 15 minutes"  # failed passwords from one client address
    TWO_FACTOR_LIMIT = "5 per 15 minutes"  # wrong codes at the second step, per account
    PASSWORD_CHECK_LIMIT = "10 per 15 minutes"  # wrong current password when signed in, per account
    # Plans: how many days a staff member has to acknowledge before it is flagged.
    ACK_OUTSTANDING_DAYS = 3
    # The formal capability route (issue 20): written notice of a formal meeting at least this many
    # UK working days before it (PIP_FORMAL_NOTICE_WORKING_DAYS); pip_app/stage_rules.py counts them.
    FORMAL_NOTICE_WORKING_DAYS = 5
    # ... and may appeal a formal outcome within this many UK working days of the letter being
    # sent (PIP_APPEAL_WORKING_DAYS); after it, only HR records an appeal, with why it was accepted late.
    APPEAL_WORKING_DAYS = 5
    # Set to an ISO date to freeze "today" (tests only).
    FROZEN_TODAY = None
    PRODUCTION = False
    # Email (`flask --app pip_app send-notifications`, pip_app/notifications/). With no
    # MAIL_SERVER, messages are kept in the outbox (/admin/outbox) and nothing is sent.
    MAIL_SERVER = None  # PIP_MAIL_SERVER, e.g. "smtp.example.org"
    MAIL_PORT = 25  # 587 with MAIL_USE_TLS (STARTTLS), 465 with MAIL_USE_SSL
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USE_SSL = False  # TLS from the first byte (SMTPS); not together with MAIL_USE_TLS
    MAIL_FROM = "Improvement plans <no-reply@localhost>"
    MAIL_TIMEOUT = 30  # seconds to wait for the mail server before trying again later
    # The address people open the app at: every link in an email starts with it.
    BASE_URL: str | None = "http://127.0.0.1:5000"
    DIGEST_HOUR = 7  # the daily digest goes with the first run at or after this hour, UK time
    NOTIFY_BATCH = 50  # messages claimed at a time by one run
    NOTIFY_MAX_ATTEMPTS = 8  # then the message is failed (and shown as such)
    NOTIFY_RETRY_SECONDS = 120  # first retry after this; each further retry waits twice as long
    NOTIFY_CLAIM_MINUTES = 30  # a message claimed this long ago by a run that died is tried again


class ProductionConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    PREFERRED_URL_SCHEME = "https"
    BASE_URL = None  # PIP_BASE_URL is required to send email in production


def check_throttle_storage(config: Mapping[str, Any]) -> None:
    """In production, refuse to start when sign-in throttling would be counted per process:
    with `memory://` and two workers, twice the limit of wrong passwords gets through (and
    more with more workers or servers). Allowed when the operator states a single process."""
    if not config.get("PRODUCTION") or not config.get("RATELIMIT_ENABLED", True):
        return
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://") and not config.get("SINGLE_PROCESS"):
        raise RuntimeError(
            "Sign-in throttling is counted per process (PIP_RATELIMIT_STORAGE_URI is memory://), so with "
            "several workers or servers it would allow the limit once per process. Set "
            "PIP_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 (pip install '.[redis]'), or, if exactly "
            "one process serves the app, PIP_SINGLE_PROCESS=1."
        )


def load_secret_key(instance_path: str, production: bool) -> str:
    """SECRET_KEY from the environment; in development, generated once into instance/."""
    key = os.environ.get("SECRET_KEY") or os.environ.get("PIP_SECRET_KEY")
    if key:
        return key
    if production:
        raise RuntimeError(
            "SECRET_KEY is not set. In production set a long random SECRET_KEY in the "
            "environment (python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
            fh.write(secrets.token_hex(32))
    with open(path) as fh:
        return fh.read().strip()


def database_url(instance_path: str) -> str:
    """DATABASE_URL if set (postgres:// is accepted and mapped to psycopg 3), else SQLite."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "pip_app.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# How each PostgreSQL connection is set up (see `engine_options`).
POSTGRESQL_SETTINGS = "-c jit=off -c random_page_cost=1.1"


def engine_options(url: str, options: dict) -> dict:
    """PostgreSQL without JIT compilation: it pays off for long analytical queries, and here it
    spent 65 ms compiling each dashboard query that then ran for a few milliseconds. And planned
    for data that is read from memory or an SSD, as a working set of this size is: reading a row
    out of order costs little more than reading the next one (random_page_cost 1.1 rather than
    the server's default 4, set for spinning disks), so the planner looks up a few rows by index
    rather than reading a whole table. A register search for a name: 15.6 -> 11 ms of the server's
    time, as it looked up the named staff's plans by index instead of reading all 10,000."""
    if not url.startswith("postgresql"):
        return options
    connect_args = dict(options.get("connect_args", {}))
    connect_args["options"] = " ".join(filter(None, [connect_args.get("options"), POSTGRESQL_SETTINGS]))
    return {**options, "connect_args": connect_args}
