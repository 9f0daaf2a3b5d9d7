"""Contributing factors (issue 19, item 3 of the issue; item 4 of this round): answered before
issue — what gets in the way, or "none identified, because …" — with the health need restricted."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import AuditEvent, ContributingFactors, PlanStatus
from pip_app.refusals import Refusal
from pip_app.services.plans import issue_plan
from tests.factories import approve_for_issue, make_action, make_control

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def draft(world, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=TODAY,
        evidence_sources=["audit"],
        factors=None,
    )
    make_control(plan, world["senior"])
    make_action(plan, 1)
    return plan


@pytest.fixture
def manager(world, sign_in):
    return sign_in(world["manager"])


def answer(client, plan, **fields):
    data = {f"factors-{k}": v for k, v in fields.items()}
    return client.post(f"/plans/{plan.id}/factors", data=data)


def test_a_draft_cannot_be_issued_until_the_factors_are_answered(world, manager, draft):
    builder = manager.get(f"/plans/{draft.id}/edit").text
    assert "Answer the contributing factors" in builder and 'href="#factors"' in builder
    with pytest.raises(Refusal, match="contributing factors"):
        approve_for_issue(draft)  # submitting for approval is refused: the issue rules apply
    db.session.rollback()
    refused = manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version})
    assert refused.status_code == 422

    assert answer(manager, draft, workload_rota="Short-staffed on lates; three double shifts a week").status_code == 303
    assert "Answer the contributing factors" not in manager.get(f"/plans/{draft.id}/edit").text
    approve_for_issue(draft)
    db.session.refresh(draft)
    assert manager.post(f"/plans/{draft.id}/issue", data={"issue-row_version": draft.row_version}).status_code == 303
    db.session.refresh(draft)
    assert draft.status is PlanStatus.ACTIVE


def test_none_identified_needs_its_reason_and_nothing_typed_is_lost(manager, draft):
    response = answer(manager, draft, caring="   ")
    assert response.status_code == 422 and "why none was identified" in response.text
    long = answer(manager, draft, staff_account="x" * 20_000, systems="Tablet logs out 🙄 — システム")
    assert long.status_code == 422 and "Keep this to 4,000 characters or fewer." in long.text
    assert "Tablet logs out 🙄 — システム" in long.text
    assert answer(manager, draft, none_identified_reason="Discussed in supervision on 23 Nov").status_code == 303
    assert db.session.scalar(select(ContributingFactors)).answered


def test_the_health_need_is_restricted(world, sign_in, draft):
    senior, manager = sign_in(world["senior"]), sign_in(world["manager"])
    assert "Health or disability" in senior.get(f"/plans/{draft.id}/factors/edit").text
    assert "Health or disability" not in manager.get(f"/plans/{draft.id}/factors/edit").text
    assert (
        answer(senior, draft, health_need="Needs written steps (reading)", caring="Cares for her mother").status_code
        == 303
    )
    assert "Needs written steps" in senior.get(f"/plans/{draft.id}/factors").text
    assert "Needs written steps" not in manager.get(f"/plans/{draft.id}/factors").text
    # The line manager's save keeps what they cannot see (and a copy loaded before it is stale).
    factors = db.session.scalar(select(ContributingFactors))
    assert answer(manager, draft, caring="Cares for her mother on Sundays").status_code == 409
    saved = answer(manager, draft, caring="Cares for her mother on Sundays", row_version=str(factors.row_version))
    assert saved.status_code == 303
    db.session.refresh(factors)
    assert (
        factors.health_need == "Needs written steps (reading)" and factors.caring == "Cares for her mother on Sundays"
    )
    approve_for_issue(draft)
    issue_plan(world["manager"], draft)
    db.session.commit()
    staff = sign_in(world["staff"])
    assert "Needs written steps" in staff.get(f"/plans/{draft.id}/factors").text
    # That a health need was recorded is in the history only for those who may see it.
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "health_need")).all()) == 1
    assert "health" not in manager.get(f"/plans/{draft.id}/history").text.lower()
    assert "health" in senior.get(f"/plans/{draft.id}/history").text.lower()


def test_the_factors_are_a_lazily_loaded_part_of_the_plan_and_builder_pages(manager, draft):
    assert f'hx-get="/plans/{draft.id}/factors"' in manager.get(f"/plans/{draft.id}/edit").text
    part = manager.get(f"/plans/{draft.id}/factors", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text and "Not answered yet" in part.text


def test_the_issue_rule_asks_only_when_told_to(draft):
    """An amendment of a plan issued before factors were recorded is not held up (None: not asked)."""
    from pip_app.lifecycle import issue_problems

    anchors = lambda answered: [p.anchor for p in issue_problems(draft, factors_answered=answered)]  # noqa: E731
    assert anchors(False) == ["factors"] and anchors(True) == [] and anchors(None) == []
