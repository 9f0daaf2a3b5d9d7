"""Every main screen, as the role that uses it, has zero axe-core violations of the WCAG 2.2 A
and AA rules and no console errors (CSP violations included), in real Chromium with the demo data."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import Plan, PlanStage, PlanStatus
from pip_app.tools.demo import load_demo_data
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "demo-password-for-axe-checks"


@pytest.fixture
def demo(app):
    load_demo_data(PASSWORD)
    db.session.commit()
    plans = {}
    for plan in db.session.scalars(select(Plan).order_by(Plan.id)):
        plans.setdefault(plan.status, plan)
    plans["formal"] = db.session.scalar(select(Plan).where(Plan.stage != PlanStage.INFORMAL))
    return plans


def screens(plans):
    active, draft, closed = plans[PlanStatus.ACTIVE], plans[PlanStatus.DRAFT], plans[PlanStatus.CLOSED]
    formal = plans["formal"]
    return {
        "manager": [
            "/",
            "/plans/",
            "/plans/new?template=escalation",
            f"/plans/{active.id}",
            f"/plans/{draft.id}/edit",
            f"/plans/{active.id}/reviews/new",
            f"/plans/{active.id}/close",
            f"/plans/{active.id}/versions/1",
            "/register",
            "/account",
        ],
        "senior": ["/", "/register", "/register?flagged=1", "/hr/closures", f"/plans/{closed.id}"],
        "staff": ["/", f"/plans/{active.id}"],
        "hr": ["/", "/hr/closures", f"/plans/{closed.id}", "/hr/warnings", f"/plans/{formal.id}/letters"],
        "admin": ["/", "/admin/users", "/admin/audit"],
        # The plan on the formal route, under appeal (issue 20), as its hearer and HR see it.
        "senior2": ["/", f"/plans/{formal.id}", f"/plans/{formal.id}/appeal"],
    }


def test_main_screens_have_no_accessibility_violations(live_server, page, console_errors, demo):
    page.goto(f"{live_server}/login")
    assert_accessible(page, "sign-in page")
    for role, paths in screens(demo).items():
        sign_in(page, live_server, f"{role}@demo.test", PASSWORD)
        expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
        for path in paths:
            response = page.goto(f"{live_server}{path}")
            assert response.status == 200, (role, path, response.status)
            assert_accessible(page, f"{role} {path}")
        page.get_by_role("button", name="Sign out", exact=True).click()
    assert console_errors == []
