"""Meetings (issue 19, item 1): the supervision, review and formal meetings on a plan, with the
companion, the written notice, the minutes, when they were shared (late after 5 working days)
and the staff member's answer — and the bad input the issue lists."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.meeting_rules import minutes_due_by, minutes_late
from pip_app.models import (
    AckResponse,
    AuditEvent,
    CompanionKind,
    Meeting,
    MeetingKind,
    Nation,
    Review,
    ReviewDecision,
)

TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    return make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], start=TODAY - timedelta(days=21)
    )


@pytest.fixture
def manager(world, sign_in):
    return sign_in(world["manager"])


@pytest.fixture
def staff(world, sign_in):
    return sign_in(world["staff"])


def form(world, **changes):
    data = {
        "meeting-kind": "supervision",
        "meeting-held_on": "2026-11-20",
        "meeting-starts_at": "14:30",
        "meeting-place": "Manager's office",
        "meeting-attendee_ids": [str(world["staff"].id), str(world["manager"].id)],
        "meeting-other_attendees": "",
        "meeting-note_taker": "Priya Shah (administrator)",
        "meeting-companion_kind": "union_rep",
        "meeting-companion_name": "Dave Morgan (UNISON)",
        "meeting-notice_given_on": "2026-11-16",
        "meeting-evidence_copies": "MAR audit 62%, week of 2 Nov",
        "meeting-discussion": "Discussed the MAR gaps on the late shift.",
        "meeting-staff_account": "The medication round is interrupted by call bells.",
        "meeting-decisions": "Protected medication round for four weeks.",
        "meeting-review_id": "",
        "meeting-minutes_shared_on": "",
    }
    data.update({f"meeting-{k}": v for k, v in changes.items()})
    return data


def meetings():
    return db.session.scalars(select(Meeting).order_by(Meeting.id)).all()


def events(verb):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "meeting", AuditEvent.verb == verb).order_by(AuditEvent.id)
    ).all()


# --- Rules


def test_minutes_are_due_five_working_days_after_the_meeting_skipping_bank_holidays():
    assert minutes_due_by(date(2026, 11, 20)) == date(2026, 11, 27)  # Friday → next Friday
    # Christmas Day is a Friday in 2026, Boxing Day's substitute the Monday after.
    assert minutes_due_by(date(2026, 12, 22)) == date(2026, 12, 31)
    assert not minutes_late(date(2026, 11, 20), date(2026, 11, 27), date(2026, 12, 10))
    assert minutes_late(date(2026, 11, 20), date(2026, 11, 30), date(2026, 12, 10))
    assert not minutes_late(date(2026, 11, 20), None, date(2026, 11, 27))
    assert minutes_late(date(2026, 11, 20), None, date(2026, 11, 30))


def test_minutes_are_due_by_the_staff_members_own_bank_holidays():
    """Monday 30 Nov 2026 is St Andrew's Day, a bank holiday in Scotland only."""
    held = date(2026, 11, 25)
    assert minutes_due_by(held) == minutes_due_by(held, Nation.ENGLAND) == date(2026, 12, 2)
    assert minutes_due_by(held, Nation.SCOTLAND) == minutes_due_by(held, "scotland") == date(2026, 12, 3)
    assert minutes_late(held, None, date(2026, 12, 3), Nation.ENGLAND)
    assert not minutes_late(held, None, date(2026, 12, 3), Nation.SCOTLAND)


# --- Recording


def test_a_manager_records_a_supervision_with_a_trade_union_companion_without_javascript(plan, manager, world):
    response = manager.post(f"/plans/{plan.id}/meetings", data=form(world))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{plan.id}#meetings")
    [meeting] = meetings()
    assert meeting.kind is MeetingKind.SUPERVISION and meeting.held_on == date(2026, 11, 20)
    assert meeting.starts_at.strftime("%H:%M") == "14:30"
    assert meeting.companion_kind is CompanionKind.UNION_REP and meeting.companion_name == "Dave Morgan (UNISON)"
    assert {u.id for u in meeting.attendees} == {world["staff"].id, world["manager"].id}
    assert meeting.notice_given_on == date(2026, 11, 16) and meeting.recorded_by_id == world["manager"].id
    [event] = events("recorded")
    assert event.plan_id == plan.id and event.changes["companion_name"] == "Dave Morgan (UNISON)"
    page = manager.get(f"/plans/{plan.id}/meetings").text
    assert "Dave Morgan (UNISON) (a trade-union representative)" in page
    assert "The medication round is interrupted by call bells." in page


