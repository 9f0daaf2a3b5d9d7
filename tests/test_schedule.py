"""Table-driven tests for pip_app.schedule: spreading observed shifts, validation, .ics export."""

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import icalendar
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pip_app.models import Shift
from pip_app.schedule import (
    PRODID,
    SHIFT_TIMES,
    WEEK_PATTERNS,
    Slot,
    build_ics,
    clean_text,
    generate_schedule,
    shift_window,
)

MONDAY = date(2026, 6, 1)  # a Monday in BST
FAR = date(2027, 12, 31)
STAMP = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def days(slots):
    return [s.scheduled_on for s in slots]


def names(slots):
    return [DAY_NAMES[s.scheduled_on.weekday()] for s in slots]


def check_invariants(slots, start, end, per_week, weeks, shift, avoid=frozenset()):
    dates = days(slots)
    assert dates == sorted(dates)
    assert len(dates) == len(set(dates)), "duplicate dates"
    assert all(start <= d <= end for d in dates)
    assert all(d.weekday() not in avoid for d in dates)
    assert all(s.shift == shift and type(s.shift) is str for s in slots)
    assert len(dates) <= per_week * weeks
    for week in range(weeks + 1):  # never more than N in a plan week, nothing after week W
        first = start + timedelta(days=7 * week)
        in_week = [d for d in dates if first <= d <= first + timedelta(days=6)]
        assert len(in_week) <= (per_week if week < weeks else 0)


# --- spreading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "per_week, week_days",
    [
        (1, ["Mon"]),
        (2, ["Mon", "Thu"]),
        (3, ["Mon", "Wed", "Fri"]),
        (4, ["Mon", "Wed", "Fri", "Sun"]),
        (5, ["Mon", "Tue", "Thu", "Fri", "Sun"]),
        (6, ["Mon", "Tue", "Wed", "Fri", "Sat", "Sun"]),
        (7, list(DAY_NAMES)),
    ],
    ids=lambda v: str(v) if isinstance(v, int) else None,
)
def test_each_rate_is_spread_across_each_week(per_week, week_days):
    slots = generate_schedule(MONDAY, FAR, per_week, 4, "early")
    assert names(slots) == week_days * 4
    assert len(slots) == per_week * 4
    check_invariants(slots, MONDAY, FAR, per_week, 4, "early")


@pytest.mark.parametrize("per_week", range(1, 8))
@pytest.mark.parametrize("start_offset", range(7))
def test_weeks_run_from_the_start_date_not_the_calendar_week(per_week, start_offset):
    start = MONDAY + timedelta(days=start_offset)
    slots = generate_schedule(start, FAR, per_week, 3, "late")
    assert slots[0].scheduled_on == start
    offsets = [(d - start).days for d in days(slots)]
    expected = [7 * week + n for week in range(3) for n in WEEK_PATTERNS[per_week]]
    assert offsets == expected
    check_invariants(slots, start, FAR, per_week, 3, "late")


@pytest.mark.parametrize("per_week", [1, 2, 3])
@pytest.mark.parametrize("start_offset", range(7))
def test_up_to_three_a_week_are_never_on_consecutive_days(per_week, start_offset):
    start = MONDAY + timedelta(days=start_offset)
    dates = days(generate_schedule(start, FAR, per_week, 8, "night"))
    gaps = [(b - a).days for a, b in pairwise(dates)]
    assert min(gaps) >= 2


@pytest.mark.parametrize(
    "per_week, weeks, end, expected",
    [
        # week 4 starts Mon 22 Jun; the plan ends Wed 24 Jun: Fri 26 is dropped, not squeezed
        (3, 4, date(2026, 6, 24), ["2026-06-22", "2026-06-24"]),
        (3, 4, date(2026, 6, 23), ["2026-06-22"]),
        (2, 4, date(2026, 6, 24), ["2026-06-22"]),
        (7, 4, date(2026, 6, 24), ["2026-06-22", "2026-06-23", "2026-06-24"]),
        # the plan ends before the rule's last week starts: that week has nothing
        (2, 4, date(2026, 6, 21), []),
    ],
)
def test_a_partial_last_week_is_cut_by_the_end_date(per_week, weeks, end, expected):
    slots = generate_schedule(MONDAY, end, per_week, weeks, "early")
    last_week = [d.isoformat() for d in days(slots) if d >= date(2026, 6, 22)]
    assert last_week == expected
    earlier = [d for d in days(slots) if d < date(2026, 6, 22)]
    assert len(earlier) == per_week * 3  # full weeks untouched
    check_invariants(slots, MONDAY, end, per_week, weeks, "early")


