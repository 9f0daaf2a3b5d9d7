"""Database plumbing: SQLite pragmas, a Unicode-aware lower(), write transactions that take
the lock up front, and `read_rows` for lists that read columns rather than ORM objects.

SQLite upgrades a read transaction to a write one by failing at once with "database is
locked", whatever the busy timeout. So work that may write starts its transactions with
BEGIN IMMEDIATE and waits its turn instead. Which work that is, is decided by the caller:
the request layer (`pip_app/requests.py`) calls `begin_writes()` for every request whose
method is not in SAFE_METHODS, and `end_writes()` when it ends. Everything else (GET
requests, CLI commands, tests) begins deferred, so a reader never holds the write lock.
PostgreSQL is not affected: its transactions begin as they always do.
"""

import sqlite3
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any, cast

from sqlalchemy import BindParameter, ColumnElement, CursorResult, Executable, Integer, event, literal, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import InstrumentedAttribute

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}  # HTTP methods that never write (the request layer's rule)
BUSY_TIMEOUT_MS = 10_000
MMAP_BYTES = 1 << 30  # address space, not memory: only pages read are mapped

# Whether transactions begun in this context (one request, on its thread) may write.
_writing: ContextVar[bool] = ContextVar("pip_write_transactions", default=False)


def begin_writes() -> None:
    """From now on in this context, SQLite transactions begin IMMEDIATE (take the write lock up front)."""
    _writing.set(True)


def end_writes() -> None:
    """From now on in this context, transactions begin deferred again (the default)."""
    _writing.set(False)


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
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")


SQLITE_ANALYSIS_LIMIT = 400  # rows sampled per index: SQLite's advice, milliseconds on a large database
# Tables whose sample misleads the planner, analysed in full. A sample reads the first rows of each
# index: of observations' (status, scheduled_on) those are all one status of four, so SQLite took a
# status for 401 of 60,000 observations (it is ~15,000), and every dashboard's "observations to
# record" read all 1,521 planned observations already due instead of the few of its observer and
# plans (2 ms -> 0.04 at 10,000 plans; the whole table in full: 20 ms). Not every table: in full,
# acknowledgements' (response, acknowledged_at) averages its two responses, and the dashboard's
# few disagreements then looked like 55,000 rows to SQLite, which built a Bloom filter over every
# plan to join them (0.2 -> 3.3 ms).
SQLITE_ANALYSED_IN_FULL = ("observations",)


def refresh_statistics(engine: Engine) -> None:
    """Give SQLite's query planner statistics (ANALYZE, sampling each index, and reading the tables
    of SQLITE_ANALYSED_IN_FULL whole), as PostgreSQL's autovacuum does by itself. Without them
    SQLite guesses: it read every open plan through the index on their status to count one
    service's (4.6 ms at 10,000 plans), where the indexes on the manager and the service answer in
    0.05 ms. Run by `flask send-notifications` (every 15 minutes) and after `flask seed-scale`."""
    if engine.dialect.name != "sqlite":
        return
    writing = _writing.set(True)  # ANALYZE writes its results: take the lock up front
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("PRAGMA analysis_limit=0")  # 0: no limit
            for table in SQLITE_ANALYSED_IN_FULL:
                conn.exec_driver_sql(f"ANALYZE {table}")
            conn.commit()
    finally:
        _writing.reset(writing)  # as the caller had it


def is_lock_conflict(error: Exception) -> bool:
    """A write that lost a race for the lock (SQLite) or a serialisation failure (PostgreSQL)."""
    if not isinstance(error, OperationalError):
        return False
    text = str(error.orig).lower()
    return "database is locked" in text or "could not serialize" in text or "deadlock" in text


def violates_unique(error: IntegrityError, name: str, table: str, columns: Sequence[str]) -> bool:
    """Whether an IntegrityError breaks this unique index or constraint: PostgreSQL names it,
    SQLite lists its columns ("UNIQUE constraint failed: reviews.plan_id, reviews.review_date")."""
    diagnosis = getattr(error.orig, "diag", None)
    if diagnosis is not None and getattr(diagnosis, "constraint_name", None):
        return diagnosis.constraint_name == name
    failed = "UNIQUE constraint failed: " + ", ".join(f"{table}.{column}" for column in columns)
    return str(error.orig) == failed


LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally (escape LIKE_ESCAPE)."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"


def fixed(count: int) -> BindParameter[int]:
    """A LIMIT or OFFSET written into the statement's text rather than bound: part of its shape, like
    its columns. PostgreSQL plans a prepared statement once per connection (a generic plan) only if
    that plan costs no more than planning it afresh each time, and a LIMIT it cannot see makes it
    plan for every row: the register's page of 25 was planned on every request (2.4 of its 3.4 ms)
    and took 1.4 ms once its LIMIT was written in. Use it for every `.limit()` and `.offset()`,
    and measure the exception: written in, the dashboard's room left in a list made PostgreSQL plan
    one of its ranges on every request instead (services.dashboard._flagged_statements)."""
    return literal(count, Integer, literal_execute=True)


def constant(column: ColumnElement[Any] | InstrumentedAttribute[Any], value: Any) -> BindParameter[Any]:
    """`value`, of `column`'s type, written into the statement's text rather than bound: a constant
    of the statement's shape ("not a draft"), as `fixed` writes a LIMIT. Bound, PostgreSQL judges
    `status <> $1` by a default guess, finds its generic plan dearer than planning for the value
    given, and plans the statement again on every execution: the register's filter choices for a
    group senior took 1.09 ms of the server's CPU a request, 0.67 with 'draft' written in
    (session 28). Use it for the enum values a condition always compares with."""
    return literal(value, column.type, literal_execute=True)


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the request's session and say how many rows it changed: of two
    requests racing to flip the same row, only the one that gets 1 has won."""
    from .extensions import db

    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def read_rows(statement: Executable, parameters: Mapping[str, Any] | None = None) -> CursorResult[Any]:
    """The rows of a SELECT of columns (not of ORM entities) in the request's session: on its
    connection, in its transaction, after flushing what it holds as its own execute would (unless
    autoflush is off), but without the ORM's handling of a result it has nothing to load into:
    a tenth of a millisecond a statement, and a dashboard runs twenty of them. Take `.all()` of a
    result of more than a few rows before going through it: iterating the result itself fetches
    its rows one at a time, which on PostgreSQL is psycopg's Python for each row (the plan page's
    chart values, 240 rows: 0.6 ms iterated, 0.35 ms taken whole)."""
    from .extensions import db

    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, parameters)


def generic_plans() -> None:
    """On PostgreSQL, run the rest of this transaction's statements on each prepared statement's
    generic plan, made once for any values, instead of planning them again for each execution's
    values (SET LOCAL: the connection's next transaction plans as it always does). Where the
    planner estimates a generic plan dearer than planning afresh, it plans on every execution, and
    for the dashboards' statements that planning was most of the server's work. Measure before
    using it elsewhere: for every page (`plan_cache_mode` for the connection, session 19) the
    registers and plans list became slower. SQLite has no such choice."""
    from .extensions import db

    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
