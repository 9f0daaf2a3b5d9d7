"""The weekly governance loop through the views: reviews (page and htmx), corrections, double
submits, concurrent reviewers, observation outcomes, action status, acknowledgements, pause."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.models import (
    Acknowledgement,
    ActionStatus,
    AuditEvent,
    ControlStatus,
    Observation,
    ObservationStatus,
    PlanStatus,
    Review,
)
from tests.issued_plan import START, TODAY, review_data

pytestmark = pytest.mark.usefixtures("frozen_today")


def test_review_form_opens_in_the_panel(manager, plan):
    fragment = manager.get(f"/plans/{plan.id}/reviews/new", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="reviews-panel"')
    assert "Record this week&#39;s review" in fragment.text and "MAR compliance this week (%)" in fragment.text
    page = manager.get(f"/plans/{plan.id}/reviews/new")
    assert "<html" in page.text  # without JavaScript: the plan page with the form open


def test_recording_a_review_with_htmx_updates_panel_flags_and_chart(manager, plan):
    response = manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan), htmx=True)
    assert response.status_code == 200
    assert "Weekly review saved." in response.text
    assert 'id="plan-header" class="plan-header" hx-swap-oob="true"' in response.text
    assert 'id="plan-flags"' in response.text
    assert 'id="actions-panel"' in response.text and "<circle" in response.text
    review = db.session.scalar(select(Review))
    assert [e.measured_value for e in review.entries if e.measured_value is not None] == [85]
    db.session.refresh(plan)
    assert plan.next_review_date == TODAY + timedelta(days=7)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "review", AuditEvent.verb == "recorded"))


def test_recording_a_review_without_javascript_redirects(manager, plan):
    response = manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{plan.id}#reviews-panel"


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"value": "120"}, "A percentage is between 0 and 100."),
        ({"day": START - timedelta(days=1)}, "The review date must be between the plan&#39;s start and today."),
        ({"day": TODAY + timedelta(days=1)}, "The review date must be between the plan&#39;s start and today."),
    ],
)
def test_bad_reviews_are_refused_and_nothing_is_lost(manager, plan, changes, message):
    data = review_data(plan, **changes)
    data["review-summary"] = "My summary <b>kept</b>"
    response = manager.post(f"/plans/{plan.id}/reviews", data=data, htmx=True)
    assert response.status_code == 422
    assert message in response.text
    assert "My summary &lt;b&gt;kept&lt;/b&gt;" in response.text
    assert db.session.scalar(select(func.count(Review.id))) == 0


def test_progress_is_required_for_every_action(manager, plan):
    data = review_data(plan)
    del data[f"review-progress_{plan.actions[1].id}"]
    response = manager.post(f"/plans/{plan.id}/reviews", data=data, htmx=True)
    assert response.status_code == 422 and "Choose on track, at risk or not met for A2." in response.text


def test_extension_needs_a_later_date_and_a_reason(manager, plan):
    data = review_data(plan, **{"review-decision": "extend"})
    response = manager.post(f"/plans/{plan.id}/reviews", data=data, htmx=True)
    assert response.status_code == 422 and "Choose the new end date." in response.text
    new_end = plan.planned_end_date + timedelta(weeks=2)
    data.update({"review-extend_to": new_end.isoformat(), "review-extend_reason": "Sickness in week 2"})
    assert manager.post(f"/plans/{plan.id}/reviews", data=data, htmx=True).status_code == 200
    db.session.refresh(plan)
    assert plan.planned_end_date == new_end


def test_a_double_clicked_save_makes_one_review(manager, plan):
    data = review_data(plan)
    assert manager.post(f"/plans/{plan.id}/reviews", data=data, htmx=True).status_code == 200
    second = manager.post(f"/plans/{plan.id}/reviews", data=data, htmx=True)
    assert second.status_code == 200 and "Weekly review saved." in second.text
    assert db.session.scalar(select(func.count(Review.id))) == 1


def test_two_managers_saving_at_once_get_a_conflict_not_a_silent_overwrite(world, sign_in, manager, plan):
    senior = sign_in(world["senior"])
    version = plan.row_version
    assert manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan, token="a"), htmx=True).status_code == 200
    data = review_data(plan, token="b", value="70")
    data["review-row_version"] = version
    data["review-summary"] = "Senior's own summary"
    response = senior.post(f"/plans/{plan.id}/reviews", data=data, htmx=True)
    assert response.status_code == 409
    assert "Someone else changed this while you were editing" in response.text
    assert "Senior&#39;s own summary" in response.text
    assert db.session.scalar(select(func.count(Review.id))) == 1


def test_only_a_senior_may_lift_a_control_in_a_review(world, sign_in, manager, plan):
    control = plan.controls[0]
    data = review_data(
        plan, **{f"review-control_{control.id}": "lift", f"review-rationale_{control.id}": "Two good audits"}
    )
    assert (
        manager.post(f"/plans/{plan.id}/reviews", data=data, htmx=True).status_code == 422
    )  # not a choice for a manager
    senior = sign_in(world["senior"])
    data[f"review-rationale_{control.id}"] = ""
    response = senior.post(f"/plans/{plan.id}/reviews", data=data, htmx=True)
    assert response.status_code == 422 and "Give the rationale for lifting the control" in response.text
    data[f"review-rationale_{control.id}"] = "Two good audits"
    response = senior.post(f"/plans/{plan.id}/reviews", data=data, htmx=True)
    assert response.status_code == 200
    db.session.refresh(control)
    assert control.status is ControlStatus.LIFTED and control.lifted_on == TODAY
    # The controls panel on the page is replaced out of band: no stale "Active" or "Record a check".
    panel = response.text[response.text.index('<section id="controls-panel"') :]
    panel = panel[: panel.index("</section>")]
    assert 'hx-swap-oob="true"' in panel and "Lifted on 23 Nov 2026" in panel and "Record a check" not in panel


def test_a_review_lift_obeys_the_one_set_of_lift_rules(world, sign_in, plan):
    """A review lifts through controls.lift_control, so its rules apply here too: a review dated
    before the control started cannot lift it (refused as a form error, 422, with the input kept;
    before issue 14 a review skipped the date check), and the rest of the review is not saved."""
    control = plan.controls[0]
    control.start_date, control.review_by_date = TODAY - timedelta(days=3), TODAY + timedelta(days=11)
    db.session.commit()
    data = review_data(
        plan,
        day=TODAY - timedelta(days=5),
        **{f"review-control_{control.id}": "monitor", f"review-rationale_{control.id}": "Monthly audit"},
    )
    response = sign_in(world["senior"]).post(f"/plans/{plan.id}/reviews", data=data, htmx=True)
    assert response.status_code == 422
    assert "The control started on 20 Nov 2026: the decision cannot be earlier than that." in response.text
    assert "Monthly audit" in response.text  # the input is kept
    db.session.refresh(control)
    assert control.status is ControlStatus.ACTIVE and db.session.scalar(select(func.count(Review.id))) == 0
    data = review_data(
        plan,
        day=TODAY - timedelta(days=2),
        token="tok-2",
        **{f"review-control_{control.id}": "monitor", f"review-rationale_{control.id}": "Monthly audit"},
    )
    assert sign_in(world["senior"]).post(f"/plans/{plan.id}/reviews", data=data, htmx=True).status_code == 200
    db.session.refresh(control)
    assert control.status is ControlStatus.ONGOING_MONITORING and control.lifted_on == TODAY - timedelta(days=2)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "control")).all()
    assert (event.verb, event.changes) == ("carried_into_monitoring", {"rationale": "Monthly audit", "via": "review"})


def test_a_correction_is_a_new_review_that_replaces_the_old_one(manager, plan):
    manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan, value="85"), htmx=True)
    original = db.session.scalar(select(Review))
    form = manager.get(f"/plans/{plan.id}/reviews/new?corrects={original.id}", headers={"HX-Request": "true"}).text
    assert "Correct the review of" in form
    data = review_data(plan, value="58", token="tok-2", **{"review-corrects_review_id": str(original.id)})
    data["review-row_version"] = db.session.get(type(plan), plan.id).row_version
    assert manager.post(f"/plans/{plan.id}/reviews", data=data, htmx=True).status_code == 200
    correction = db.session.scalar(select(Review).where(Review.corrects_review_id == original.id))
    assert correction is not None and original.entries[0].measured_value == 85  # the original is untouched
    page = manager.get(f"/plans/{plan.id}").text  # the correction is the newest review
    assert "Correction of" in page and "Earlier reviews (1)" in page
    earlier = manager.get(f"/plans/{plan.id}/reviews", headers={"HX-Request": "true"}).text
    assert f'id="review-{original.id}"' in earlier and "Corrected" in earlier


def test_reviews_have_no_edit_route(manager, plan):
    manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan), htmx=True)
    review = db.session.scalar(select(Review))
    assert manager.post(f"/plans/{plan.id}/reviews/{review.id}", data=review_data(plan)).status_code in (404, 405)


def test_staff_acknowledge_a_review_and_it_stays_as_it_was(world, sign_in, manager, plan):
    manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan), htmx=True)
    review = db.session.scalar(select(Review))
    staff = sign_in(world["staff"])
    assert "the weekly review of 23 Nov 2026" in staff.get("/").text
    response = staff.post(
        f"/plans/{plan.id}/reviews/{review.id}/acknowledge", data={f"rack{review.id}-response": "disagree"}, htmx=True
    )
    assert response.status_code == 422 and "Say what you disagree with" in response.text
    response = staff.post(
        f"/plans/{plan.id}/reviews/{review.id}/acknowledge",
        data={
            f"rack{review.id}-response": "disagree",
            f"rack{review.id}-comment": "A2 was at risk because of agency cover",
        },
        htmx=True,
    )
    assert response.status_code == 200
    ack = db.session.scalar(select(Acknowledgement).where(Acknowledgement.review_id == review.id))
    assert ack.comment == "A2 was at risk because of agency cover"
    assert ack.statement.startswith("I have read the weekly review of 23 Nov 2026")
    again = staff.post(
        f"/plans/{plan.id}/reviews/{review.id}/acknowledge", data={f"rack{review.id}-response": "agree"}, htmx=True
    )
    assert again.status_code == 409
    assert (
        manager.post(
            f"/plans/{plan.id}/reviews/{review.id}/acknowledge", data={f"rack{review.id}-response": "agree"}
        ).status_code
        == 403
    )


def test_observation_outcomes(manager, plan, world):
    past = Observation(plan=plan, scheduled_on=TODAY - timedelta(days=2), observer=world["senior"])
    future = Observation(plan=plan, scheduled_on=TODAY + timedelta(days=2), observer=world["senior"])
    db.session.add_all([past, future])
    db.session.commit()
    assert "passed without an outcome" in manager.get(f"/plans/{plan.id}").text
    url = f"/plans/{plan.id}/observations/{past.id}/outcome"
    prefix = f"outcome{past.id}"
    response = manager.post(
        url, data={f"{prefix}-status": "done", f"{prefix}-row_version": past.row_version}, htmx=True
    )
    assert response.status_code == 422 and "Choose the outcome" in response.text
    response = manager.post(
        url,
        data={
            f"{prefix}-status": "done",
            f"{prefix}-outcome": "met",
            f"{prefix}-notes": "Signed at the time",
            f"{prefix}-row_version": past.row_version,
        },
        htmx=True,
    )
    assert response.status_code == 200 and "passed without an outcome" not in response.text
    db.session.refresh(past)
    assert past.status is ObservationStatus.DONE and past.outcome.value == "met"
    fprefix = f"outcome{future.id}"
    response = manager.post(
        f"/plans/{plan.id}/observations/{future.id}/outcome",
        data={f"{fprefix}-status": "done", f"{fprefix}-outcome": "met", f"{fprefix}-row_version": future.row_version},
        htmx=True,
    )
    assert response.status_code == 422 and "before its date" in response.text
    response = manager.post(
        f"/plans/{plan.id}/observations/{future.id}/outcome",
        data={f"{fprefix}-status": "cancelled", f"{fprefix}-row_version": future.row_version},
        htmx=True,
    )
    assert response.status_code == 422 and "Give the reason for cancelling." in response.text


def test_action_is_completed_then_assured_never_the_other_way(manager, plan):
    action = plan.actions[0]
    url = f"/plans/{plan.id}/actions/{action.id}/status"
    p = f"status{action.id}"

    def post(status, evidence="Audit 92% and 95%"):
        db.session.refresh(action)
        return manager.post(
            url,
            data={
                f"{p}-status": status,
                f"{p}-evidence": evidence,
                f"{p}-on": TODAY.isoformat(),
                f"{p}-row_version": action.row_version,
            },
            htmx=True,
        )

    response = post("assured")
    assert response.status_code == 422 and "must be completed before it can be assured" in response.text
    assert post("completed", "Signing at the time since week 2").status_code == 200
    assert post("assured").status_code == 200
    db.session.refresh(action)
    assert action.status is ActionStatus.ASSURED and action.assurance_evidence == "Audit 92% and 95%"
    assert post("not_met", "x").status_code == 422


def test_measure_met_suggests_assurance_but_never_assures(manager, plan):
    for i, (day, value) in enumerate([(TODAY - timedelta(days=7), "92"), (TODAY, "95")]):
        db.session.refresh(plan)
        manager.post(
            f"/plans/{plan.id}/reviews", data=review_data(plan, day=day, value=value, token=f"t{i}"), htmx=True
        )
    page = manager.get(f"/plans/{plan.id}").text
    assert "The measure is met" in page
    db.session.refresh(plan)
    assert plan.actions[0].status is ActionStatus.OPEN


def test_pause_and_resume(manager, plan):
    response = manager.post(
        f"/plans/{plan.id}/pause", data={"pause-reason": "", "pause-row_version": plan.row_version}, htmx=True
    )
    assert response.status_code == 422
    assert (
        manager.post(
            f"/plans/{plan.id}/pause", data={"pause-reason": "Sickness absence", "pause-row_version": plan.row_version}
        ).status_code
        == 303
    )
    db.session.refresh(plan)
    assert plan.status is PlanStatus.PAUSED and plan.pause_reason == "Sickness absence"
    assert manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan)).status_code == 422
    assert manager.post(f"/plans/{plan.id}/resume", data={"resume-row_version": plan.row_version}).status_code == 303
    db.session.refresh(plan)
    assert plan.status is PlanStatus.ACTIVE and plan.next_review_date > TODAY


@pytest.mark.parametrize("who,status", [("hr", 403), ("staff", 403), ("other_manager", 404), ("admin", 404)])
def test_only_the_plans_managers_record_reviews(world, sign_in, plan, who, status):
    assert sign_in(world[who]).post(f"/plans/{plan.id}/reviews", data=review_data(plan)).status_code == status
    assert db.session.scalar(select(func.count(Review.id))) == 0


def test_dashboards_show_what_needs_each_person(world, sign_in, manager, plan):
    plan.next_review_date = TODAY - timedelta(days=2)
    db.session.commit()
    board = manager.get("/").text
    assert "Weekly review overdue since 21 Nov 2026" in board
    assert "Weekly review overdue" in sign_in(world["senior"]).get("/").text
    assert "Weekly review overdue" not in sign_in(world["other_senior"]).get("/").text
    assert re.search(r"version 1 of your improvement plan", sign_in(world["staff"]).get("/").text)


def test_the_review_form_proposes_the_next_review_on_the_plans_review_day(manager, plan):
    """TODAY is Monday 23 Nov 2026; a plan reviewed on Wednesdays is next reviewed on Wednesday
    2 Dec (not today + 7, a Monday)."""
    plan.review_weekday = 2
    db.session.commit()
    form = manager.get(f"/plans/{plan.id}/reviews/new", headers={"HX-Request": "true"}).text
    assert re.search(r'name="review-next_review_date"[^>]*value="2026-12-02"', form)
