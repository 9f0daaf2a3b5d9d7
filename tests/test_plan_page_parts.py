"""The plan page carries what a person acts on; the rest opens on demand (issue #15): earlier
reviews, history, issued versions, acknowledgements and recorded observed shifts are parts with
URLs of their own — an htmx fragment, or a page of its own when followed as a plain link — read a
page at a time."""

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
    Observation,
    ObservationStatus,
    Outcome,
    PlanStatus,
    Progress,
    Review,
    ReviewDecision,
    ReviewEntry,
)
from pip_app.services import reviews as review_ops
from pip_app.services.plans import issue_plan
from tests.factories import approve_for_issue, make_action, make_control
from tests.html_checker import assert_valid_html

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


@pytest.mark.parametrize("path", ["reviews", "history", "versions", "acknowledgements", "observations/recorded"])
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


# --- The observed shifts: those still planned on the page, the recorded ones on demand


@pytest.fixture
def shifts(plan, world):
    """Two recorded (done and met; cancelled), two still planned (one passed, one to come)."""
    made = [
        Observation(plan=plan, scheduled_on=TODAY - timedelta(days=14), observer=world["senior"], focus=plan.actions),
        Observation(plan=plan, scheduled_on=TODAY - timedelta(days=7), observer=world["senior"]),
        Observation(plan=plan, scheduled_on=TODAY - timedelta(days=1), observer=world["senior"]),
        Observation(plan=plan, scheduled_on=TODAY + timedelta(days=3), observer=world["manager"]),
    ]
    db.session.add_all(made)
    db.session.flush()
    manager = world["manager"]
    review_ops.record_observation(manager, made[0], status=ObservationStatus.DONE, outcome=Outcome.MET, notes=None)
    review_ops.record_observation(
        manager, made[1], status=ObservationStatus.CANCELLED, outcome=None, notes="Short-staffed <b>that</b> night"
    )
    db.session.commit()
    return made


def observations_panel(html: str) -> str:
    start = html.index('<section id="observations-panel"')
    return html[start : html.index("</section>", start)]


def test_the_plan_page_shows_the_planned_shifts_and_opens_the_recorded_on_demand(world, sign_in, plan, shifts):
    panel = observations_panel(sign_in(world["manager"]).get(f"/plans/{plan.id}").text)
    assert "4 planned · 1 done · 1 met." in panel
    for planned in shifts[2:]:
        assert f'id="observation-{planned.id}"' in panel
        assert f"/plans/{plan.id}/observations/{planned.id}/outcome" in panel  # recorded from here
    for recorded in shifts[:2]:
        assert f'id="observation-{recorded.id}"' not in panel
    assert "Short-staffed" not in panel
    assert f'hx-get="/plans/{plan.id}/observations/recorded"' in panel
    assert "Recorded shifts (2)" in panel


@pytest.mark.parametrize("who", ["manager", "staff", "senior", "hr"])
def test_the_recorded_shifts_open_as_a_part_and_as_a_page_of_their_own(world, sign_in, plan, shifts, who):
    client = sign_in(world[who])
    part = client.get(f"/plans/{plan.id}/observations/recorded", headers=HTMX)
    assert part.status_code == 200
    assert "<html" not in part.text
    for recorded in shifts[:2]:
        assert f'id="observation-{recorded.id}"' in part.text
    for planned in shifts[2:]:
        assert f'id="observation-{planned.id}"' not in part.text
    assert "Short-staffed &lt;b&gt;that&lt;/b&gt; night" in part.text  # escaped
    assert '<td data-label="Focus">A1</td>' in part.text  # what the first observed
    assert "<form" not in part.text  # nothing recorded is recorded again
    page = client.get(f"/plans/{plan.id}/observations/recorded")
    assert page.status_code == 200
    assert "<h1>Recorded observed shifts</h1>" in page.text
    assert f'href="/plans/{plan.id}#observations-panel"' in page.text  # back to the plan
    assert_valid_html({"recorded shifts": page.text})


def test_a_plan_with_nothing_recorded_says_so(world, sign_in, plan):
    db.session.add(Observation(plan=plan, scheduled_on=TODAY + timedelta(days=3), observer=world["senior"]))
    db.session.commit()
    client = sign_in(world["manager"])
    assert "Recorded shifts" not in observations_panel(client.get(f"/plans/{plan.id}").text)
    part = client.get(f"/plans/{plan.id}/observations/recorded", headers=HTMX)
    assert "No observed shifts recorded yet." in part.text


def test_after_recording_an_outcome_the_panel_shows_every_shift(world, sign_in, plan, shifts):
    client = sign_in(world["manager"])
    passed = shifts[2]
    opened = client.get(f"/plans/{plan.id}/observations/{passed.id}/outcome", headers=HTMX)
    assert opened.status_code == 200
    assert f'id="observation-{shifts[0].id}"' in opened.text  # the form's answer shows the recorded too
    form = client.client.get(f"/plans/{plan.id}/observations/{passed.id}/outcome").text
    version = form.split(f'name="outcome{passed.id}-row_version"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    saved = client.post(
        f"/plans/{plan.id}/observations/{passed.id}/outcome",
        data={
            f"outcome{passed.id}-status": "done",
            f"outcome{passed.id}-outcome": "met",
            f"outcome{passed.id}-row_version": version,
        },
        htmx=True,
    )
    assert saved.status_code == 200, saved.text
    panel = observations_panel(saved.text)
    assert "Observation recorded." in panel
    assert "4 planned · 2 done · 2 met." in panel
    for shift in shifts:  # the one just recorded among the recorded, in view
        assert f'id="observation-{shift.id}"' in panel
    assert 'id="observations-recorded"' not in panel  # shown, not offered on demand
    # A later first load of the page opens them on demand again.
    assert "Recorded shifts (3)" in observations_panel(client.get(f"/plans/{plan.id}").text)


def test_the_staff_member_reads_their_planned_shifts_folded(world, sign_in, plan, shifts):
    panel = observations_panel(sign_in(world["staff"]).get(f"/plans/{plan.id}").text)
    assert "4 planned · 1 done · 1 met." in panel
    folded = panel.split('<details class="observations-more">', 1)[1].split("</details>", 1)[0]
    assert "2 shifts without an outcome yet" in folded
    for planned in shifts[2:]:
        assert f'id="observation-{planned.id}"' in folded
    assert "/outcome" not in folded  # theirs to read, not to record
    assert "Recorded shifts (2)" in panel
