"""The weekly review loop, end to end in a real browser (issue #4, "Done when"): a manager records
three weekly reviews on an active plan without a page reload, the chart shows the values and the
"measure is met" prompt appears only when the last N values reach the target; the staff member
acknowledges reviews (agreeing, or disagreeing with a comment); an observed shift's outcome is
recorded in place and clears its header flag; a double-clicked save makes one review."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from pip_app.clock import today
from pip_app.extensions import db
from pip_app.formatting import format_date
from pip_app.models import (
    Acknowledgement,
    AckResponse,
    Action,
    Observation,
    ObservationStatus,
    Outcome,
    Plan,
    PlanStatus,
    PlanVersion,
    Progress,
    Review,
    ReviewDecision,
)
from pip_app.schedule import Slot
from pip_app.services import plans as plan_ops
from pip_app.services import reviews as review_ops
from tests import factories
from tests.browser.conftest import sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

MEASURED = dict(
    behaviour="Sign the MAR at the time of each administration",
    when="at every medication round",
    check_method="weekly MAR audit by the senior",
    success_criterion="at least 90% MAR compliance across two consecutive audits",
    measure_name="MAR compliance",
    measure_unit="%",
    measure_baseline=62,
    measure_target=90,
    measure_consecutive=2,
)


# --- Helpers


def _set_marker(page) -> None:
    """A flag on the window that a full page load would wipe out."""
    page.evaluate("window.__marker = 1")


def _assert_no_reload(page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _fresh() -> None:
    """End the test session's read transaction so it sees what the server committed."""
    db.session.commit()
    db.session.expire_all()


def _reviews(plan_id: int) -> list[Review]:
    _fresh()
    return list(
        db.session.scalars(select(Review).where(Review.plan_id == plan_id).order_by(Review.review_date, Review.id))
    )


def _review_count(plan_id: int) -> int:
    _fresh()
    return db.session.scalar(select(func.count(Review.id)).where(Review.plan_id == plan_id))


def _timeline(page):
    """The reviews on the panel, newest first, with the earlier ones opened (they load when opened)."""
    earlier = page.locator("#earlier-reviews")
    if earlier.count() and earlier.get_attribute("open") is None:
        earlier.locator("summary").click()
        expect(earlier.locator(".lazy__body ol.timeline")).to_be_visible()
    return page.locator("#reviews-panel ol.timeline > li")


def _action_fieldset(page, ref: str):
    """The review form's block for one action (its legend starts with the action's ref)."""
    return page.locator("fieldset.review-entry").filter(
        has=page.locator("legend", has_text=re.compile(rf"^\s*{ref}: "))
    )


def _fill_review(page, *, review_date, value, summary, progress=("On track", "On track")) -> None:
    """Open the form in place and fill it: dates, progress per action, the measure, the summary."""
    page.get_by_role("link", name="Record this week's review").click()
    form = page.locator("#reviews-panel form.review-form")
    expect(form.get_by_role("heading", name="Record this week's review")).to_be_visible()
    form.get_by_label("Review date").fill(review_date.isoformat())
    form.get_by_label("Next review").fill((review_date + timedelta(days=7)).isoformat())
    measured, plain = _action_fieldset(page, "A1"), _action_fieldset(page, "A2")
    expect(measured).to_have_count(1)
    expect(plain).to_have_count(1)
    measured.get_by_label(progress[0], exact=True).check()
    plain.get_by_label(progress[1], exact=True).check()
    measured.get_by_label("MAR compliance this week (%)").fill(str(value))
    expect(plain.get_by_role("textbox", name=re.compile("this week"))).to_have_count(0)  # no measure, no value
    form.get_by_label("Overall summary").fill(summary)
    expect(form.get_by_label("Continue", exact=True)).to_be_checked()


