"""The plan page carries what a person acts on; the rest opens on demand (issue #15): earlier
reviews, history, issued versions and acknowledgements are parts with URLs of their own — an
htmx fragment, or a page of its own when followed as a plain link — read a page at a time."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest

from pip_app.extensions import db
from pip_app.models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    AuditEvent,
    PlanStatus,
    Progress,
    Review,
    ReviewDecision,
    ReviewEntry,
)
from pip_app.services.plans import issue_plan
from tests.factories import approve_for_issue, make_action, make_control

TODAY = date(2026, 11, 23)
START = TODAY - timedelta(weeks=16)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=START,
        weeks=20,
        evidence_sources=["audit"],
    )
    make_control(plan, world["senior"])
    make_action(
        plan,
        1,
        measure_name="MAR compliance",
        measure_unit="%",
        measure_baseline=62,
        measure_target=90,
        measure_consecutive=2,
    )
    approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def add_reviews(plan, world, weeks: int, acknowledged: set[int] = frozenset()) -> list[Review]:
    """`weeks` weekly reviews, oldest first; those numbered in `acknowledged` answered by the staff member."""
    reviews = []
    for week in range(weeks):
        review = Review(
            plan=plan,
            review_date=START + timedelta(weeks=week),
            reviewer=world["manager"],
            summary=f"Summary of week {week + 1}",
            decision=ReviewDecision.CONTINUE,
        )
        db.session.add(review)
        review.entries.append(ReviewEntry(action=plan.actions[0], progress=Progress.ON_TRACK, measured_value=60 + week))
        db.session.flush()
        if week in acknowledged:
            db.session.add(
                Acknowledgement(
                    plan=plan,
                    user=plan.staff,
                    subject=AckSubject.REVIEW,
                    plan_version=plan.version,
                    review=review,
                    statement=f"I have read the review of week {week + 1}.",
                    response=AckResponse.AGREE,
                    acknowledged_at=datetime.combine(review.review_date + timedelta(days=1), time(10)),
                )
            )
        reviews.append(review)
    db.session.commit()
    return reviews


def review_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li id="review-(\d+)"', html)]


def test_the_plan_page_shows_the_newest_review_and_opens_the_rest_a_page_at_a_time(world, plan, sign_in):
    reviews = add_reviews(plan, world, 15, acknowledged=set(range(15)))
    manager = sign_in(world["manager"])

    page = manager.get(f"/plans/{plan.id}").text
    assert review_ids(page) == [reviews[-1].id]
    assert "Earlier reviews (14)" in page
    assert f'href="/plans/{plan.id}/reviews"' in page  # a plain link inside the closed details
    assert "Summary of week 15" in page and "Summary of week 14" not in page

    first = manager.get(f"/plans/{plan.id}/reviews", headers=HTMX)
    assert first.status_code == 200 and "<html" not in first.text
    assert review_ids(first.text) == [r.id for r in reversed(reviews[4:14])]
    assert f"/plans/{plan.id}/reviews?page=2" in first.text

    second = manager.get(f"/plans/{plan.id}/reviews?page=2", headers=HTMX).text
    assert review_ids(second) == [r.id for r in reversed(reviews[:4])]
    assert "page=3" not in second and "Show earlier reviews" not in second

    beyond = manager.get(f"/plans/{plan.id}/reviews?page=3", headers=HTMX).text
    assert review_ids(beyond) == [] and "No earlier reviews." in beyond


def test_without_javascript_each_part_is_a_page_of_its_own(world, plan, sign_in):
    add_reviews(plan, world, 3, acknowledged={0, 1, 2})
    manager = sign_in(world["manager"])
    for path, heading in (
        ("reviews", "Earlier weekly reviews"),
        ("history", "History"),
        ("versions", "Issued versions"),
        ("acknowledgements", "Acknowledgements"),
    ):
        response = manager.get(f"/plans/{plan.id}/{path}")
        assert response.status_code == 200, path
        assert "<html" in response.text and f"<h1>{heading}</h1>" in response.text
        assert f'href="/plans/{plan.id}#' in response.text  # back to the plan, at the panel


def test_reviews_waiting_for_the_staff_member_stay_on_the_plan_page(world, plan, sign_in):
    reviews = add_reviews(plan, world, 6, acknowledged={0, 1, 3})
    staff = sign_in(world["staff"])

    page = staff.get(f"/plans/{plan.id}").text
    waiting = [reviews[5].id, reviews[4].id, reviews[2].id]  # newest first: the newest, then 5 and 3
    assert review_ids(page) == waiting
    for review_id in waiting[1:]:
        assert f"/reviews/{review_id}/acknowledge" in page
    assert "Earlier reviews (3)" in page

    earlier = staff.get(f"/plans/{plan.id}/reviews", headers=HTMX).text
    assert review_ids(earlier) == [reviews[3].id, reviews[1].id, reviews[0].id]

    # What they answer today stays in view; the manager is not asked: only the newest is shown.
    assert (
        staff.post(
            f"/plans/{plan.id}/reviews/{reviews[2].id}/acknowledge",
            data={f"rack{reviews[2].id}-response": "agree", f"rack{reviews[2].id}-csrf_token": staff.token},
            htmx=True,
        ).status_code
        == 200
    )
    assert review_ids(staff.get(f"/plans/{plan.id}").text) == waiting
    assert review_ids(sign_in(world["manager"]).get(f"/plans/{plan.id}").text) == [reviews[5].id]


def test_history_is_read_a_page_at_a_time_newest_first(world, plan, sign_in):
    for n in range(30):
        db.session.add(AuditEvent(actor_id=world["manager"].id, verb="noted", entity=f"thing_{n}", plan_id=plan.id))
    db.session.commit()
    manager = sign_in(world["manager"])
    assert "thing" not in manager.get(f"/plans/{plan.id}").text  # not on the plan page itself

    first = manager.get(f"/plans/{plan.id}/history", headers=HTMX).text
    assert first.count("<tr>") == 25 + 1  # a header row, then 25 events
    assert "Noted thing 29" in first and "Noted thing 5" in first and "Noted thing 4" not in first
    second = manager.get(f"/plans/{plan.id}/history?page=2", headers=HTMX).text
    assert "Noted thing 4" in second and "Noted thing 0" in second and "Show older changes" not in second


def test_versions_and_acknowledgements_open_with_what_was_shown(world, plan, sign_in):
    add_reviews(plan, world, 1, acknowledged={0})
    staff = sign_in(world["staff"])
    page = staff.get(f"/plans/{plan.id}").text
    assert "Issued versions (1)" in page and "Every acknowledgement (1)" in page
    assert "Statement shown" not in page

    versions = staff.get(f"/plans/{plan.id}/versions", headers=HTMX).text
    assert f'href="/plans/{plan.id}/versions/1"' in versions
    acks = staff.get(f"/plans/{plan.id}/acknowledgements", headers=HTMX).text
    assert "Statement shown: “I have read the review of week 1.”" in acks


def test_a_hundred_review_plan_page_stays_small(world, plan, sign_in):
    add_reviews(plan, world, 100, acknowledged=set(range(100)))
    page = sign_in(world["manager"]).get(f"/plans/{plan.id}")
    assert page.status_code == 200
    assert len(page.data) < 120 * 1024, len(page.data)
    assert len(review_ids(page.text)) == 1 and "Earlier reviews (99)" in page.text


@pytest.mark.parametrize("path", ["reviews", "history", "versions", "acknowledgements"])
def test_parts_of_a_plan_in_another_service_are_not_there(world, plan, sign_in, path):
    assert sign_in(world["other_manager"]).get(f"/plans/{plan.id}/{path}").status_code == 404


def test_a_charts_values_open_as_a_table_on_demand(world, plan, sign_in, make_plan):
    """The chart is on the plan page; its values as a table (the accessible alternative) open from
    it: an htmx fragment, or a page of its own without JavaScript. A correction replaces the value
    it corrects, as on the chart (at the correction's date)."""
    reviews = add_reviews(plan, world, 3)
    action = plan.actions[0]
    correction = Review(
        plan=plan,
        review_date=START + timedelta(weeks=3),
        reviewer=world["manager"],
        summary="Corrects week 2",
        decision=ReviewDecision.CONTINUE,
        corrects=reviews[1],
    )
    db.session.add(correction)
    correction.entries.append(ReviewEntry(action=action, progress=Progress.ON_TRACK, measured_value=91))
    db.session.commit()
    url = f"/plans/{plan.id}/actions/{action.id}/values"
    manager = sign_in(world["manager"])

    page = manager.get(f"/plans/{plan.id}").text
    assert "MAR compliance: the values as a table" in page and f'hx-get="{url}"' in page
    assert "<td>60%</td>" not in page  # the table itself is not on the page

    part = manager.get(url, headers=HTMX)
    assert part.status_code == 200 and "<html" not in part.text
    cells = re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td><td>([^<]+)</td>', part.text)
    assert cells == [
        ("Baseline", "62%", "—"),
        (START.strftime("%-d %b %Y"), "60%", "No"),  # week 2's 61% is replaced by its correction
        ((START + timedelta(weeks=2)).strftime("%-d %b %Y"), "62%", "No"),
        ((START + timedelta(weeks=3)).strftime("%-d %b %Y"), "91%", "Yes"),
    ]

    alone = manager.get(url)
    assert alone.status_code == 200 and "<html" in alone.text and "<h1>A1: MAR compliance</h1>" in alone.text
    assert f'href="/plans/{plan.id}#action-{action.id}"' in alone.text

    assert sign_in(world["other_manager"]).get(url).status_code == 404
    unmeasured = make_action(plan, 2)
    db.session.commit()
    assert manager.get(f"/plans/{plan.id}/actions/{unmeasured.id}/values").status_code == 404


def test_a_part_opened_as_a_page_of_its_own_holds_what_its_forms_answer_into(world, plan, sign_in):
    """Opened as a page of its own (a link opened in a new tab, with JavaScript on), a part's forms
    and links still find the panel they answer with (`hx-target`): the page's section carries its id."""
    add_reviews(plan, world, 3)
    manager = sign_in(world["manager"])
    for path in ("reviews", "escalations/new", "stage/new", "attachments/new"):
        page = manager.get(f"/plans/{plan.id}/{path}").text
        targets = set(re.findall(r'hx-target="#([\w-]+)"', page))
        assert targets, path  # each of these parts has a form or link answered in place
        for target in targets:
            assert f'id="{target}"' in page, (path, target)
