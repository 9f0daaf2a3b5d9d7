"""Reasonable adjustments and occupational-health referrals (issue 19, items 3 and 5): restricted
detail seen by the staff member, the service's registered managers and HR only (404 for anyone
else), every view of the panel audited, in export-person and gone with purge-closed; an
adjustment in place after the plan started proposes an extension by the delay."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from pip_app.adjustment_rules import AdjustmentFacts, considered_line, extension_proposal
from pip_app.extensions import db
from pip_app.models import (
    Adjustment,
    AdjustmentDecision,
    AuditEvent,
    Closure,
    ClosureOutcome,
    HealthReferral,
    Plan,
    PlanStatus,
)

TODAY = date(2026, 11, 23)
START = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    return make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)


@pytest.fixture
def senior(world, sign_in):
    return sign_in(world["senior"])


def form(**changes):
    data = {
        "adjustment-requested_on": "2026-11-04",
        "adjustment-requested_by": "Sam (staff member)",
        "adjustment-request": "Written handover notes on cream paper",
        "adjustment-decision": "agreed",
        "adjustment-decision_reason": "",
        "adjustment-implemented_on": "2026-11-12",
        "adjustment-review_on": "2026-12-12",
    }
    data.update({f"adjustment-{k}": v for k, v in changes.items()})
    return data


def viewed():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "viewed").order_by(AuditEvent.id)).all()


# --- Rules


def _facts(decision="agreed", implemented=None, extended=None):
    return AdjustmentFacts(date(2026, 11, 4), decision, "", implemented, None, extended)


def test_the_closure_line_counts_and_dates_without_detail():
    assert considered_line([]) is None
    line = considered_line([_facts(implemented=date(2026, 12, 3)), _facts(implemented=date(2026, 11, 20))])
    assert line == "Reasonable adjustments considered: 2 agreed, in place from 3 Dec 2026"
    assert considered_line([_facts(), _facts("not_reasonable")]) == (
        "Reasonable adjustments considered: 1 agreed, 1 not reasonable, not all in place yet"
    )


def test_the_extension_is_the_delay_less_what_was_already_added():
    end = date(2026, 11, 30)
    proposal = extension_proposal(START, end, [_facts(implemented=date(2026, 11, 12))])
    assert proposal.days == 10 and proposal.proposed_end == date(2026, 12, 10)
    assert extension_proposal(START, end, [_facts(implemented=date(2026, 11, 12), extended=10)]) is None
    assert extension_proposal(START, end, [_facts(implemented=date(2026, 11, 1))]) is None  # in place before the start
    later = [_facts(implemented=date(2026, 11, 12), extended=10), _facts(implemented=date(2026, 11, 16))]
    assert extension_proposal(START, end, later).days == 4


# --- Who sees it


def test_a_registered_manager_records_an_adjustment_and_each_view_is_audited(plan, senior, world):
    response = senior.post(f"/plans/{plan.id}/adjustments", data=form())
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/plans/{plan.id}#adjustments")
    [adjustment] = db.session.scalars(select(Adjustment)).all()
    assert adjustment.decision is AdjustmentDecision.AGREED and adjustment.implemented_on == date(2026, 11, 12)
    recorded = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "adjustment"))
    assert "cream paper" not in json.dumps(recorded.changes)  # the detail stays out of the audit log
    page = senior.get(f"/plans/{plan.id}/adjustments", headers={"HX-Request": "true"})
    assert page.status_code == 200 and "Written handover notes on cream paper" in page.text
    assert [(e.actor_id, e.plan_id) for e in viewed()] == [(world["senior"].id, plan.id)]


@pytest.mark.parametrize("role, seen", [("staff", True), ("hr", True), ("manager", False), ("other_senior", False)])
def test_only_the_staff_member_registered_managers_and_hr_see_it(plan, senior, world, sign_in, role, seen):
    senior.post(f"/plans/{plan.id}/adjustments", data=form())
    client = sign_in(world[role])
    response = client.get(f"/plans/{plan.id}/adjustments")
    assert response.status_code == (200 if seen else 404)
    assert ("cream paper" in response.text) is seen
    plan_page = client.get(f"/plans/{plan.id}")
    if plan_page.status_code == 200:
        assert (f'hx-get="/plans/{plan.id}/adjustments"' in plan_page.text) is seen
        history = client.get(f"/plans/{plan.id}/history").text
        assert ("adjustment" in history.lower()) is seen
    if role in ("staff", "hr"):
        assert client.post(f"/plans/{plan.id}/adjustments", data=form()).status_code == 403


# --- Bad input


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"implemented_on": "2026-11-03"}, "cannot have been implemented before it was requested on 4 Nov 2026"),
        ({"decision": "pending"}, "Only an agreed adjustment is implemented"),
        ({"decision": "not_reasonable", "implemented_on": ""}, "Say why the adjustment is not reasonable."),
        ({"implemented_on": "2026-11-30"}, "on a day still to come"),
        ({"requested_on": "2026-11-30", "implemented_on": ""}, "The request cannot be dated after today."),
        ({"request": "x" * 20_000}, "Keep this to 4,000 characters or fewer."),
        ({"requested_by": ""}, "Say who asked"),
        ({"decision": "maybe"}, "Choose one of the options."),
    ],
)
def test_bad_input_is_refused_with_everything_kept(plan, senior, changes, message):
    data = form(**{"review_on": "2026-12-12", **changes})
    data["adjustment-decision_reason"] = data["adjustment-decision_reason"] or ""
    data.setdefault("adjustment-request", "")
    kept = "Needs written steps 📝 — 書面で"
    if "request" not in changes:
        data["adjustment-request"] = kept
    response = senior.post(f"/plans/{plan.id}/adjustments", data=data)
    assert response.status_code == 422 and message in response.text
    if "request" not in changes:
        assert kept in response.text
    assert db.session.scalars(select(Adjustment)).all() == []


def test_a_referral_and_its_report(plan, senior):
    data = {"referral-referred_on": "2026-11-05", "referral-questions": "Can shifts start later?"}
    bad = senior.post(
        f"/plans/{plan.id}/adjustments/referrals", data=data | {"referral-report_received_on": "2026-11-01"}
    )
    assert bad.status_code == 422 and "The report comes after the referral" in bad.text
    assert senior.post(f"/plans/{plan.id}/adjustments/referrals", data=data).status_code == 303
    [referral] = db.session.scalars(select(HealthReferral)).all()
    update = data | {
        "referral-report_received_on": "2026-11-19",
        "referral-recommendations": "Start at 9 for six weeks",
        "referral-row_version": str(referral.row_version),
    }
    assert senior.post(f"/plans/{plan.id}/adjustments/referrals/{referral.id}", data=update).status_code == 303
    assert "Start at 9 for six weeks" in senior.get(f"/plans/{plan.id}/adjustments").text


# --- The extension it proposes


def test_an_adjustment_in_place_late_proposes_an_extension_the_registered_manager_accepts(plan, senior, world):
    senior.post(f"/plans/{plan.id}/adjustments", data=form())
    end = plan.planned_end_date
    page = senior.get(f"/plans/{plan.id}/adjustments").text
    assert "extend the plan by 10 days" in page
    stale = senior.post(f"/plans/{plan.id}/adjustments/extend", data={"extension-proposed_end": "2026-12-31"})
    assert stale.status_code == 409
    accepted = senior.post(
        f"/plans/{plan.id}/adjustments/extend",
        data={"extension-proposed_end": (end + timedelta(days=10)).isoformat()},
        headers={"HX-Request": "true"},
    )
    assert accepted.status_code == 200 and "The plan is extended by 10 days." in accepted.text
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).planned_end_date == end + timedelta(days=10)
    assert "extend the plan by" not in senior.get(f"/plans/{plan.id}/adjustments").text


# --- Records management


def test_export_person_includes_it_and_purge_closed_removes_it(plan, senior, world, runner):
    senior.post(f"/plans/{plan.id}/adjustments", data=form())
    senior.post(
        f"/plans/{plan.id}/adjustments/referrals",
        data={"referral-referred_on": "2026-11-05", "referral-questions": "Can shifts start later?"},
    )
    data = json.loads(runner.invoke(args=["export-person", world["staff"].email]).output)
    [record] = data["plans_about_them"]
    assert record["adjustments"][0]["request"] == "Written handover notes on cream paper"
    assert record["occupational_health_referrals"][0]["questions"] == "Can shifts start later?"
    assert record["contributing_factors"]["none_identified_reason"].startswith("None identified")
    assert record["meetings"] == [] and record["support"] == []

    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    plan.status = PlanStatus.CLOSED
    db.session.add(
        Closure(
            plan=plan,
            outcome=ClosureOutcome.ACHIEVED,
            closed_by=world["manager"],
            closed_at=datetime(2018, 1, 1),
            what_changed="a",
            how_measured="b",
            risk_now_controlled="c",
            ongoing_monitoring="d",
        )
    )
    db.session.commit()
    assert runner.invoke(args=["purge-closed", "--older-than", "6"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalars(select(Adjustment)).all() == []
    assert db.session.scalars(select(HealthReferral)).all() == []
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.entity.in_(["adjustment", "restricted_panel"]))).all()
        == []
    )