def test_the_meetings_panel_loads_when_opened_on_the_plan_page(plan, manager, world):
    manager.post(f"/plans/{plan.id}/meetings", data=form(world))
    page = manager.get(f"/plans/{plan.id}").text
    assert f'hx-get="/plans/{plan.id}/meetings"' in page
    assert "Protected medication round" not in page  # not read until opened
    part = manager.get(f"/plans/{plan.id}/meetings", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    assert part.text.lstrip().startswith('<section id="meetings-panel"')
    assert "Protected medication round" in part.text


def test_with_htmx_the_panel_comes_back_saved(plan, manager, world):
    form_part = manager.get(f"/plans/{plan.id}/meetings/new", headers={"HX-Request": "true"})
    assert form_part.status_code == 200 and 'name="meeting-discussion"' in form_part.text
    response = manager.post(f"/plans/{plan.id}/meetings", data=form(world), htmx=True)
    assert response.status_code == 200 and "Meeting recorded." in response.text


def test_a_weekly_review_links_to_its_meeting(plan, manager, world):
    review = Review(
        plan=plan,
        review_date=TODAY - timedelta(days=3),
        reviewer=world["manager"],
        summary="s",
        decision=ReviewDecision.CONTINUE,
    )
    db.session.add(review)
    db.session.commit()
    assert manager.post(f"/plans/{plan.id}/meetings", data=form(world, review_id=str(review.id))).status_code == 303
    assert meetings()[0].review_id == review.id
    assert "The review of 20 Nov 2026" in manager.get(f"/plans/{plan.id}/meetings").text
    # One meeting per review: the review is no longer offered, and a forged one is refused.
    again = manager.post(f"/plans/{plan.id}/meetings", data=form(world, review_id=str(review.id)))
    assert again.status_code == 422 and len(meetings()) == 1


# --- Bad input


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"held_on": "2026-12-01"}, "after today: record its minutes once it has been held"),
        ({"companion_name": ""}, "Give the companion&#39;s name"),
        ({"companion_kind": "none"}, "Say who the companion is"),
        ({"notice_given_on": "2026-11-21"}, "Written notice is given before the meeting"),
        ({"minutes_shared_on": "2026-11-19"}, "Minutes are shared after the meeting is held"),
        ({"minutes_shared_on": "2026-11-24"}, "cannot have been shared on a day still to come"),
        ({"discussion": "x" * 20_000}, "Keep this to 10,000 characters or fewer."),
        ({"held_on": "2026-02-30"}, "Not a valid date value"),
        ({"held_on": "9999-12-31"}, "must be between 1 Jan 2000"),
        ({"attendee_ids": ["999999"]}, "Choose attendees from the list"),
        ({"attendee_ids": ["abc"]}, "could not be coerced"),
        ({"review_id": "12345"}, "Choose one of the options"),
        ({"kind": "tribunal"}, "Choose one of the options."),
        ({"starts_at": "25:99"}, "Not a valid time value"),
    ],
)
def test_bad_input_is_refused_beside_its_field_with_everything_kept(plan, manager, world, changes, message):
    response = manager.post(f"/plans/{plan.id}/meetings", data=form(world, **changes))
    assert response.status_code == 422, response.text[:300]
    assert message in response.text
    assert "The medication round is interrupted by call bells." in response.text  # nothing typed is lost
    assert meetings() == []


def test_a_planned_meeting_may_be_dated_ahead_without_minutes(plan, manager, world):
    data = form(
        world, held_on="2026-12-01", discussion="", staff_account="", decisions="", notice_given_on="2026-11-23"
    )
    assert manager.post(f"/plans/{plan.id}/meetings", data=data).status_code == 303
    assert "Minutes not shared" not in manager.get(f"/plans/{plan.id}/meetings").text


def test_any_script_and_emoji_are_kept_as_typed(plan, manager, world):
    text = "Łukasz said: 夜勤のとき 😔 — «نعم» <script>alert(1)</script>"
    assert manager.post(f"/plans/{plan.id}/meetings", data=form(world, staff_account=text)).status_code == 303
    assert meetings()[0].staff_account == text
    page = manager.get(f"/plans/{plan.id}/meetings").text
    assert "夜勤のとき 😔" in page and "<script>alert(1)</script>" not in page


# --- Minutes shared, late, and the staff member's answer


