"""Administration of accounts: only administrators, every change confirmed, audited and
ending the person's sessions at once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pip_app.credentials import totp
from pip_app.extensions import db
from pip_app.models import AuditEvent, PasswordReset, Role
from pip_app.services import two_factor
from tests.conftest import login

ADMIN_PAGES = ["/admin/users", "/admin/users/{id}"]
ADMIN_ACTIONS = [
    ("/admin/users/{id}/role", {"role-role": "admin", "role-confirm": "y"}),
    ("/admin/users/{id}/deactivate", {"active-confirm": "y"}),
    ("/admin/users/{id}/reactivate", {"active-confirm": "y"}),
    ("/admin/users/{id}/reset-link", {"reset-confirm": "y"}),
    ("/admin/users/{id}/two-factor/reset", {"two_factor-confirm": "y"}),
]


def events_for(user_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == "user", AuditEvent.entity_id == user_id)
            .order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def admin_client(world, sign_in):
    return sign_in(world["admin"])


@pytest.mark.parametrize("role", ["staff", "manager", "senior", "hr"])
def test_admin_pages_and_actions_are_forbidden_to_other_roles(world, sign_in, role):
    target = world["staff"]
    client = sign_in(world[role])
    for url in ADMIN_PAGES:
        assert client.get(url.format(id=target.id)).status_code == 403, url
    for url, data in ADMIN_ACTIONS:
        assert client.post(url.format(id=target.id), data).status_code == 403, url
    db.session.refresh(target)
    assert target.active and target.role is Role.STAFF
    assert db.session.scalar(select(PasswordReset)) is None


def test_admin_pages_need_sign_in(client, world):
    response = client.get(f"/admin/users/{world['staff'].id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post(f"/admin/users/{world['staff'].id}/deactivate").status_code in (302, 400)


def test_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/999999").status_code == 404
    assert admin_client.post("/admin/users/999999/deactivate", {"active-confirm": "y"}).status_code == 404


def test_users_page_lists_people_and_links_to_each(admin_client, world):
    page = admin_client.get("/admin/users")
    assert page.status_code == 200
    assert f'href="/admin/users/{world["manager"].id}"' in page.text
    assert "Two-factor" in page.text


def test_user_page_offers_each_change_with_a_confirmation(admin_client, world):
    page = admin_client.get(f"/admin/users/{world['manager'].id}")
    assert page.status_code == 200
    for action in ("/role", "/deactivate", "/reset-link"):
        assert f'action="/admin/users/{world["manager"].id}{action}"' in page.text
    assert page.text.count('type="checkbox"') >= 3


def test_own_page_offers_no_role_change_or_deactivation(admin_client, world):
    page = admin_client.get(f"/admin/users/{world['admin'].id}")
    assert "/deactivate" not in page.text and "/role" not in page.text


def test_change_role_is_confirmed_audited_and_ends_sessions(app, admin_client, world, sign_in):
    manager = world["manager"]
    theirs = sign_in(manager)
    unconfirmed = admin_client.post(f"/admin/users/{manager.id}/role", {"role-role": "senior"})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm." in unconfirmed.text
    db.session.refresh(manager)
    assert manager.role is Role.MANAGER

    response = admin_client.post(f"/admin/users/{manager.id}/role", {"role-role": "senior", "role-confirm": "y"})
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/users/{manager.id}"
    db.session.refresh(manager)
    assert manager.role is Role.SENIOR
    assert theirs.get("/").status_code == 302
    event = [e for e in events_for(manager.id) if e.verb == "role_changed"][-1]
    assert event.actor_id == world["admin"].id and event.changes == {"role": ["manager", "senior"]}
    page = admin_client.get(f"/admin/users/{manager.id}")
    assert "Role changed: Line manager → Registered manager / deputy" in page.text


def test_admin_cannot_change_their_own_role(admin_client, world):
    admin = world["admin"]
    response = admin_client.post(f"/admin/users/{admin.id}/role", {"role-role": "staff", "role-confirm": "y"})
    assert response.status_code == 422 and "cannot change your own role" in response.text
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN


def test_deactivate_and_reactivate(app, admin_client, world, sign_in):
    staff = world["staff"]
    theirs = sign_in(staff)
    copied = theirs.client.get_cookie("session").value
    unconfirmed = admin_client.post(f"/admin/users/{staff.id}/deactivate", {"active-confirm": ""})
    assert unconfirmed.status_code == 422
    response = admin_client.post(f"/admin/users/{staff.id}/deactivate", {"active-confirm": "y"})
    assert response.status_code == 303
    db.session.refresh(staff)
    assert not staff.active
    assert theirs.get("/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/").status_code == 302
    assert login(app.test_client(), staff.email).status_code == 401

    response = admin_client.post(f"/admin/users/{staff.id}/reactivate", {"active-confirm": "y"})
    assert response.status_code == 303
    assert login(app.test_client(), staff.email).status_code == 303
    assert [e.verb for e in events_for(staff.id) if e.verb.endswith("activated")] == ["deactivated", "reactivated"]


def test_admin_cannot_deactivate_themselves(admin_client, world):
    admin = world["admin"]
    response = admin_client.post(f"/admin/users/{admin.id}/deactivate", {"active-confirm": "y"})
    assert response.status_code == 422 and "cannot deactivate your own account" in response.text
    db.session.refresh(admin)
    assert admin.active


def test_reset_link_is_shown_once_and_works(app, admin_client, world):
    staff = world["staff"]
    response = admin_client.post(f"/admin/users/{staff.id}/reset-link", {"reset-confirm": "y"})
    assert response.status_code == 200 and "not shown again" in response.text
    link = re.search(r"http://localhost(/reset/[A-Za-z0-9_\-]+)", response.text).group(1)
    assert app.test_client().get(link).status_code == 200
    assert link not in admin_client.get(f"/admin/users/{staff.id}").text
    event = [e for e in events_for(staff.id) if e.verb == "reset_link_created"][-1]
    assert event.actor_id == world["admin"].id and "expires_at" in event.changes
    assert link.rsplit("/", 1)[1] not in str(event.changes)


def test_reset_link_for_a_deactivated_account_is_refused(admin_client, world):
    staff = world["staff"]
    staff.active = False
    db.session.commit()
    response = admin_client.post(f"/admin/users/{staff.id}/reset-link", {"reset-confirm": "y"})
    assert response.status_code == 422 and "Reactivate" in response.text


def test_reset_two_factor(app, admin_client, world, sign_in):
    hr = world["hr"]
    secret = two_factor.start_enrolment(hr)
    two_factor.confirm_enrolment(hr, secret, totp.code_for(secret))
    db.session.commit()
    page = admin_client.get(f"/admin/users/{hr.id}")
    assert "Reset two-factor sign-in" in page.text
    response = admin_client.post(f"/admin/users/{hr.id}/two-factor/reset", {"two_factor-confirm": "y"})
    assert response.status_code == 303
    db.session.refresh(hr)
    assert not hr.two_factor_enabled and hr.totp_secret is None
    event = [e for e in events_for(hr.id) if e.verb == "two_factor_reset"][-1]
    assert event.actor_id == world["admin"].id
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("admin", "hr")
    again = app.test_client()
    assert login(again, hr.email).headers["Location"] == "/account/two-factor"


def test_admin_actions_need_csrf(admin_client, world):
    staff = world["staff"]
    response = admin_client.post(f"/admin/users/{staff.id}/deactivate", {"active-confirm": "y"}, csrf=False)
    assert response.status_code == 400
    db.session.refresh(staff)
    assert staff.active


def test_admin_actions_are_post_only(admin_client, world):
    assert admin_client.get(f"/admin/users/{world['staff'].id}/deactivate").status_code == 405


def test_admin_audit_trail_lists_and_filters_every_event(world, sign_in, make_plan):
    from pip_app.services import audit as audit_ops

    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    audit_ops.record(world["manager"], "issued", "plan", plan.id, plan_id=plan.id, changes={"version": 1})
    audit_ops.record(world["senior"], "lifted", "control", 7, plan_id=plan.id, changes={"rationale": "<b>ok</b>"})
    db.session.commit()
    admin = sign_in(world["admin"])
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    assert "Issued plan" in page.text and "Lifted control #7" in page.text and plan.reference in page.text
    assert "&lt;b&gt;ok&lt;/b&gt;" in page.text
    only = admin.get(f"/admin/audit?actor={world['senior'].id}").text
    assert "Lifted control" in only and "Issued plan" not in only
    assert "Issued plan" in admin.get(f"/admin/audit?plan={plan.reference.lower()}&verb=issued").text
    bad = admin.get("/admin/audit?from=yesterday")
    assert bad.status_code == 422 and "must be a date" in bad.text
    for who in ("manager", "senior", "hr", "staff"):
        assert sign_in(world[who]).get("/admin/audit").status_code == 403
