"""Property tests: arbitrary text posted into the plan forms never causes a 500, never comes back
as live markup, and a refused request changes nothing."""
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.models import AuditEvent, PlanStatus
from pip_app.services.plans import issue_plan
from tests.factories import make_action, make_control

TODAY = date(2026, 11, 23)
MARKUP = '<b id="injected">&amp;<img src=x onerror=alert(1)>'

# Any text, including control characters, right-to-left marks, emoji, Welsh and Polish letters,
# and the markup sentinel somewhere inside it.
texts = st.one_of(
    st.text(max_size=300),
    st.text(max_size=60).map(lambda t: t + MARKUP + t),
    st.sampled_from(["", " ", "Dafydd ŵ ŷ", "Łukasz ąę", "测试", "😀", "=1+1", "\u202eevil", "\x00", "a" * 5000]),
)
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def setting(app, world, make_plan, sign_in):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    draft = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT,
                      start=TODAY - timedelta(days=14), evidence_sources=["audit"])
    active = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT,
                       start=TODAY - timedelta(days=14), evidence_sources=["audit"])
    make_control(active, world["senior"])
    make_action(active, 1, measure_name="Compliance", measure_unit="%", measure_target=90, measure_consecutive=2)
    issue_plan(world["manager"], active)
    db.session.commit()
    return dict(draft=draft, active=active, manager=sign_in(world["manager"]), staff=sign_in(world["staff"]))


def fingerprint() -> tuple:
    """Enough of the database to notice any change: row counts of every table."""
    db.session.commit()
    return tuple(db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
                 if t.name != "audit_events")


def check(response, before):
    assert response.status_code < 500, response.text[:500]
    assert MARKUP not in response.text
    assert 'id="injected"' not in response.text
    if 400 <= response.status_code < 500:
        assert fingerprint() == before


@FUZZ
@given(statement=texts, detail=texts, baseline=texts, figure=texts, weeks=texts)
def test_risk_form(setting, statement, detail, baseline, figure, weeks):
    plan = setting["draft"]
    before = fingerprint()
    response = setting["manager"].post(f"/plans/{plan.id}/risk", htmx=True, data={
        "staff_id": plan.staff_id, "service_id": plan.service_id, "risk_area": "records",
        "risk_statement": statement, "evidence_detail": detail, "baseline_text": baseline, "baseline_figure": figure,
        "start_date": plan.start_date.isoformat(), "weeks": weeks, "review_weekday": "0",
        "row_version": plan.row_version})
    check(response, before)


@FUZZ
@given(behaviour=texts, when=texts, check_method=texts, criterion=texts, target=texts, unit=texts)
def test_action_form_and_live_check(setting, behaviour, when, check_method, criterion, target, unit):
    plan = setting["draft"]
    data = {"action-behaviour": behaviour, "action-when": when, "action-check_method": check_method,
            "action-success_criterion": criterion, "action-measure_name": "m", "action-measure_unit": unit,
            "action-measure_target": target, "quality_slot": "new"}
    before = fingerprint()
    check(setting["manager"].post(f"/plans/{plan.id}/actions/check", data=data, htmx=True), before)
    check(setting["manager"].post(f"/plans/{plan.id}/actions", data=data, htmx=True), before)


@FUZZ
@given(detail=texts, start=texts, review_by=texts, kind=texts)
def test_control_form(setting, detail, start, review_by, kind):
    plan = setting["draft"]
    before = fingerprint()
    response = setting["manager"].post(f"/plans/{plan.id}/controls", htmx=True, data={
        "control-kind": kind, "control-detail": detail, "control-responsible_id": plan.manager_id,
        "control-start_date": start, "control-review_by_date": review_by})
    check(response, before)


@FUZZ
@given(summary=texts, value=texts, note=texts, review_date=texts, decision=texts)
def test_review_form(setting, summary, value, note, review_date, decision):
    plan = setting["active"]
    db.session.refresh(plan)
    action, control = plan.actions[0], plan.controls[0]
    before = fingerprint()
    response = setting["manager"].post(f"/plans/{plan.id}/reviews", htmx=True, data={
        "review-row_version": plan.row_version, "review-review_date": review_date,
        "review-next_review_date": (TODAY + timedelta(days=7)).isoformat(), "review-summary": summary,
        "review-decision": decision, f"review-progress_{action.id}": "on_track", f"review-value_{action.id}": value,
        f"review-note_{action.id}": note, f"review-control_{control.id}": "keep"})
    check(response, before)


@FUZZ
@given(response_value=texts, comment=texts)
def test_acknowledgement_form(setting, response_value, comment):
    plan = setting["active"]
    before = fingerprint()
    response = setting["staff"].post(f"/plans/{plan.id}/acknowledge", htmx=True, data={
        "ack-version": str(plan.version), "ack-response": response_value, "ack-comment": comment})
    check(response, before)


def test_refused_requests_write_no_audit_event(setting):
    """A refused request leaves no trace but the refusal (the fuzz fingerprint skips the audit table)."""
    plan = setting["draft"]
    count = db.session.scalar(select(func.count(AuditEvent.id)))
    response = setting["manager"].post(f"/plans/{plan.id}/actions", data={"action-behaviour": ""}, htmx=True)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(AuditEvent.id))) == count
