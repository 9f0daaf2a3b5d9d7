"""Support (issue 19, item 2): what is given to help the staff member meet the plan, by whom,
from when, and when it was delivered; the measurability checker sends training here."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import AuditEvent, Support, SupportKind
from pip_app.quality import assess_action

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    return make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], start=TODAY - timedelta(days=21)
    )


@pytest.fixture
def manager(world, sign_in):
    return sign_in(world["manager"])


def form(**changes):
    data = {
        "support-kind": "shadowing",
        "support-description": "Two shadowed medication rounds with the deputy manager",
        "support-provided_by": "Amira Haddad, deputy manager",
        "support-starts_on": "2026-11-09",
        "support-delivered_on": "",
        "support-note": "",
    }
    data.update({f"support-{k}": v for k, v in changes.items()})
    return data


def stored():
    return db.session.scalars(select(Support).order_by(Support.id)).all()


def test_the_checker_says_training_is_support_and_where_to_record_it():
    [finding] = [f for f in assess_action("Complete training", "weekly", "audit", "90%") if f.field == "behaviour"]
    assert 'record them under "Support" on the plan page' in finding.message


def test_a_manager_records_support_and_later_its_delivery(plan, manager, world):
    response = manager.post(f"/plans/{plan.id}/support", data=form())
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/plans/{plan.id}#support")
    [support] = stored()
    assert support.kind is SupportKind.SHADOWING and support.delivered_on is None
    assert support.recorded_by_id == world["manager"].id
    page = manager.get(f"/plans/{plan.id}/support").text
    assert "Amira Haddad, deputy manager" in page and "Not yet" in page

    edit = manager.get(f"/plans/{plan.id}/support/{support.id}/edit", headers={"HX-Request": "true"})
    assert edit.status_code == 200 and "<html" not in edit.text and "Amira Haddad" in edit.text
    data = form(delivered_on="2026-11-16", row_version=str(support.row_version))
    response = manager.post(f"/plans/{plan.id}/support/{support.id}", data=data, htmx=True)
    assert response.status_code == 200 and "Support saved." in response.text and "Yes, 16 Nov 2026" in response.text
    verbs = db.session.scalars(
        select(AuditEvent.verb).where(AuditEvent.entity == "support").order_by(AuditEvent.id)
    ).all()
    assert verbs == ["recorded", "updated"]


def test_support_is_a_lazily_loaded_part_of_the_plan_page(plan, manager, world):
    manager.post(f"/plans/{plan.id}/support", data=form())
    page = manager.get(f"/plans/{plan.id}").text
    assert f'hx-get="/plans/{plan.id}/support"' in page and "Amira Haddad" not in page


def test_the_staff_member_sees_their_support_but_cannot_change_it(plan, manager, world, sign_in):
    manager.post(f"/plans/{plan.id}/support", data=form())
    staff = sign_in(world["staff"])
    page = staff.get(f"/plans/{plan.id}/support").text
    assert "Two shadowed medication rounds" in page and "Record support" not in page
    assert staff.post(f"/plans/{plan.id}/support", data=form()).status_code == 403


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"delivered_on": "2026-11-02"}, "delivered on or after the day it starts"),
        ({"delivered_on": "2026-11-30"}, "cannot have been delivered on a day still to come"),
        ({"provided_by": ""}, "Say who provides it"),
        ({"description": " "}, "Say what the support is"),
        ({"description": "x" * 20_000}, "Keep this to 2,000 characters or fewer."),
        ({"kind": "massage"}, "Choose one of the options in the list."),
        ({"starts_on": "2026-13-01"}, "Not a valid date value"),
    ],
)
def test_bad_input_is_refused_with_everything_kept(plan, manager, changes, message):
    response = manager.post(f"/plans/{plan.id}/support", data=form(**{"note": "Ask about nights 🌙 — 夜勤", **changes}))
    assert response.status_code == 422 and message in response.text
    assert "Ask about nights 🌙 — 夜勤" in response.text
    assert stored() == []


def test_a_stale_edit_is_refused_with_409(plan, manager):
    manager.post(f"/plans/{plan.id}/support", data=form())
    [support] = stored()
    response = manager.post(f"/plans/{plan.id}/support/{support.id}", data=form(row_version="99"))
    assert response.status_code == 409 and "Someone else changed this" in response.text
