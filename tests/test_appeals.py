"""Appeals (issue 20, point 3): the staff member lodges one against a sent outcome letter within its
deadline, or HR records it (late only with a reason); a hearer not previously involved is chosen;
the appeal hearing is linked; the hearer alone records the outcome. Routes, statuses, audit,
emails, "Under appeal" on the plan, in the list and on the dashboards — with the date moving."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pip_app.appeal_rules import deadline
from pip_app.extensions import db
from pip_app.models import (
    Appeal,
    AppealOutcome,
    AuditEvent,
    CompanionKind,
    Letter,
    LetterKind,
    Meeting,
    MeetingKind,
    Notification,
    NotificationKind,
    NotificationStatus,
    PlanStatus,
    Role,
)
from pip_app.services import appeals as appeal_ops
from pip_app.services.plans import issue_plan
from tests import factories
from tests.mailserver import MailServer
from tests.test_notifications import send

SENT = date(2026, 8, 27)  # a Thursday before the summer bank holiday
APPEAL_BY = deadline(SENT, 5)  # Friday 4 Sep 2026


@pytest.fixture
def today(app):
    """Set (and move) the app's date: today("2026-09-01")."""

    def move(day: date) -> None:
        app.config["FROZEN_TODAY"] = day.isoformat()

    move(SENT)
    return move


@pytest.fixture
def plan(world, make_plan, today):
    """An issued plan; the registered manager of the service approved it before issue, so is involved."""
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=SENT - timedelta(weeks=8),
        weeks=12,
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    factories.make_action(plan, 1)
    factories.approve_for_issue(plan, world["senior"])
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


@pytest.fixture
def rita(world):
    """A second registered manager of the service, never involved in the plan."""
    return factories.make_user(Role.SENIOR, name="Rita Registered", email="rita@example.test", services=[world["home"]])


def make_letter(plan, sender, kind=LetterKind.IMPROVEMENT_NOTE, sent_on=SENT, appeal_by=APPEAL_BY, **fields) -> Letter:
    letter = Letter(
        plan=plan,
        kind=kind,
        content={},
        plan_row_version=plan.row_version,
        drafted_by=sender,
        sent_by=sender,
        sent_on=sent_on,
        appeal_by=appeal_by,
        **fields,
    )
    db.session.add(letter)
    db.session.commit()
    return letter


@pytest.fixture
def letter(plan, world):
    return make_letter(plan, world["manager"])