@pytest.fixture
def active_plan(world):
    """An ACTIVE plan, issued (version 1) through the app's own operation, that started three
    weeks ago: A1 measured (MAR compliance, baseline 62%, target 90% on 2 consecutive checks),
    A2 not measured, and one interim control."""
    start = today() - timedelta(weeks=3)
    plan = factories.make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=start,
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    measured = factories.make_action(plan, **MEASURED)
    plain = factories.make_action(plan)
    factories.approve_for_issue(plan)
    plan_ops.issue_plan(world["manager"], plan)
    db.session.commit()
    assert plan.status is PlanStatus.ACTIVE and plan.version == 1
    assert db.session.scalar(select(func.count(PlanVersion.id)).where(PlanVersion.plan_id == plan.id)) == 1
    assert measured.has_measure and not plain.has_measure
    return SimpleNamespace(
        id=plan.id,
        reference=plan.reference,
        start=start,
        measured_id=measured.id,
        plain_id=plain.id,
        staff=world["staff"],
        manager=world["manager"],
    )


# --- Journey 1: a manager records the weekly reviews in place


def _expect_plotted(action, n: int) -> None:
    """The action's chart draws `n` values: a single value as a dot of its own; more as a line
    through `n` points with a dot at each (the line's markers)."""
    chart = action.locator("figure.chart svg")
    line = chart.locator("polyline")
    if n < 2:
        expect(chart.locator(":scope > circle")).to_have_count(n)
        expect(line).to_have_count(0)
        return
    expect(chart.locator(":scope > circle")).to_have_count(0)
    expect(line).to_have_attribute("points", re.compile(rf"^\S+(?: \S+){{{n - 1}}}$"))
    dot = re.compile(r"^url\(#chart-\d+-dot\)$")
    for end in ("marker-start", "marker-mid", "marker-end"):
        expect(line).to_have_attribute(end, dot)


