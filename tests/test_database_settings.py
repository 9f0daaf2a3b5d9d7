"""Per-connection database settings the measurements rely on (docs/PERFORMANCE.md): SQLite reads
through a memory map; PostgreSQL does not JIT-compile the dashboard's queries. And how SQLite
transactions begin: a request that may write takes the write lock up front (BEGIN IMMEDIATE).
PostgreSQL also plans for data read from memory or an SSD (random_page_cost)."""

import pytest
from sqlalchemy import insert, text

from pip_app.config import engine_options
from pip_app.database import MMAP_BYTES
from pip_app.extensions import db
from tests import factories
from tests.conftest import QueryCounter, csrf_token_from


def test_postgresql_connections_turn_jit_off_plan_for_memory_and_keep_other_options():
    options = engine_options(
        "postgresql+psycopg://u@h/db", {"pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000"}}
    )
    assert options["pool_pre_ping"] is True
    assert options["connect_args"]["options"] == "-c statement_timeout=5000 -c jit=off -c random_page_cost=1.1"
    assert engine_options("sqlite:///x.sqlite3", {"pool_pre_ping": True}) == {"pool_pre_ping": True}


def test_the_live_connection_has_the_setting(app):
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            assert connection.execute(text("SHOW jit")).scalar() == "off"
            assert connection.execute(text("SHOW random_page_cost")).scalar() == "1.1"
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


def test_the_scheduled_job_gives_sqlite_planner_statistics(app, world):
    """SQLite keeps no statistics unless asked (ANALYZE); without them it read every open plan to
    count one service's. `send-notifications`, run every 15 minutes, refreshes them; PostgreSQL's
    autovacuum keeps its own, so there it does nothing."""
    db.session.commit()
    sqlite = db.engine.dialect.name == "sqlite"

    def statistics() -> int:
        if not sqlite:
            return 0
        exists = db.session.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar()
        return db.session.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar() if exists else 0

    assert statistics() == 0
    result = app.test_cli_runner().invoke(args=["send-notifications", "--dry-run"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    if sqlite:
        assert statistics() > 0  # a row per analysed index of the tables that have rows
    else:
        assert statistics() == 0


def test_sqlite_statistics_of_observations_are_read_in_full(app, world):
    """A sample of observations' indexes sees one status only and told SQLite a status is rare,
    so every dashboard's "observations to record" read every planned observation already due:
    observations are analysed in full, the other tables sampled (database.SQLITE_ANALYSED_IN_FULL)."""
    from datetime import date, timedelta

    from pip_app.database import SQLITE_ANALYSIS_LIMIT, refresh_statistics
    from pip_app.models import Observation, ObservationStatus, Outcome

    plan = factories.make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    statuses = list(ObservationStatus)
    count = 3 * SQLITE_ANALYSIS_LIMIT  # more than a sample reads
    db.session.execute(
        insert(Observation),
        [
            {
                "plan_id": plan.id,
                "observer_id": world["manager"].id,
                "scheduled_on": date(2026, 1, 1) + timedelta(days=n % 300),
                "status": (status := statuses[n * len(statuses) // count]),  # in runs, as an index has them
                "outcome": Outcome.MET if status is ObservationStatus.DONE else None,
            }
            for n in range(count)
        ],
    )
    db.session.commit()
    with QueryCounter(db.engine) as sent:
        refresh_statistics(db.engine)
    if db.engine.dialect.name != "sqlite":
        assert sent.count == 0  # PostgreSQL's autovacuum keeps its statistics: nothing is sent
        return
    stats = dict(db.session.execute(text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'observations'")).all())
    # In full: every row counted, and a status is a quarter of them (a sample said 401 of 1,200).
    assert stats["ix_observations_status_date"].split()[:2] == [str(count), str(count // len(statuses))]


def test_read_rows_reads_in_the_sessions_transaction_what_the_session_holds(app, world):
    """`read_rows` runs a SELECT of columns on the session's own connection: it sees what the
    session has changed and not yet flushed (as the session's execute would, by autoflush), and
    nothing is flushed inside a no_autoflush block, as the session would not either."""
    from sqlalchemy import func, select

    from pip_app.database import read_rows
    from pip_app.models import Service

    home = world["home"]
    rows = read_rows(select(Service.id, Service.name).where(Service.id == home.id)).all()
    assert [tuple(row) for row in rows] == [(home.id, home.name)]
    count = select(func.count()).select_from(Service).where(Service.name.like("Read rows %"))
    db.session.add(Service(name="Read rows one"))
    assert read_rows(count).scalar() == 1  # flushed first, read in the same transaction
    with db.session.no_autoflush:
        db.session.add(Service(name="Read rows two"))
        assert read_rows(count).scalar() == 1
    assert read_rows(count).scalar() == 2
    db.session.rollback()
    assert read_rows(count).scalar() == 0  # nothing was committed behind the session's back


@pytest.mark.parametrize("who, generic", [("senior", True), ("manager", True), ("staff", False)])
def test_a_managers_dashboard_uses_generic_plans_for_its_own_transaction(world, sign_in, who, generic):
    """A registered manager's or line manager's dashboard asks PostgreSQL for generic plans in its
    own transaction only (SET LOCAL); a staff member's does not, nor does any other page."""
    client = sign_in(world[who])
    client.get("/")  # warm up
    with QueryCounter(db.engine) as dashboard:
        assert client.get("/").status_code == 200
    with QueryCounter(db.engine) as plans_list:
        assert client.get("/plans/").status_code == 200
    asked = [s for s in dashboard.statements + plans_list.statements if "plan_cache_mode" in s]
    if db.engine.dialect.name == "postgresql" and generic:
        assert asked == ["SET LOCAL plan_cache_mode = force_generic_plan"]
    else:
        assert asked == []
