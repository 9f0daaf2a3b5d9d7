"""The fair process at closure (issue 19, the points left): where agreed adjustments were in
place, closing asks whether the staff member had a reasonable time to improve after them (yes or
no, and why; the date and the time since, never what they are), keeps the answer with the
closure and prints it; a registered manager of the service, and only they, may choose to print
the adjustments' detail in the closure summary (with why, audited)."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from sqlalchemy import select

from pip_app.adjustment_rules import AdjustmentFacts, duration_text, time_after_adjustments
from pip_app.extensions import db
from pip_app.models import (
    Adjustment,
    AdjustmentDecision,
    AdjustmentDisclosure,
    AuditEvent,
    Closure,
    HealthReferral,
    Plan,
    PlanStatus,
)
from pip_app.services import closure as closure_ops
from tests.html_checker import assert_valid_html, require_checker
from tests.test_closure import TODAY, close_directly, close_form, ready_plan

START = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()  # 30 Nov 2026


def text_of(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def adjust(plan, senior, *, implemented_on=date(2026, 11, 16), request="Handover notes on cream paper", **fields):
    adjustment = Adjustment(
        plan=plan,
        requested_on=date(2026, 11, 4),
        requested_by="Sam",
        request=request,
        decision=fields.pop("decision", AdjustmentDecision.AGREED),
        implemented_on=implemented_on,
        recorded_by=senior,
        **fields,
    )
    db.session.add(adjustment)
    db.session.commit()
    return adjustment


@pytest.fixture
def plan(world, make_plan):
    return ready_plan(world, make_plan)


@pytest.fixture
def adjusted(plan, world):
    adjust(plan, world["senior"])
    adjust(
        plan,
        world["senior"],
        implemented_on=None,
        decision=AdjustmentDecision.NOT_REASONABLE,
        decision_reason="Not possible on nights",
        request="No night shifts",
    )
    return plan


# --- Rules


def _facts(decision="agreed", implemented=None):
    return AdjustmentFacts(date(2026, 11, 4), decision, "", implemented, None)


def test_time_after_counts_from_the_last_agreed_adjustment_in_place_to_closing():
    assert time_after_adjustments(START, TODAY, [_facts(), _facts("not_reasonable")]) is None
    after = time_after_adjustments(
        START, TODAY, [_facts(implemented=date(2026, 11, 9)), _facts(implemented=date(2026, 11, 16))]
    )
    assert (after.in_place_on, after.days, after.before_start) == (date(2026, 11, 16), 14, False)
    assert after.describe() == "2 weeks after 16 Nov 2026"
    early = time_after_adjustments(START, TODAY, [_facts(implemented=date(2026, 10, 20))])
    assert early.days == 28 and early.before_start
    assert "the whole plan" in early.describe()


@pytest.mark.parametrize(
    "days, text",
    [
        (0, "0 days"),
        (1, "1 day"),
        (6, "6 days"),
        (7, "1 week"),
        (9, "1 week and 2 days"),
        (42, "6 weeks"),
        (43, "6 weeks and 1 day"),
    ],
)
def test_duration_text(days, text):
    assert duration_text(days) == text


# --- Point 1: closing asks about a reasonable time after the adjustments


def test_closing_without_adjustments_in_place_asks_nothing(world, plan, sign_in):
    page = sign_in(world["manager"]).get(f"/plans/{plan.id}/close").text
    assert "reasonable time to improve" not in page
    closure = close_directly(plan, world["manager"])
    assert closure.adjustments_in_place_on is None and closure.reasonable_time_after_adjustments is None


def test_the_close_page_asks_with_dates_and_counts_only(world, adjusted, sign_in):
    page = sign_in(world["manager"]).get(f"/plans/{adjusted.id}/close").text
    assert "have a reasonable time to improve after the adjustments were in place?" in page
    assert "Reasonable adjustments considered: 1 agreed, 1 not reasonable, in place from 16 Nov 2026" in page
    assert "2 weeks after 16 Nov 2026" in page
    gate = page[page.index('id="closure-gate"') :][:3000]
    assert "Agreed adjustments were in place from 16 Nov 2026" in gate and 'href="#close-reasonable_time"' in gate
    for secret in ("cream paper", "No night shifts", "Not possible on nights"):
        assert secret not in page


def test_the_operation_refuses_to_close_unanswered(world, adjusted):
    with pytest.raises(closure_ops.ClosureRefused) as refused:
        close_directly(adjusted, world["manager"])
    assert [p.anchor for p in refused.value.problems] == ["close-reasonable_time"]
    assert "had a reasonable time to improve after the adjustments were in place (2 weeks after 16 Nov 2026)" in str(
        refused.value
    )
    db.session.rollback()
    with pytest.raises(closure_ops.ClosureRefused, match="Explain your answer"):
        close_directly(adjusted, world["manager"], reasonable_time=False, reasonable_time_explanation="  ")
    db.session.rollback()
    assert db.session.get(Plan, adjusted.id).status is PlanStatus.ACTIVE


@pytest.mark.parametrize(
    "answer, message",
    [
        ({}, "had a reasonable time after the adjustments"),
        ({"close-reasonable_time": "yes"}, "Explain your answer on a reasonable time after the adjustments."),
        ({"close-reasonable_time": "maybe", "close-reasonable_time_explanation": "x"}, "Choose one of the options."),
        ({"close-reasonable_time": "no", "close-reasonable_time_explanation": "x" * 2001}, "2,000 characters or fewer"),
    ],
)
def test_an_unanswered_question_is_refused_and_keeps_what_was_typed(world, adjusted, sign_in, answer, message):
    kept = {"close-what_changed": "Sam signs at the time 📝 <b>always</b>"}
    response = sign_in(world["manager"]).post(
        f"/plans/{adjusted.id}/close", data=close_form(adjusted, **kept, **answer)
    )
    assert response.status_code == 422
    assert message in response.text
    assert "Sam signs at the time 📝 &lt;b&gt;always&lt;/b&gt;" in response.text
    db.session.expire_all()
    assert db.session.get(Plan, adjusted.id).status is PlanStatus.ACTIVE


def test_an_adjustment_put_in_place_while_the_form_was_open_is_asked_about_not_missed(world, plan, sign_in):
    manager = sign_in(world["manager"])
    data = close_form(plan)  # loaded before any adjustment was in place: no question on it
    adjust(plan, world["senior"])
    data["close-row_version"] = str(db.session.get(Plan, plan.id).row_version)
    response = manager.post(f"/plans/{plan.id}/close", data=data)
    assert response.status_code == 422
    assert "have a reasonable time to improve after the adjustments were in place?" in response.text


def test_the_answer_is_kept_with_the_closure_and_printed(world, adjusted, sign_in):
    answer = {
        "close-reasonable_time": "no",
        "close-reasonable_time_explanation": "Two weeks was too short: reviewed 🙂",
    }
    manager = sign_in(world["manager"])
    assert manager.post(f"/plans/{adjusted.id}/close", data=close_form(adjusted, **answer)).status_code == 303
    closure = db.session.scalar(select(Closure).where(Closure.plan_id == adjusted.id))
    assert (closure.adjustments_in_place_on, closure.days_after_adjustments) == (date(2026, 11, 16), 14)
    assert closure.reasonable_time_after_adjustments is False
    assert closure.reasonable_time_explanation == "Two weeks was too short: reviewed 🙂"
    closed = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "closed"))
    assert closed.changes["reasonable_time_after_adjustments"] is False
    text = text_of(sign_in(world["hr"]).get(f"/plans/{adjusted.id}/closure.pdf").data)
    assert "Reasonable time after adjustments: no — 2 weeks after 16 Nov 2026; Two weeks was too short" in text
    assert "cream paper" not in text and "No night shifts" not in text


# --- Point 2: a registered manager may choose to print the adjustments' detail


def choose(client, plan, include="detail", reason="Agreed with Sam so HR sees what was in place.", **extra):
    data = {"disclosure-include": include, "disclosure-reason": reason, **extra}
    return client.post(f"/plans/{plan.id}/adjustments/closure-summary", data=data)


def test_only_the_services_registered_manager_may_choose(world, adjusted, sign_in):
    assert choose(sign_in(world["manager"]), adjusted).status_code == 404  # may not see the detail at all
    assert choose(sign_in(world["other_senior"]), adjusted).status_code == 404
    assert choose(sign_in(world["hr"]), adjusted).status_code == 403
    assert choose(sign_in(world["staff"]), adjusted).status_code == 403
    assert db.session.scalars(select(AdjustmentDisclosure)).all() == []
    assert choose(sign_in(world["senior"]), adjusted).status_code == 303


def test_the_choice_needs_a_reason_and_is_audited(world, adjusted, sign_in):
    senior = sign_in(world["senior"])
    refused = choose(senior, adjusted, reason="   ")
    assert refused.status_code == 422 and "Say why you chose this for the closure summary." in refused.text
    assert db.session.scalars(select(AdjustmentDisclosure)).all() == []
    saved = senior.post(
        f"/plans/{adjusted.id}/adjustments/closure-summary",
        data={"disclosure-include": "detail", "disclosure-reason": "Agreed with Sam."},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "The closure summary will include the adjustment detail." in saved.text
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "adjustment_disclosure")).all()
    assert event.changes == {"include_detail": [False, True], "reason": "Agreed with Sam."}
    stale = senior.post(
        f"/plans/{adjusted.id}/adjustments/closure-summary",
        data={"disclosure-include": "count", "disclosure-reason": "Changed my mind.", "disclosure-row_version": ""},
    )
    assert stale.status_code == 409
    # The line manager's view of the history leaves the restricted event out.
    history = sign_in(world["manager"]).get(f"/plans/{adjusted.id}/history").text
    assert "Agreed with Sam." not in history
    assert "Agreed with Sam." in sign_in(world["senior"]).get(f"/plans/{adjusted.id}/history").text


def _with_referral(plan, world):
    db.session.add(
        HealthReferral(
            plan=plan,
            referred_on=date(2026, 11, 3),
            questions="Secret referral question",
            report_received_on=date(2026, 11, 10),
            recommendations="Secret recommendation",
            recorded_by=world["senior"],
        )
    )
    db.session.commit()


def _close(plan, world):
    close_directly(plan, world["manager"], reasonable_time=True, reasonable_time_explanation="Two weeks, and it held.")


def test_by_default_the_closure_pdf_prints_only_the_count(world, adjusted, sign_in):
    _with_referral(adjusted, world)
    _close(adjusted, world)
    text = text_of(sign_in(world["hr"]).get(f"/plans/{adjusted.id}/closure.pdf").data)
    assert "Reasonable adjustments considered: 1 agreed, 1 not reasonable, in place from 16 Nov 2026." in text
    assert "Reasonable time after adjustments: yes — 2 weeks after 16 Nov 2026; Two weeks, and it held." in text
    for secret in ("cream paper", "No night shifts", "Secret referral", "Secret recommendation", "Adjustment detail"):
        assert secret not in text


def test_when_chosen_the_closure_pdf_lists_each_adjustment_and_no_referral(world, adjusted, sign_in):
    _with_referral(adjusted, world)
    assert choose(sign_in(world["senior"]), adjusted).status_code == 303
    _close(adjusted, world)
    text = text_of(sign_in(world["manager"]).get(f"/plans/{adjusted.id}/closure.pdf").data)
    assert f"Adjustment detail, included by {world['senior'].name}, registered manager" in text
    assert "Handover notes on cream paper" in text and "No night shifts" in text and "Not reasonable" in text
    assert "Reasonable time after adjustments: yes" in text
    for secret in ("Secret referral", "Secret recommendation", "Not possible on nights"):
        assert secret not in text


def test_choosing_back_to_the_count_prints_the_count_again(world, adjusted, sign_in):
    senior = sign_in(world["senior"])
    assert choose(senior, adjusted).status_code == 303
    disclosure = db.session.scalar(select(AdjustmentDisclosure))
    version = {"disclosure-row_version": str(disclosure.row_version)}
    assert (
        choose(senior, adjusted, include="count", reason="HR asked for the count only.", **version).status_code == 303
    )
    _close(adjusted, world)
    text = text_of(sign_in(world["hr"]).get(f"/plans/{adjusted.id}/closure.pdf").data)
    assert "cream paper" not in text and "Adjustment detail" not in text
    assert "in place from 16 Nov 2026" in text


def test_a_closed_plans_choice_cannot_change(world, adjusted, sign_in):
    _close(adjusted, world)
    assert choose(sign_in(world["senior"]), adjusted).status_code == 403
    assert db.session.scalars(select(AdjustmentDisclosure)).all() == []


def test_the_panel_offers_the_choice_to_the_registered_manager_only(world, adjusted, sign_in):
    senior_panel = sign_in(world["senior"]).get(f"/plans/{adjusted.id}/adjustments").text
    assert "Save the choice" in senior_panel and "shows only the count of adjustments" in senior_panel
    hr_panel = sign_in(world["hr"]).get(f"/plans/{adjusted.id}/adjustments").text
    assert "shows only the count of adjustments" in hr_panel and "Save the choice" not in hr_panel


def test_the_new_page_states_are_valid_html(world, adjusted, sign_in):
    """The close page asking about a reasonable time (fresh and refused) and the restricted panel
    offering the choice (fresh and refused) pass the Nu HTML Checker (when it is installed)."""
    require_checker()
    manager, senior = sign_in(world["manager"]), sign_in(world["senior"])
    pages = {
        "close": manager.get(f"/plans/{adjusted.id}/close").text,
        "close refused": manager.post(f"/plans/{adjusted.id}/close", data=close_form(adjusted)).text,
        "panel": senior.get(f"/plans/{adjusted.id}/adjustments").text,
        "choice refused": choose(senior, adjusted, reason="").text,
    }
    assert "reasonable time" in pages["close refused"] and "Say why" in pages["choice refused"]
    assert_valid_html(pages)


def test_export_person_carries_the_answer_and_the_choice_and_purge_closed_removes_them(
    world, adjusted, sign_in, runner
):
    import json
    from datetime import datetime

    assert choose(sign_in(world["senior"]), adjusted).status_code == 303
    _close(adjusted, world)
    data = json.loads(runner.invoke(args=["export-person", world["staff"].email]).output)
    [record] = data["plans_about_them"]
    assert record["closure"]["reasonable_time_after_adjustments"] is True
    assert record["closure"]["adjustments_in_place_on"] == "2026-11-16"
    assert record["adjustment_detail_in_closure_summary"]["include_detail"] is True
    closure = db.session.scalar(select(Closure).where(Closure.plan_id == adjusted.id))
    closure.closed_at = datetime(2018, 1, 1)
    db.session.commit()
    assert runner.invoke(args=["purge-closed", "--older-than", "6"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalars(select(AdjustmentDisclosure)).all() == []
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "adjustment_disclosure")).all() == []