def make_hearing(plan, world, held_on, companion=True, attendees=()) -> Meeting:
    meeting = Meeting(
        plan=plan,
        kind=MeetingKind.APPEAL,
        held_on=held_on,
        place="Training room",
        companion_kind=CompanionKind.UNION_REP if companion else CompanionKind.NONE,
        companion_name="Dave Morgan (UNISON)" if companion else None,
        recorded_by=world["manager"],
        attendees=list(attendees),
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


GROUNDS = "The improvement note ignores the rota change that left me alone on the medication round <b>twice</b>."


def lodge_form(letter, grounds=GROUNDS):
    return {"appeal-letter": str(letter.id), "appeal-grounds": grounds}


def record_form(letter, lodged_on, late_reason="", grounds=GROUNDS):
    return {
        "appeal-record-letter": str(letter.id),
        "appeal-record-grounds": grounds,
        "appeal-record-lodged_on": lodged_on.isoformat(),
        "appeal-record-late_reason": late_reason,
    }


def appeals():
    return db.session.scalars(select(Appeal).order_by(Appeal.id)).all()


def events(verb=None):
    query = select(AuditEvent).where(AuditEvent.entity == "appeal").order_by(AuditEvent.id)
    return [e for e in db.session.scalars(query) if verb is None or e.verb == verb]


def lodged(plan, letter, staff) -> Appeal:
    from pip_app.services.appeals import AppealValues, lodge_appeal

    appeal = lodge_appeal(staff, plan, AppealValues(letter.id, GROUNDS, SENT))
    db.session.commit()
    return appeal


# --- Lodging ------------------------------------------------------------------------------------


def test_the_staff_member_lodges_an_appeal_in_time_and_the_plan_is_under_appeal(plan, letter, world, sign_in, today):
    staff = sign_in(world["staff"])
    part = staff.get(f"/plans/{plan.id}/appeal", headers={"HX-Request": "true"}).text
    assert "<html" not in part and "Appeal against this decision" in part
    assert "Improvement note (version 1), sent 27 Aug 2026: appeal by 4 Sep 2026" in part
    assert "Under appeal" not in staff.get(f"/plans/{plan.id}").text

    today(APPEAL_BY)  # the last day: still in time
    response = staff.post(f"/plans/{plan.id}/appeal", data=lodge_form(letter))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/plans/{plan.id}#appeal")
    [appeal] = appeals()
    assert (appeal.letter_id, appeal.lodged_on, appeal.lodged_by_id) == (letter.id, APPEAL_BY, world["staff"].id)
    assert appeal.grounds == GROUNDS and appeal.late_reason is None and appeal.is_open
    [event] = events()
    assert event.verb == "lodged" and event.plan_id == plan.id and event.changes["grounds"] == GROUNDS

    page = staff.get(f"/plans/{plan.id}").text
    assert 'id="under-appeal"' in page and "Under appeal" in page
    manager = sign_in(world["manager"])
    assert "Under appeal" in manager.get("/plans/").text  # the plans list's row
    part = staff.get(f"/plans/{plan.id}/appeal").text
    assert "Waiting for the outcome" in part and "&lt;b&gt;twice&lt;/b&gt;" in part and "<b>twice" not in part
    assert "Appeal against this decision" not in part  # one appeal at a time


def test_with_htmx_the_part_comes_back_saved_with_the_header_beside_it(plan, letter, world, sign_in):
    staff = sign_in(world["staff"])
    response = staff.post(f"/plans/{plan.id}/appeal", data=lodge_form(letter), htmx=True)
    assert response.status_code == 200 and "Your appeal has been lodged." in response.text
    assert 'id="plan-header"' in response.text and 'hx-swap-oob="true"' in response.text
    assert 'id="under-appeal"' in response.text


def test_after_the_deadline_the_staff_member_is_refused_with_the_reason_and_keeps_their_grounds(
    plan, letter, world, sign_in, today
):
    today(APPEAL_BY + timedelta(days=1))
    staff = sign_in(world["staff"])
    part = staff.get(f"/plans/{plan.id}/appeal").text
    assert "the deadline has passed" in part
    response = staff.post(f"/plans/{plan.id}/appeal", data=lodge_form(letter), htmx=True)
    assert response.status_code == 422
    assert (
        "The deadline to appeal was 4 Sep 2026. Ask HR: they can record a late appeal with the reason it is accepted."
        in response.text
    )
    assert "rota change that left me alone" in response.text  # what they typed is kept
    assert appeals() == [] and events() == []


def test_grounds_are_required_and_kept_with_the_chosen_letter(plan, letter, world, sign_in):
    staff = sign_in(world["staff"])
    response = staff.post(f"/plans/{plan.id}/appeal", data=lodge_form(letter, grounds="   "), htmx=True)
    assert response.status_code == 422 and "Say why you are appealing: your grounds." in response.text
    assert f'<option selected value="{letter.id}">' in response.text
    response = staff.post(f"/plans/{plan.id}/appeal", data={"appeal-letter": "", "appeal-grounds": GROUNDS}, htmx=True)
    assert response.status_code == 422 and "Choose the letter." in response.text and "rota change" in response.text
    assert appeals() == []


def test_hr_records_a_late_appeal_only_with_the_reason_it_is_accepted(plan, letter, world, sign_in, today):
    today(APPEAL_BY + timedelta(days=6))
    hr = sign_in(world["hr"])
    received = APPEAL_BY + timedelta(days=4)
    response = hr.post(f"/plans/{plan.id}/appeal/record", data=record_form(letter, received), htmx=True)
    assert response.status_code == 422
    assert "The deadline to appeal was 4 Sep 2026: give the reason this late appeal is accepted." in response.text
    assert "rota change" in response.text and appeals() == []

    reason = "Received by post on 8 Sep: the staff member was in hospital until 7 Sep."
    response = hr.post(f"/plans/{plan.id}/appeal/record", data=record_form(letter, received, reason))
    assert response.status_code == 303
    [appeal] = appeals()
    assert appeal.lodged_on == received and appeal.late_reason == reason and appeal.lodged_by_id == world["hr"].id
    [event] = events("recorded")
    assert event.changes["late_reason"] == reason
    assert "Accepted late because" in hr.get(f"/plans/{plan.id}/appeal").text


def test_hr_records_an_appeal_in_time_without_a_reason_and_never_dated_ahead(plan, letter, world, sign_in, today):
    today(APPEAL_BY + timedelta(days=3))
    hr = sign_in(world["hr"])
    ahead = hr.post(
        f"/plans/{plan.id}/appeal/record", data=record_form(letter, APPEAL_BY + timedelta(days=4)), htmx=True
    )
    assert ahead.status_code == 422 and "a day still to come" in ahead.text
    response = hr.post(f"/plans/{plan.id}/appeal/record", data=record_form(letter, APPEAL_BY, "ignored"))
    assert response.status_code == 303
    [appeal] = appeals()
    assert appeal.lodged_on == APPEAL_BY and appeal.late_reason is None  # in time: no reason recorded


def test_a_second_open_appeal_is_refused_with_409_and_kept(plan, letter, world, sign_in):
    second = make_letter(plan, world["manager"], kind=LetterKind.FINAL_WARNING)
    lodged(plan, letter, world["staff"])
    hr = sign_in(world["hr"])
    response = hr.post(f"/plans/{plan.id}/appeal/record", data=record_form(second, SENT), htmx=True)
    assert response.status_code == 409 and "already waiting for its outcome" in response.text
    assert "rota change" in response.text
    assert len(appeals()) == 1


def test_an_unsent_letter_an_invitation_and_a_letter_already_appealed_cannot_be_appealed(plan, letter, world, sign_in):
    draft = Letter(
        plan=plan,
        kind=LetterKind.IMPROVEMENT_NOTE,
        version=2,
        content={},
        plan_row_version=1,
        drafted_by=world["manager"],
    )
    db.session.add(draft)
    invitation = make_letter(plan, world["manager"], kind=LetterKind.INVITATION, appeal_by=None)
    staff = sign_in(world["staff"])
    for other in (draft, invitation):
        response = staff.post(f"/plans/{plan.id}/appeal", data=lodge_form(other), htmx=True)
        assert response.status_code == 409 and "cannot be appealed now" in response.text
    assert appeals() == []


def test_only_the_staff_member_lodges_and_only_hr_records(plan, letter, world, sign_in):
    for who in ("manager", "senior", "hr"):
        assert sign_in(world[who]).post(f"/plans/{plan.id}/appeal", data=lodge_form(letter)).status_code == 403
    for who in ("manager", "senior", "staff"):
        response = sign_in(world[who]).post(f"/plans/{plan.id}/appeal/record", data=record_form(letter, SENT))
        assert response.status_code == 403
    for who in ("other_staff", "other_senior", "other_manager"):
        assert sign_in(world[who]).get(f"/plans/{plan.id}/appeal").status_code == 404
    assert appeals() == []


# --- The hearer ---------------------------------------------------------------------------------


def test_the_hearer_list_offers_only_people_not_previously_involved(plan, letter, world, sign_in, rita):
    lodged(plan, letter, world["staff"])
    part = sign_in(world["hr"]).get(f"/plans/{plan.id}/appeal").text
    assert "Choose the hearer" in part
    options = part.split('name="appeal-hearer-hearer"')[1].split("</select>")[0]
    assert "Rita Registered" in options and world["hr"].name in options
    assert world["senior"].name not in options and world["manager"].name not in options
    assert world["other_senior"].name not in options  # not a registered manager of this service


def test_a_hearer_previously_involved_is_refused_naming_why(plan, letter, world, sign_in):
    appeal = lodged(plan, letter, world["staff"])
    hr = sign_in(world["hr"])
    data = {"appeal-hearer-hearer": str(world["senior"].id), "appeal-hearer-row_version": str(appeal.row_version)}
    response = hr.post(f"/plans/{plan.id}/appeal/hearer", data=data, htmx=True)
    assert response.status_code == 422
    assert f"{world['senior'].name} approved the plan before issue on" in response.text
    assert "choose someone not previously involved" in response.text
    for who, why in (("manager", "is the plan&#39;s line manager"), ("staff", "is the staff member who appeals")):
        data["appeal-hearer-hearer"] = str(world[who].id)
        response = hr.post(f"/plans/{plan.id}/appeal/hearer", data=data, htmx=True)
        assert response.status_code == 422 and why in response.text
    data["appeal-hearer-hearer"] = str(world["other_manager"].id)
    response = hr.post(f"/plans/{plan.id}/appeal/hearer", data=data, htmx=True)
    assert response.status_code == 422 and "is not a registered manager or HR adviser" in response.text
    db.session.refresh(appeal)
    assert appeal.hearer_id is None and events("hearer_chosen") == []


def test_letters_a_formal_meeting_and_a_regulatory_decision_make_people_involved(plan, letter, world, rita):
    from pip_app.services.appeals import involvement

    formal = Meeting(
        plan=plan,
        kind=MeetingKind.FORMAL,
        held_on=SENT - timedelta(days=7),
        recorded_by=world["manager"],
        attendees=[rita],
    )
    db.session.add(formal)
    db.session.commit()
    involved = involvement(plan)
    assert involved[rita.id] == "attended the formal meeting of 20 Aug 2026"
    assert involved[world["manager"].id] == "is the plan's line manager"
    assert world["hr"].id not in involved
    sender = factories.make_user(Role.HR, name="Hana HR")
    make_letter(plan, sender, kind=LetterKind.FINAL_WARNING)
    assert involvement(plan)[sender.id].startswith("drafted the final written warning on")


def test_a_registered_manager_of_the_service_chooses_a_hearer_who_is_emailed(plan, letter, world, sign_in, rita):
    appeal = lodged(plan, letter, world["staff"])
    assert "Appeal waiting for a hearer" in sign_in(world["hr"]).get("/").text
    assert "Appeal waiting for a hearer" in sign_in(world["senior"]).get("/").text
    senior = sign_in(world["senior"])
    data = {"appeal-hearer-hearer": str(rita.id), "appeal-hearer-row_version": str(appeal.row_version)}
    response = senior.post(f"/plans/{plan.id}/appeal/hearer", data=data)
    assert response.status_code == 303
    db.session.refresh(appeal)
    assert appeal.hearer_id == rita.id
    [event] = events("hearer_chosen")
    assert event.changes == {"hearer": "Rita Registered"} and event.actor_id == world["senior"].id
    [note] = db.session.scalars(select(Notification).where(Notification.recipient_id == rita.id)).all()
    assert note.kind is NotificationKind.APPEAL_TO_HEAR and note.subject == f"Appeal to hear: {plan.reference}"
    assert note.subject_type == "appeal" and note.details == {"appeal_id": appeal.id}
    from pip_app.notifications.content import headline, path

    assert headline(note.kind, plan.reference, note.details).startswith("You have been chosen to hear an appeal on")
    assert path(note.kind, plan.id, note.details) == f"/plans/{plan.id}#appeal"
    assert "Appeal to hear" in sign_in(rita).get("/").text
    assert "Appeal waiting for a hearer" not in sign_in(world["hr"]).get("/").text

    stale = senior.post(f"/plans/{plan.id}/appeal/hearer", data=data, htmx=True)
    assert stale.status_code == 409 and "Someone else changed this" in stale.text


def test_others_may_not_choose_the_hearer(plan, letter, world, sign_in, rita):
    appeal = lodged(plan, letter, world["staff"])
    data = {"appeal-hearer-hearer": str(rita.id), "appeal-hearer-row_version": str(appeal.row_version)}
    for who in ("manager", "staff"):
        assert sign_in(world[who]).post(f"/plans/{plan.id}/appeal/hearer", data=data).status_code == 403
    assert sign_in(world["other_senior"]).post(f"/plans/{plan.id}/appeal/hearer", data=data).status_code == 404


# --- The hearing and the outcome ----------------------------------------------------------------


@pytest.fixture
def heard(plan, letter, world, rita):
    """An appeal with its hearer chosen (Rita)."""
    from pip_app.services.appeals import assign_hearer

    appeal = lodged(plan, letter, world["staff"])
    assign_hearer(world["hr"], plan, rita.id)
    db.session.commit()
    return appeal


def hearing_form(appeal, meeting, unaccompanied=False):
    data = {"appeal-hearing-meeting": str(meeting.id), "appeal-hearing-row_version": str(appeal.row_version)}
    if unaccompanied:
        data["appeal-hearing-unaccompanied"] = "y"
    return data


def test_a_hearing_with_no_companion_is_linked_only_when_they_chose_to_attend_alone(
    plan, heard, world, sign_in, rita, today
):
    today(SENT + timedelta(days=14))
    alone = make_hearing(plan, world, SENT + timedelta(days=12), companion=False, attendees=[rita, world["staff"]])
    hr = sign_in(world["hr"])
    part = hr.get(f"/plans/{plan.id}/appeal").text
    assert "(no companion recorded)" in part
    response = hr.post(f"/plans/{plan.id}/appeal/hearing", data=hearing_form(heard, alone), htmx=True)
    assert response.status_code == 422 and "No companion is recorded for this hearing" in response.text
    response = hr.post(f"/plans/{plan.id}/appeal/hearing", data=hearing_form(heard, alone, unaccompanied=True))
    assert response.status_code == 303
    db.session.refresh(heard)
    assert heard.meeting_id == alone.id
    [event] = events("hearing_linked")
    assert event.changes["unaccompanied"] == "The staff member chose to attend unaccompanied."


def test_only_an_appeal_hearing_of_this_plan_may_be_linked(plan, heard, world, sign_in, make_plan):
    formal = Meeting(plan=plan, kind=MeetingKind.FORMAL, held_on=SENT, recorded_by=world["manager"])
    elsewhere_plan = make_plan(staff=world["other_staff"], manager=world["other_manager"], service=world["other"])
    elsewhere = make_hearing(elsewhere_plan, world, SENT)
    db.session.add(formal)
    db.session.commit()
    hr = sign_in(world["hr"])
    for meeting in (formal, elsewhere):
        response = hr.post(f"/plans/{plan.id}/appeal/hearing", data=hearing_form(heard, meeting), htmx=True)
        assert response.status_code == 422 and "Choose one of the plan&#39;s appeal hearings" in response.text


def outcome_form(
    appeal,
    outcome="not_upheld",
    reasons="The note followed two audits; the rota change was considered.",
    decided_on=None,
):
    return {
        "appeal-outcome-outcome": outcome,
        "appeal-outcome-reasons": reasons,
        "appeal-outcome-decided_on": (decided_on or SENT + timedelta(days=14)).isoformat(),
        "appeal-outcome-row_version": str(appeal.row_version),
    }


def test_the_hearer_alone_records_the_outcome_with_reasons_and_the_staff_member_reads_it(
    plan, heard, world, sign_in, rita, today
):
    hearing_day = SENT + timedelta(days=12)
    today(SENT + timedelta(days=10))
    hearing = make_hearing(plan, world, hearing_day, attendees=[rita, world["staff"]])
    hearer = sign_in(rita)
    assert "Record the outcome" in hearer.get(f"/plans/{plan.id}/appeal").text

    # Before the hearing is linked, then before it is held: refused with the reason.
    response = hearer.post(f"/plans/{plan.id}/appeal/outcome", data=outcome_form(heard, decided_on=SENT), htmx=True)
    assert response.status_code == 422 and "Link the appeal hearing first" in response.text
    assert hearer.post(f"/plans/{plan.id}/appeal/hearing", data=hearing_form(heard, hearing)).status_code == 303
    db.session.refresh(heard)
    response = hearer.post(f"/plans/{plan.id}/appeal/outcome", data=outcome_form(heard, decided_on=SENT), htmx=True)
    assert response.status_code == 422 and "The outcome comes after the hearing of 8 Sep 2026." in response.text

    today(SENT + timedelta(days=14))
    for who in ("hr", "senior", "manager", "staff"):  # not the hearer: 403
        response = sign_in(world[who]).post(f"/plans/{plan.id}/appeal/outcome", data=outcome_form(heard))
        assert response.status_code == 403
    response = hearer.post(f"/plans/{plan.id}/appeal/outcome", data=outcome_form(heard, reasons="  "), htmx=True)
    assert response.status_code == 422 and "Give the reasons for the outcome." in response.text
    assert '<option selected value="not_upheld">' in response.text  # the choice is kept
    early = outcome_form(heard, decided_on=hearing_day - timedelta(days=1))
    response = hearer.post(f"/plans/{plan.id}/appeal/outcome", data=early, htmx=True)
    assert response.status_code == 422 and "The outcome comes after the hearing of 8 Sep 2026." in response.text
    stale = outcome_form(heard) | {"appeal-outcome-row_version": "1"}
    response = hearer.post(f"/plans/{plan.id}/appeal/outcome", data=stale, htmx=True)
    assert response.status_code == 409 and "two audits" in response.text

    response = hearer.post(f"/plans/{plan.id}/appeal/outcome", data=outcome_form(heard))
    assert response.status_code == 303
    db.session.refresh(heard)
    assert heard.outcome is AppealOutcome.NOT_UPHELD and heard.decided_by_id == rita.id
    assert heard.decided_on == SENT + timedelta(days=14)
    [event] = events("decided")
    assert event.changes["outcome"] == "not_upheld" and event.actor_id == rita.id
    [note] = db.session.scalars(
        select(Notification).where(
            Notification.recipient_id == world["staff"].id, Notification.subject_type == "appeal"
        )
    ).all()
    assert note.kind is NotificationKind.APPEAL_DECIDED
    assert note.subject == f"Your appeal has been decided: {plan.reference}"

    staff = sign_in(world["staff"])
    assert "Under appeal" not in staff.get(f"/plans/{plan.id}").text
    part = staff.get(f"/plans/{plan.id}/appeal").text
    assert "Not upheld: the decision stands" in part and "the rota change was considered" in part
    assert "Rita Registered" in part
    assert "Appeal to hear" not in sign_in(rita).get("/").text


def test_the_hearer_rule_is_checked_again_when_the_outcome_is_recorded(plan, heard, world, sign_in, rita, today):
    today(SENT + timedelta(days=14))
    hearing = make_hearing(plan, world, SENT + timedelta(days=12))
    heard.meeting = hearing
    formal = Meeting(
        plan=plan,
        kind=MeetingKind.FORMAL,
        held_on=SENT + timedelta(days=13),
        recorded_by=world["manager"],
        attendees=[rita],
    )
    db.session.add(formal)
    db.session.commit()
    response = sign_in(rita).post(f"/plans/{plan.id}/appeal/outcome", data=outcome_form(heard), htmx=True)
    assert response.status_code == 422
    assert "Rita Registered attended the formal meeting of 9 Sep 2026: choose someone not previously involved." in (
        response.text
    )
    db.session.refresh(heard)
    assert heard.is_open


def test_a_decided_appeal_leaves_the_next_letter_open_to_appeal(plan, heard, world, sign_in, rita, today):
    from pip_app.services.appeals import OutcomeValues, decide_appeal

    today(SENT + timedelta(days=14))
    heard.meeting = make_hearing(plan, world, SENT + timedelta(days=12))
    decide_appeal(
        rita, plan, OutcomeValues(AppealOutcome.VARIED, "Expiry shortened to 3 months.", SENT + timedelta(days=14))
    )
    db.session.commit()
    warning = make_letter(
        plan,
        world["senior"],
        kind=LetterKind.FINAL_WARNING,
        sent_on=SENT + timedelta(days=14),
        appeal_by=deadline(SENT + timedelta(days=14), 5),
    )
    part = sign_in(world["staff"]).get(f"/plans/{plan.id}/appeal").text
    assert "Varied: the decision is changed" in part and "Appeal against this decision" in part
    assert f'value="{warning.id}"' in part and f'value="{heard.letter_id}"' not in part


def test_the_plan_history_tells_the_appeal_in_words(plan, heard, world, sign_in, today):
    from pip_app.services.appeals import OutcomeValues, decide_appeal, link_hearing

    today(SENT + timedelta(days=14))
    hearing = make_hearing(plan, world, SENT + timedelta(days=12))
    link_hearing(world["hr"], plan, hearing.id, unaccompanied=False)
    decide_appeal(
        heard.hearer,
        plan,
        OutcomeValues(AppealOutcome.UPHELD, "The audits predate the rota fix.", SENT + timedelta(days=14)),
    )
    db.session.commit()
    history = sign_in(world["manager"]).get(f"/plans/{plan.id}/history").text
    for words in ("Lodged appeal", "Hearer chosen appeal", "Rita Registered", "Hearing linked appeal", "8 Sep 2026"):
        assert words in history, words
    assert "Upheld: the decision is overturned" in history


def test_under_appeal_shows_on_the_register_while_the_appeal_waits(plan, letter, world, sign_in, count_queries):
    senior = sign_in(world["senior"])
    assert "Under appeal" not in senior.get("/register").text
    with count_queries() as before:
        senior.get("/register")
    lodged(plan, letter, world["staff"])
    with count_queries() as after:
        page = senior.get("/register").text
    assert "Under appeal" in page
    assert after.count == before.count  # read with the row, for no statement more


def test_an_hr_hearer_is_emailed_though_hr_does_not_approve_this_services_plans(plan, letter, world, app, runner):
    """The hearer's email has its own audience (the hearer), so the outbox does not skip it for
    someone who is not the plan's approver (here the registered managers approve)."""
    appeal = lodged(plan, letter, world["staff"])
    appeal_ops.assign_hearer(world["senior"], plan, world["hr"].id)
    db.session.commit()
    server = MailServer().start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_FROM="pip@care.example", MAIL_TIMEOUT=2)
        send(runner)
        # (From the digest hour the hearer's digest lists the appeal too: it waits on them.)
        [received] = [
            r
            for r in server.take()
            if world["hr"].email in r.recipients and not r.message["Subject"].startswith("Your improvement plan tasks")
        ]
    finally:
        server.stop()
    assert received.message["Subject"] == f"Appeal to hear: {plan.reference}"
    [note] = db.session.scalars(select(Notification).where(Notification.subject_type == "appeal")).all()
    assert note.status is NotificationStatus.SENT and note.subject_id == appeal.id