@pytest.mark.parametrize(
    "end, weeks, expected_count",
    [
        (MONDAY, 4, 1),  # a one-day plan
        (MONDAY + timedelta(days=13), 52, 6),  # weeks beyond the end are not generated
        (FAR, 1, 3),
    ],
)
def test_end_date_limits_the_number_of_weeks(end, weeks, expected_count):
    slots = generate_schedule(MONDAY, end, 3, weeks, "early")
    assert len(slots) == expected_count
    check_invariants(slots, MONDAY, end, 3, weeks, "early")


@pytest.mark.parametrize(
    "start, per_week, avoid, end, expected",
    [
        # Thursday avoided: Mon/Thu becomes Mon/Fri (nearest, and the better-spaced of Wed/Fri)
        (MONDAY, 2, {3}, FAR, ["Mon", "Fri"]),
        # weekends avoided: Mon/Wed/Fri already clear
        (MONDAY, 3, {5, 6}, FAR, ["Mon", "Wed", "Fri"]),
        # Wednesday avoided: moves a day (Tue or Thu are equally near and spaced: the earlier)
        (MONDAY, 3, {2}, FAR, ["Mon", "Tue", "Fri"]),
        # the first day avoided: moves forward within the same week
        (MONDAY, 1, {0}, FAR, ["Tue"]),
        # weekends avoided with 4 a week: Sun moves to the nearest free day, Thu
        (MONDAY, 4, {5, 6}, FAR, ["Mon", "Wed", "Thu", "Fri"]),
        # 5 a week, weekends avoided: exactly the working week
        (MONDAY, 5, {5, 6}, FAR, ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        # a Saturday start with the weekend avoided: Sat -> Mon, Tue stays
        (date(2026, 6, 6), 2, {5, 6}, FAR, ["Mon", "Tue"]),
        # an avoided day never moves after the plan's end (Mon avoided, plan ends Tue)
        (MONDAY, 1, {0}, MONDAY + timedelta(days=1), ["Tue"]),
    ],
)
def test_avoided_weekdays_move_to_the_nearest_free_day_in_the_same_week(start, per_week, avoid, end, expected):
    slots = generate_schedule(start, end, per_week, 3, "long_day", avoid_weekdays=frozenset(avoid))
    first_week = [s for s in slots if s.scheduled_on < start + timedelta(days=7)]
    assert names(first_week) == expected
    check_invariants(slots, start, end, per_week, 3, "long_day", frozenset(avoid))


def test_no_free_day_left_in_a_short_plan_gives_no_slot():
    assert generate_schedule(MONDAY, MONDAY, 1, 1, "early", avoid_weekdays=frozenset({0})) == []


def test_moved_days_never_collide():
    # Every day but Wednesday avoided... is refused; every day but Mon/Tue: 2 a week fit exactly.
    avoid = frozenset({2, 3, 4, 5, 6})
    slots = generate_schedule(MONDAY, FAR, 2, 5, "early", avoid_weekdays=avoid)
    assert names(slots) == ["Mon", "Tue"] * 5
    check_invariants(slots, MONDAY, FAR, 2, 5, "early", avoid)


def test_schedule_is_deterministic_and_accepts_the_enum():
    a = generate_schedule(MONDAY, FAR, 3, 6, Shift.NIGHT, avoid_weekdays=frozenset({2}))
    b = generate_schedule(MONDAY, FAR, 3, 6, "night", avoid_weekdays=frozenset({2}))
    assert a == b
    assert all(type(s.shift) is str and s.shift == "night" for s in a)


def test_slot_is_frozen_and_hashable():
    slot = Slot(MONDAY, "early")
    with pytest.raises(dataclasses.FrozenInstanceError):
        slot.shift = "late"
    assert {slot, Slot(MONDAY, "early")} == {slot}


def test_shift_times_cover_every_shift_in_the_model():
    assert set(SHIFT_TIMES) == {s.value for s in Shift}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=0, max_value=400),
    per_week=st.integers(min_value=1, max_value=7),
    weeks=st.integers(min_value=1, max_value=52),
    shift=st.sampled_from(sorted(SHIFT_TIMES)),
    avoid=st.frozensets(st.integers(min_value=0, max_value=6), max_size=6),
)
def test_invariants_hold_for_any_valid_rule(start, length, per_week, weeks, shift, avoid):
    assume(per_week <= 7 - len(avoid))
    end = start + timedelta(days=length)
    slots = generate_schedule(start, end, per_week, weeks, shift, avoid_weekdays=avoid)
    check_invariants(slots, start, end, per_week, weeks, shift, avoid)
    # every full plan week inside the plan gets all N observations
    full_weeks = min(weeks, (length + 1) // 7)
    for week in range(full_weeks):
        first = start + timedelta(days=7 * week)
        assert sum(first <= d <= first + timedelta(days=6) for d in days(slots)) == per_week
    if not avoid:
        assert len(slots) == sum(
            start + timedelta(days=7 * w + n) <= end for w in range(weeks) for n in WEEK_PATTERNS[per_week]
        )


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"per_week": 0}, "Choose between 1 and 7 observed shifts a week."),
        ({"per_week": 8}, "Choose between 1 and 7 observed shifts a week."),
        ({"per_week": -1}, "Choose between 1 and 7 observed shifts a week."),
        ({"per_week": True}, "Choose between 1 and 7 observed shifts a week."),
        ({"per_week": 2.0}, "Choose between 1 and 7 observed shifts a week."),
        ({"weeks": 0}, "Choose between 1 and 52 weeks of observations."),
        ({"weeks": 53}, "Choose between 1 and 52 weeks of observations."),
        ({"end": MONDAY - timedelta(days=1)}, "The end date must be on or after the start date."),
        ({"shift": "evening"}, "Choose a shift: early, late, long day or night."),
        ({"shift": "Early"}, "Choose a shift: early, late, long day or night."),
        ({"avoid_weekdays": frozenset({7})}, "Choose the days to avoid from Monday to Sunday."),
        ({"avoid_weekdays": frozenset(range(7))}, "Leave at least one day of the week free for observations."),
        (
            {"per_week": 6, "avoid_weekdays": frozenset({5, 6})},
            "Avoiding 2 days leaves 5 days a week: choose 5 or fewer observed shifts a week.",
        ),
        (
            {"per_week": 2, "avoid_weekdays": frozenset(range(6))},
            "Avoiding 6 days leaves 1 day a week: choose 1 or fewer observed shifts a week.",
        ),
    ],
)
def test_invalid_rules_raise_a_message_a_form_can_show(kwargs, message):
    args = {"start": MONDAY, "end": FAR, "per_week": 2, "weeks": 4, "shift": "early"} | kwargs
    with pytest.raises(ValueError) as excinfo:
        generate_schedule(**args)
    assert str(excinfo.value) == message


