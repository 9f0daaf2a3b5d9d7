"""Controls that continue (issue 18, point 5): the responsible senior records "reviewed: continue
until <date>, because …" from the register or the plan page. The review is then due on that day,
the "review date passed" flag clears everywhere at once (the plan header, the register, the email
reminders), and the plan does not look amended: the review-by date it was issued with is kept."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.flags import REVIEW_PASSED, control_review_passed, plan_flags, review_due
from pip_app.models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    AuditEvent,
    ControlStatus,
    InterimControl,
    PlanStatus,
    Role,
)
from pip_app.notifications.due import control_reminders
from pip_app.register import queries
from pip_app.services.control_continuation import continue_control
from pip_app.services.disagreements import ResponseValues, disagreement_of, mark_read, respond
from pip_app.services.plans import issue_plan, unissued_changes
from pip_app.services.reminders import control_facts
from tests import factories
from tests.factories import make_action, make_control

TODAY = date(2026, 11, 23)
START = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        start=START,
        status=PlanStatus.DRAFT,
        evidence_sources=["audit"],
    )
    make_action(plan, 1)
    make_control(plan, world["senior"], start_date=START, review_by_date=TODAY - timedelta(days=2))
    factories.approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


@pytest.fixture
def control(plan):
    return plan.controls[0]


def form(control, **changes):
    data = {
        "continued_until": (TODAY + timedelta(weeks=4)).isoformat(),
        "reason": "MAR audit at 85%: not yet at target.",
        "row_version": str(control.row_version),
        "origin": "register",
        "next": "/register",
    }
    data.update(changes)
    return {f"continue-{control.id}-{k}": v for k, v in data.items()}


def url(control):
    return f"/register/controls/{control.id}/continue"


def register_flagged(control) -> bool:
    condition = queries.flag_conditions(TODAY)[REVIEW_PASSED]
    return bool(
        db.session.scalar(
            select(InterimControl.id).join(InterimControl.plan).where(InterimControl.id == control.id, condition)
        )
    )


def reminded(control) -> bool:
    found = control_reminders([f for f in control_facts(TODAY) if f.id == control.id], TODAY)
    return any(d.kind.value == "control_review_passed" for d in found.due)


def test_continuing_from_the_register_clears_the_flag_everywhere_and_amends_nothing(plan, control, world, sign_in):
    assert control_review_passed(control, TODAY) and register_flagged(control) and reminded(control)
    issued_by, version = control.review_by_date, plan.version
    senior = sign_in(world["senior"])
    response = senior.post(url(control), data=form(control), htmx=True)
    assert response.status_code == 200
    assert "continues until 21 Dec 2026" in response.text  # the saved notice, in the register row
    assert f"Continued until 21 Dec 2026 by {world['senior'].name}" in response.text
    assert "register-flag--review_passed" not in response.text
    db.session.expire_all()
    control = db.session.get(InterimControl, control.id)
    assert control.continued_until == TODAY + timedelta(weeks=4) and control.continued_by_id == world["senior"].id
    assert control.continued_on == TODAY and control.continue_reason == "MAR audit at 85%: not yet at target."
    # the three places that say "review date passed" agree: none of them does now
    assert not control_review_passed(control, TODAY) and not register_flagged(control) and not reminded(control)
    assert "control_review_passed" not in [f.code for f in plan_flags(control.plan, TODAY)]
    # the issued plan is untouched: same review-by date, same version, nothing unissued
    assert control.review_by_date == issued_by and control.plan.version == version
    assert unissued_changes(control.plan) == []
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "continued")).all()
    assert event.entity_id == control.id and event.plan_id == plan.id
    assert event.changes["review_was_due"] == issued_by.isoformat()
    history = sign_in(world["manager"]).get(f"/plans/{plan.id}/history").text
    assert "Continued control" in history
    page = sign_in(world["manager"]).get(f"/plans/{plan.id}").text
    assert "review by 21 Dec 2026" in page and "Continued until 21 Dec 2026" in page
    # once the new date passes, it is flagged again: continuing is for a while, not for good
    later = TODAY + timedelta(weeks=4, days=1)
    assert control_review_passed(control, later)


def test_continuing_from_the_plan_page_without_javascript(plan, control, world, sign_in):
    senior = sign_in(world["senior"])
    opened = senior.get(f"/register/controls/{control.id}?form=continue&origin=plan", headers={"HX-Request": "true"})
    assert opened.status_code == 200 and "Continue the control" in opened.text
    saved = senior.post(url(control), data=form(control, origin="plan", next="", reason="In place."), htmx=True)
    assert saved.status_code == 200 and 'id="controls-panel"' in saved.text
    header = saved.text.split('id="plan-header"')[1]  # the header, refreshed beside the panel
    assert header.startswith(' class="plan-header" hx-swap-oob="true"') and "has passed" not in header
    db.session.expire_all()
    control = db.session.get(InterimControl, control.id)
    response = senior.post(url(control), data=form(control, origin="plan", next=""))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{plan.id}#control-{control.id}")
    page = senior.get(f"/plans/{plan.id}").text
    assert "Continued until 21 Dec 2026" in page and "review date 21 Nov 2026 has passed" not in page


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"continued_until": ""}, "Enter the date the control continues until."),
        ({"continued_until": TODAY.isoformat()}, "a day after today"),
        ({"continued_until": (TODAY - timedelta(days=3)).isoformat()}, "a day after today"),
        ({"continued_until": (TODAY + timedelta(weeks=12, days=1)).isoformat()}, "at most 12 weeks at a time"),
        ({"reason": "   "}, "Say why the control continues"),
    ],
)
def test_the_date_and_reason_rules(control, world, sign_in, changes, message):
    response = sign_in(world["senior"]).post(url(control), data=form(control, **changes), htmx=True)
    assert response.status_code == 422 and message in response.text
    db.session.expire_all()
    assert db.session.get(InterimControl, control.id).continued_until is None


def test_twelve_weeks_exactly_is_allowed(control, world):
    continue_control(world["senior"], control, TODAY + timedelta(weeks=12), "Reviewed.")
    assert control.review_due == TODAY + timedelta(weeks=12)


@pytest.mark.parametrize("who,status", [("manager", 403), ("hr", 403), ("staff", 403), ("other_senior", 404)])
def test_only_the_services_registered_managers_continue_a_control(control, world, sign_in, who, status):
    assert sign_in(world[who]).post(url(control), data=form(control)).status_code == status
    db.session.expire_all()
    assert db.session.get(InterimControl, control.id).continued_until is None


def test_a_control_no_longer_in_force_or_a_closed_plan_is_a_conflict(plan, control, world, sign_in):
    senior = sign_in(world["senior"])
    control.status, control.lifted_on, control.lift_rationale = ControlStatus.LIFTED, TODAY, "Audits at 100%."
    db.session.commit()
    response = senior.post(url(control), data=form(control), htmx=True)
    assert response.status_code == 409 and "no longer" in response.text
    control.status, control.lifted_on, control.lift_rationale = ControlStatus.ACTIVE, None, None
    plan.status = PlanStatus.CLOSED
    db.session.commit()
    response = senior.post(url(control), data=form(control), htmx=True)
    assert response.status_code == 409 and "closed" in response.text


def test_a_stale_form_is_refused_and_keeps_what_was_typed(control, world, sign_in):
    stale = form(control, reason="My own reasons.")
    continue_control(world["senior"], control, TODAY + timedelta(weeks=2), "First.")
    db.session.commit()
    response = sign_in(world["senior"]).post(url(control), data=stale, htmx=True)
    assert response.status_code == 409 and "My own reasons." in response.text


def test_the_register_the_plan_and_the_reminders_agree_on_every_control(world, make_plan):
    """review_due (flags) and InterimControl.review_due_on (SQL) are the one rule, twice: on each
    side of today, continued or not, the register's flag, the plan's flag and the reminder agree."""
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    days = (-1, 0, 1)
    for before in days:
        for after in (None, *days):
            make_control(
                plan,
                world["senior"],
                review_by_date=TODAY + timedelta(days=before),
                continued_until=None if after is None else TODAY + timedelta(days=after),
                last_checked_on=TODAY,
            )
    controls = db.session.scalars(select(InterimControl)).all()
    assert len(controls) == 12
    due_sql = dict(db.session.execute(select(InterimControl.id, InterimControl.review_due_on())).all())
    flagged = 0
    for c in controls:
        assert due_sql[c.id] == review_due(c.review_by_date, c.continued_until) == c.review_due
        plan_says = control_review_passed(c, TODAY)
        assert register_flagged(c) == plan_says == reminded(c), (c.review_by_date, c.continued_until)
        flagged += plan_says
    assert 0 < flagged < len(controls)


def test_the_closure_summary_lists_continued_controls_and_answered_disagreements(world, make_plan, sign_in):
    """Point 6: the closure PDF, read back, says who continued a control until when and why, and
    each disagreement with its response and whether the staff member read it."""
    from tests.test_closure import close_directly, ready_plan
    from tests.test_pdf import pages_of

    plan = ready_plan(world, make_plan)
    [control] = plan.controls
    continue_control(world["senior"], control, TODAY + timedelta(weeks=3), "Audits at 85%: keep paired rounds.")
    last_review = plan.reviews[-1]
    answered = Acknowledgement(
        plan=plan,
        user=world["staff"],
        subject=AckSubject.PLAN,
        plan_version=plan.version,
        statement="I have read version 1.",
        response=AckResponse.DISAGREE,
        comment="The audit counted a round I was not on.",
        acknowledged_at=datetime(2026, 11, 20, 10),
    )
    waiting = Acknowledgement(
        plan=plan,
        user=world["staff"],
        subject=AckSubject.REVIEW,
        plan_version=plan.version,
        review=last_review,
        statement="I have read the review.",
        response=AckResponse.DISAGREE,
        comment="Week two was short-staffed.",
        acknowledged_at=datetime(2026, 11, 21, 10),
    )
    db.session.add_all([answered, waiting])
    db.session.flush()
    respond(
        world["manager"],
        disagreement_of(plan, answered.id),
        ResponseValues(TODAY, "Sam and me", "The round is removed from the audit.", True),
    )
    mark_read(world["staff"], disagreement_of(plan, answered.id))
    close_directly(plan, world["manager"])
    response = sign_in(world["hr"]).get(f"/plans/{plan.id}/closure.pdf")
    assert response.status_code == 200
    text = " ".join(" ".join(pages_of(response.data)).split())
    senior = world["senior"].name
    for expected in (
        f"Reviewed on 23 Nov 2026 by {senior}: continues until 14 Dec 2026, because Audits at 85%: keep paired rounds.",
        f"Answered by {world['manager'].name}: discussed on 23 Nov 2026 with Sam and me.",
        "Outcome: The round is removed from the audit. Plan changed: yes.",
        f"{world['staff'].name} confirmed reading it on",
        "Response: Not answered.",
    ):
        assert expected in text, expected


def test_continued_controls_cost_no_statement_more_on_the_register_or_the_plan_page(
    plan, control, world, sign_in, count_queries
):
    senior = sign_in(world["senior"])

    def counts() -> tuple[int, int]:
        senior.get("/register")  # warm up
        with count_queries() as register:
            assert senior.get("/register").status_code == 200
        with count_queries() as page:
            assert senior.get(f"/plans/{plan.id}").status_code == 200
        return register.count, page.count

    more = [
        make_control(plan, world["manager"], review_by_date=TODAY - timedelta(days=1), detail=f"Control {n}")
        for n in range(4)
    ]
    db.session.commit()
    before = counts()  # the same controls (an unissued change: the page reads the last version)
    for n, overdue in enumerate(more):
        deputy = factories.make_user(
            Role.SENIOR, email=f"deputy{n}@example.test", name=f"Deputy {n}", services=[world["home"]]
        )
        continue_control(deputy, overdue, TODAY + timedelta(weeks=2), f"Reason {n}.")  # each by someone else
    continue_control(world["senior"], control, TODAY + timedelta(weeks=2), "Reviewed.")
    db.session.commit()
    assert counts() == before
    register = senior.get("/register").text
    assert f"Continued until 7 Dec 2026 by {world['senior'].name}" in register  # the row's names: plain columns
    assert all(f"Continued until 7 Dec 2026 by Deputy {n}" in register for n in range(4))


def test_the_register_csv_gives_the_review_due_and_the_continuation(control, world, sign_in):
    import csv
    import io

    continue_control(world["senior"], control, TODAY + timedelta(weeks=4), "=Audits at 85%.")
    db.session.commit()
    body = sign_in(world["senior"]).get("/register.csv").data.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body)))
    continued = ["Continued until", "Continued by", "Why it continues"]
    at = header.index(continued[0])
    assert header[at : at + 3] == continued
    assert row[header.index("Review by")] == "2026-12-21"
    assert row[at : at + 3] == ["2026-12-21", world["senior"].name, "'=Audits at 85%."]  # neutralised for spreadsheets


def test_the_dashboard_sql_drops_a_plan_once_its_control_continues(app, plan, control, world):
    """A continued control leaves the plans kept as needing attention too, so it never takes the place
    of a plan that does need attention on the dashboard."""
    from pip_app.models import PlanAttention

    def candidate() -> bool:
        kept = db.session.get(PlanAttention, plan.id)
        return kept is not None and kept.attention_from <= TODAY

    control.last_checked_on = TODAY
    plan.next_review_date = TODAY + timedelta(days=3)
    db.session.commit()
    assert candidate() and [f.code for f in plan_flags(plan, TODAY)] == ["control_review_passed"]
    continue_control(world["senior"], control, TODAY + timedelta(weeks=2), "Reviewed.")
    db.session.commit()
    assert not candidate() and plan_flags(plan, TODAY) == []
