"""Derived flags appear and clear as the date moves; measures are met on their last N values.
Pure functions over plain objects: no app, no database."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace as NS

import pytest

from pip_app.flags import plan_flags
from pip_app.measures import chart_geometry, measure_met

START = date(2026, 11, 2)


def status(value):
    return NS(value=value)


def control(**kw):
    base = dict(
        status=status("active"),
        kind=NS(label="Paired working"),
        review_by_date=START + timedelta(days=14),
        start_date=START,
        last_checked_on=None,
        continued_until=None,
    )
    base.update(kw)
    return NS(**base)


def review(id, day, entries=(), corrects=None):
    return NS(
        id=id,
        review_date=day,
        created_at=datetime.combine(day, datetime.min.time()),
        entries=[NS(action_id=a, progress=status(p)) for a, p in entries],
        corrects_review_id=corrects,
    )


def plan(**kw):
    base = dict(
        status=status("active"),
        next_review_date=START + timedelta(days=7),
        planned_end_date=START + timedelta(weeks=4),
        controls=[],
        observations=[],
        reviews=[],
        actions=[NS(id=1, ref="A1", status=status("open"))],
        acknowledgements=[],
        versions=[NS(version=1, created_at=datetime(2026, 11, 2, 9))],
        meetings=[],
        version=1,
        staff_id=5,
        approvals=[],
        escalations=[],
        closure_outcome=None,
        staff_nation=None,
        staff_register=None,
        regulatory_decisions=[],
        stage="informal",
    )
    base.update(kw)
    return NS(**base)


def test_decisions_waiting_are_flagged_on_drafts_and_open_plans():
    """Issue 18: a request for approval and an escalation without a decision."""
    waiting = NS(kind=status("issue"), status=status("pending"), requested_at=datetime(2026, 11, 20, 10))
    decided = NS(kind=status("closure"), status=status("returned"), requested_at=datetime(2026, 11, 20, 10))
    draft = plan(status=status("draft"), approvals=[waiting, decided])
    [flag] = plan_flags(draft, START + timedelta(days=20))
    assert (flag.code, flag.anchor) == ("approval_pending", "decisions")
    assert flag.message == "Submitted for approval on 20 Nov 2026: waiting for a decision"
    escalated = plan(escalations=[NS(raised_at=datetime(2026, 11, 21, 9), decision=None)])
    assert "escalation_open" in codes(escalated, START + timedelta(days=3))
    answered = plan(escalations=[NS(raised_at=datetime(2026, 11, 21, 9), decision=status("redesign"))])
    assert "escalation_open" not in codes(answered, START + timedelta(days=3))


def codes(p, day):
    return [f.code for f in plan_flags(p, day)]


def acked(version=1):
    return NS(user_id=5, subject=status("plan"), plan_version=version, review_id=None, response=status("agree"))


def test_review_overdue_appears_the_day_after_and_clears_when_reviewed():
    p = plan(acknowledgements=[acked()])
    assert "review_overdue" not in codes(p, START + timedelta(days=7))
    assert "review_overdue" in codes(p, START + timedelta(days=8))
    p.next_review_date = START + timedelta(days=14)
    assert "review_overdue" not in codes(p, START + timedelta(days=8))


def test_nothing_is_overdue_while_paused():
    p = plan(status=status("paused"), controls=[control()], acknowledgements=[acked()])
    assert "review_overdue" not in codes(p, START + timedelta(days=30))
    assert "past_end_date" in codes(p, START + timedelta(days=30))  # a paused plan still has an end date


def test_control_review_date_passed_and_not_checked():
    c = control()
    p = plan(controls=[c], acknowledgements=[acked()])
    assert codes(p, START + timedelta(days=6)) == []
    assert codes(p, START + timedelta(days=7)) == ["control_not_checked"]  # 7 days from its start, never checked
    c.last_checked_on = START + timedelta(days=6)
    assert codes(p, START + timedelta(days=7)) == []
    assert "control_review_passed" in codes(p, START + timedelta(days=15))
    c.status = status("lifted")
    assert codes(p, START + timedelta(days=7)) == []


def test_observation_passed_without_outcome():
    obs = NS(status=status("planned"), scheduled_on=START + timedelta(days=3))
    p = plan(observations=[obs], acknowledgements=[acked()])
    assert codes(p, START + timedelta(days=3)) == []
    assert codes(p, START + timedelta(days=4)) == ["observation_overdue"]
    obs.status = status("done")
    assert codes(p, START + timedelta(days=4)) == []


def test_action_at_risk_in_two_consecutive_reviews():
    p = plan(acknowledgements=[acked()], next_review_date=START + timedelta(days=21))
    p.reviews = [review(1, START + timedelta(days=7), [(1, "at_risk")])]
    p.acknowledgements.append(
        NS(user_id=5, subject=status("review"), plan_version=1, response=status("agree"), review_id=1)
    )
    assert codes(p, START + timedelta(days=15)) == []
    p.reviews.append(review(2, START + timedelta(days=14), [(1, "not_met")]))
    p.acknowledgements.append(
        NS(user_id=5, subject=status("review"), plan_version=1, response=status("agree"), review_id=2)
    )
    assert codes(p, START + timedelta(days=15)) == ["action_struggling"]
    p.reviews.append(
        review(3, START + timedelta(days=15), [(1, "on_track")], corrects=2)
    )  # a correction replaces review 2
    p.acknowledgements.append(
        NS(user_id=5, subject=status("review"), plan_version=1, response=status("agree"), review_id=3)
    )
    assert codes(p, START + timedelta(days=15)) == []


def test_past_end_date():
    p = plan(acknowledgements=[acked()], next_review_date=START + timedelta(weeks=5))
    assert codes(p, START + timedelta(weeks=4)) == []
    assert codes(p, START + timedelta(weeks=4, days=1)) == ["past_end_date"]


def test_acknowledgement_outstanding_for_more_than_three_days():
    p = plan(next_review_date=date(2026, 11, 30))
    assert codes(p, date(2026, 11, 5)) == []
    assert codes(p, date(2026, 11, 6)) == ["ack_outstanding"]
    p.acknowledgements = [acked()]
    assert codes(p, date(2026, 11, 6)) == []
    p.version = 2
    p.versions.append(NS(version=2, created_at=datetime(2026, 11, 6, 9)))
    assert codes(p, date(2026, 11, 9)) == []
    assert codes(p, date(2026, 11, 10)) == ["ack_outstanding"]


def test_minutes_not_shared_within_five_working_days_are_flagged_until_shared():
    held = NS(held_on=START, minutes_shared_on=None)  # Monday 2 Nov: due by Monday 9 Nov
    planned = NS(held_on=START + timedelta(days=20), minutes_shared_on=None)  # not held yet
    p = plan(next_review_date=date(2026, 12, 30), acknowledgements=[acked()], meetings=[held, planned])
    assert codes(p, date(2026, 11, 9)) == []
    [flag] = plan_flags(p, date(2026, 11, 10))
    assert (flag.code, flag.anchor, flag.severity) == ("minutes_late", "meetings", "alert")
    assert flag.message == "Minutes of the meeting of 2 Nov 2026 not shared within 5 working days"
    p.meetings.append(NS(held_on=START + timedelta(days=1), minutes_shared_on=None))
    [flag] = plan_flags(p, date(2026, 11, 11))
    assert flag.message == "Minutes of 2 meetings not shared within 5 working days (the first 2 Nov 2026)"
    held.minutes_shared_on = p.meetings[-1].minutes_shared_on = date(2026, 11, 12)  # late, but shared
    assert codes(p, date(2026, 11, 13)) == []
    assert "minutes_late" in codes(p, date(2026, 12, 2))  # the meeting of 22 Nov, now held and late


def test_closed_and_draft_plans_have_no_flags():
    for value in ("closed", "draft"):
        assert codes(plan(status=status(value), controls=[control()]), START + timedelta(days=60)) == []


@pytest.mark.parametrize(
    "values,target,n,higher,expected",
    [
        ([70, 85, 92], 90, 2, True, False),
        ([70, 92, 95], 90, 2, True, True),
        ([95], 90, 2, True, False),  # not enough values yet
        ([95], 90, 1, True, True),
        ([3, 1, 0], 0, 2, False, False),  # lower is better: last two must be at or under target
        ([3, 0, 0], 0, 2, False, True),
        ([], 90, 1, True, False),
        ([100], None, 1, True, False),
    ],
)
def test_measure_met_on_the_last_n_values(values, target, n, higher, expected):
    assert measure_met(values, target, n, higher) is expected


def test_chart_geometry_scales_percentages_into_the_box():
    chart = chart_geometry([50, 100], target=90, baseline=0, unit="%", width=320, height=140)
    (x1, y1), (x2, y2) = chart.points()
    assert chart.dots == 2 and x1 < x2 and y2 < y1  # later value is higher, so drawn higher up
    assert y2 == 12 and chart.baseline_y == chart.bottom
    assert chart.bottom > chart.target_y > 12
    empty = chart_geometry([], target=None, baseline=None)
    assert empty.dots == 0 and empty.polyline == ""
