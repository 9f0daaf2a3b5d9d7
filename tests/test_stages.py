"""A plan's stage and type (issue 20, point 1): informal first, then formal stage 1 (improvement
note), formal stage 2 (final written warning) and a capability hearing, each move proposed by the
plan's manager after a formal meeting with enough written notice, and made only when the approver
agrees; the stage on the plan page, in lists, on the register and in the closure summary."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import (
    Approval,
    ApprovalKind,
    ApprovalStatus,
    AuditEvent,
    ClosureOutcome,
    Meeting,
    MeetingKind,
    Nation,
    Notification,
    NotificationKind,
    Plan,
    PlanStage,
    PlanStatus,
    PlanType,
)
from pip_app.notifications.due import nation_code
from pip_app.refusals import Conflict, Refusal
from pip_app.services import approvals, stages
from pip_app.services.plans import issue_plan, snapshot
from pip_app.stage_rules import (
    FormalMeetingFacts,
    formal_meeting_refusal,
    next_stage,
    notice_working_days,
    stage_move_refusal,
)
from tests import factories
from tests.test_closure import close_directly

TODAY = date(2026, 11, 23)  # a Monday
START = date(2026, 11, 2)
LABELS = {s.value: s.label for s in PlanStage}


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def active(world, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=START,
        weeks=6,
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    factories.make_action(plan, 1)
    factories.approve_for_issue(plan, world["senior"])
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def formal_meeting(plan, held_on=date(2026, 11, 20), notice_given_on=date(2026, 11, 13), kind=MeetingKind.FORMAL):
    meeting = Meeting(
        plan=plan, kind=kind, held_on=held_on, notice_given_on=notice_given_on, recorded_by_id=plan.manager_id
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def stage_requests(plan):
    return db.session.scalars(
        select(Approval).where(Approval.plan_id == plan.id, Approval.kind == ApprovalKind.STAGE).order_by(Approval.id)
    ).all()


def propose(client, plan, meeting=None, stage="stage_1", reason="Four weeks of support; MAR errors continue."):
    return client.post(
        f"/plans/{plan.id}/stage",
        data={"stage-stage": stage, "stage-meeting_id": str(meeting.id) if meeting else "", "stage-reason": reason},
        htmx=True,
    )


# --- The pure rules --------------------------------------------------------------------------------


def test_stages_move_forward_one_at_a_time():
    assert [next_stage(s) for s in ("informal", "stage_1", "stage_2", "hearing")] == [
        "stage_1",
        "stage_2",
        "hearing",
        None,
    ]
    assert stage_move_refusal("informal", "stage_1", LABELS) is None
    assert "one stage at a time" in stage_move_refusal("informal", "stage_2", LABELS)
    assert "never back" in stage_move_refusal("stage_2", "stage_1", LABELS)
    assert "already at formal stage 1" in stage_move_refusal("stage_1", "stage_1", LABELS)
    assert "last stage" in stage_move_refusal("hearing", "hearing", LABELS)


def test_notice_counts_uk_working_days_to_the_meeting():
    # Friday 13 Nov to Friday 20 Nov: Mon–Fri, five working days.
    assert notice_working_days(date(2026, 11, 13), date(2026, 11, 20)) == 5
    assert notice_working_days(date(2026, 11, 17), date(2026, 11, 20)) == 3
    # Christmas: the 25th (Friday) and Boxing Day's substitute (Monday 28th) are not working days.
    assert notice_working_days(date(2026, 12, 21), date(2026, 12, 29)) == 4
    # Scotland's 2 January: a bank holiday there, not in England.
    assert notice_working_days(date(2026, 12, 31), date(2027, 1, 5), "SCT") == 1
    assert notice_working_days(date(2026, 12, 31), date(2027, 1, 5), "ENG") == 2


def test_each_nation_counts_its_own_bank_holidays():
    assert [nation_code(n) for n in (None, *Nation)] == ["ENG", "ENG", "SCT", "WLS", "NIR"]
    assert nation_code("scotland") == "SCT"
    # St Andrew's Day (Monday 30 Nov 2026) is a bank holiday in Scotland only.
    assert notice_working_days(date(2026, 11, 24), date(2026, 12, 1), nation_code(Nation.SCOTLAND)) == 4
    assert notice_working_days(date(2026, 11, 24), date(2026, 12, 1), nation_code(Nation.ENGLAND)) == 5
    assert notice_working_days(date(2026, 11, 24), date(2026, 12, 1), nation_code(None)) == 5
    # 2 January 2026 (a Friday): Scotland's second New Year holiday.
    assert notice_working_days(date(2025, 12, 31), date(2026, 1, 6), nation_code(Nation.SCOTLAND)) == 2
    assert notice_working_days(date(2025, 12, 31), date(2026, 1, 6), nation_code(Nation.WALES)) == 3
    # St Patrick's Day (Tuesday 17 Mar 2026) in Northern Ireland.
    assert notice_working_days(date(2026, 3, 16), date(2026, 3, 18), nation_code(Nation.NORTHERN_IRELAND)) == 1
    assert notice_working_days(date(2026, 3, 16), date(2026, 3, 18), nation_code(Nation.ENGLAND)) == 2


def test_the_staff_member_s_nation_decides_the_notice_as_the_days_go_by(app, active, world, sign_in):
    """Notice on Tuesday 24 Nov for a meeting on Tuesday 1 Dec: five working days in England, four
    in Scotland (St Andrew's Day). The date moves: before the meeting, then after it."""
    staff = world["staff"]
    staff.nation = Nation.SCOTLAND
    db.session.commit()
    meeting = formal_meeting(active, held_on=date(2026, 12, 1), notice_given_on=date(2026, 11, 24))
    manager = sign_in(world["manager"])
    app.config["FROZEN_TODAY"] = "2026-11-30"
    response = propose(manager, active, meeting)
    assert response.status_code == 422 and "after today" in response.text
    app.config["FROZEN_TODAY"] = "2026-12-02"
    response = propose(manager, active, meeting)
    assert response.status_code == 422
    assert (
        "Notice was given 4 working days before the meeting (counting Scotland&#39;s bank holidays); "
        "at least 5 are needed."
    ) in response.text
    assert stage_requests(active) == []
    staff.nation = None  # not recorded: England's bank holidays
    db.session.commit()
    assert propose(manager, active, meeting).status_code == 200
    [request] = stage_requests(active)
    # The approver's check counts the same way: the staff member recorded as working in Scotland
    # meanwhile, the approval is refused as a conflict and the stage does not change.
    staff.nation = Nation.SCOTLAND
    db.session.commit()
    with pytest.raises(Conflict, match="Scotland's bank holidays"):
        approvals.approve(world["senior"], request)
    db.session.rollback()
    assert db.session.get(Plan, active.id).stage is PlanStage.INFORMAL


def test_the_formal_meeting_must_be_held_with_enough_notice():
    def facts(**changes):
        values = dict(kind="formal", held_on=date(2026, 11, 20), notice_given_on=date(2026, 11, 13), already_used=False)
        return FormalMeetingFacts(**(values | changes))

    assert formal_meeting_refusal(facts(), TODAY, 5) is None
    assert "Record the formal meeting first" in formal_meeting_refusal(None, TODAY, 5)
    assert "not a supervision" in formal_meeting_refusal(facts(kind="review"), TODAY, 5)
    assert (
        formal_meeting_refusal(facts(notice_given_on=date(2026, 11, 17)), TODAY, 5)
        == "Notice was given 3 working days before the meeting; at least 5 are needed."
    )
    assert "no date of written notice" in formal_meeting_refusal(facts(notice_given_on=None), TODAY, 5)
    assert "after today" in formal_meeting_refusal(facts(held_on=date(2026, 11, 25)), TODAY, 5)
    assert formal_meeting_refusal(facts(held_on=date(2026, 11, 25)), date(2026, 11, 25), 5) is None
    assert "its own formal meeting" in formal_meeting_refusal(facts(already_used=True), TODAY, 5)
    # The setting decides how many days are needed.
    assert formal_meeting_refusal(facts(notice_given_on=date(2026, 11, 17)), TODAY, 3) is None


# --- Proposing and approving -------------------------------------------------------------------------


def test_a_move_to_stage_one_is_proposed_then_approved_and_shows_everywhere(active, world, sign_in):
    meeting = formal_meeting(active)
    manager = sign_in(world["manager"])
    page = manager.get(f"/plans/{active.id}").text
    assert "Propose the move to formal stage 1 (improvement note)" in page
    assert f'hx-get="/plans/{active.id}/stage/new"' in page  # the form opens on demand
    form = manager.get(f"/plans/{active.id}/stage/new", headers={"HX-Request": "true"}).text
    assert "<html" not in form and "Formal meeting of 20 Nov 2026 (notice given 13 Nov 2026)" in form

    response = propose(manager, active, meeting)
    assert response.status_code == 200, response.text
    assert "Sent for approval" in response.text
    [request] = stage_requests(active)
    assert request.is_pending and request.proposal["to"] == "stage_1"
    assert "already waiting for approval" in manager.get(f"/plans/{active.id}/stage/new").text
    db.session.refresh(active)
    assert active.stage is PlanStage.INFORMAL  # nothing changes before the approver decides
    assert db.session.scalars(select(Notification).where(Notification.kind == NotificationKind.APPROVAL_REQUESTED))

    senior = sign_in(world["senior"])
    page = senior.get(f"/plans/{active.id}").text
    assert "Approval to move to a formal stage" in page and "Four weeks of support" in page
    assert "Approve the move to formal stage 1 (improvement note)" in page
    assert "Approve a move to a formal stage" in senior.get("/").text
    decided = senior.post(
        f"/plans/{active.id}/approvals/{request.id}/approve",
        data={
            f"approval{request.id}-row_version": str(request.row_version),
            f"approval{request.id}-comment": "Agreed.",
        },
    )
    assert decided.status_code == 303, decided.text[decided.text.find("error-summary") :][:600]
    db.session.refresh(active)
    db.session.refresh(request)
    assert active.stage is PlanStage.STAGE_1 and request.status is ApprovalStatus.APPROVED
    moved = db.session.scalars(
        select(AuditEvent).where(AuditEvent.plan_id == active.id, AuditEvent.verb == "moved to a formal stage")
    ).one()
    assert moved.changes["stage"] == ["informal", "stage_1"] and moved.actor_id == world["senior"].id
    history = senior.get(f"/plans/{active.id}/history").text
    assert "Moved to a formal stage" in history and "Formal stage 1 (improvement note)" in history
    assert "Proposed a formal stage" in history and "Four weeks of support" in history

    assert "Formal stage 1 (improvement note)" in senior.get(f"/plans/{active.id}").text  # the header
    assert "Formal stage 1 (improvement note)" in senior.get("/plans/").text  # the list
    assert active.reference in senior.get("/plans/?stage=stage_1").text  # … and its filter
    assert active.reference not in senior.get("/plans/?stage=informal").text
    assert "Formal stage 1 (improvement note)" in senior.get("/register").text  # the register's row
    exported = senior.get("/register.csv").data.decode("utf-8-sig").splitlines()
    assert exported[0].endswith(",Plan stage") and exported[1].endswith(",Formal stage 1 (improvement note)")
    assert "Formal stage 1 (improvement note)" in manager.get("/").text  # a dashboard's table
    # A formal stage asks the registered manager for the regulatory decisions, since the move.
    from pip_app.formatting import format_datetime

    board = senior.get("/").text
    line = board[board.index(f"/plans/{active.id}#regulatory") :]
    line = line[: line.index("</li>")]
    assert "Record the regulatory decisions" in line and f"(since {format_datetime(request.decided_at)})" in line
    # The next move is offered, and the meeting already used is refused for it.
    assert "Propose the move to formal stage 2 (final written warning)" in manager.get(f"/plans/{active.id}").text
    again = propose(manager, active, meeting, stage="stage_2")
    assert again.status_code == 422 and "its own formal meeting" in again.text


def test_without_a_formal_meeting_the_move_is_refused_and_nothing_is_lost(active, world, sign_in):
    manager = sign_in(world["manager"])
    response = propose(manager, active, None, reason="Not improving after four weeks.")
    assert response.status_code == 422
    assert "Record the formal meeting first" in response.text
    assert "Not improving after four weeks." in response.text  # the reason typed is kept
    supervision = formal_meeting(active, kind=MeetingKind.SUPERVISION)
    response = propose(manager, active, supervision)
    assert response.status_code == 422 and "not a supervision" in response.text
    assert stage_requests(active) == []


def test_too_little_notice_is_refused_with_the_days_counted(active, world, sign_in):
    meeting = formal_meeting(active, notice_given_on=date(2026, 11, 17))
    response = propose(sign_in(world["manager"]), active, meeting)
    assert response.status_code == 422
    assert "Notice was given 3 working days before the meeting; at least 5 are needed." in response.text
    assert stage_requests(active) == []


def test_the_notice_setting_is_read(app, active, world, sign_in):
    app.config["FORMAL_NOTICE_WORKING_DAYS"] = 3
    try:
        meeting = formal_meeting(active, notice_given_on=date(2026, 11, 17))
        assert propose(sign_in(world["manager"]), active, meeting).status_code == 200
    finally:
        app.config["FORMAL_NOTICE_WORKING_DAYS"] = 5


def test_a_meeting_still_to_come_is_refused_until_the_day_it_is_held(app, active, world, sign_in):
    meeting = formal_meeting(active, held_on=date(2026, 11, 25), notice_given_on=date(2026, 11, 16))
    manager = sign_in(world["manager"])
    response = propose(manager, active, meeting)
    assert response.status_code == 422 and "after today" in response.text
    app.config["FROZEN_TODAY"] = "2026-11-25"
    assert propose(manager, active, meeting).status_code == 200


def test_skipping_a_stage_or_a_second_request_is_refused(active, world, sign_in):
    meeting = formal_meeting(active)
    manager = sign_in(world["manager"])
    skipped = propose(manager, active, meeting, stage="stage_2")
    assert skipped.status_code == 422 and "one stage at a time" in skipped.text
    assert propose(manager, active, meeting).status_code == 200
    second = propose(manager, active, meeting)
    assert second.status_code == 409 and "already waiting for a decision" in second.text
    assert len(stage_requests(active)) == 1
    unknown = propose(manager, active, meeting, stage="dismissed")
    assert unknown.status_code == 422


def test_only_the_approver_decides_and_never_the_one_who_proposed(active, world, sign_in):
    meeting = formal_meeting(active)
    manager = sign_in(world["manager"])
    assert propose(manager, active, meeting).status_code == 200
    [request] = stage_requests(active)
    url = f"/plans/{active.id}/approvals/{request.id}/approve"
    assert manager.post(url, data={}).status_code == 403  # the plan's own manager
    assert sign_in(world["hr"]).post(url, data={}).status_code == 403  # not this service's approver
    assert sign_in(world["staff"]).post(url, data={}).status_code == 403
    assert sign_in(world["other_senior"]).post(url, data={}).status_code == 404
    assert sign_in(world["staff"]).post(f"/plans/{active.id}/stage", data={}).status_code == 403
    db.session.refresh(active)
    assert active.stage is PlanStage.INFORMAL

    # A registered manager who proposed a move does not approve it themselves.
    approvals.return_request(world["senior"], request, "Record the staff member's account first.")
    db.session.commit()
    stages.propose_stage(world["senior"], active, target=PlanStage.STAGE_1, meeting=meeting, reason="Agreed at review.")
    db.session.commit()
    [_, own] = stage_requests(active)
    page = sign_in(world["senior"]).get(f"/plans/{active.id}").text
    assert "Approve the move to formal stage 1" not in page  # not offered to who proposed it
    with pytest.raises(Refusal, match="A second person decides"):
        approvals.approve(world["senior"], own)
    db.session.rollback()


def test_a_meeting_corrected_after_the_proposal_stops_the_approval(active, world):
    meeting = formal_meeting(active)
    request = stages.propose_stage(
        world["manager"], active, target=PlanStage.STAGE_1, meeting=meeting, reason="Not improving."
    )
    db.session.commit()
    meeting.notice_given_on = date(2026, 11, 18)
    db.session.commit()
    with pytest.raises(Conflict, match="Notice was given 2 working days"):
        approvals.approve(world["senior"], request)
    db.session.rollback()
    db.session.refresh(active)
    assert active.stage is PlanStage.INFORMAL


def test_the_last_stage_offers_no_further_move(active, world, sign_in):
    active.stage = PlanStage.HEARING
    db.session.commit()
    meeting = formal_meeting(active)
    manager = sign_in(world["manager"])
    assert "Ask for approval" not in manager.get(f"/plans/{active.id}").text
    response = propose(manager, active, meeting, stage="hearing")
    assert response.status_code == 422 and "last stage" in response.text


# --- The type, and the closure summary -----------------------------------------------------------


def test_a_probation_plan_is_chosen_in_the_builder_and_is_part_of_the_version(active, world, sign_in):
    assert "plan_type" not in snapshot(active)  # a performance plan: versions diff as before
    manager = sign_in(world["manager"])
    form = manager.get(f"/plans/{active.id}/edit").text
    assert "Type of plan" in form and "Probation" in form
    active.plan_type = PlanType.PROBATION
    db.session.commit()
    assert snapshot(active)["plan_type"] == "Probation"
    assert "probation" in manager.get(f"/plans/{active.id}").text


def test_the_closure_summary_states_the_stage(active, world, sign_in):
    meeting = formal_meeting(active)
    request = stages.propose_stage(
        world["manager"], active, target=PlanStage.STAGE_1, meeting=meeting, reason="Not improving."
    )
    approvals.approve(world["senior"], request)
    db.session.commit()
    close_directly(active, world["manager"], outcome=ClosureOutcome.NOT_ACHIEVED)
    db.session.commit()
    response = sign_in(world["hr"]).get(f"/plans/{active.id}/closure.pdf")
    assert response.status_code == 200
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Stage Formal stage 1 (improvement note) (performance plan)" in text
    assert "Approval to move to a formal stage" in text


def _risk(plan, **overrides):
    return {
        "staff_id": plan.staff_id,
        "service_id": plan.service_id,
        "risk_area": plan.risk_area.value,
        "risk_statement": plan.risk_statement,
        "evidence_sources": list(plan.evidence_sources),
        "start_date": plan.start_date.isoformat(),
        "weeks": str((plan.planned_end_date - plan.start_date).days // 7),
        "review_weekday": str(plan.review_weekday),
        "row_version": str(plan.row_version),
        **overrides,
    }


def test_a_new_plan_is_a_probation_plan_when_chosen(world, sign_in):
    manager = sign_in(world["manager"])
    data = {
        "staff_id": world["staff"].id,
        "service_id": world["home"].id,
        "plan_type": "probation",
        "risk_area": "records",
        "risk_statement": "Care notes are written hours late, so handovers miss changes.",
        "evidence_sources": ["audit"],
        "start_date": TODAY.isoformat(),
        "weeks": "4",
        "review_weekday": "0",
    }
    assert manager.post("/plans/new", data=data).status_code == 303
    made = db.session.scalars(select(Plan).where(Plan.staff_id == world["staff"].id)).one()
    assert made.plan_type is PlanType.PROBATION and made.stage is PlanStage.INFORMAL
    bad = manager.post("/plans/new", data=data | {"plan_type": "permanent"})
    assert bad.status_code == 422


def test_changing_the_type_of_an_issued_plan_is_an_amendment_the_version_shows(active, world, sign_in):
    manager = sign_in(world["manager"])
    saved = manager.post(f"/plans/{active.id}/risk", data=_risk(active, plan_type="probation"))
    assert saved.status_code == 303, saved.text
    db.session.refresh(active)
    assert active.plan_type is PlanType.PROBATION
    assert "Plan type" in manager.get(f"/plans/{active.id}/edit").text  # an unissued change
    response = manager.post(
        f"/plans/{active.id}/amend",
        data={"amend-row_version": active.row_version, "amend-change_summary": "A probation plan."},
    )
    assert response.status_code == 303
    version = manager.get(f"/plans/{active.id}/versions/2").text
    assert "Plan type" in version and "Probation" in version


def test_the_emails_name_a_move_to_a_formal_stage():
    from pip_app.notifications.content import headline

    asked = headline(NotificationKind.APPROVAL_REQUESTED, "PIP-2026-0001", {"what": "stage"})
    assert asked.startswith("Your approval is asked for a move to a formal stage of improvement plan PIP-2026-0001.")
    decided = headline(NotificationKind.APPROVAL_DECIDED, "PIP-2026-0001", {"what": "stage", "status": "approved"})
    assert decided == "Your request for approval of a move to a formal stage of PIP-2026-0001 was approved."