def test_manager_records_three_weekly_reviews_in_place_and_the_chart_follows(
    live_server, page, console_errors, active_plan
):
    p = active_plan
    sign_in_quickly(page, live_server, p.manager.email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.goto(f"{live_server}/plans/{p.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(p.reference)
    expect(page.locator("#reviews-panel")).to_contain_text("No weekly reviews yet.")
    action = page.locator(f"#action-{p.measured_id}")
    _expect_plotted(action, 0)
    _set_marker(page)

    dates = [p.start + timedelta(days=6), p.start + timedelta(days=12), p.start + timedelta(days=18)]
    values = [70, 85, 92]
    for n, (day, value) in enumerate(zip(dates, values, strict=True), start=1):
        _fill_review(page, review_date=day, value=value, summary=f"Week {n}: MAR audit at {value}%.")
        page.get_by_role("button", name="Save review").click()
        expect(page.locator("#reviews-panel .saved-notice")).to_contain_text("Weekly review saved")
        newest = page.locator("#reviews-panel ol.timeline > li").first  # the newest, on the panel itself
        expect(page.locator("#reviews-panel > ol.timeline > li")).to_have_count(1)
        expect(newest.get_by_role("heading", level=3)).to_contain_text(f"Review of {format_date(day)}")
        expect(newest).to_contain_text(f"{value}%")
        expect(newest).to_contain_text(f"Week {n}: MAR audit at {value}%.")
        expect(newest).to_contain_text("Decision: Continue")
        expect(newest).to_contain_text(f"next review {format_date(day + timedelta(days=7))}")
        expect(page.locator("#reviews-panel form.review-form")).to_have_count(0)
        # The chart (swapped in out of band) takes each new value straight away.
        _expect_plotted(action, n)
        expect(page.locator("#next-review")).to_contain_text(f"next {format_date(day + timedelta(days=7))}")
        expect(_timeline(page)).to_have_count(n)  # the earlier ones open below it
        _assert_no_reload(page)

    # Three reviews, three points, and the values in the chart's table alternative.
    _assert_no_reload(page)
    expect(_timeline(page)).to_have_count(3)
    _expect_plotted(action, 3)
    action.locator("figure.chart details summary").click()
    rows = action.locator("figure.chart details table tbody tr")
    expect(rows).to_have_count(4)  # the baseline, then one row per review
    expect(rows.nth(0)).to_contain_text("62%")
    for row, day, value, reaches in zip(
        [rows.nth(1), rows.nth(2), rows.nth(3)], dates, values, ["No", "No", "Yes"], strict=True
    ):
        expect(row.get_by_role("rowheader")).to_have_text(format_date(day))
        expect(row.get_by_role("cell").nth(0)).to_have_text(f"{value}%")
        expect(row.get_by_role("cell").nth(1)).to_have_text(reaches)
    # Only the last value (92) reaches 90, and two consecutive are needed: not met yet.
    expect(action.locator("p.ready")).to_have_count(0)
    expect(action).not_to_contain_text("The measure is met")

    saved = _reviews(p.id)
    assert [r.review_date for r in saved] == dates
    assert [r.decision for r in saved] == [ReviewDecision.CONTINUE] * 3
    for review, value in zip(saved, values, strict=True):
        entries = {e.action_id: e for e in review.entries}
        assert entries[p.measured_id].measured_value == value and entries[p.measured_id].progress is Progress.ON_TRACK
        assert entries[p.plain_id].measured_value is None and entries[p.plain_id].progress is Progress.ON_TRACK
        assert review.submission_token  # one per form load

    # A fourth review at 95: the last two (92, 95) both reach 90, so the prompt appears.
    fourth = p.start + timedelta(days=21)
    assert fourth <= today()
    _fill_review(page, review_date=fourth, value=95, summary="Week 4: MAR audit at 95%.")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("#reviews-panel .saved-notice")).to_contain_text("Weekly review saved")
    expect(_timeline(page)).to_have_count(4)
    _expect_plotted(action, 4)
    expect(action.locator("p.ready")).to_contain_text("The measure is met")
    expect(action.locator("p.ready")).to_contain_text("Consider recording A1 as completed")
    expect(page.locator(f"#action-{p.plain_id} p.ready")).to_have_count(0)
    _assert_no_reload(page)
    assert _review_count(p.id) == 4

    assert console_errors == []


# --- Journey 2: the staff member acknowledges reviews


@pytest.fixture
def reviewed_plan(active_plan, world):
    """The active plan with two weekly reviews recorded by the manager (through the app's operation)."""
    p = active_plan
    _fresh()
    plan = db.session.get(Plan, p.id)
    measured, plain = db.session.get(Action, p.measured_id), db.session.get(Action, p.plain_id)
    p.review_ids = []
    for day, value in ((p.start + timedelta(days=7), 70.0), (p.start + timedelta(days=14), 85.0)):
        review = review_ops.record_review(
            world["manager"],
            plan,
            review_date=day,
            summary=f"MAR audit at {value:g}%.",
            decision=ReviewDecision.CONTINUE,
            next_review_date=day + timedelta(days=7),
            entries=[
                dict(action=measured, progress=Progress.AT_RISK, measured_value=value),
                dict(action=plain, progress=Progress.ON_TRACK),
            ],
            control_decisions=[],
        )
        db.session.commit()
        p.review_ids.append(review.id)
    p.review_dates = [p.start + timedelta(days=7), p.start + timedelta(days=14)]
    return p


def _saved_review_ack(review_id: int) -> Acknowledgement | None:
    _fresh()
    return db.session.scalar(select(Acknowledgement).where(Acknowledgement.review_id == review_id))


def test_staff_member_acknowledges_reviews_in_place(live_server, page, console_errors, reviewed_plan):
    p = reviewed_plan
    first_id, second_id = p.review_ids
    first_day, _second_day = p.review_dates

    # The dashboard lists both reviews to acknowledge.
    sign_in_quickly(page, live_server, p.staff.email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    to_acknowledge = page.locator("section").filter(has=page.get_by_role("heading", name="To acknowledge"))
    for day in p.review_dates:
        expect(to_acknowledge).to_contain_text(f"the weekly review of {format_date(day)}")
    to_acknowledge.locator("li", has_text=f"the weekly review of {format_date(first_day)}").get_by_role(
        "link", name=p.reference
    ).click()
    expect(page).to_have_url(re.compile(rf"/plans/{p.id}#review-{first_id}$"))
    _set_marker(page)

    # Agree with the first: the panel updates in place and says so.
    first = page.locator(f"#review-{first_id}")
    expect(first.locator("blockquote.statement")).to_contain_text(
        f"I have read the weekly review of {format_date(first_day)} for improvement plan {p.reference}"
    )
    first.get_by_label("Agree", exact=True).check()
    first.get_by_role("button", name="Send my response").click()
    expect(page.locator("#reviews-panel .saved-notice")).to_contain_text(
        "Your response to the review has been recorded"
    )
    first = page.locator(f"#review-{first_id}")
    expect(first).to_contain_text(f"{p.staff.name} agreed on")
    expect(first.locator("form")).to_have_count(0)
    _assert_no_reload(page)
    ack = _saved_review_ack(first_id)
    assert ack is not None and ack.response is AckResponse.AGREE and ack.comment is None

    # Disagree with the second without a comment: refused in place, the choice kept.
    second = page.locator(f"#review-{second_id}")
    second.get_by_label("Disagree, with comment").check()
    second.get_by_role("button", name="Send my response").click()
    second = page.locator(f"#review-{second_id}")
    expect(second.locator(".error-summary")).to_contain_text("Say what you disagree with")
    expect(second.get_by_label("Disagree, with comment")).to_be_checked()
    expect(page.locator(f"#review-{first_id}")).to_contain_text(f"{p.staff.name} agreed on")
    _assert_no_reload(page)
    assert _saved_review_ack(second_id) is None

    # With the comment it is saved, and the comment shows.
    comment = "The audit counted a refused dose as unsigned; it was signed as refused."
    second.get_by_label("Your comment").fill(comment)
    second.get_by_role("button", name="Send my response").click()
    expect(page.locator("#reviews-panel .saved-notice")).to_contain_text(
        "Your response to the review has been recorded"
    )
    second = page.locator(f"#review-{second_id}")
    expect(second).to_contain_text(f"{p.staff.name} disagreed on")
    expect(second).to_contain_text(f"Their comment: {comment}")
    _assert_no_reload(page)
    ack = _saved_review_ack(second_id)
    assert ack is not None and ack.response is AckResponse.DISAGREE and ack.comment == comment
    assert db.session.get(Review, second_id).staff_comment == comment

    # Neither review is waiting on the dashboard any more.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    to_acknowledge = page.locator("section").filter(has=page.get_by_role("heading", name="To acknowledge"))
    expect(to_acknowledge).to_be_visible()
    expect(to_acknowledge).not_to_contain_text("the weekly review of")

    # The refused response is a deliberate 422 (htmx swaps it in); Chromium logs any 4xx.
    assert [e for e in console_errors if "status of 422" not in e] == []


# --- Journey 3: an observed shift's outcome, in place


@pytest.fixture
def observed_plan(active_plan, world):
    """The active plan with one planned observation yesterday (overdue) and one in three days."""
    p = active_plan
    _fresh()
    plan = db.session.get(Plan, p.id)
    yesterday, later = today() - timedelta(days=1), today() + timedelta(days=3)
    added = plan_ops.schedule_observations(
        world["manager"], plan, [Slot(yesterday, "early"), Slot(later, "late")], observer_id=world["manager"].id
    )
    db.session.commit()
    p.overdue_id, p.upcoming_id = added[0].id, added[1].id
    p.yesterday, p.later = yesterday, later
    return p


def test_manager_records_an_observation_outcome_and_the_flag_clears(live_server, page, console_errors, observed_plan):
    p = observed_plan
    sign_in_quickly(page, live_server, p.manager.email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.goto(f"{live_server}/plans/{p.id}")
    flags = page.locator("#plan-flags")
    expect(flags).to_contain_text("1 observed shift passed without an outcome")
    _set_marker(page)

    row = page.locator(f"#observation-{p.overdue_id}")
    expect(row).to_contain_text("Planned")
    row.get_by_role("link", name=f"Record outcome of {format_date(p.yesterday)}").click()
    form = page.locator("#observations-panel form")
    expect(form.get_by_role("heading", level=3)).to_contain_text(
        f"Outcome of the early shift on {format_date(p.yesterday)}"
    )
    form.get_by_label("Done", exact=True).check()
    form.get_by_label("Met", exact=True).check()
    form.get_by_label("Notes (the reason, if cancelled)").fill("Signed every MAR entry at the time of the round.")
    form.get_by_role("button", name="Save outcome").click()

    expect(page.locator("#observations-panel .saved-notice")).to_have_text("Observation recorded.")
    row = page.locator(f"#observation-{p.overdue_id}")
    expect(row.locator(".status")).to_have_text("Done")
    expect(row).to_contain_text("Met: Signed every MAR entry at the time of the round.")
    expect(row.get_by_role("link", name=re.compile("Record outcome"))).to_have_count(0)
    expect(page.locator("#observations-panel form")).to_have_count(0)
    expect(page.locator("#observations-panel")).to_contain_text("2 planned · 1 done · 1 met.")
    # The only overdue observation has its outcome: the header flag goes, out of band.
    expect(flags).not_to_contain_text("observed shift")
    expect(page.locator(f"#observation-{p.upcoming_id}")).to_contain_text("Planned")  # the later one is untouched
    _assert_no_reload(page)

    _fresh()
    observation = db.session.get(Observation, p.overdue_id)
    assert observation.status is ObservationStatus.DONE and observation.outcome is Outcome.MET
    assert observation.recorded_at is not None
    assert db.session.get(Observation, p.upcoming_id).status is ObservationStatus.PLANNED

    # Loaded afresh, the page shows the shift still planned; the recorded one opens on demand, by keyboard.
    page.reload()
    expect(page.locator(f"#observation-{p.upcoming_id}")).to_contain_text("Planned")
    expect(page.locator(f"#observation-{p.overdue_id}")).to_have_count(0)
    recorded = page.locator("#observations-recorded")
    recorded.locator("summary").focus()
    page.keyboard.press("Enter")
    row = recorded.locator(f"#observation-{p.overdue_id}")
    expect(row).to_contain_text("Met: Signed every MAR entry at the time of the round.")
    expect(row.locator(".status")).to_have_text("Done")

    assert console_errors == []


# --- Journey 4: a double-clicked save makes one review


def test_double_clicked_save_records_one_review(live_server, page, console_errors, active_plan):
    p = active_plan
    sign_in_quickly(page, live_server, p.manager.email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.goto(f"{live_server}/plans/{p.id}")
    _set_marker(page)
    day = p.start + timedelta(days=7)
    _fill_review(page, review_date=day, value=75, summary="Week 1: MAR audit at 75%.")
    # What the form would send, to replay it below as a second, late submission of the same load.
    sent = page.locator("#reviews-panel form.review-form").evaluate(
        "form => Object.fromEntries(new FormData(form).entries())"
    )
    assert sent.get("review-submission_token")

    page.get_by_role("button", name="Save review").dblclick()
    expect(page.locator("#reviews-panel .saved-notice")).to_contain_text("Weekly review saved")
    expect(_timeline(page)).to_have_count(1)
    _assert_no_reload(page)
    assert _review_count(p.id) == 1

    # Even if a second copy of that submission reaches the server, the first save stands.
    response = page.request.post(f"{live_server}/plans/{p.id}/reviews", form=sent, headers={"HX-Request": "true"})
    assert response.status == 200, response.text()
    assert "Weekly review saved" in response.text()
    assert _review_count(p.id) == 1
    expect(_timeline(page)).to_have_count(1)

    assert console_errors == []
