"""Issue 22, point 4: the plan's history in words (pip_app/history.py, pure), and the history
part as the staff member sees it."""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.history import ARROW, Vocabulary, describe_changes, event_title, field_name, history_lines
from pip_app.models import AuditEvent, PlanStatus
from pip_app.services import audit
from pip_app.services import plans as plan_ops
from tests import factories
from tests.factories import make_action, make_control

WORDS = Vocabulary(
    people={9: "Mei Chen", 4: "Ann Carter"},
    services={2: "Larkfield House"},
    labels={
        "kind": {"notes_sign_off": "Senior sign-off of notes at handover"},
        "action.status": {"open": "Open", "completed": "Completed"},
        "status": {"active": "Active", "paused": "Paused"},
        "evidence_sources": {"audit": "Audit", "near_miss": "Near miss"},
        "progress": {"on_track": "On track", "at_risk": "At risk"},
        "control_decision": {"keep": "Keep", "lift": "Lift"},
        "plan.outcome": {"achieved": "Achieved and sustained"},
        "outcome": {"met": "Met"},
    },
)


# --- The pure function


def test_people_are_named_not_numbered():
    lines = describe_changes("updated", "action", {"owner_id": [4, 9]}, WORDS)
    assert lines == [f"Owner: Ann Carter {ARROW} Mei Chen"]


def test_someone_unknown_is_not_shown_as_an_id():
    assert describe_changes("added", "control", {"responsible_id": 77}, WORDS) == [
        "Responsible: someone no longer listed"
    ]


def test_services_are_named():
    assert describe_changes("updated", "plan", {"service_id": [2, 2]}, WORDS) == []
    assert describe_changes("created", "plan", {"service_id": 2}, WORDS) == ["Service: Larkfield House"]


def test_enum_values_read_as_their_labels():
    assert describe_changes("added", "control", {"kind": "notes_sign_off"}, WORDS) == [
        "Type: Senior sign-off of notes at handover"
    ]


def test_labels_can_depend_on_the_record_type():
    action = describe_changes("status_changed", "action", {"status": ["open", "completed"]}, WORDS)
    plan = describe_changes("paused", "plan", {"status": ["active", "paused"]}, WORDS)
    assert action == [f"Status: Open {ARROW} Completed"] and plan == [f"Status: Active {ARROW} Paused"]


def test_only_changed_fields_are_shown_as_before_and_after():
    lines = describe_changes(
        "updated",
        "action",
        {"success_criterion": ["90% of audits", "95% of audits"], "due_date": ["2026-12-01", "2026-12-01"]},
        WORDS,
    )
    assert lines == [f"What good looks like: 90% of audits {ARROW} 95% of audits"]


def test_empty_values_are_left_out_of_an_addition():
    lines = describe_changes(
        "added", "action", {"ref": "A2", "behaviour": "Sign the MAR", "measure_name": None, "measure_unit": ""}, WORDS
    )
    assert lines == ["Behaviour: Sign the MAR"]  # no "measure name: null", and the title names A2


def test_an_empty_side_of_a_change_reads_as_a_dash():
    assert describe_changes("updated", "action", {"measure_name": [None, "MAR compliance"]}, WORDS) == [
        f"Measure: \u2014 {ARROW} MAR compliance"
    ]


def test_lists_read_as_text_not_json():
    lines = describe_changes("updated", "plan", {"evidence_sources": [["audit"], ["audit", "near_miss"]]}, WORDS)
    assert lines == [f"Evidence sources: Audit {ARROW} Audit, Near miss"]
    scheduled = describe_changes("scheduled", "observation", {"dates": ["2026-11-24", "2026-12-01"]}, WORDS)
    assert scheduled == ["Dates: 24 Nov 2026, 1 Dec 2026"]  # a list of two, not a change


def test_quotes_and_accents_are_text_not_escape_sequences():
    lines = describe_changes("acknowledged", "review", {"comment": "Mei's view: Łukasz agreed"}, WORDS)
    assert lines == ["Comment: Mei's view: Łukasz agreed"]
    assert "\\u" not in lines[0]


def test_dates_times_numbers_and_yes_no():
    lines = describe_changes(
        "updated",
        "action",
        {"measure_target": [90.0, 95.5], "measure_higher_is_better": [True, False]},
        WORDS,
    )
    assert lines == [f"Target: 90 {ARROW} 95.5", f"Higher is better: yes {ARROW} no"]
    assert describe_changes("reset", "user", {"expires_at": "2026-11-23T14:05:00"}, WORDS) == [
        "Expires at: 23 Nov 2026, 14:05"
    ]
    assert describe_changes("updated", "plan", {"review_weekday": [0, 2]}, WORDS) == [
        f"Weekly review day: Monday {ARROW} Wednesday"
    ]


def test_a_review_reads_as_progress_per_action():
    lines = describe_changes(
        "recorded", "review", {"entries": {"A1": ["on_track", 85], "A2": ["at_risk", None]}, "corrects": None}, WORDS
    )
    assert lines == ["Progress: A1 On track (85); A2 At risk"]


