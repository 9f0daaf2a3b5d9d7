"""Hardened sign-in: session rotation, two-factor sign-in, throttling, the password policy,
self-service password change, reset links, production cookies and security headers."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from pip_app import create_app
from pip_app.clock import now_utc
from pip_app.credentials import password_policy, totp
from pip_app.credentials.password_policy import password_problems
from pip_app.extensions import db
from pip_app.models import AuditEvent, PasswordReset, RecoveryCode, Role, User
from pip_app.services import two_factor
from pip_app.services.users import UserError, create_reset_link, create_user
from tests.conftest import csrf_token_from, login
from tests.factories import PASSWORD
from tests.html_checker import assert_valid_html, require_checker

NEW_PASSWORD = "granite-teapot-orbit-41"


# --- helpers -----------------------------------------------------------------------------------


def verbs(user_id: int | None = None) -> list[str]:
    query = select(AuditEvent.verb).order_by(AuditEvent.id)
    if user_id is not None:
        query = query.where(AuditEvent.entity == "user", AuditEvent.entity_id == user_id)
    return list(db.session.scalars(query))


def enrol(user: User) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on for a user directly (as if they had scanned the QR code)."""
    secret = two_factor.start_enrolment(user)
    codes = two_factor.confirm_enrolment(user, secret, totp.code_for(secret))
    db.session.commit()
    return secret, codes


def setup_key(page_html: str) -> str:
    """The setup key the enrolment page shows (grouped in fours for typing by hand)."""
    match = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page_html)
    assert match, "no setup key on the page"
    return match.group(1).replace(" ", "")


def next_code(secret: str) -> str:
    """A code that has not been used yet: the one for the next 30-second step (within drift)."""
    return totp.code_for(secret, time.time() + totp.STEP_SECONDS)


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """POST with the CSRF token from `page` (or from the page at `url`)."""
    html = client.get(page or url).text
    return client.post(url, data={**data, "csrf_token": csrf_token_from(html)}, **kwargs)


