"""A weekly review shows the meeting it came from (issue 19: "a weekly review can link to the
meeting it came from"): the meeting form names the review; the review, on the plan page, in the
earlier reviews and in the closure summary's list of reviews, says "From the review meeting of …",
on the page with a link to that meeting."""

from __future__ import annotations

import io

import pypdf
import pytest

from pip_app.extensions import db
from pip_app.models import Meeting, MeetingKind
from tests.test_closure import TODAY, close_directly, ready_plan


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    return ready_plan(world, make_plan)  # reviews of 9, 16 and 23 Nov 2026


def link(plan, review, kind=MeetingKind.REVIEW) -> Meeting:
    meeting = Meeting(plan=plan, kind=kind, held_on=review.review_date, review=review, recorded_by=plan.manager)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def test_the_newest_review_says_which_meeting_it_came_from_with_a_link(world, sign_in, plan):
    meeting = link(plan, plan.reviews[-1])
    client = sign_in(world["staff"])
    page = client.get(f"/plans/{plan.id}").text
    review_html = page[page.index(f'id="review-{plan.reviews[-1].id}"') :][:3000]
    assert "From the review meeting of 23 Nov 2026" in review_html
    href = f"/plans/{plan.id}/meetings#meeting-{meeting.id}"
    assert f'href="{href}"' in review_html
    meetings_page = client.get(href.split("#")[0])
    assert meetings_page.status_code == 200 and f'id="meeting-{meeting.id}"' in meetings_page.text


def test_an_earlier_review_says_so_too_and_a_review_without_a_meeting_says_nothing(world, sign_in, plan):
    link(plan, plan.reviews[0], MeetingKind.SUPERVISION)
    client = sign_in(world["manager"])
    assert "From the" not in client.get(f"/plans/{plan.id}").text  # the newest review had no meeting
    earlier = client.get(f"/plans/{plan.id}/reviews", headers={"HX-Request": "true"}).text
    assert "From the supervision of 9 Nov 2026" in earlier
    assert earlier.count("From the ") == 1


def test_the_closure_summary_lists_the_meeting_beside_its_review(world, sign_in, plan):
    link(plan, plan.reviews[1])
    close_directly(plan, world["manager"])
    data = sign_in(world["hr"]).get(f"/plans/{plan.id}/closure.pdf").data
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "From the review meeting of 16 Nov 2026" in text
    assert text.count("From the review meeting of") == 1


def test_the_meeting_form_offers_the_plans_reviews(world, sign_in, plan):
    form = sign_in(world["manager"]).get(f"/plans/{plan.id}/meetings/new").text
    assert "Weekly review of 23 Nov 2026" in form
