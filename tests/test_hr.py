"""/hr/closures: closed plans for HR (all) and seniors (their services), filtered by service,
outcome and closure date, paginated, with closure summary downloads; page and htmx fragment."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from pip_app.extensions import db
from pip_app.models import Acknowledgement, AckResponse, AckSubject, Closure, ClosureOutcome, PlanStatus

TODAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


def closed_plan(
    world,
    make_plan,
    *,
    service="home",
    outcome=ClosureOutcome.ACHIEVED,
    closed_at=datetime(2026, 11, 20, 15),
    ack: AckResponse | None = None,
    comment=None,
    start=date(2026, 9, 7),
):
    """A closed plan with its closure, made directly (the closing itself is tested in test_closure)."""
    staff, manager = (
        (world["staff"], world["manager"]) if service == "home" else (world["other_staff"], world["other_manager"])
    )
    plan = make_plan(staff=staff, manager=manager, service=world[service], status=PlanStatus.CLOSED, start=start)
    db.session.add(
        Closure(
            plan=plan,
            outcome=outcome,
            what_changed="a",
            how_measured="b",
            risk_now_controlled="c",
            ongoing_monitoring="d",
            closed_by=manager,
            closed_at=closed_at,
        )
    )
    if ack:
        db.session.add(
            Acknowledgement(
                plan=plan,
                user=staff,
                subject=AckSubject.CLOSURE,
                plan_version=1,
                statement="s",
                response=ack,
                comment=comment,
                acknowledged_at=closed_at + timedelta(days=1),
            )
        )
    db.session.commit()
    return plan


@pytest.mark.parametrize("who,status", [("hr", 200), ("senior", 200), ("manager", 403), ("staff", 403), ("admin", 403)])
def test_who_may_see_the_closed_plans(world, sign_in, who, status):
    assert sign_in(world[who]).get("/hr/closures").status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/hr/closures")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_hr_sees_every_closed_plan_and_seniors_only_their_services(world, sign_in, make_plan):
    home = closed_plan(world, make_plan)
    other = closed_plan(world, make_plan, service="other")
    open_plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    hr_page = sign_in(world["hr"]).get("/hr/closures").text
    assert home.reference in hr_page and other.reference in hr_page and open_plan.reference not in hr_page
    assert f'href="/plans/{home.id}/closure.pdf" download>Download PDF' in hr_page
    assert "2 closed plans." in hr_page
    senior_page = sign_in(world["senior"]).get("/hr/closures").text
    assert home.reference in senior_page and other.reference not in senior_page
    assert sign_in(world["senior"]).get(f"/plans/{other.id}/closure.pdf").status_code == 404


def test_newest_closure_first_with_outcome_and_staff_response(world, sign_in, make_plan):
    agreed = closed_plan(world, make_plan, closed_at=datetime(2026, 11, 25, 10), ack=AckResponse.AGREE)
    disagreed = closed_plan(
        world,
        make_plan,
        closed_at=datetime(2026, 11, 27, 10),
        ack=AckResponse.DISAGREE,
        comment="Not fair",
        outcome=ClosureOutcome.NOT_ACHIEVED,
    )
    lapsed = closed_plan(world, make_plan, closed_at=datetime(2026, 10, 1, 10), outcome=ClosureOutcome.WITHDRAWN)
    waiting = closed_plan(world, make_plan, closed_at=datetime(2026, 11, 29, 10), outcome=ClosureOutcome.PARTLY)
    page = sign_in(world["hr"]).get("/hr/closures").text
    order = [page.index(p.reference) for p in (waiting, disagreed, agreed, lapsed)]
    assert order == sorted(order)
    assert "Awaiting, until 6 Dec 2026" in page
    assert "Disagreed, with a comment" in page and "Agreed" in page
    assert "No acknowledgement given (period ended 8 Oct 2026)" in page
    assert "Not achieved: formal capability procedure" in page and "Withdrawn" in page


def test_filter_by_service_and_outcome(world, sign_in, make_plan):
    achieved = closed_plan(world, make_plan)
    partly = closed_plan(world, make_plan, outcome=ClosureOutcome.PARTLY)
    elsewhere = closed_plan(world, make_plan, service="other")
    hr = sign_in(world["hr"])
    page = hr.get(f"/hr/closures?service={world['home'].id}").text
    assert achieved.reference in page and partly.reference in page and elsewhere.reference not in page
    page = hr.get(f"/hr/closures?service={world['home'].id}&outcome=partly").text
    assert partly.reference in page and achieved.reference not in page
    assert "1 closed plan." in page and "Clear filters" in page


def test_filter_by_closure_date_uses_uk_calendar_days(world, sign_in, make_plan):
    # 23:30 UTC on 1 July is 00:30 on 2 July in the UK (summer time).
    late_night = closed_plan(world, make_plan, closed_at=datetime(2026, 7, 1, 23, 30), start=date(2026, 5, 4))
    earlier = closed_plan(world, make_plan, closed_at=datetime(2026, 6, 30, 12), start=date(2026, 5, 4))
    later = closed_plan(world, make_plan, closed_at=datetime(2026, 7, 3, 9), start=date(2026, 5, 4))
    hr = sign_in(world["hr"])
    page = hr.get("/hr/closures?closed_from=2026-07-02&closed_to=2026-07-02").text
    assert late_night.reference in page and earlier.reference not in page and later.reference not in page
    page = hr.get("/hr/closures?closed_to=2026-07-01").text
    assert earlier.reference in page and late_night.reference not in page


@pytest.mark.parametrize(
    "query,message",
    [
        ("closed_from=2026-13-45", "Not a valid date value."),
        ("closed_from=2026-07-10&closed_to=2026-07-01", "This date must be on or after the “closed on or after” date."),
        ("service=999", "Choose one of the options in the list."),
        ("outcome=seems_better", "Choose one of the options in the list."),
    ],
)
def test_bad_filters_are_explained_not_crashed_on(world, sign_in, make_plan, query, message):
    plan = closed_plan(world, make_plan)
    response = sign_in(world["hr"]).get(f"/hr/closures?{query}")
    assert response.status_code == 422
    assert message in response.text
    assert plan.reference in response.text  # the bad filter is ignored, the list still shows


def test_pages_of_25_keep_the_filters(world, sign_in, make_plan):
    plans = [closed_plan(world, make_plan, closed_at=datetime(2026, 11, 1, 9) + timedelta(hours=n)) for n in range(30)]
    hr = sign_in(world["hr"])
    first = hr.get("/hr/closures?outcome=achieved").text
    assert "30 closed plans, page 1 of 2." in first
    assert plans[-1].reference in first and plans[0].reference not in first
    assert 'href="/hr/closures?page=2&amp;outcome=achieved">Next page</a>' in first
    second = hr.get("/hr/closures?outcome=achieved&page=2").text
    assert plans[0].reference in second and plans[-1].reference not in second
    assert "Previous page" in second
    assert hr.get("/hr/closures?page=abc").status_code == 200
    beyond = hr.get("/hr/closures?page=99999999999").text
    assert "page 2 of 2" in beyond and plans[0].reference in beyond  # past the end: the last page


def test_htmx_gets_the_list_fragment(world, sign_in, make_plan):
    plan = closed_plan(world, make_plan)
    response = sign_in(world["hr"]).get("/hr/closures?outcome=achieved", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="closure-list">') and "<html" not in response.text
    assert plan.reference in response.text and "HX-Request" in response.headers["Vary"]


def test_names_are_escaped(world, sign_in, make_plan):
    world["staff"].name = "Łukasz <b>O'Brien</b> & 王"
    db.session.commit()
    closed_plan(world, make_plan)
    page = sign_in(world["hr"]).get("/hr/closures").text
    assert "Łukasz &lt;b&gt;O&#39;Brien&lt;/b&gt; &amp; 王" in page


def test_statements_do_not_grow_with_the_number_of_closed_plans(world, sign_in, make_plan, count_queries):
    hr = sign_in(world["hr"])
    hr.get("/hr/closures")
    counts = []
    for extra in (2, 20):
        for n in range(extra):
            closed_plan(world, make_plan, ack=AckResponse.AGREE if n % 2 else None)
        with count_queries() as counter:
            assert hr.get("/hr/closures").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] and counts[1] <= 10, counts


def test_the_list_is_in_the_navigation_for_hr_and_seniors_only(world, sign_in):
    assert 'href="/hr/closures"' in sign_in(world["hr"]).get("/").text
    assert 'href="/hr/closures"' in sign_in(world["senior"]).get("/").text
    assert 'href="/hr/closures"' not in sign_in(world["manager"]).get("/").text


def test_the_list_shows_each_plan_s_stage_and_a_leaver_s_outcome(world, sign_in, make_plan):
    from pip_app.models import PlanStage

    formal = closed_plan(world, make_plan, outcome=ClosureOutcome.LEFT)
    formal.stage = PlanStage.STAGE_2
    informal = closed_plan(world, make_plan, outcome=ClosureOutcome.ACHIEVED)
    db.session.commit()
    page = sign_in(world["hr"]).get("/hr/closures").text
    row = page[page.index(formal.reference) : page.index("</tr>", page.index(formal.reference))]
    assert (
        "Ended: the staff member left during the procedure" in row and "Formal stage 2 (final written warning)" in row
    )
    row = page[page.index(informal.reference) : page.index("</tr>", page.index(informal.reference))]
    assert "Achieved and sustained" in row and "Informal" in row
    left_only = sign_in(world["hr"]).get("/hr/closures?outcome=left").text
    assert formal.reference in left_only and informal.reference not in left_only
