"""Text with NUL and other control characters is cleaned at the form, so no database refuses it."""

from datetime import date

from pip_app.extensions import db
from pip_app.models import Plan, PlanStatus
from tests.conftest import csrf_token_from


def test_nul_in_sign_in_is_a_plain_refusal(client, make_user):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": "a\x00@example.test", "password": "x\x00" * 8, "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 401


def test_nul_in_plan_text_is_removed(world, sign_in, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=date(2026, 11, 23),
    )
    response = sign_in(world["manager"]).post(
        f"/plans/{plan.id}/risk",
        data={
            "staff_id": plan.staff_id,
            "service_id": plan.service_id,
            "risk_area": "records",
            "risk_statement": "Late\x00 notes\x07 here",
            "start_date": "2026-11-23",
            "weeks": "4",
            "review_weekday": "0",
            "baseline_text": "MAR\x00 62%",
            "row_version": plan.row_version,
        },
        htmx=True,
    )
    assert response.status_code == 200
    db.session.expire_all()
    saved = db.session.get(Plan, plan.id)
    assert saved.risk_statement == "Late notes here" and saved.baseline_text == "MAR 62%"


def test_nul_in_a_search_is_ignored(world, sign_in):
    response = sign_in(world["manager"]).get("/plans/?q=MAR%00&status=%00")
    assert response.status_code == 200
