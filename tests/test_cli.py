"""The command-line tasks: create-user and demo-data."""
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.models import Plan, PlanStatus, Role, User
from tests.conftest import login


def test_create_user_prompts_and_creates(runner):
    result = runner.invoke(args=["create-user", "--email", "New.Person@Example.test", "--name", "New Person",
                                 "--role", "manager", "--service", "Larkfield House"],
                           input="a-long-enough-password\na-long-enough-password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
    assert user.role is Role.MANAGER and [s.name for s in user.services] == ["Larkfield House"]


def test_create_user_refuses_a_duplicate_email_in_another_case(runner, make_user):
    make_user(Role.STAFF, email="sam@example.test")
    result = runner.invoke(args=["create-user", "--email", "SAM@example.test", "--name", "Sam", "--role", "staff"],
                           input="a-long-enough-password\na-long-enough-password\n")
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_create_user_refuses_a_short_password(runner):
    result = runner.invoke(args=["create-user", "--email", "a@example.test", "--name", "A", "--role", "staff"],
                           input="short\nshort\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output


def test_demo_data_is_idempotent_and_covers_every_state(runner, client):
    first = runner.invoke(args=["demo-data", "--password", "demo-password-for-tests"])
    assert first.exit_code == 0, first.output
    assert "manager@demo.test" in first.output and "demo-password-for-tests" in first.output
    counts = (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Plan.id))))
    second = runner.invoke(args=["demo-data", "--password", "demo-password-for-tests"])
    assert second.exit_code == 0, second.output
    assert (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Plan.id)))) == counts
    statuses = set(db.session.scalars(select(Plan.status)))
    assert statuses == {PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.PAUSED, PlanStatus.CLOSED}
    closed = db.session.scalar(select(Plan).where(Plan.status == PlanStatus.CLOSED))
    c = closed.closure
    assert all([c.what_changed, c.how_measured, c.risk_now_controlled, c.ongoing_monitoring])
    for email in ("admin", "manager", "senior", "hr", "staff"):
        response = login(client, f"{email}@demo.test", "demo-password-for-tests")
        assert response.status_code == 303, email
        assert client.get("/").status_code == 200
        client.post("/logout", data={"csrf_token": _token(client)})


def _token(client):
    from tests.conftest import csrf_token_from
    return csrf_token_from(client.get("/").text)


def test_migrations_match_the_models(runner):
    """`flask db check`: the schema built by the migrations has no drift from models.py."""
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
