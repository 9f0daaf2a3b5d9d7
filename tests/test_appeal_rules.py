"""The appeal's pure rules (issue 20, point 3): the deadline in UK working days, whether an appeal
is in time as the date moves past it, and who may not hear it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pip_app.appeal_rules import deadline, hearer_problem, in_time, lateness_problem

# Thursday 27 Aug 2026: the weekend, then the summer bank holiday (Monday 31 Aug, England and Wales).
SENT = date(2026, 8, 27)


def test_the_deadline_skips_the_weekend_and_the_bank_holiday():
    assert deadline(SENT, 5) == date(2026, 9, 4)  # Fri 28, Tue 1, Wed 2, Thu 3, Fri 4
    assert deadline(SENT, 1) == date(2026, 8, 28)
    assert deadline(SENT, 2) == date(2026, 9, 1)  # not Saturday, Sunday or the bank holiday Monday
    # Scotland's summer bank holiday is early in August: Monday 31 Aug is a working day there.
    assert deadline(SENT, 2, "SCT") == date(2026, 8, 31)


def test_christmas_and_new_year_move_the_deadline_by_nation():
    assert deadline(date(2026, 12, 23), 5) == date(2027, 1, 4)
    assert deadline(date(2026, 12, 23), 5, "SCT") == date(2027, 1, 5)  # 2 January is a holiday in Scotland


def test_an_appeal_is_in_time_up_to_and_including_the_last_day_as_the_date_moves():
    last = deadline(SENT, 5)
    answers = {SENT + timedelta(days=n): in_time(SENT + timedelta(days=n), last) for n in range(0, 12)}
    assert [day for day, ok in answers.items() if ok] == [SENT + timedelta(days=n) for n in range(0, 9)]
    assert answers[date(2026, 8, 31)] is True  # the bank holiday itself: still before the last day
    assert answers[date(2026, 9, 5)] is False  # the Saturday after: late
    assert in_time(date(2030, 1, 1), None) is True  # a letter without a deadline


def test_the_staff_member_is_refused_a_late_appeal_and_told_to_ask_hr():
    last = deadline(SENT, 5)
    assert lateness_problem(last, last, by_hr=False, late_reason="") is None
    message = lateness_problem(last + timedelta(days=1), last, by_hr=False, late_reason="I was ill")
    assert message == (
        "The deadline to appeal was 4 Sep 2026. Ask HR: they can record a late appeal with the reason it is accepted."
    )


def test_hr_records_a_late_appeal_only_with_the_reason_it_is_accepted():
    last = deadline(SENT, 5)
    late = last + timedelta(days=3)
    assert "give the reason this late appeal is accepted" in lateness_problem(late, last, by_hr=True, late_reason="  ")
    assert lateness_problem(late, last, by_hr=True, late_reason="In hospital until 6 Sep.") is None
    assert lateness_problem(last, last, by_hr=True, late_reason="") is None  # in time: no reason needed


INVOLVED = {
    1: "is the staff member who appeals",
    2: "is the plan's line manager",
    3: "approved the move to formal stage 1 on 23 Nov 2026",
}


def test_someone_involved_may_not_hear_the_appeal_and_is_told_why():
    assert hearer_problem(3, "Sam Senior", "senior", True, INVOLVED) == (
        "Sam Senior approved the move to formal stage 1 on 23 Nov 2026: choose someone not previously involved."
    )
    assert "is the staff member who appeals" in hearer_problem(1, "Pat Staff", "senior", True, INVOLVED)
    assert "is the plan's line manager" in hearer_problem(2, "Mo Manager", "senior", True, INVOLVED)


@pytest.mark.parametrize(
    ("role", "active", "expected"),
    [
        ("senior", True, None),
        ("hr", True, None),
        ("manager", True, "is not a registered manager or HR adviser"),
        ("staff", True, "is not a registered manager or HR adviser"),
        ("admin", True, "is not a registered manager or HR adviser"),
        ("senior", False, "no longer active"),
    ],
)
def test_the_hearer_is_an_active_registered_manager_or_hr_adviser(role, active, expected):
    problem = hearer_problem(9, "Alex Other", role, active, INVOLVED)
    assert problem is None if expected is None else expected in problem
