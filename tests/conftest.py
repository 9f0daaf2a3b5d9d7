"""Fixtures: the app on a real database (SQLite by default, PostgreSQL with DATABASE_URL),
clients signed in through /login with CSRF on, and factory fixtures.

One app and one database per test process (pytest-xdist runs one process per core), built once
through the migrations; before each test `app` puts back the app's config, drops kept pages and
throttling counts, and after it puts the database back as the migrations left it."""

from __future__ import annotations

import contextvars
import json
import os
import re
import sqlite3

import psycopg
import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, make_url, select, text

from pip_app import create_app
from pip_app.database import BUSY_TIMEOUT_MS
from pip_app.extensions import db, limiter
from pip_app.models import ActionChart, Plan, PlanAttention, Role, User
from pip_app.services.attention import attention_rows
from pip_app.services.charts_kept import drawings_of
from tests import factories, issued_plan

IN_CI = os.environ.get("CI") == "true"
# Under pytest-xdist each worker is a process of its own ("gw0", "gw1", ...), with its own app
# and database; without xdist there is one process, "main".
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def _config(url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        # The general suite signs admin and HR in with one step; tests of two-factor sign-in
        # set the roles that require it explicitly.
        "TWO_FACTOR_REQUIRED_ROLES": (),
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """This process's database: a SQLite file, or with DATABASE_URL a PostgreSQL database of this
    xdist worker's own (<name>_gw0, ...), made next to the one named and dropped at the end."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        return
    url = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    if WORKER == "main":
        yield url.render_as_string(hide_password=False)
        return
    own = url.set(database=f"{url.database}_{WORKER}")
    server = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{own.database}"')
        # A throw-away database: commits need not wait for the disk (nothing else changes).
        conn.execute(f'ALTER DATABASE "{own.database}" SET synchronous_commit = off')
    try:
        yield own.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)')


class SqliteTemplate:
    """Puts a SQLite database back as the migrations left it: the migrated file is kept as a
    template and copied back with SQLite's backup API, through a connection, so the app's pooled
    connections (and any a test's own app holds) simply see the new contents."""

    def __init__(self, path: str, template_path: str):
        self._template = sqlite3.connect(template_path, isolation_level=None, check_same_thread=False)
        self._live = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._live.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._live.backup(self._template)

    def restore(self) -> None:
        self._template.backup(self._live)


class PostgresRows:
    """Puts a PostgreSQL database back as the migrations left it: every row deleted, children
    first, in one round trip, and every sequence back to its start. Several times quicker than a
    TRUNCATE, which makes new files for every table and index."""

    def __init__(self, engine):
        self._engine = engine
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        self._empty = "; ".join(
            [
                "SET LOCAL pip.audit_purge = 'on'",  # the append-only trigger's one exception
                *(f'DELETE FROM "{name}"' for name in tables),
                "SELECT setval(seqrelid, seqstart, false) FROM pg_sequence",  # ids from 1 again
            ]
        )

    def restore(self) -> None:
        connection = self._engine.raw_connection()
        try:
            connection.cursor().execute(self._empty)
            connection.commit()
        finally:
            connection.close()


_migrated: SqliteTemplate | PostgresRows | None = None  # this process's, made by _session_app


@pytest.fixture(scope="session")
def _session_app(database_url, tmp_path_factory):
    """One app per test process, on a database built once through the migrations (so they are
    tested too). `app` puts back what a test may have changed."""
    global _migrated
    app = create_app(_config(database_url))
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            template = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
            _migrated = SqliteTemplate(db.engine.url.database, str(template))
        else:
            _migrated = PostgresRows(db.engine)
    return app, dict(app.config)


def _empty_all_tables() -> None:
    """Back to the migrated database with no rows (after each test, or between two steps of one)."""
    db.session.remove()
    _migrated.restore()


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a server does: its own app context, `g` and
    database session. (Otherwise the fixture's app context, and its `g`, would be shared by
    every request of a test, hiding bugs such as a stale signed-in user.) The test's own
    session commits first, so the request sees what the test set up and the test then
    reads what the request wrote."""

    def open(self, *args, **kwargs):
        db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(_session_app):
    """The process's app as a fresh one would be: its config, no throttling
    counts, the migrated database with no rows; in an app context for the test."""
    app, config = _session_app
    app.config.clear()
    app.config.update(config)
    limiter.reset()
    with app.app_context():
        yield app
        try:
            _attention_is_kept()
            _charts_are_kept()
        finally:
            _empty_all_tables()


def _attention_is_kept() -> None:
    """What is kept of each plan's flags (services/attention.py) is what the rules give from the
    database as the test left it: whatever the test did through the app, its operations kept it."""
    db.session.rollback()
    connection = db.session.connection()
    ids = list(connection.execute(select(Plan.id)).scalars())
    kept = {row.plan_id: row for row in connection.execute(select(PlanAttention))}
    expected = {row["plan_id"]: row for row in attention_rows(connection, ids)} if ids else {}
    assert {i: (r.attention_from, r.facts, r.regulatory_needed) for i, r in kept.items()} == {
        i: (r["attention_from"], r["facts"], r["regulatory_needed"]) for i, r in expected.items()
    }, "plan_attention is not what the flags' rules give: an operation changed what they read without it"


def _charts_are_kept() -> None:
    """Each measured action's kept chart (services/charts_kept.py) is the one drawn afresh from the
    database as the test left it, and no other action has one."""
    connection = db.session.connection()
    ids = list(connection.execute(select(Plan.id)).scalars())
    kept = {row.action_id: (row.plan_id, row.drawing, row.drawn_by) for row in connection.execute(select(ActionChart))}
    drawn = {  # as JSON gives it back: tuples as lists
        row["action_id"]: (row["plan_id"], json.loads(json.dumps(row["drawing"])), row["drawn_by"])
        for row in drawings_of(connection, ids)
    }
    assert kept == drawn, (
        "action_charts is not what the charts drawn afresh give: an operation changed what they are drawn from without it"
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def postgres_index_definition(name: str) -> str:
    """An index's definition as PostgreSQL states it ("CREATE INDEX … ON … (columns) INCLUDE …"):
    what a query-plan test can hold there, where a handful of never-vacuumed rows makes the
    planner's choice of index a coin toss."""
    return (
        db.session.connection()
        .exec_driver_sql("SELECT indexdef FROM pg_indexes WHERE indexname = %(name)s", {"name": name})
        .scalar_one()
    )


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client, email: str, password: str = factories.PASSWORD, next_url: str | None = None):
    """Sign in the way a person does: load the form, post it with its CSRF token."""
    page = client.get("/login")
    data = {"email": email, "password": password, "csrf_token": csrf_token_from(page.text)}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


class SignedInClient:
    """A test client signed in as `user`, that adds the CSRF token to every POST."""

    def __init__(self, client, user: User, password: str = factories.PASSWORD):
        self.client = client
        self.user = user
        response = login(client, user.email, password)
        assert response.status_code == 303, response.text
        # The session's token is on every signed-in page (the sign-out form); the account page
        # is one of the cheapest to render (a manager's dashboard costs five times as much).
        self.token = csrf_token_from(client.get("/account").text)

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, htmx=False, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token)
        headers = kwargs.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(url, data=data, headers=headers, **kwargs)


