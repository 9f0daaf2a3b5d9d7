"""Sign-in and sign-out: credentials, CSRF, next, inactive users, replayed cookies, timeouts."""

import pytest

from pip_app.auth.views import BAD_CREDENTIALS
from pip_app.extensions import db
from pip_app.models import AuditEvent, Role
from tests.conftest import csrf_token_from, login
from tests.factories import PASSWORD


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER, email="morgan@example.test")


def test_login_page_has_the_stable_fields(client):
    page = client.get("/login")
    assert page.status_code == 200
    for name in ('name="email"', 'name="password"', 'name="csrf_token"'):
        assert name in page.text


def test_sign_in_reaches_the_dashboard(client, manager):
    response = login(client, manager.email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert manager.name in dashboard.text


def test_email_is_matched_in_any_case(client, manager):
    assert login(client, "MORGAN@Example.TEST").status_code == 303


@pytest.mark.parametrize(
    "email,password",
    [
        ("nobody@example.test", PASSWORD),
        ("morgan@example.test", "wrong password here"),
    ],
)
def test_bad_credentials_get_one_generic_message(client, manager, email, password):
    response = login(client, email, password)
    assert response.status_code == 401
    assert BAD_CREDENTIALS in response.text
    assert client.get("/").status_code == 302  # still signed out
    # the email typed is kept, the password is not
    assert f'value="{email}"' in response.text
    assert f'value="{password}"' not in response.text


def test_failed_sign_in_is_audited(client, manager):
    login(client, manager.email, "not the password at all")
    verbs = [e.verb for e in db.session.scalars(db.select(AuditEvent))]
    assert "sign_in_failed" in verbs


def test_inactive_user_cannot_sign_in(client, make_user):
    user = make_user(Role.STAFF, active=False)
    response = login(client, user.email)
    assert response.status_code == 401
    assert BAD_CREDENTIALS in response.text


def test_missing_fields_get_422_with_messages(client):
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 422
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text


def test_missing_csrf_token_is_refused_with_400(client, manager):
    client.get("/login")
    response = client.post("/login", data={"email": manager.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.text
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/plans/", "/plans/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_follows_relative_paths(client, manager, target, expected):
    response = login(client, manager.email, next_url=target)
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_pages_need_sign_in_and_remember_where_you_were(client):
    response = client.get("/plans/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/plans/")


def test_htmx_request_without_session_gets_hx_redirect(client):
    response = client.get("/plans/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


def test_logout_is_post_only(sign_in, manager):
    signed_in = sign_in(manager)
    assert signed_in.get("/logout").status_code == 405
    assert signed_in.get("/").status_code == 200


def test_cookie_copied_before_logout_is_rejected_after_it(app, sign_in, manager):
    signed_in = sign_in(manager)
    stolen = signed_in.client.get_cookie("session").value
    response = signed_in.post("/logout")
    assert response.status_code == 303
    assert signed_in.get("/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/").status_code == 302


def test_logout_without_csrf_is_refused(sign_in, manager):
    signed_in = sign_in(manager)
    assert signed_in.post("/logout", csrf=False).status_code == 400
    assert signed_in.get("/").status_code == 200


def test_deactivated_user_is_signed_out_at_once(sign_in, manager):
    signed_in = sign_in(manager)
    manager.active = False
    db.session.commit()
    assert signed_in.get("/").status_code == 302


def test_absolute_session_lifetime_ends_the_session(app, sign_in, manager):
    signed_in = sign_in(manager)
    with signed_in.client.session_transaction() as session:
        session["signed_in_at"] -= app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds() + 1
    assert signed_in.get("/").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, manager):
    response = login(client, manager.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # permanent session with the idle lifetime, no remember-me cookie
    assert "remember_token" not in response.headers.get("Set-Cookie", "")
