"""Every main page, for every role, is valid HTML by the Nu HTML Checker (vnu.jar with the system
Java). The only complaint filtered out is the checker not knowing htmx's hx-* attributes."""

from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.models import (
    Acknowledgement,
    AckResponse,
    Appeal,
    ControlKind,
    Escalation,
    InterimControl,
    Letter,
    LetterKind,
    Plan,
    PlanStage,
    PlanStatus,
)
from pip_app.tools.demo import load_demo_data
from tests.html_checker import assert_valid_html, require_checker

PASSWORD = "demo-password-for-html-checks"


def pages_to_check(app, sign_in) -> dict[str, str]:
    """name → HTML of every main page, as each role sees it."""
    from pip_app.services.users import find_by_email

    load_demo_data(PASSWORD)
    db.session.commit()
    plans = {}
    for plan in db.session.scalars(select(Plan).order_by(Plan.id)):
        plans.setdefault(plan.status, plan)  # the first of each: the demo's first active plan is staff@'s
    active, draft, closed = plans[PlanStatus.ACTIVE], plans[PlanStatus.DRAFT], plans[PlanStatus.CLOSED]
    escalated = db.session.scalar(select(Escalation.plan_id).order_by(Escalation.id))
    formal = db.session.scalar(select(Plan.id).where(Plan.stage != PlanStage.INFORMAL))
    # Issue 18: the demo's disagreement waiting for a response, and that plan's control past its review.
    disputed = db.session.scalars(
        select(Acknowledgement).where(Acknowledgement.response == AckResponse.DISAGREE).order_by(Acknowledgement.id)
    ).first()
    assert disputed is not None
    overdue_control = db.session.scalars(
        select(InterimControl).where(InterimControl.plan_id == disputed.plan_id).order_by(InterimControl.id)
    ).first()
    assert overdue_control is not None
    # Issue 20: restricted duties on the paused plan call for the regulatory checklist.
    paused = plans[PlanStatus.PAUSED]
    db.session.add(
        InterimControl(
            plan=paused,
            kind=ControlKind.RESTRICTED_DUTIES,
            detail="No lone personal care.",
            responsible=paused.manager,
            start_date=paused.start_date,
            review_by_date=paused.planned_end_date,
        )
    )
    # Issue 20, point 3: an appeal waiting for its hearer on the paused plan, against its improvement
    # note (the active plan's sent note, below, may be appealed by the staff member, recorded by HR).
    appealed = Letter(
        plan=paused,
        kind=LetterKind.IMPROVEMENT_NOTE,
        content={},
        plan_row_version=paused.row_version,
        drafted_by=paused.manager,
        sent_by=paused.manager,
        sent_on=today(),
        appeal_by=today() + timedelta(days=7),
    )
    db.session.add(appealed)  # before its appeal is built, which may flush: a letter outside the session is skipped
    db.session.add(Appeal(plan=paused, letter=appealed, grounds="g", lodged_on=today(), lodged_by=paused.staff))
    # Issue 20: a sent improvement note (its receipt not yet confirmed) and an unsent draft on the active plan.
    drafted = dict(plan=active, version=1, content={}, plan_row_version=active.row_version, drafted_by=active.manager)
    db.session.add_all(
        [
            Letter(
                kind=LetterKind.IMPROVEMENT_NOTE,
                expires_on=active.planned_end_date,
                appeal_by=active.planned_end_date,
                sent_on=active.start_date,
                sent_by=active.manager,
                **drafted,
            ),
            Letter(kind=LetterKind.FINAL_WARNING, expires_on=active.planned_end_date, **drafted),
        ]
    )
    db.session.commit()
    pages = {"login": app.test_client().get("/login").text, "not-found": app.test_client().get("/no-such-page").text}
    with app.test_request_context():
        endpoints = set(app.view_functions)
        urls = {
            "manager": [
                "/",
                "/plans/",
                "/plans/new",
                "/plans/new?template=escalation",
                f"/plans/{active.id}",
                f"/plans/{draft.id}/edit",
                f"/plans/{active.id}/edit",
                f"/plans/{active.id}/versions/1",
                f"/plans/{active.id}/reviews/new",
                f"/plans/{closed.id}",
                # The fair-process parts as pages of their own, forms open (issue 19).
                f"/plans/{active.id}/meetings/new",
                f"/plans/{active.id}/support/new",
                f"/plans/{draft.id}/factors/edit",
                f"/plans/{disputed.plan_id}",
                f"/plans/{disputed.plan_id}/disagreements/{disputed.id}/respond",
                f"/plans/{active.id}/letters",
            ],
            "senior": [
                "/",
                f"/plans/{active.id}",
                # Decisions waiting for them (issue 18): a draft to approve, an escalation to decide.
                f"/plans/{draft.id}",
                f"/plans/{escalated}",
                f"/plans/{active.id}/adjustments/new",
                f"/plans/{active.id}/adjustments/referrals/new",
                f"/register/controls/{overdue_control.id}",
                f"/plans/{paused.id}/regulatory",
                f"/plans/{active.id}/regulatory",
                f"/plans/{paused.id}/appeal",
            ],
            "staff": [
                "/",
                f"/plans/{active.id}",
                "/plans/",
                f"/plans/{active.id}/regulatory",
                f"/plans/{active.id}/appeal",
                f"/plans/{active.id}/letters",
            ],
            "hr": [
                "/",
                f"/plans/{closed.id}",
                f"/plans/{active.id}/appeal",
                f"/plans/{paused.id}/appeal",
                f"/plans/{active.id}/letters",
            ],
            "admin": ["/", "/admin/users", f"/admin/users/{paused.staff_id}"],
            # The demo's plan on the formal route (issue 20), as its appeal's hearer sees it.
            "senior2": ["/", f"/plans/{formal}", f"/plans/{formal}/appeal", f"/plans/{formal}/letters"],
        }
        for endpoint, roles in (
            ("register.index", ("senior", "manager", "hr")),
            ("hr.closures", ("hr", "senior")),
            ("hr.warnings", ("hr", "senior")),
        ):
            if endpoint in endpoints:
                for role in roles:
                    urls[role].append(url_for(endpoint))
    for role, paths in urls.items():
        client = sign_in(find_by_email(f"{role}@demo.test"), password=PASSWORD)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (role, path, response.status_code)
            pages[f"{role} {path}"] = response.text
    return pages


def test_main_pages_are_valid_html(app, sign_in):
    require_checker()
    pages = pages_to_check(app, sign_in)
    assert len(pages) >= 20
    assert_valid_html(pages)
