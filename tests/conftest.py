"""Fixtures: the app on a real database (SQLite by default, PostgreSQL with DATABASE_URL),
clients signed in through /login with CSRF on, and factory fixtures."""
from __future__ import annotations

import contextvars
import os
import re

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from pip_app import create_app
from pip_app.extensions import db
from pip_app.models import Role, User
from tests import factories

IN_CI = os.environ.get("CI") == "true"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def _config(url: str, instance_path) -> dict:
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
    """Build the schema once per run through the migrations (so they are tested too)."""
    url = _database_url(tmp_path_factory)
    app = create_app(_config(url, None))
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    # The data revision only ever counts up, across tests as in production.
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name != "data_revision"]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


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
def app(database_url):
    app = create_app(_config(database_url, None))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


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
        self.token = csrf_token_from(client.get("/").text)

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
    other_staff = factories.make_user(Role.STAFF, email="other.staff@example.test", services=[other], line_manager=other_manager)
    hr = factories.make_user(Role.HR, email="hr@example.test")
    admin = factories.make_user(Role.ADMIN, email="admin@example.test")
    other_senior = factories.make_user(Role.SENIOR, email="other.senior@example.test", services=[other])
    return dict(home=home, other=other, senior=senior, manager=manager, other_manager=other_manager,
                staff=staff, other_staff=other_staff, hr=hr, admin=admin, other_senior=other_senior)


@pytest.fixture
def sign_in(app):
    """sign_in(user) → a fresh client signed in as that user."""

    def _sign_in(user: User, password: str = factories.PASSWORD) -> SignedInClient:
        return SignedInClient(app.test_client(), user, password)

    return _sign_in


class QueryCounter:
    """Counts the SQL statements the app sends while it is active (every connection of the engine)."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        """Statements other than transaction control and SQLite pragmas."""
        return sum(1 for s in self.statements if not s.lstrip().upper().startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")))


@pytest.fixture
def count_queries(app):
    """with count_queries() as counter: client.get(...); counter.count"""
    return lambda: QueryCounter(db.engine)


@pytest.fixture
def page_cache_off(app):
    """Render every page (the cost and statements of a page nobody has seen since the last change)."""
    app.extensions.pop("page_cache", None)


# Every committed transaction that writes a row must also move the data revision, or a kept
# page (pip_app/page_cache.py) could outlive the change. Checked on every transaction of every
# test, at the database connection, whatever wrote the rows (ORM, Core, CLI commands, seeds).
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_NOT_DATA = {"alembic_version"}
_uncounted_writes: list[set[str]] = []


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, _cursor, statement, _parameters, _context, _executemany):
    match = _WRITE.match(statement)
    if match and match.group(1).lower() not in _NOT_DATA:
        conn.info.setdefault("written", set()).add(match.group(1).lower())


@event.listens_for(Engine, "commit")
def _check_write_counted(conn):
    written = conn.info.pop("written", set())
    if written and "data_revision" not in written:
        _uncounted_writes.append(written)


@event.listens_for(Engine, "rollback")
def _forget_writes(conn):
    conn.info.pop("written", None)


@pytest.fixture(autouse=True)
def every_change_moves_the_data_revision():
    _uncounted_writes.clear()
    yield
    assert not _uncounted_writes, f"committed without moving the data revision: {_uncounted_writes}"
