"""Each measured action's progress chart is kept drawn (services/charts_kept.py): drawn again in the
transaction of every change to what it is drawn from, read by the plan page with its actions, and
drawn afresh where it is missing or drawn by an older `measures.DRAWING`. That every kept chart is
the one drawn afresh after every test of the suite is checked in tests/conftest.py."""

import json
from dataclasses import asdict
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from pip_app.extensions import db
from pip_app.measures import DRAWING, Drawing, draw
from pip_app.models import ActionChart
from pip_app.services.charts_kept import drawings_of, redraw_every_plan
from tests.issued_plan import TODAY, review_data

pytestmark = pytest.mark.usefixtures("frozen_today")  # the issued plan's day (tests/issued_plan.py)


def kept(action_id: int) -> Drawing:
    return Drawing.from_json(db.session.scalar(select(ActionChart.drawing).where(ActionChart.action_id == action_id)))


def polyline(html: str, action_id: int) -> str | None:
    """The points of action `action_id`'s chart line on a page, None if it has no line."""
    start = html.index(f'id="chart-{action_id}-t"')
    end = html.index("</svg>", start)
    chart = html[start:end]
    if "<polyline" not in chart:
        return None
    return chart.split('points="', 1)[1].split('"', 1)[0]


def test_only_measured_actions_have_a_kept_chart_and_it_is_drawn_when_the_plan_is_made(plan):
    measured = plan.actions[0]  # the second has no measure
    assert {row.action_id for row in db.session.scalars(select(ActionChart))} == {measured.id}
    drawing = kept(measured.id)
    assert drawing.chart.dots == 0 and drawing.first_day is None and not drawing.met


def test_recorded_reviews_draw_the_chart_again(app, plan, manager):
    measured = plan.actions[0]
    assert manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan, value="91"), htmx=True).status_code == 200
    first = kept(measured.id)
    assert first.chart.dots == 1 and first.first_day == "23 Nov 2026"
    assert not first.met  # one value of the two consecutive the measure asks for
    next_week = TODAY + timedelta(days=7)
    app.config["FROZEN_TODAY"] = next_week.isoformat()
    later = review_data(plan, day=next_week, value="95", token="tok-2")
    assert manager.post(f"/plans/{plan.id}/reviews", data=later, htmx=True).status_code == 200
    second = kept(measured.id)
    [(_, y_91), (_, y_95)] = second.chart.points()
    assert second.chart.dots == 2 and y_95 < y_91 and second.met  # 95 drawn above 91
    assert second.last_day == "30 Nov 2026"


def test_the_plan_page_shows_the_kept_chart_without_reading_any_review_value(plan, manager, count_queries):
    """What the page draws is what is kept: a kept line moved by hand (never by the app) is the
    line the page shows, and no statement reads the reviews' values."""
    measured = plan.actions[0]
    manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan, value="91"), htmx=True)
    drawing = db.session.scalar(select(ActionChart.drawing).where(ActionChart.action_id == measured.id))
    drawing["chart"]["dots"] = 2
    drawing["chart"]["polyline"] = "40.0,50.0 308.0,20.0"
    db.session.execute(update(ActionChart).where(ActionChart.action_id == measured.id).values(drawing=drawing))
    db.session.commit()
    manager.get(f"/plans/{plan.id}")  # warm up
    with count_queries() as counter:
        page = manager.get(f"/plans/{plan.id}").text
    assert polyline(page, measured.id) == "40.0,50.0 308.0,20.0"
    values = "SELECT review_entries.review_id, review_entries.action_id, review_entries.measured_value"
    assert not any(statement.startswith(values) for statement in counter.statements)
    _put_back()


