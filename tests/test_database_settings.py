"""Per-connection database settings the measurements rely on (docs/PERFORMANCE.md): SQLite reads
through a memory map; PostgreSQL does not JIT-compile the dashboard's queries."""
from sqlalchemy import text

from pip_app.config import engine_options
from pip_app.database import MMAP_BYTES
from pip_app.extensions import db


def test_postgresql_connections_turn_jit_off_and_keep_other_options():
    options = engine_options("postgresql+psycopg://u@h/db",
                             {"pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000"}})
    assert options["pool_pre_ping"] is True
    assert options["connect_args"]["options"] == "-c statement_timeout=5000 -c jit=off"
    assert engine_options("sqlite:///x.sqlite3", {"pool_pre_ping": True}) == {"pool_pre_ping": True}


def test_the_live_connection_has_the_setting(app):
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            assert connection.execute(text("SHOW jit")).scalar() == "off"
        else:
            assert connection.execute(text("PRAGMA mmap_size")).scalar() == MMAP_BYTES
