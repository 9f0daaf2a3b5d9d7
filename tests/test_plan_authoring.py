"""Plan authoring through the views: new plan, builder parts (page and htmx fragment), issue,
acknowledge, amend; 403/404 per role, 422 on bad input, 409 on a stale form."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pip_app.extensions import db
from pip_app.lifecycle import snapshot_digest
from pip_app.models import (
    Acknowledgement,
    Action,
    AuditEvent,
    InterimControl,
    Observation,
    Plan,
    PlanStatus,
    PlanVersion,
)
from pip_app.services import approvals
from pip_app.services import controls as control_ops
from pip_app.services import plans as plan_ops
from pip_app.services.plans import unissued_changes
from tests.factories import approve_for_issue, make_action, make_control

START = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = START.isoformat()


def risk_data(staff, service, **overrides):
    data = {
        "staff_id": staff.id,
        "service_id": service.id,
        "risk_area": "escalation",
        "risk_statement": "Early signs of deterioration are recorded but not escalated.",
        "evidence_sources": ["near_miss", "audit"],
        "evidence_detail": "Two near misses in October.",
        "key_questions": ["safe"],
        "baseline_text": "2 of 9 changes with rationale",
        "baseline_figure": "22",
        "start_date": START.isoformat(),
        "weeks": "4",
        "review_weekday": "0",
    }
    data.update(overrides)
    return data


GOOD_ACTION = {
    "action-behaviour": "Sign the MAR at the time of each administration",
    "action-when": "at every medication round",
    "action-check_method": "Weekly MAR audit by the senior",
    "action-success_criterion": "At least 90% MAR compliance across two consecutive audits",
    "action-measure_name": "MAR compliance",
    "action-measure_unit": "%",
    "action-measure_baseline": "62",
    "action-measure_target": "90",
    "action-measure_consecutive": "2",
    "action-measure_higher_is_better": "y",
}
VAGUE_ACTION = {
    "action-behaviour": "Complete training",
    "action-when": "ongoing",
    "action-check_method": "manager to monitor",
    "action-success_criterion": "training completed",
}


@pytest.fixture
def manager(world, sign_in):
    return sign_in(world["manager"])


@pytest.fixture
def draft(world, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=START,
        evidence_sources=["audit"],
    )
    return plan


def ready(plan, world):
    make_control(plan, world["senior"])
    make_action(
        plan,
        1,
        behaviour=GOOD_ACTION["action-behaviour"],
        when=GOOD_ACTION["action-when"],
        check_method=GOOD_ACTION["action-check_method"],
        success_criterion=GOOD_ACTION["action-success_criterion"],
    )
    approve_for_issue(plan)  # approved by the registered manager (issue 18), so it may be issued
    return plan


# --- New plan


@pytest.mark.parametrize("who,status", [("manager", 200), ("senior", 200), ("staff", 403), ("hr", 403), ("admin", 403)])
def test_who_may_open_a_new_plan(world, sign_in, who, status):
    assert sign_in(world[who]).get("/plans/new").status_code == status


def test_template_prefills_the_risk(manager):
    page = manager.get("/plans/new?template=escalation")
    assert page.status_code == 200
    assert "Escalation after near misses" in page.text
    assert re.search(r'<option selected value="escalation">', page.text)


def test_new_plan_from_template_creates_a_draft_with_suggested_controls_and_actions(world, manager):
    response = manager.post("/plans/new", data={**risk_data(world["staff"], world["home"]), "template": "escalation"})
    assert response.status_code == 303
    plan = db.session.scalar(select(Plan))
    assert response.headers["Location"] == f"/plans/{plan.id}/edit"
    assert plan.status is PlanStatus.DRAFT and plan.reference == "PIP-2026-0001"
    assert plan.planned_end_date == START + timedelta(weeks=4)
    assert len(plan.controls) >= 1 and len(plan.actions) >= 2
    assert [a.ref for a in plan.actions] == [f"A{i}" for i in range(1, len(plan.actions) + 1)]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "created", AuditEvent.entity == "plan"))


def test_new_plan_validation_keeps_everything_typed(world, manager):
    data = risk_data(
        world["staff"], world["home"], risk_statement="", weeks="0", evidence_detail="Near miss on 6 Oct <b>room 4</b>"
    )
    response = manager.post("/plans/new", data=data)
    assert response.status_code == 422
    assert "Write the risk: what could go wrong, and for whom." in response.text
    assert "A plan runs for 1 to 26 weeks." in response.text
    assert "Near miss on 6 Oct &lt;b&gt;room 4&lt;/b&gt;" in response.text  # kept, and escaped
    assert db.session.scalar(select(Plan)) is None


def test_manager_cannot_open_a_plan_for_someone_they_do_not_manage(world, manager):
    response = manager.post("/plans/new", data=risk_data(world["other_staff"], world["home"]))
    assert response.status_code == 422
    assert "Choose one of the options in the list." in response.text
    assert db.session.scalar(select(Plan)) is None


def test_new_plan_without_csrf_is_refused(world, manager):
    response = manager.post("/plans/new", data=risk_data(world["staff"], world["home"]), csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(Plan)) is None


# --- Builder: page, fragments, access


@pytest.mark.parametrize(
    "who,status",
    [("manager", 200), ("senior", 200), ("hr", 404), ("staff", 404), ("other_manager", 404), ("admin", 404)],
)
def test_builder_access_on_a_draft(world, sign_in, draft, who, status):
    assert sign_in(world[who]).get(f"/plans/{draft.id}/edit").status_code == status


def test_hr_may_read_an_active_plan_but_not_change_it(world, sign_in, draft):
    ready(draft, world)
    draft.status = PlanStatus.ACTIVE
    db.session.commit()
    hr = sign_in(world["hr"])
    assert hr.get(f"/plans/{draft.id}").status_code == 200
    assert hr.get(f"/plans/{draft.id}/edit").status_code == 403
    assert hr.post(f"/plans/{draft.id}/actions", data=GOOD_ACTION).status_code == 403


def test_add_control_with_htmx_returns_the_section(world, manager, draft):
    data = {
        "control-kind": "paired_working",
        "control-detail": "Paired for morning care",
        "control-responsible_id": world["senior"].id,
        "control-start_date": START.isoformat(),
        "control-review_by_date": (START + timedelta(days=14)).isoformat(),
    }
    response = manager.post(f"/plans/{draft.id}/controls", data=data, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="controls"')
    assert "<html" not in response.text and "Paired for morning care" in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert db.session.scalar(select(InterimControl)).detail == "Paired for morning care"


def test_add_control_without_javascript_redirects_back(world, manager, draft):
    data = {
        "control-kind": "paired_working",
        "control-detail": "Paired",
        "control-responsible_id": world["senior"].id,
        "control-start_date": START.isoformat(),
        "control-review_by_date": START.isoformat(),
    }
    response = manager.post(f"/plans/{draft.id}/controls", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{draft.id}/edit#controls"


def test_control_dates_are_checked(world, manager, draft):
    data = {
        "control-kind": "paired_working",
        "control-detail": "Paired",
        "control-responsible_id": world["senior"].id,
        "control-start_date": (START + timedelta(days=5)).isoformat(),
        "control-review_by_date": START.isoformat(),
    }
    response = manager.post(f"/plans/{draft.id}/controls", data=data, htmx=True)
    assert response.status_code == 422
    assert "The review-by date must be on or after the start date." in response.text
    data["control-start_date"] = (START - timedelta(days=30)).isoformat()
    response = manager.post(f"/plans/{draft.id}/controls", data=data)
    assert response.status_code == 422 and "Choose a date within the plan" in response.text
    assert "<html" in response.text  # no JavaScript: the whole builder page with the error


def test_add_action_numbers_and_audits(manager, draft):
    assert manager.post(f"/plans/{draft.id}/actions", data=GOOD_ACTION, htmx=True).status_code == 200
    assert manager.post(f"/plans/{draft.id}/actions", data=VAGUE_ACTION, htmx=True).status_code == 200
    actions = db.session.scalars(select(Action).order_by(Action.number)).all()
    assert [a.ref for a in actions] == ["A1", "A2"]
    assert actions[0].measure_target == 90 and actions[0].measure_consecutive == 2
    assert actions[1].measure_name is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "action", AuditEvent.verb == "added"))


def test_action_needs_all_four_parts(manager, draft):
    response = manager.post(f"/plans/{draft.id}/actions", data={"action-behaviour": "Sign the MAR"}, htmx=True)
    assert response.status_code == 422
    for message in ("Say when", "Say how it will be checked.", "Say what good looks like."):
        assert message in response.text
    assert "Sign the MAR" in response.text


def test_percentage_target_outside_0_to_100_is_refused(manager, draft):
    response = manager.post(
        f"/plans/{draft.id}/actions", data={**GOOD_ACTION, "action-measure_target": "120"}, htmx=True
    )
    assert response.status_code == 422
    assert "A percentage target is between 0 and 100." in response.text


def test_live_quality_check_flags_vague_wording_and_changes_nothing(manager, draft):
    response = manager.post(f"/plans/{draft.id}/actions/check", data={**VAGUE_ACTION, "quality_slot": "new"}, htmx=True)
    assert response.status_code == 200
    assert 'id="quality-new"' in response.text and "suggestions to make this action measurable" in response.text
    assert 'id="quality-new-behaviour" class="quality" hx-swap-oob="true"' in response.text
    good = manager.post(f"/plans/{draft.id}/actions/check", data={**GOOD_ACTION, "quality_slot": "new"}, htmx=True)
    assert "This action is measurable" in good.text
    assert db.session.scalar(select(Action)) is None


def test_stale_action_edit_is_refused_with_the_input_kept(world, manager, draft):
    action = make_action(draft, 1)
    form = manager.get(f"/plans/{draft.id}/actions/{action.id}/edit").text
    version = re.search(r'name="action-row_version" type="hidden" value="(\d+)"', form).group(1)
    action.behaviour = "Changed by someone else meanwhile"
    db.session.commit()
    data = {**GOOD_ACTION, "action-behaviour": "My careful rewording", "action-row_version": version}
    response = manager.post(f"/plans/{draft.id}/actions/{action.id}", data=data, htmx=True)
    assert response.status_code == 409
    assert "Someone else changed this while you were editing" in response.text
    assert "My careful rewording" in response.text
    db.session.refresh(action)
    assert action.behaviour == "Changed by someone else meanwhile"


def test_removing_an_action_renumbers_the_rest(manager, draft):
    first, second = make_action(draft, 1), make_action(draft, 2)
    assert manager.post(f"/plans/{draft.id}/actions/{first.id}/delete").status_code == 303
    db.session.refresh(second)
    assert second.ref == "A1"


def test_parts_of_another_plan_are_404(world, manager, draft, make_plan):
    elsewhere = make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT
    )
    action = make_action(elsewhere, 1)
    assert manager.get(f"/plans/{draft.id}/actions/{action.id}/edit").status_code == 404


# --- Observation schedule


def test_schedule_generates_observations_across_the_plan(world, manager, draft):
    make_action(draft, 1)
    data = {
        "schedule-per_week": "2",
        "schedule-weeks": "4",
        "schedule-shift": "early",
        "schedule-observer_id": world["senior"].id,
    }
    assert manager.post(f"/plans/{draft.id}/observations/schedule", data=data, htmx=True).status_code == 200
    observations = db.session.scalars(select(Observation).order_by(Observation.scheduled_on)).all()
    assert len(observations) == 8
    assert all(draft.start_date <= o.scheduled_on <= draft.planned_end_date for o in observations)
    assert len({o.scheduled_on for o in observations}) == 8
    assert [a.ref for a in observations[0].focus] == ["A1"]


def test_schedule_refuses_nonsense(world, manager, draft):
    data = {
        "schedule-per_week": "9",
        "schedule-weeks": "4",
        "schedule-shift": "early",
        "schedule-observer_id": world["senior"].id,
    }
    response = manager.post(f"/plans/{draft.id}/observations/schedule", data=data, htmx=True)
    assert response.status_code == 422 and "Between 1 and 7." in response.text


def test_observation_can_be_moved_within_the_plan_only(world, manager, draft):
    observation = Observation(plan=draft, scheduled_on=START + timedelta(days=2), observer=world["senior"])
    db.session.add(observation)
    db.session.commit()
    data = {
        "observation-scheduled_on": (START + timedelta(days=60)).isoformat(),
        "observation-shift": "late",
        "observation-observer_id": world["senior"].id,
        "observation-row_version": observation.row_version,
    }
    response = manager.post(f"/plans/{draft.id}/observations/{observation.id}", data=data, htmx=True)
    assert response.status_code == 422 and "Choose a date within the plan" in response.text
    data["observation-scheduled_on"] = (START + timedelta(days=3)).isoformat()
    assert manager.post(f"/plans/{draft.id}/observations/{observation.id}", data=data, htmx=True).status_code == 200
    db.session.refresh(observation)
    assert observation.scheduled_on == START + timedelta(days=3) and observation.shift.value == "late"


def test_ics_download_lists_planned_observations(world, manager, draft):
    db.session.add(Observation(plan=draft, scheduled_on=START + timedelta(days=2), observer=world["senior"]))
    db.session.commit()
    response = manager.get(f"/plans/{draft.id}/observations.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert f'filename="observations-{draft.reference}.ics"' in response.headers["Content-Disposition"]
    assert b"BEGIN:VEVENT" in response.data and b"TZID=Europe/London" in response.data
    assert world["staff"].name.encode() in response.data


# --- Issue, acknowledge, amend


def test_issue_lists_what_is_missing(manager, draft):
    page = manager.get(f"/plans/{draft.id}/edit").text
    assert "Add at least one interim control, or record why no interim control is needed." in page
    assert 'href="#controls"' in page
    response = manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version}, htmx=True)
    assert response.status_code == 422
    db.session.refresh(draft)
    assert draft.status is PlanStatus.DRAFT


def test_issue_with_vague_actions_needs_a_reason_that_is_kept(world, manager, draft):
    make_control(draft, world["senior"])
    make_action(draft, 1, **{k.split("-", 1)[1]: v for k, v in VAGUE_ACTION.items()})
    response = manager.post(f"/plans/{draft.id}/submit", data={"issue-row_version": draft.row_version})
    assert response.status_code == 422
    assert "Some actions are not yet measurable" in response.text
    response = manager.post(
        f"/plans/{draft.id}/submit",
        data={
            "issue-row_version": draft.row_version,
            "issue-override_reason": "Agreed wording with HR; refine at week 1",
        },
    )
    assert response.status_code == 303
    db.session.refresh(draft)
    approvals.approve(world["senior"], draft.approvals[-1])
    db.session.commit()
    response = manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version})
    assert response.status_code == 303
    db.session.refresh(draft)
    assert draft.status is PlanStatus.ACTIVE and draft.version == 1
    assert draft.quality_override_reason == "Agreed wording with HR; refine at week 1"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "issued"))
    assert event.changes["unmeasurable_actions"] == ["A1"]


def test_issue_makes_the_plan_visible_to_the_staff_member_who_acknowledges(world, sign_in, manager, draft):
    ready(draft, world)
    staff = sign_in(world["staff"])
    assert staff.get(f"/plans/{draft.id}").status_code == 404
    assert manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version}).status_code == 303
    db.session.refresh(draft)
    assert draft.next_review_date == date(2026, 11, 30)  # the first Monday after the start
    assert db.session.scalar(select(PlanVersion)).version == 1
    assert draft.reference in staff.get("/").text  # "To acknowledge" on the dashboard
    page = staff.get(f"/plans/{draft.id}")
    assert "Please acknowledge version 1" in page.text
    response = staff.post(f"/plans/{draft.id}/acknowledge", data={"ack-version": "1", "ack-response": "agree"})
    assert response.status_code == 303
    ack = db.session.scalar(select(Acknowledgement))
    assert ack.plan_version == 1 and ack.response.value == "agree"
    assert ack.statement.startswith(f"I have read version 1 of improvement plan {draft.reference}")
    again = staff.post(f"/plans/{draft.id}/acknowledge", data={"ack-version": "1", "ack-response": "agree"})
    assert again.status_code == 409
    assert "You have already acknowledged version 1." in again.text
    assert len(db.session.scalars(select(Acknowledgement)).all()) == 1


def test_disagreeing_needs_a_comment_and_keeps_the_choice(world, sign_in, draft):
    ready(draft, world)
    draft.status, draft.version = PlanStatus.ACTIVE, 1
    db.session.commit()
    staff = sign_in(world["staff"])
    response = staff.post(
        f"/plans/{draft.id}/acknowledge", data={"ack-version": "1", "ack-response": "disagree"}, htmx=True
    )
    assert response.status_code == 422
    assert "Say what you disagree with" in response.text
    assert re.search(r'checked[^>]*value="disagree"|value="disagree"[^>]*checked', response.text)
    response = staff.post(
        f"/plans/{draft.id}/acknowledge",
        data={
            "ack-version": "1",
            "ack-response": "disagree",
            "ack-comment": "The near miss on 6 Oct was not my shift.",
        },
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Acknowledgement)).comment == "The near miss on 6 Oct was not my shift."


def test_only_the_staff_member_acknowledges(world, sign_in, draft):
    ready(draft, world)
    draft.status, draft.version = PlanStatus.ACTIVE, 1
    db.session.commit()
    assert (
        sign_in(world["manager"])
        .post(f"/plans/{draft.id}/acknowledge", data={"ack-version": "1", "ack-response": "agree"})
        .status_code
        == 403
    )
    assert (
        sign_in(world["other_staff"])
        .post(f"/plans/{draft.id}/acknowledge", data={"ack-version": "1", "ack-response": "agree"})
        .status_code
        == 404
    )


def test_amendment_is_a_new_version_the_staff_member_must_acknowledge(world, sign_in, manager, draft):
    ready(draft, world)
    manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version})
    staff = sign_in(world["staff"])
    staff.post(f"/plans/{draft.id}/acknowledge", data={"ack-version": "1", "ack-response": "agree"})
    action = draft.actions[0]
    data = {
        **GOOD_ACTION,
        "action-success_criterion": "At least 95% MAR compliance across two consecutive audits",
        "action-row_version": action.row_version,
    }
    assert manager.post(f"/plans/{draft.id}/actions/{action.id}", data=data).status_code == 303
    page = manager.get(f"/plans/{draft.id}/edit").text
    assert "Unissued changes since version 1" in page and "At least 95% MAR compliance" in page
    db.session.refresh(draft)
    response = manager.post(
        f"/plans/{draft.id}/amend",
        data={"amend-row_version": draft.row_version, "amend-change_summary": "Target raised to 95% after week 1"},
    )
    assert response.status_code == 303
    db.session.refresh(draft)
    assert draft.version == 2
    assert "Please acknowledge version 2" in staff.get(f"/plans/{draft.id}").text
    v1 = manager.get(f"/plans/{draft.id}/versions/1")
    assert v1.status_code == 200 and "At least 90% MAR compliance" in v1.text
    v2 = manager.get(f"/plans/{draft.id}/versions/2")
    assert "A1: Success criterion" in v2.text and "At least 95% MAR compliance" in v2.text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "amended"))
    assert event.changes["version"] == 2


def test_an_htmx_edit_while_amending_refreshes_the_issue_section(world, manager, draft):
    """Issue 22, point 2: the saved action comes with the issue section, out of band, now listing
    the unissued change and its "Issue version 2" button (and with the typed summary kept)."""
    ready(draft, world)
    manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version})
    action = draft.actions[0]
    data = {
        **GOOD_ACTION,
        "action-success_criterion": "At least 95% MAR compliance across two consecutive audits",
        "action-row_version": action.row_version,
    }
    response = manager.post(f"/plans/{draft.id}/actions/{action.id}", data=data, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="actions"')
    issue = response.text[response.text.index('<section id="issue"') :]
    assert issue.startswith('<section id="issue" class="card" aria-labelledby="issue-h" hx-swap-oob="true">')
    assert "Unissued changes since version 1" in issue and "Issue version 2" in issue
    assert re.search(r'<textarea[^>]*hx-preserve[^>]*id="amend-change_summary"', issue)
    assert '<section id="observations" class="card" aria-labelledby="observations-h" hx-swap-oob="true">' in (
        response.text
    )
    # Refused (422): nothing changed, so nothing else is refreshed.
    bad = manager.post(f"/plans/{draft.id}/actions/{action.id}", data={**data, "action-behaviour": ""}, htmx=True)
    assert bad.status_code == 422 and 'id="issue"' not in bad.text


@pytest.mark.parametrize("carry_into_monitoring", [False, True])
def test_lifting_a_control_is_governance_not_an_unissued_change(world, sign_in, manager, draft, carry_into_monitoring):
    ready(draft, world)
    manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version})
    control = draft.controls[0]
    control_ops.record_check(world["senior"], control, START, "Both escalations signed off")
    control_ops.lift_control(
        world["senior"],
        control,
        START,
        "Four weeks of correct escalations.",
        carry_into_monitoring=carry_into_monitoring,
    )
    db.session.commit()
    db.session.refresh(draft)
    assert unissued_changes(draft) == []
    assert "Unissued changes" not in manager.get(f"/plans/{draft.id}").text
    plan_ops.update_control(world["manager"], control, {"detail": "Senior signs off every escalation decision."})
    db.session.commit()
    assert [row[0] for row in unissued_changes(draft)] == ["Control 1: Detail"]
    assert "Unissued changes" in manager.get(f"/plans/{draft.id}").text


def test_an_unchanged_plan_is_told_from_its_versions_digest_without_reading_the_snapshot(
    world, manager, draft, count_queries
):
    """The version keeps its snapshot's digest as it is issued; while the live plan has the same
    one, nothing is unissued and the issued snapshot is not read. A change is read and compared."""
    ready(draft, world)
    manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version})
    version = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == draft.id))
    assert version.snapshot_digest == snapshot_digest(version.snapshot) == snapshot_digest(plan_ops.snapshot(draft))
    db.session.expire_all()
    # As the plan page reads the versions: without their snapshots (plan_page.PLAN_PAGE_READS).
    versions = selectinload(Plan.versions).load_only(
        PlanVersion.plan_id, PlanVersion.version, PlanVersion.snapshot_digest
    )
    draft = db.session.scalars(select(Plan).where(Plan.id == draft.id).options(versions)).one()
    plan_ops.snapshot(draft)  # what the live snapshot reads of the plan, read first
    with count_queries() as counter:
        assert unissued_changes(draft) == []
    assert counter.count == 0
    plan_ops.update_action(world["manager"], draft.actions[0], {"behaviour": "Reads the MAR chart before every dose."})
    db.session.flush()
    with count_queries() as counter:
        assert [row[0] for row in unissued_changes(draft)] == ["A1: Behaviour"]
    assert counter.count == 1  # the issued snapshot, to say what changed


def test_versions_stored_with_control_status_still_render_and_diff(world, manager, draft):
    """Versions issued before control status left the snapshot still carry it (and maybe lift details)."""
    ready(draft, world)
    manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version})
    record = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == draft.id))
    record.snapshot = {
        **record.snapshot,
        "controls": [
            {**c, "status": "Active", "lifted_on": None, "lift_rationale": None, "last_checked_on": None}
            for c in record.snapshot["controls"]
        ],
    }
    record.snapshot_digest = snapshot_digest(record.snapshot)  # as migration 0037 kept it of such a version
    db.session.commit()
    assert unissued_changes(draft) == []
    control = draft.controls[0]
    control_ops.lift_control(world["senior"], control, START, "No longer needed.", carry_into_monitoring=False)
    db.session.commit()
    assert unissued_changes(draft) == []
    assert "Unissued changes" not in manager.get(f"/plans/{draft.id}").text
    assert manager.get(f"/plans/{draft.id}/versions/1").status_code == 200


def test_amend_without_changes_is_refused(world, manager, draft):
    ready(draft, world)
    manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version})
    db.session.refresh(draft)
    response = manager.post(
        f"/plans/{draft.id}/amend",
        data={"amend-row_version": draft.row_version, "amend-change_summary": "Nothing really"},
    )
    assert response.status_code == 422
    assert "Nothing has changed since the last version was issued." in response.text


def test_closed_plans_are_read_only(world, manager, make_plan):
    closed = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.CLOSED)
    assert manager.get(f"/plans/{closed.id}").status_code == 200
    assert manager.get(f"/plans/{closed.id}/edit").status_code == 403
    assert manager.post(f"/plans/{closed.id}/actions", data=GOOD_ACTION).status_code == 403
    assert manager.post(f"/plans/{closed.id}/risk", data=risk_data(world["staff"], world["home"])).status_code == 403


# --- Plans list


def test_plans_list_filters_and_search(world, manager, make_plan):
    a = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], risk_statement="MAR gaps")
    b = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        risk_area="medication",
    )
    make_plan(staff=world["other_staff"], manager=world["other_manager"], service=world["other"])
    page = manager.get("/plans/").text
    assert a.reference in page and b.reference in page and "PIP-2026-0003" not in page
    assert b.reference not in manager.get("/plans/?status=active").text
    assert a.reference not in manager.get("/plans/?risk_area=medication").text
    searched = manager.get("/plans/?q=mar%20GAPS").text
    assert a.reference in searched and b.reference not in searched
    fragment = manager.get("/plans/?status=draft", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="results"') and b.reference in fragment.text


def test_plans_list_search_takes_percent_and_underscore_literally(world, manager, make_plan):
    rate = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        risk_statement="Escalation recorded for 22% of changes",
    )
    other = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        risk_statement="Fluid charts not totalled",
    )
    for typed in ("22%", "%", "_"):
        text = manager.get("/plans/", query_string={"q": typed}).text
        assert other.reference not in text, typed  # a wildcard would match every plan
    assert rate.reference in manager.get("/plans/", query_string={"q": "22%"}).text
    huge = manager.get("/plans/?page=99999999999999999999999")
    assert huge.status_code == 200 and rate.reference not in huge.text  # far past the end: an empty page


@pytest.mark.parametrize(
    "typed,finds",
    [
        ("MEDICATION", {"medication"}),  # long enough for PostgreSQL's trigram index (migration 0040)
        ("cord", {"medication", "records"}),
        ("ed", {"medication", "falls"}),  # too short for a trigram: every statement read
        ("x", set()),
        ("handover", set()),
    ],
)
def test_plans_list_search_of_risk_statements_in_any_case_and_any_length(world, manager, make_plan, typed, finds):
    plans = {
        name: make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], risk_statement=text)
        for name, text in {
            "medication": "Medication Records incomplete on night shifts",
            "records": "Daily records missing",
            "falls": "Falls not escalated",
        }.items()
    }
    text = manager.get("/plans/", query_string={"q": typed}).text
    assert {name for name, plan in plans.items() if plan.reference in text} == finds


def test_a_new_plan_picks_no_staff_member_until_the_manager_chooses(world, sign_in):
    client = sign_in(world["manager"])
    page = client.get("/plans/new").text
    select = page.split('id="staff_id"')[1].split("</select>")[0]
    assert re.search(r'<option selected value="">Choose a staff member</option>|<option value="" selected>', select)
    assert select.count("selected") == 1
    preselected = (
        client.get(f"/plans/new?staff={world['staff'].id}").text.split('id="staff_id"')[1].split("</select>")[0]
    )
    assert re.search(rf'<option selected value="{world["staff"].id}"', preselected)
    refused = client.post("/plans/new", data={"staff_id": ""})
    assert refused.status_code == 422 and "Choose the staff member." in refused.text


def test_choosing_someone_with_an_open_plan_warns_before_another_is_opened(world, sign_in, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    client = sign_in(world["manager"])
    warning = client.get(f"/plans/new/open-plans?staff_id={world['staff'].id}", headers={"HX-Request": "true"}).text
    assert f"{world['staff'].name} already has an open plan" in warning and plan.reference in warning
    assert "already has" not in client.get(f"/plans/new/open-plans?staff_id={world['other_staff'].id}").text
    assert plan.reference in client.get(f"/plans/new?staff={world['staff'].id}").text  # without JavaScript too
    # Someone else's plans are not revealed: another service's manager sees no warning.
    other = sign_in(world["other_manager"]).get(f"/plans/new/open-plans?staff_id={world['staff'].id}").text
    assert plan.reference not in other