def _recorded(plan, world, **fields):
    values = dict(kind=MeetingKind.SUPERVISION, held_on=date(2026, 11, 9), discussion="Discussed MAR gaps.")
    values.update(fields)
    meeting = Meeting(plan=plan, recorded_by=world["manager"], **values)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def test_minutes_not_shared_within_five_working_days_are_flagged(plan, manager, world):
    _recorded(plan, world)  # held 9 Nov, due by 16 Nov, today 23 Nov
    assert (
        "Minutes not shared within 5 working days (due by 16 Nov 2026)"
        in manager.get(f"/plans/{plan.id}/meetings").text
    )
    on_time = _recorded(plan, world, held_on=date(2026, 11, 10), minutes_shared_on=date(2026, 11, 12))
    page = manager.get(f"/plans/{plan.id}/meetings").text
    assert page.count("Minutes not shared within 5 working days") == 1 and f"meeting-{on_time.id}" in page


def test_the_staff_member_reads_the_minutes_once_shared_and_disagrees(plan, manager, staff, world):
    meeting = _recorded(plan, world)
    page = staff.get(f"/plans/{plan.id}/meetings").text
    assert "Discussed MAR gaps." not in page and "once they have been shared with you" in page
    early = staff.post(f"/plans/{plan.id}/meetings/{meeting.id}/acknowledge", data={"minutes-response": "agree"})
    assert early.status_code == 409 and "have not been shared with you yet" in early.text

    edit = manager.get(f"/plans/{plan.id}/meetings/{meeting.id}/edit").text
    assert 'value="Discussed MAR gaps."' in edit or "Discussed MAR gaps.</textarea>" in edit
    shared = form(
        world,
        held_on="2026-11-09",
        notice_given_on="",
        minutes_shared_on="2026-11-20",
        discussion="Discussed MAR gaps.",
        row_version=str(meeting.row_version),
    )
    assert manager.post(f"/plans/{plan.id}/meetings/{meeting.id}", data=shared).status_code == 303
    db.session.refresh(meeting)
    assert meeting.minutes_shared_on == date(2026, 11, 20)
    [updated] = events("updated")
    assert updated.changes["minutes_shared_on"] == [None, "2026-11-20"]

    assert "Discussed MAR gaps." in staff.get(f"/plans/{plan.id}/meetings").text
    silent = staff.post(f"/plans/{plan.id}/meetings/{meeting.id}/acknowledge", data={"minutes-response": "disagree"})
    assert silent.status_code == 422 and "Say what you disagree with" in silent.text
    answer = {"minutes-response": "disagree", "minutes-comment": "I said the call bells, not the phone."}
    assert staff.post(f"/plans/{plan.id}/meetings/{meeting.id}/acknowledge", data=answer).status_code == 303
    db.session.refresh(meeting)
    assert meeting.minutes_response is AckResponse.DISAGREE
    assert meeting.minutes_comment == "I said the call bells, not the phone."
    [acked] = events("acknowledged")
    assert acked.actor_id == world["staff"].id and acked.changes["response"] == "disagree"
    assert "disagreed with the minutes" in manager.get(f"/plans/{plan.id}/meetings").text

    twice = staff.post(f"/plans/{plan.id}/meetings/{meeting.id}/acknowledge", data={"minutes-response": "agree"})
    assert twice.status_code == 409
    # What they answered does not change afterwards.
    changed = dict(shared, **{"meeting-discussion": "Something else.", "meeting-row_version": str(meeting.row_version)})
    refused = manager.post(f"/plans/{plan.id}/meetings/{meeting.id}", data=changed)
    assert refused.status_code == 409 and "already answered these minutes" in refused.text
    db.session.refresh(meeting)
    assert meeting.discussion == "Discussed MAR gaps."


def test_a_stale_edit_is_refused_with_409_and_kept(plan, manager, world):
    meeting = _recorded(plan, world)
    data = form(world, held_on="2026-11-09", notice_given_on="", row_version=str(meeting.row_version - 1 or 99))
    response = manager.post(f"/plans/{plan.id}/meetings/{meeting.id}", data=data)
    assert response.status_code == 409 and "Someone else changed this" in response.text
    assert "Protected medication round for four weeks." in response.text


def test_a_meeting_of_another_plan_is_not_there(plan, manager, world, make_plan):
    other = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    meeting = _recorded(other, world)
    assert manager.get(f"/plans/{plan.id}/meetings/{meeting.id}/edit").status_code == 404
