"""Per-connection database settings the measurements rely on (docs/PERFORMANCE.md): SQLite reads
through a memory map; PostgreSQL does not JIT-compile the dashboard's queries. And how SQLite
transactions begin: a request that may write takes the write lock up front (BEGIN IMMEDIATE)."""

import pytest
from sqlalchemy import text

from pip_app.config import engine_options
from pip_app.database import MMAP_BYTES
from pip_app.extensions import db
from tests.conftest import QueryCounter, csrf_token_from


def test_postgresql_connections_turn_jit_off_and_keep_other_options():
    options = engine_options(
        "postgresql+psycopg://u@h/db", {"pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000"}}
    )
    assert options["pool_pre_ping"] is True
    assert options["connect_args"]["options"] == "-c statement_timeout=5000 -c jit=off"
    assert engine_options("sqlite:///x.sqlite3", {"pool_pre_ping": True}) == {"pool_pre_ping": True}


def test_the_live_connection_has_the_setting(app):
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            assert connection.execute(text("SHOW jit")).scalar() == "off"
        else:
            assert connection.execute(text("PRAGMA mmap_size")).scalar() == MMAP_BYTES


def _begins(counter: QueryCounter) -> list[str]:
    return [s.strip().upper() for s in counter.statements if s.strip().upper().startswith("BEGIN")]


def test_write_requests_begin_immediate_and_everything_else_deferred(app, client, world):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's write lock; PostgreSQL begins as it always does")
    email, token = world["staff"].email, csrf_token_from(client.get("/login").text)
    with QueryCounter(db.engine) as reading:
        assert client.get("/healthz").status_code == 200
    with QueryCounter(db.engine) as writing:  # a failed sign-in reads the account, then audits
        response = client.post("/login", data={"email": email, "password": "not the password", "csrf_token": token})
        assert response.status_code == 401
    with QueryCounter(db.engine) as after:  # the request is over: the test's own work is deferred
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    assert _begins(reading) == ["BEGIN"]
    assert _begins(writing) == ["BEGIN IMMEDIATE"]
    assert _begins(after) == ["BEGIN"]