@pytest.fixture
def make_service(app):
    return factories.make_service


@pytest.fixture
def make_user(app):
    return factories.make_user


@pytest.fixture
def make_plan(app):
    return factories.make_plan


@pytest.fixture
def world(app):
    """A small service: a senior, a manager with two staff, another manager, HR and admin."""
    home = factories.make_service("Larkfield House")
    other = factories.make_service("Brook Lodge")
    senior = factories.make_user(Role.SENIOR, email="senior@example.test", services=[home])
    manager = factories.make_user(Role.MANAGER, email="manager@example.test", services=[home], line_manager=senior)
    other_manager = factories.make_user(Role.MANAGER, email="other.manager@example.test", services=[other])
    staff = factories.make_user(Role.STAFF, email="staff@example.test", services=[home], line_manager=manager)
    other_staff = factories.make_user(
        Role.STAFF, email="other.staff@example.test", services=[other], line_manager=other_manager
    )
    hr = factories.make_user(Role.HR, email="hr@example.test")
    admin = factories.make_user(Role.ADMIN, email="admin@example.test")
    other_senior = factories.make_user(Role.SENIOR, email="other.senior@example.test", services=[other])
    return dict(
        home=home,
        other=other,
        senior=senior,
        manager=manager,
        other_manager=other_manager,
        staff=staff,
        other_staff=other_staff,
        hr=hr,
        admin=admin,
        other_senior=other_senior,
    )


@pytest.fixture
def sign_in(app):
    """sign_in(user) → a fresh client signed in as that user."""

    def _sign_in(user: User, password: str = factories.PASSWORD) -> SignedInClient:
        return SignedInClient(app.test_client(), user, password)

    return _sign_in


# The issued plan the review tests share (tests/issued_plan.py has its day and review form). A
# module that defines its own `plan` or `manager` uses its own; a module that needs the day fixed
# says so: `pytestmark = pytest.mark.usefixtures("frozen_today")`.


@pytest.fixture
def frozen_today(app):
    app.config["FROZEN_TODAY"] = issued_plan.TODAY.isoformat()


@pytest.fixture
def plan(world):
    """An issued plan of the world's staff member, started three weeks before TODAY
    (`factories.make_issued_plan`)."""
    return factories.make_issued_plan(world, issued_plan.START)


@pytest.fixture
def manager(world, sign_in):
    """The plan's manager, signed in."""
    return sign_in(world["manager"])


class QueryCounter:
    """Counts the SQL statements the app sends while it is active (every connection of the engine)."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        """Statements other than transaction control and SQLite pragmas."""
        return sum(
            1 for s in self.statements if not s.lstrip().upper().startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK"))
        )


@pytest.fixture
def count_queries(app):
    """with count_queries() as counter: client.get(...); counter.count"""
    return lambda: QueryCounter(db.engine)