def second_step(client, code: str):
    return post_form(client, "/login/two-factor", {"code": code})


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """A fresh browser presenting a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, email="jo.bloggs@example.test", name="Jo Bloggs")


@pytest.fixture
def two_factor_required(app):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("admin", "hr")


# --- sessions ----------------------------------------------------------------------------------


def test_signing_in_rotates_the_token_so_an_earlier_session_ends(app, staff):
    first, second = app.test_client(), app.test_client()
    assert login(first, staff.email).status_code == 303
    copied = session_cookie(first)
    assert login(second, staff.email).status_code == 303
    assert signed_in(second)
    assert not signed_in(first)
    assert replay(app, copied).get("/").status_code == 302


def test_sign_out_everywhere_ends_every_session_and_is_audited(app, sign_in, staff):
    laptop = sign_in(staff)
    copied = session_cookie(laptop.client)
    page = laptop.get("/account")
    assert page.status_code == 200 and "Sign out everywhere" in page.text
    response = laptop.post("/account/sign-out-everywhere")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert not signed_in(laptop.client)
    assert replay(app, copied).get("/").status_code == 302
    assert "session_revoked" in verbs(staff.id)


def test_sign_out_everywhere_is_post_only_and_needs_csrf(sign_in, staff):
    laptop = sign_in(staff)
    assert laptop.get("/account/sign-out-everywhere").status_code == 405
    assert laptop.post("/account/sign-out-everywhere", csrf=False).status_code == 400
    assert signed_in(laptop.client)


def test_logout_clears_site_data(sign_in, staff):
    response = sign_in(staff).post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_idle_session_cookie_is_refused_after_the_lifetime(app, sign_in, staff, monkeypatch):
    laptop = sign_in(staff)
    assert signed_in(laptop.client)
    later = int(time.time() + app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() + 60)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert laptop.get("/").status_code == 302


def test_an_unchanged_session_cookie_is_signed_again_once_a_minute_old_and_activity_keeps_it_alive(
    app, sign_in, staff, monkeypatch
):
    laptop = sign_in(staff)
    signed = int(time.time())
    lifetime = int(app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())

    def at(seconds_later: int) -> None:  # the clock a cookie's signature is made and checked by
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: signed + seconds_later)

    at(30)
    soon = laptop.get("/")
    assert soon.status_code == 200
    assert "Set-Cookie" not in soon.headers  # nothing changed, and the cookie is half a minute old

    at(61)
    later = laptop.get("/")
    assert later.status_code == 200
    assert later.headers["Set-Cookie"].startswith("session=")  # a minute old: signed again
    assert "Expires=" in later.headers["Set-Cookie"]

    at(61 + lifetime - 1)  # past the first signature's idle timeout, within the second's
    assert laptop.get("/").status_code == 200
    at(61 + lifetime - 1 + lifetime + 1)  # then idle for longer than the timeout
    assert laptop.get("/").status_code == 302


def test_production_session_cookie_is_host_prefixed_secure_httponly_lax(database_url, staff, monkeypatch):
    monkeypatch.setenv("PIP_ENV", "production")
    db.session.commit()  # the production app below reads through an engine of its own
    app = create_app(
        {
            "SECRET_KEY": "a-production-secret-for-this-test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
            "TWO_FACTOR_REQUIRED_ROLES": (),
            "SINGLE_PROCESS": True,  # one test client: per-process throttling counts are the whole count
        }
    )
    assert app.config["PRODUCTION"]
    client = app.test_client()
    page = client.get("/login", base_url="https://care.example.org")
    response = client.post(
        "/login",
        base_url="https://care.example.org",
        headers={"Referer": "https://care.example.org/login"},
        data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 303, response.text
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert "Domain=" not in cookie  # __Host- cookies must not name a domain
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://localhost").headers
    assert "Strict-Transport-Security" not in client.get("/login").headers


# --- two-factor sign-in ------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_turns_on_with_the_right_code(sign_in, staff):
    me = sign_in(staff)
    page = me.get("/account/two-factor")
    assert page.status_code == 200
    assert "<svg" in page.text and 'class="qr-code"' in page.text
    secret = setup_key(page.text)  # shown for typing by hand, kept in the session, not stored yet
    db.session.refresh(staff)
    assert staff.totp_secret is None
    assert setup_key(me.get("/account/two-factor").text) == secret  # the same key until confirmed
    assert not staff.two_factor_enabled  # not in force until a code proves the app has it

    wrong = me.post("/account/two-factor", {"code": "000000" if totp.code_for(secret) != "000000" else "111111"})
    assert wrong.status_code == 422 and "did not work" in wrong.text
    db.session.refresh(staff)
    assert not staff.two_factor_enabled

    right = me.post("/account/two-factor", {"code": totp.code_for(secret)})
    assert right.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", right.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(staff)
    assert staff.two_factor_enabled
    assert "two_factor_enrolled" in verbs(staff.id)
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == staff.id)).all()
    assert len(stored) == 10 and all(h.startswith("$argon2id$") for h in stored)
    assert not any(code.replace("-", "") in h for h in stored for code in codes)
    # shown once: the page now shows the status, not the codes
    status = me.get("/account/two-factor")
    assert "unused recovery code" in status.text and codes[0] not in status.text


def test_sign_in_with_two_factor_is_two_steps(app, client, staff):
    secret, _codes = enrol(staff)
    first = login(client, staff.email, next_url="/plans/")
    assert first.status_code == 303 and first.headers["Location"] == "/login/two-factor"
    # half signed in is not signed in
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    page = client.get("/login/two-factor")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text

    wrong = second_step(client, "12345" + str((int(next_code(secret)[-1]) + 1) % 10))
    assert wrong.status_code == 401 and "not recognised" in wrong.text
    assert client.get("/").status_code == 302
    right = second_step(client, next_code(secret))
    assert right.status_code == 303 and right.headers["Location"] == "/plans/"
    assert signed_in(client)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == staff.id)).all()
    assert any(e.verb == "sign_in_failed" and e.changes.get("stage") == "two_factor" for e in events)
    assert any(e.verb == "signed_in" and e.changes.get("two_factor") == "totp" for e in events)


def test_a_code_cannot_be_used_twice(app, client, staff):
    secret, _ = enrol(staff)
    code = next_code(secret)
    login(client, staff.email)
    assert second_step(client, code).status_code == 303
    other = app.test_client()
    login(other, staff.email)
    assert second_step(other, code).status_code == 401


def test_recovery_code_signs_in_once(app, client, staff):
    _secret, codes = enrol(staff)
    login(client, staff.email)
    response = second_step(client, codes[3].upper().replace("-", " "))  # typed loosely
    assert response.status_code == 303
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "You have 9 left" in dashboard.text
    assert "recovery_code_used" in verbs(staff.id)

    again = app.test_client()
    login(again, staff.email)
    assert second_step(again, codes[3]).status_code == 401
    assert second_step(again, codes[4]).status_code == 303


def test_pending_sign_in_expires(app, client, staff):
    secret, _ = enrol(staff)
    login(client, staff.email)
    token = csrf_token_from(client.get("/login/two-factor").text)
    with client.session_transaction() as session:
        session["pending_sign_in"] = {**session["pending_sign_in"], "expires": time.time() - 1}
    response = client.post("/login/two-factor", data={"code": next_code(secret), "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert "took too long" in client.get("/login").text


def test_pending_sign_in_is_cancelled_by_a_password_change(app, client, staff):
    secret, _ = enrol(staff)
    login(client, staff.email)
    token = csrf_token_from(client.get("/login/two-factor").text)
    staff.rotate_session_token()  # e.g. an administrator reset the password meanwhile
    db.session.commit()
    response = client.post("/login/two-factor", data={"code": next_code(secret), "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_second_step_without_a_password_step_goes_to_sign_in(client):
    response = client.get("/login/two-factor")
    assert response.status_code == 303 and response.headers["Location"] == "/login"


def test_required_roles_must_enrol_before_anything_else(app, two_factor_required, make_user):
    admin = make_user(Role.ADMIN, email="ada@example.test")
    client = app.test_client()
    response = login(client, admin.email)
    assert response.status_code == 303 and response.headers["Location"] == "/account/two-factor"
    for url in ("/", "/admin/users", "/account", "/account/password"):
        blocked = client.get(url)
        assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/two-factor", url
    htmx = client.get("/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/account/two-factor"
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "must set this up" in page.text
    done = post_form(client, "/account/two-factor", {"code": totp.code_for(setup_key(page.text))})
    assert done.status_code == 200
    assert client.get("/admin/users").status_code == 200


def test_required_roles_do_not_apply_when_not_configured(client, make_user):
    hr = make_user(Role.HR)
    response = login(client, hr.email)
    assert response.headers["Location"] == "/"
    assert signed_in(client)


def test_enrolled_admin_signs_in_with_two_steps(app, two_factor_required, client, make_user):
    admin = make_user(Role.ADMIN)
    secret, _ = enrol(admin)
    assert login(client, admin.email).headers["Location"] == "/login/two-factor"
    assert second_step(client, next_code(secret)).headers["Location"] == "/"
    assert client.get("/admin/users").status_code == 200


def test_required_roles_cannot_turn_two_factor_off(app, two_factor_required, sign_in, make_user):
    hr = make_user(Role.HR)
    secret, _ = enrol(hr)
    client = app.test_client()
    login(client, hr.email)
    second_step(client, next_code(secret))
    page = client.get("/account/two-factor")
    assert "cannot be turned off" in page.text and "/account/two-factor/turn-off" not in page.text
    response = post_form(
        client, "/account/two-factor/turn-off", {"off-current_password": PASSWORD}, page="/account/two-factor"
    )
    assert response.status_code == 303
    db.session.refresh(hr)
    assert hr.two_factor_enabled


def test_turning_off_and_new_recovery_codes_need_the_current_password(app, client, staff):
    secret, _codes = enrol(staff)
    login(client, staff.email)
    second_step(client, next_code(secret))
    wrong = post_form(
        client,
        "/account/two-factor/recovery-codes",
        {"codes-current_password": "not my password at all"},
        page="/account/two-factor",
    )
    assert wrong.status_code == 422 and "current password is not right" in wrong.text
    fresh = post_form(
        client, "/account/two-factor/recovery-codes", {"codes-current_password": PASSWORD}, page="/account/two-factor"
    )
    assert fresh.status_code == 200
    new_codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", fresh.text)
    assert len(new_codes) == 10 and "recovery_codes_replaced" in verbs(staff.id)

    off = post_form(
        client, "/account/two-factor/turn-off", {"off-current_password": PASSWORD}, page="/account/two-factor"
    )
    assert off.status_code == 303
    assert signed_in(client)  # this session carries on; others end
    db.session.refresh(staff)
    assert not staff.two_factor_enabled and "two_factor_disabled" in verbs(staff.id)
    assert db.session.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == staff.id)) == 0
    other = app.test_client()
    assert login(other, staff.email).headers["Location"] == "/"  # one step again


# --- throttling --------------------------------------------------------------------------------


def test_failed_sign_ins_per_account_are_throttled(app, client, staff, make_user):
    app.config["LOGIN_ACCOUNT_LIMIT"] = "3 per 15 minutes"
    for _ in range(3):
        assert login(client, staff.email, "wrong password, sorry").status_code == 401
    for _ in range(2):
        blocked = login(client, staff.email)  # even the right password waits
        assert blocked.status_code == 429
        assert "Please wait 15 minutes" in blocked.text and "<html" in blocked.text
    assert verbs().count("throttled") == 1  # one event per window, not one per refusal
    other = make_user(Role.STAFF)
    assert login(app.test_client(), other.email).status_code == 303  # other accounts unaffected


def test_failed_sign_ins_per_address_are_throttled(app, client, make_user):
    app.config["LOGIN_ADDRESS_LIMIT"] = "4 per 15 minutes"
    for n in range(4):
        assert login(client, f"nobody{n}@example.test", "wrong password, sorry").status_code == 401
    assert login(client, make_user(Role.STAFF).email).status_code == 429
    # another address is counted separately
    elsewhere = app.test_client()
    page = elsewhere.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    response = elsewhere.post(
        "/login",
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
        data={"email": make_user(Role.STAFF).email, "password": PASSWORD, "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 303


def test_successful_sign_ins_are_not_counted(app, staff):
    app.config["LOGIN_ACCOUNT_LIMIT"] = "2 per 15 minutes"
    for _ in range(4):
        assert login(app.test_client(), staff.email).status_code == 303


def test_wrong_codes_at_the_second_step_are_throttled(app, client, staff):
    app.config["TWO_FACTOR_LIMIT"] = "2 per 15 minutes"
    secret, _ = enrol(staff)
    login(client, staff.email)
    bad = "000000" if next_code(secret) != "000000" else "999999"
    assert second_step(client, bad).status_code == 401
    assert second_step(client, bad).status_code == 401
    assert second_step(client, next_code(secret)).status_code == 429
    assert client.get("/").status_code == 302


def test_wrong_current_passwords_are_throttled(app, sign_in, staff):
    app.config["PASSWORD_CHECK_LIMIT"] = "2 per 15 minutes"
    me = sign_in(staff)
    form = {"current_password": "not the password", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    assert me.post("/account/password", form).status_code == 422
    assert me.post("/account/password", form).status_code == 422
    assert me.post("/account/password", {**form, "current_password": PASSWORD}).status_code == 429


# --- password policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password,email,name,problem",
    [
        ("short", None, None, password_policy.TOO_SHORT),
        ("elevenchars", None, None, password_policy.TOO_SHORT),
        ("123456789012", None, None, password_policy.TOO_COMMON),
        ("qwertyuiop123", None, None, password_policy.TOO_COMMON),
        ("QWERTYUIOP123", None, None, password_policy.TOO_COMMON),  # any case
        ("Password2024!", None, None, password_policy.TOO_COMMON),
        ("P@ssw0rd-2025!!", None, None, password_policy.TOO_COMMON),  # look-alikes undone
        ("pass word 1234", None, None, password_policy.TOO_COMMON),
        ("passwordpassword", None, None, password_policy.TOO_COMMON),
        ("care1234567890", None, None, password_policy.TOO_COMMON),
        ("Carehome2026!!", None, None, password_policy.TOO_COMMON),
        ("Summer2025!!!", None, None, password_policy.TOO_COMMON),
        ("Liverpool1892", None, None, password_policy.TOO_COMMON),
        ("abcdefghijklmn", None, None, password_policy.TOO_COMMON),  # a run
        ("xyzxyzxyzxyz", None, None, password_policy.TOO_COMMON),  # a repeat
        ("2024!2024!2024!", None, None, password_policy.TOO_COMMON),  # digits and symbols only
        ("morgan.hughes@care.test", "morgan.hughes@care.test", None, password_policy.PERSONAL),
        ("MorganHughes99!", "morgan.hughes@care.test", None, password_policy.PERSONAL),
        ("hughes-rota-1999", "mh@care.test", "Morgan Hughes", password_policy.PERSONAL),
        ("correct-horse-battery", "x@example.test", None, None),
        ("improve-practice-2026", "admin@demo.test", "Alex Morgan", None),
        ("tide kettle lantern", None, None, None),
        ("Zebra-Quartz-Mango-88", "morgan@care.test", "Morgan Hughes", None),
    ],
)
def test_password_policy(password, email, name, problem):
    problems = password_problems(password, email=email, name=name)
    if problem is None:
        assert problems == []
    else:
        assert problem in problems


def test_the_shipped_list_is_loaded_and_case_insensitive():
    common = password_policy.common_passwords()
    assert len([p for p in common if len(p) >= 12]) >= 1000
    assert all(p == p.lower() for p in common)
    assert "password" in common and "123456789012" in common


def test_create_user_applies_the_policy(app):
    with pytest.raises(UserError, match="too common"):
        create_user(None, email="new@example.test", name="New Person", role=Role.STAFF, password="Password2024!")
    with pytest.raises(UserError, match="email address or your name"):
        create_user(
            None, email="newperson@example.test", name="New Person", role=Role.STAFF, password="newperson-2024-x"
        )
    db.session.rollback()


# --- self-service password change --------------------------------------------------------------


def test_change_password_page_has_three_fields(sign_in, staff):
    page = sign_in(staff).get("/account/password")
    assert page.status_code == 200
    for name in ("current_password", "new_password", "confirm_password"):
        assert f'name="{name}"' in page.text
    assert 'autocomplete="new-password"' in page.text


@pytest.mark.parametrize(
    "form,message",
    [
        (
            {"current_password": "not the password", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
            "current password is not right",
        ),
        (
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"},
            "do not match",
        ),
        (
            {"current_password": PASSWORD, "new_password": "qwertyuiop123", "confirm_password": "qwertyuiop123"},
            "too common",
        ),
        ({"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"}, "at least 12"),
        ({"current_password": PASSWORD, "new_password": PASSWORD, "confirm_password": PASSWORD}, "different"),
    ],
)
def test_change_password_refusals(sign_in, staff, form, message):
    me = sign_in(staff)
    response = me.post("/account/password", form)
    assert response.status_code == 422
    assert message in response.text
    assert signed_in(me.client)


def test_change_password_keeps_this_session_and_ends_the_others(app, sign_in, staff):
    me = sign_in(staff)
    copied = session_cookie(me.client)
    other = app.test_client()
    other.set_cookie("session", copied)  # the same session on another device
    response = me.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert signed_in(me.client)
    assert other.get("/").status_code == 302
    assert "password_changed" in verbs(staff.id)
    assert login(app.test_client(), staff.email, PASSWORD).status_code == 401
    assert login(app.test_client(), staff.email, NEW_PASSWORD).status_code == 303


# --- reset links -------------------------------------------------------------------------------


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, email="admin@example.test")


def make_link(admin, user) -> str:
    token = create_reset_link(admin, user)
    db.session.commit()
    return token


def test_reset_link_sets_a_new_password_once(app, client, admin, staff):
    token = make_link(admin, staff)
    stored = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == staff.id))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    page = client.get(f"/reset/{token}")
    assert page.status_code == 200 and staff.email in page.text
    assert page.headers["Cache-Control"] == "no-store"
    response = post_form(client, f"/reset/{token}", {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert login(app.test_client(), staff.email, NEW_PASSWORD).status_code == 303
    assert client.get(f"/reset/{token}").status_code == 404
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == staff.id)).all()
    assert [e.changes.get("via") for e in events if e.verb == "password_changed"] == ["reset_link"]
    assert "reset_link_created" in [e.verb for e in events]


def test_reset_link_expires(app, client, admin, staff):
    token = make_link(admin, staff)
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == staff.id))
    reset.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    page = client.get(f"/reset/{token}")
    assert page.status_code == 404 and "Ask your system administrator for a new link" in page.text


def test_reset_link_lifetime_comes_from_the_config(app, admin, staff):
    app.config["PASSWORD_RESET_LIFETIME"] = timedelta(minutes=10)
    make_link(admin, staff)
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == staff.id))
    assert timedelta(minutes=9) < reset.expires_at - now_utc() <= timedelta(minutes=10)


def test_a_newer_link_replaces_the_older(client, admin, staff):
    old = make_link(admin, staff)
    new = make_link(admin, staff)
    assert client.get(f"/reset/{old}").status_code == 404
    assert client.get(f"/reset/{new}").status_code == 200


def test_reset_link_applies_the_policy_and_stays_usable_after_a_refusal(client, admin, staff):
    token = make_link(admin, staff)
    refused = post_form(
        client, f"/reset/{token}", {"new_password": "Password2024!", "confirm_password": "Password2024!"}
    )
    assert refused.status_code == 422 and "too common" in refused.text
    assert client.get(f"/reset/{token}").status_code == 200


def test_reset_ends_existing_sessions(app, sign_in, admin, staff):
    me = sign_in(staff)
    token = make_link(admin, staff)
    post_form(app.test_client(), f"/reset/{token}", {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert not signed_in(me.client)


def test_unknown_or_deactivated_links_do_not_work(client, admin, staff):
    assert client.get("/reset/not-a-real-token").status_code == 404
    token = make_link(admin, staff)
    staff.active = False
    db.session.commit()
    assert client.get(f"/reset/{token}").status_code == 404


# --- the new pages are valid HTML ---------------------------------------------------------------


def test_account_and_admin_pages_are_valid_html(app, sign_in, staff, admin):
    require_checker()
    pages = {}
    me = sign_in(staff)
    for url in ("/account", "/account/password", "/account/two-factor"):
        pages[url] = me.get(url).text
    pages["refused password"] = me.post("/account/password", {"current_password": "x"}).text
    secret = setup_key(pages["/account/two-factor"])
    pages["recovery codes"] = me.post("/account/two-factor", {"code": totp.code_for(secret)}).text
    pages["two-factor status"] = me.get("/account/two-factor").text
    boss = sign_in(admin)
    pages["users"] = boss.get("/admin/users").text
    pages["user"] = boss.get(f"/admin/users/{staff.id}").text
    pages["user refused"] = boss.post(f"/admin/users/{staff.id}/deactivate", {}).text
    pages["reset link"] = boss.post(f"/admin/users/{staff.id}/reset-link", {"reset-confirm": "y"}).text
    token = re.search(r"/reset/([A-Za-z0-9_\-]+)", pages["reset link"]).group(1)
    visitor = app.test_client()
    pages["reset"] = visitor.get(f"/reset/{token}").text
    pages["reset invalid"] = visitor.get("/reset/nope").text
    login(visitor, staff.email)
    pages["second step"] = visitor.get("/login/two-factor").text
    assert_valid_html(pages, ignore=re.compile("hx-"))