def test_an_appeal_waits_in_the_digests_of_those_who_may_choose_a_hearer_then_of_the_hearer(
    plan, letter, world, app, runner
):
    """Nobody is emailed when an appeal is lodged: until a hearer is chosen it waits in the daily
    digest of whoever may choose one (HR and the service's registered managers), then in the
    hearer's only."""
    from tests.test_notifications import parts

    lodged(plan, letter, world["staff"])
    hr, senior = world["hr"], world["senior"]
    server = MailServer().start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_FROM="pip@care.example", MAIL_TIMEOUT=2, DIGEST_HOUR=0
    )
    choose = f"An appeal on the improvement plan {plan.reference} is waiting for someone to hear it."
    hear = f"You have been chosen to hear an appeal on the improvement plan {plan.reference}."

    def digests() -> dict[str, str]:
        send(runner)
        return {
            r.recipients[0]: parts(r.message)["text/plain"]
            for r in server.take()
            if r.message["Subject"].startswith("Your improvement plan tasks")
        }

    try:
        first = digests()
        assert choose in first[hr.email] and choose in first[senior.email]
        assert f"/plans/{plan.id}#appeal" in first[hr.email]
        appeal_ops.assign_hearer(senior, plan, hr.id)
        db.session.commit()
        app.config["FROZEN_TODAY"] = (SENT + timedelta(days=1)).isoformat()
        second = digests()
    finally:
        server.stop()
    assert hear in second[hr.email] and choose not in second[hr.email]
    assert choose not in second.get(senior.email, "")


def test_a_plan_under_appeal_does_not_close_and_a_closed_plan_takes_no_appeal(plan, letter, world, sign_in):
    from pip_app.services.closure_gate import closure_gate

    appeal = lodged(plan, letter, world["staff"])
    db.session.expire(plan)
    messages = [problem.message for problem in closure_gate(plan)]
    assert any(m.startswith("The plan is under appeal: it closes once the appeal has been heard") for m in messages)
    page = sign_in(world["manager"]).get(f"/plans/{plan.id}/close")
    assert "The plan is under appeal" in page.text
    appeal.outcome, appeal.outcome_reasons, appeal.decided_on, appeal.decided_by = (
        AppealOutcome.NOT_UPHELD,
        "The warning stands.",
        plan.start_date,
        world["hr"],
    )
    plan.status = PlanStatus.CLOSED
    db.session.commit()
    staff = sign_in(world["staff"])
    refused = staff.post(f"/plans/{plan.id}/appeal", data=lodge_form(letter))
    assert refused.status_code == 403
    assert (
        sign_in(world["hr"])
        .post(f"/plans/{plan.id}/appeal/record", data=record_form(letter, plan.start_date))
        .status_code
        == 403
    )