@pytest.mark.parametrize("per_week, weeks", [(1, 1), (7, 52)])
def test_the_limits_themselves_are_allowed(per_week, weeks):
    assert generate_schedule(MONDAY, FAR, per_week, weeks, "early")


# --- .ics export -----------------------------------------------------------------------------


def event(n=1, on=date(2026, 7, 15), shift="early", **extra):
    return {
        "uid": f"observation-{n}@pip-app",
        "date": on,
        "shift": shift,
        "summary": "Observed shift",
        "description": "Focus: A1",
    } | extra


def unescape_text(raw: str) -> str:
    """RFC 5545 TEXT unescaping (for properties icalendar reads as unknown)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw)


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_calendar_properties_and_timezone():
    data = build_ics([event()], calendar_name="Observations: PIP-2026-0007", dtstamp=STAMP)
    cal = parse(data)
    assert str(cal["PRODID"]) == PRODID == "-//Improvement plans//EN"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-CALNAME"]) == "Observations: PIP-2026-0007"
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/London"]
    [ev] = cal.events
    assert str(ev["UID"]) == "observation-1@pip-app"
    assert ev.decoded("DTSTAMP") == STAMP
    assert b"DTSTART;TZID=Europe/London:20260715T070000\r\n" in data
    assert b"DTEND;TZID=Europe/London:20260715T143000\r\n" in data
    assert b"DTSTAMP:20260501T093000Z\r\n" in data
    assert "LOCATION" not in ev
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    assert cal.get_missing_tzids() == set()


@pytest.mark.parametrize(
    "shift, on, start_local, end_local, utc_offset_hours",
    [
        ("early", date(2026, 7, 15), "2026-07-15 07:00", "2026-07-15 14:30", 1),
        ("early", date(2026, 12, 15), "2026-12-15 07:00", "2026-12-15 14:30", 0),
        ("late", date(2026, 7, 15), "2026-07-15 14:00", "2026-07-15 21:30", 1),
        ("late", date(2026, 12, 15), "2026-12-15 14:00", "2026-12-15 21:30", 0),
        ("long_day", date(2026, 7, 15), "2026-07-15 07:30", "2026-07-15 20:00", 1),
        ("long_day", date(2026, 12, 15), "2026-12-15 07:30", "2026-12-15 20:00", 0),
        ("night", date(2026, 7, 15), "2026-07-15 21:00", "2026-07-16 07:30", 1),
        ("night", date(2026, 12, 15), "2026-12-15 21:00", "2026-12-16 07:30", 0),
        ("night", date(2026, 12, 31), "2026-12-31 21:00", "2027-01-01 07:30", 0),
    ],
)
def test_shift_times_in_london_local_time_with_the_right_utc_offset(
    shift, on, start_local, end_local, utc_offset_hours
):
    cal = parse(build_ics([event(on=on, shift=shift)], calendar_name="x", dtstamp=STAMP))
    [ev] = cal.events
    start, end = ev.start, ev.end
    assert str(start.tzinfo) == str(end.tzinfo) == "Europe/London"
    assert start.strftime("%Y-%m-%d %H:%M") == start_local
    assert end.strftime("%Y-%m-%d %H:%M") == end_local
    assert start.utcoffset() == end.utcoffset() == timedelta(hours=utc_offset_hours)
    utc_start = start.astimezone(UTC)
    assert utc_start.hour == int(start_local[11:13]) - utc_offset_hours
    assert cal.get_missing_tzids() == set()


def test_bst_and_gmt_give_different_utc_instants_for_the_same_local_time():
    cal = parse(build_ics([event(1, date(2026, 7, 1)), event(2, date(2026, 12, 1))], calendar_name="x", dtstamp=STAMP))
    summer, winter = (e.start.astimezone(UTC) for e in cal.events)
    assert summer == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    assert winter == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert {tz.tz_name for tz in cal.timezones} == {"Europe/London"}


@pytest.mark.parametrize(
    "on, hours",
    [
        (date(2026, 3, 28), 9.5),  # clocks go forward overnight: the night is an hour shorter
        (date(2026, 10, 24), 11.5),  # clocks go back overnight: an hour longer
        (date(2026, 6, 6), 10.5),
    ],
)
def test_night_shift_across_midnight_and_clock_changes(on, hours):
    cal = parse(build_ics([event(on=on, shift="night")], calendar_name="x", dtstamp=STAMP))
    [ev] = cal.events
    assert ev.start.date() == on and ev.end.date() == on + timedelta(days=1)
    assert (ev.start.hour, ev.start.minute, ev.end.hour, ev.end.minute) == (21, 0, 7, 30)
    assert ev.end.astimezone(UTC) - ev.start.astimezone(UTC) == timedelta(hours=hours)


TRICKY_TEXT = [
    "Plain text",
    "Commas, semicolons; and: colons",
    "Line one\nLine two\n\nLine four after a blank line",
    "Back\\slash and \\n literally, \\; \\,",
    "Emoji 👩🏽‍⚕️🩺💊 and a thumbs up 👍",
    "Welsh: Siân Llŷr, Gwenllïan ap Dafydd, Ffion Môn",
    "Polish: Łukasz Żółć, Małgorzata Wójcik-Grzegorzewska",
    "Quotes \"double\" and 'single' and <angle> & ampersand",
    "Tab\tseparated\tvalues",
    "   leading and trailing spaces   ",
    "Long " + "łż👍é, " * 60,
    "BEGIN:VEVENT\nEND:VCALENDAR",
]


@pytest.mark.parametrize("text", TRICKY_TEXT, ids=range(len(TRICKY_TEXT)))
def test_user_text_round_trips_exactly(text):
    data = build_ics([event(summary=text, description=text, location=text)], calendar_name="x", dtstamp=STAMP)
    data.decode("utf-8")  # valid UTF-8
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines), "content lines folded at 75 octets"
    cal = parse(data)
    [ev] = cal.events
    assert str(ev["SUMMARY"]) == text
    assert str(ev["DESCRIPTION"]) == text
    assert str(ev["LOCATION"]) == text
    assert len(cal.events) == 1 and len(cal.timezones) == 1  # no injected components


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Observations: PIP-2026-0007", "Observations: PIP-2026-0007"),
        ("Siân Llŷr, Łukasz; 👍 \\ done", "Siân Llŷr, Łukasz; 👍 \\ done"),
        ("Two\nlines\r\nhere", "Two lines here"),  # a calendar name is one line
    ],
)
def test_calendar_name_is_escaped_text_on_one_line(name, expected):
    data = build_ics([event()], calendar_name=name, dtstamp=STAMP)
    cal = parse(data)
    # icalendar 7 reads NAME / X-WR-CALNAME as unknown (raw) values: unescape them as TEXT
    assert unescape_text(str(cal["X-WR-CALNAME"])) == expected
    assert unescape_text(str(cal["NAME"])) == expected
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


def test_special_characters_are_escaped_on_the_wire():
    data = build_ics([event(summary="a, b; c\nd \\ e")], calendar_name="x, y; z", dtstamp=STAMP)
    assert b"SUMMARY:a\\, b\\; c\\nd \\\\ e\r\n" in data
    assert b"X-WR-CALNAME:x\\, y\\; z\r\n" in data


def test_carriage_returns_and_control_characters_are_normalised():
    text = "Windows\r\nline\rends\x00 bell\x07 esc\x1b del\x7f tab\tkept"
    expected = "Windows\nline\nends bell esc del tab\tkept"
    assert clean_text(text) == expected
    cal = parse(build_ics([event(summary=text, description=text)], calendar_name="x", dtstamp=STAMP))
    assert str(cal.events[0]["SUMMARY"]) == expected
    assert str(cal.events[0]["DESCRIPTION"]) == expected


def test_several_events_keep_their_uids_and_output_is_deterministic():
    events = [
        event(n, MONDAY + timedelta(days=n), shift)
        for n, shift in enumerate(["early", "late", "long_day", "night"], start=1)
    ]
    first = build_ics(events, calendar_name="Plan", dtstamp=STAMP)
    assert first == build_ics(events, calendar_name="Plan", dtstamp=STAMP)
    cal = parse(first)
    assert [str(e["UID"]) for e in cal.events] == [f"observation-{n}@pip-app" for n in (1, 2, 3, 4)]
    assert all(e.decoded("DTSTAMP") == STAMP for e in cal.events)


def test_dtstamp_defaults_to_now_in_utc_and_naive_means_utc():
    before = datetime.now(UTC).replace(microsecond=0)
    [ev] = parse(build_ics([event()], calendar_name="x")).events
    assert before <= ev.decoded("DTSTAMP") <= datetime.now(UTC)
    naive = build_ics([event()], calendar_name="x", dtstamp=datetime(2026, 5, 1, 9, 30))
    assert b"DTSTAMP:20260501T093000Z\r\n" in naive


def test_an_empty_calendar_is_still_valid():
    cal = parse(build_ics([], calendar_name="Nothing planned", dtstamp=STAMP))
    assert cal.events == []
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/London"]
    assert str(cal["X-WR-CALNAME"]) == "Nothing planned"


@pytest.mark.parametrize(
    "events, message",
    [
        ([event(1), event(1, date(2026, 7, 16))], "Duplicate event uid"),
        ([event(shift="twilight")], "Choose a shift"),
    ],
)
def test_bad_events_are_refused(events, message):
    with pytest.raises(ValueError, match=message):
        build_ics(events, calendar_name="x", dtstamp=STAMP)


def test_schedule_to_calendar_end_to_end():
    slots = generate_schedule(date(2026, 10, 19), date(2026, 11, 15), 2, 4, Shift.NIGHT)
    events = [
        {
            "uid": f"observation-{i}@pip-app",
            "date": s.scheduled_on,
            "shift": s.shift,
            "summary": "Observed night shift: Siân",
            "description": "Focus: A1, A2",
            "location": "Ty Gwyn, Cardiff",
        }
        for i, s in enumerate(slots, start=1)
    ]
    cal = parse(build_ics(events, calendar_name="PIP-2026-0007", dtstamp=STAMP))
    assert [e.start.date() for e in cal.events] == [s.scheduled_on for s in slots]
    offsets = {e.start.date(): e.start.utcoffset() for e in cal.events}
    assert offsets[date(2026, 10, 19)] == timedelta(hours=1)  # BST before 25 Oct
    assert offsets[date(2026, 10, 26)] == timedelta(0)  # GMT after


def test_shift_window_matches_the_calendar():
    start, end = shift_window(date(2026, 7, 15), "night")
    assert (start.isoformat(), end.isoformat()) == ("2026-07-15T21:00:00+01:00", "2026-07-16T07:30:00+01:00")
