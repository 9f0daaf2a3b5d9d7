"""The closure summary's fair process (issue 19, item 5): meetings with who attended, the
companion and the minutes' answer; the support given; the contributing factors (not the health need); reasonable adjustments only as a count
with the date they were in place — none of their detail, nor the occupational-health referral."""

from __future__ import annotations

import io
from datetime import date, time

import pypdf
import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import (
    AckResponse,
    Adjustment,
    AdjustmentDecision,
    CompanionKind,
    ContributingFactors,
    HealthReferral,
    Meeting,
    MeetingKind,
    Support,
    SupportKind,
)
from tests.test_closure import TODAY, close_directly, ready_plan


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


def text_of(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def closed(world, make_plan):
    plan = ready_plan(world, make_plan)
    manager = world["manager"]
    meeting = Meeting(
        plan=plan,
        kind=MeetingKind.SUPERVISION,
        held_on=date(2026, 11, 2),
        starts_at=time(14, 0),
        recorded_by=manager,
        other_attendees="Priya Shah (note-taker)",
        companion_kind=CompanionKind.UNION_REP,
        companion_name="Dave Morgan",
        discussion="Private discussion text",
        minutes_shared_on=date(2026, 11, 4),
        minutes_response=AckResponse.DISAGREE,
        minutes_comment="The bells, not the phone.",
    )
    meeting.attendees = [plan.staff, manager]
    db.session.add_all(
        [
            meeting,
            Support(
                plan=plan,
                kind=SupportKind.SHADOWING,
                description="Two shadowed medication rounds",
                provided_by="Deputy manager",
                starts_on=date(2026, 11, 3),
                delivered_on=date(2026, 11, 10),
                recorded_by=manager,
            ),
            *(
                Adjustment(
                    plan=plan,
                    requested_on=date(2026, 11, 3),
                    requested_by="Staff member",
                    request=f"Secret adjustment detail {n}",
                    decision=AdjustmentDecision.AGREED,
                    implemented_on=day,
                    recorded_by=world["senior"],
                )
                for n, day in ((1, date(2026, 11, 9)), (2, date(2026, 11, 20)))
            ),
            HealthReferral(
                plan=plan, referred_on=date(2026, 11, 3), questions="Secret referral question", recorded_by=manager
            ),
        ]
    )
    factors = db.session.scalar(select(ContributingFactors).where(ContributingFactors.plan_id == plan.id))
    factors.health_need = "Secret health need"
    factors.workload_rota = "Three double shifts a week"
    db.session.commit()
    close_directly(
        plan, manager, reasonable_time=True, reasonable_time_explanation="Ten days with weekly check-ins, and it held."
    )
    return plan


def test_hr_reads_the_fair_process_in_the_closure_summary_without_restricted_detail(world, sign_in, closed):
    response = sign_in(world["hr"]).get(f"/plans/{closed.id}/closure.pdf")
    assert response.status_code == 200
    text = text_of(response.data)
    for expected in (
        "Meetings",
        "2 Nov 2026",
        "Supervision",
        "Priya Shah (note-taker)",
        "Dave Morgan (a trade-union representative)",
        "Shared 4 Nov 2026; disagreed",
        "Support given",
        "Two shadowed medication rounds",
        "Deputy manager",
        "Reasonable adjustments considered: 2 agreed, in place from 20 Nov 2026.",
        "Contributing factors",
        "Workload and rota",
        "Three double shifts a week",
        "None identified, because",
    ):
        assert expected in text, expected
    for secret in ("Secret adjustment detail", "Secret referral question", "Private discussion text", "Secret health"):
        assert secret not in text


def test_a_plan_pdf_without_closure_carries_no_fair_process(world, sign_in, make_plan):
    plan = ready_plan(world, make_plan)
    text = text_of(sign_in(world["manager"]).get(f"/plans/{plan.id}/plan.pdf").data)
    assert "Support given" not in text
