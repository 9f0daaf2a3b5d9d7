"""Database plumbing: SQLite pragmas, a Unicode-aware lower(), and write transactions that take
the lock up front.

SQLite upgrades a read transaction to a write one by failing at once with "database is
locked", whatever the busy timeout. So a request that may write (any non-GET) starts its
transaction with BEGIN IMMEDIATE and waits its turn instead. Everything else (GET requests,
CLI commands, tests) begins deferred, so a reader never holds the write lock.
"""
import sqlite3

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
BUSY_TIMEOUT_MS = 10_000
MMAP_BYTES = 1 << 30  # address space, not memory: only pages read are mapped


def init_sqlite(app: Flask) -> None:
    """Nothing to bind per app: the listeners below act on every SQLite engine."""
    app.extensions["pip_sqlite_listeners"] = True


def _unicode_lower(value):
    """SQLite's lower() for every script, as PostgreSQL's is: "Łukasik" → "łukasik"; NULL stays NULL."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).lower()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred).
    dbapi_connection.isolation_level = None
    # The built-in lower() folds ASCII only, so lower()/ilike searches missed "Łukasik" for "łukasik".
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Read pages in place from the OS page cache (shared by every worker) instead of copying
    # them into each connection's small private cache: the register's counts read thousands.
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    writing = has_request_context() and request.method not in SAFE_METHODS
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def is_lock_conflict(error: Exception) -> bool:
    """A write that lost a race for the lock (SQLite) or a serialisation failure (PostgreSQL)."""
    if not isinstance(error, OperationalError):
        return False
    text = str(error.orig).lower()
    return "database is locked" in text or "could not serialize" in text or "deadlock" in text


LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally (escape LIKE_ESCAPE)."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"