def test_a_chart_drawn_by_an_older_drawing_or_missing_is_drawn_afresh_on_the_page(plan, manager, count_queries):
    measured = plan.actions[0]
    manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan, value="91"), htmx=True)
    manager.get(f"/plans/{plan.id}")  # warm up
    with count_queries() as counter:
        page = manager.get(f"/plans/{plan.id}").text
    kept_line, kept_count = polyline(page, measured.id), counter.count
    assert kept_line is None  # one value: a dot, no line
    assert '<circle cx="174.0"' in page

    db.session.execute(update(ActionChart).values(drawn_by=DRAWING - 1))
    db.session.commit()
    with count_queries() as counter:
        older = manager.get(f"/plans/{plan.id}").text
    assert '<circle cx="174.0"' in older and counter.count == kept_count + 1  # the values, read once

    db.session.execute(ActionChart.__table__.delete())
    db.session.commit()
    with count_queries() as counter:
        missing = manager.get(f"/plans/{plan.id}").text
    assert '<circle cx="174.0"' in missing and counter.count == kept_count + 1
    _put_back()


def test_changing_an_actions_measure_draws_its_chart_again(plan):
    measured = plan.actions[0]
    measured.measure_target = 70
    db.session.commit()
    assert kept(measured.id).chart.target_y == Drawing.from_json(_drawn_afresh(plan.id, measured.id)).chart.target_y
    unmeasured = plan.actions[1]
    unmeasured.measure_name, unmeasured.measure_target = "Handovers on time", 100
    db.session.commit()
    assert db.session.get(ActionChart, unmeasured.id) is not None
    unmeasured.measure_target = None
    db.session.commit()
    assert db.session.get(ActionChart, unmeasured.id) is None


def test_only_a_change_to_what_a_chart_is_drawn_from_draws_it_again(plan, count_queries):
    """An action's status, a review's summary: nothing a chart is drawn from, so its plan's charts
    are not drawn again (and the suite's check after the test holds them equal to drawn afresh)."""
    from pip_app.models import ActionStatus

    def redrawn(change) -> bool:
        with count_queries() as counter:
            change()
            db.session.commit()
        return any(statement.startswith("DELETE FROM action_charts") for statement in counter.statements)

    measured = plan.actions[0]
    assert not redrawn(lambda: setattr(measured, "status", ActionStatus.COMPLETED))
    assert not redrawn(lambda: setattr(measured, "behaviour", measured.behaviour + " (reworded)"))
    assert redrawn(lambda: setattr(measured, "measure_target", 80))
    assert redrawn(lambda: setattr(measured, "measure_unit", "per week"))


def test_redrawing_every_plan_puts_back_what_a_bulk_write_left_out(plan):
    db.session.execute(ActionChart.__table__.delete())
    db.session.commit()
    redraw_every_plan(db.session.connection())
    db.session.commit()
    assert db.session.scalar(select(ActionChart.action_id)) == plan.actions[0].id


def _drawn_afresh(plan_id, action_id):
    [row] = [row for row in drawings_of(db.session.connection(), [plan_id]) if row["action_id"] == action_id]
    return row["drawing"]


def _put_back():
    """Leave the kept charts as the app keeps them (the suite checks it after every test)."""
    redraw_every_plan(db.session.connection())
    db.session.commit()


@given(
    values=st.lists(st.floats(min_value=-1000, max_value=1000, allow_nan=False), max_size=14),
    target=st.floats(min_value=-1000, max_value=1000, allow_nan=False),
    unit=st.sampled_from([None, "%", "per week"]),
)
def test_a_drawing_is_written_as_json_with_every_field_and_read_back_the_same(values, target, unit):
    """What is kept of a chart is all of it: written as its fields are, and read back equal."""
    start = date(2026, 9, 7)
    action = SimpleNamespace(
        measure_baseline=0.0,
        measure_target=target,
        measure_unit=unit,
        measure_higher_is_better=True,
        measure_consecutive=2,
    )
    drawing = draw(action, [(start + timedelta(days=7 * n), v) for n, v in enumerate(values)])
    written = json.loads(json.dumps(drawing.as_json()))
    assert written == json.loads(json.dumps(asdict(drawing)))
    assert Drawing.from_json(written) == drawing