def test_a_closure_reads_as_its_outcome_decisions_and_measures():
    lines = describe_changes(
        "closed",
        "plan",
        {
            "status": ["active", "closed"],
            "outcome": "achieved",
            "closure_id": 3,
            "controls": {"7": "keep", "8": "lift"},
            "final_measures": [{"ref": "A1", "baseline": 62, "final": 92.0, "target": 90, "met": True}],
        },
        WORDS,
    )
    assert lines == [
        f"Status: Active {ARROW} closed",
        "Outcome: Achieved and sustained",
        "Controls: Keep, Lift",
        "Final measures: A1 baseline 62, final 92, target 90, met",
    ]


def test_internal_ids_are_left_out_and_people_named_wherever_they_appear():
    lines = describe_changes(
        "lifted",
        "control",
        {"status": ["active", "lifted"], "lifted_by_id": [None, 4], "review_id": 12, "subject_id": 3},
        Vocabulary(people={4: "Ann Carter"}, labels={"control.status": {"active": "Active", "lifted": "Lifted"}}),
    )
    assert lines == [f"Status: Active {ARROW} Lifted", f"Lifted by: \u2014 {ARROW} Ann Carter"]
    assert describe_changes("recorded", "review", {"corrects": 41}, WORDS) == ["Corrects an earlier review: yes"]


def test_hidden_keys_are_left_out():
    assert describe_changes("amended", "plan", {"diff": [["A1", "a", "b"]], "sha256": "ab12", "version": 2}, WORDS) == [
        "Version: 2"
    ]


def test_field_names_and_titles():
    assert field_name("planned_end_date") == "Planned end date"
    assert field_name("observer_id") == "Observer"
    assert event_title("updated", "action", {"ref": "A1"}, {}) == "Updated action A1"
    assert event_title("carried_into_monitoring", "control", {}, {}) == "Carried into monitoring control"
    assert event_title("downloaded", "observations_ics", {}, {"observations_ics": "observation calendar file"}) == (
        "Downloaded observation calendar file"
    )


def test_history_lines_for_a_page_of_events():
    events = [
        SimpleNamespace(id=1, verb="paused", entity="plan", entity_id=5, changes={"reason": "Sick leave"}),
        SimpleNamespace(id=2, verb="updated", entity="action", entity_id=40, changes={"when": ["daily", "nightly"]}),
    ]
    words = Vocabulary(actions={40: "A3"})
    assert history_lines(events, words, {}) == {
        1: ("Paused plan", ["Reason: Sick leave"]),
        2: ("Updated action A3", [f"When: daily {ARROW} nightly"]),
    }


def test_no_details_no_lines():
    assert describe_changes("signed_in", "user", None, WORDS) == []


# --- The history part, as the staff member reads it


@pytest.fixture
def amended_plan(world, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        evidence_sources=["audit"],
    )
    make_control(plan, world["senior"])
    action = make_action(plan, 1)
    factories.approve_for_issue(plan)
    plan_ops.issue_plan(world["manager"], plan)
    plan_ops.update_action(
        world["manager"],
        action,
        {"owner_id": world["manager"].id, "success_criterion": "Mei's 95% of audits", "measure_name": None},
    )
    audit.record(
        world["manager"],
        "added",
        "control",
        99,
        plan_id=plan.id,
        changes={"kind": "notes_sign_off", "responsible_id": world["senior"].id, "detail": "x"},
    )
    db.session.commit()
    return plan


def test_the_staff_member_reads_the_history_in_words(world, sign_in, amended_plan):
    text = sign_in(world["staff"]).get(f"/plans/{amended_plan.id}/history", headers={"HX-Request": "true"}).text
    assert "Updated action A1" in text
    assert f"Owner: \u2014 {ARROW} {world['manager'].name}" in text
    assert "Mei&#39;s 95% of audits" in text  # escaped once for HTML, never as \u0027
    assert "\\u0027" not in text
    assert "Type: Senior sign-off of notes at handover" in text
    assert f"Responsible: {world['senior'].name}" in text
    for developer in ("owner id", "notes_sign_off", "measure name: null", "kind:", "[", "null"):
        assert developer not in text


def test_a_plan_made_from_a_template_names_it(world, sign_in, amended_plan):
    audit.record(
        world["manager"],
        "created",
        "plan",
        amended_plan.id,
        plan_id=amended_plan.id,
        changes={"template": "escalation"},
    )
    db.session.commit()
    text = sign_in(world["staff"]).get(f"/plans/{amended_plan.id}/history", headers={"HX-Request": "true"}).text
    assert "Template: Escalation after near misses" in text


def test_the_admin_audit_log_keeps_the_raw_event(world, sign_in, amended_plan):
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "control", AuditEvent.entity_id == 99))
    assert event.changes["kind"] == "notes_sign_off"
    text = sign_in(world["admin"]).get("/admin/audit?entity=control").text
    assert "notes_sign_off" in text
