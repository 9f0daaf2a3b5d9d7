"""Decisions that need a second person (issue 18): approval before issue and before a hard
closure, with a comment thread; escalations that a registered manager decides."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta

import pypdf
import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.lifecycle import closure_approval_reasons, plan_run
from pip_app.models import (
    Approval,
    ApprovalKind,
    ApprovalStatus,
    ApproverRole,
    AuditEvent,
    EscalationDecision,
    Notification,
    NotificationKind,
    PlanStatus,
    ReviewDecision,
)
from pip_app.services import approvals, escalations
from pip_app.services import closure as closure_ops
from pip_app.services.closure import ControlDecision, close_plan
from pip_app.services.plans import PlanError, issue_plan
from pip_app.services.reviews import record_review
from tests import factories

TODAY = date(2026, 11, 23)
START = date(2026, 11, 2)  # a Monday; six weeks: ends 14 Dec 2026


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
        start=START,
        weeks=6,
        evidence_sources=["audit"],
    )
    factories.make_control(plan, world["senior"])
    factories.make_action(plan, 1)
    return plan


@pytest.fixture
def active(draft, world):
    factories.approve_for_issue(draft, world["senior"])
    issue_plan(world["manager"], draft)
    db.session.commit()
    return draft


def requests(plan):
    return db.session.scalars(select(Approval).where(Approval.plan_id == plan.id).order_by(Approval.id)).all()


def emails(kind):
    return db.session.scalars(select(Notification).where(Notification.kind == kind)).all()


# --- The pure rules --------------------------------------------------------------------------------


def test_which_closures_need_approval():
    end = date(2026, 12, 14)
    assert closure_approval_reasons("achieved", START, end, end) == []
    assert closure_approval_reasons("partly", START, end, end + timedelta(days=3)) == []
    assert closure_approval_reasons("not_achieved", START, end, end) == ["the outcome is “not achieved”"]
    assert closure_approval_reasons("withdrawn", START, end, end) == ["the plan is withdrawn"]
    [early] = closure_approval_reasons("achieved", START, end, START + timedelta(days=1))
    assert early.startswith("it closes before the planned end date") and "1 of its 42 planned days" in early


def test_how_much_of_a_plan_has_run():
    run = plan_run(START, START + timedelta(weeks=3), START + timedelta(days=1))
    assert run.before_end and run.sentence() == "The plan has run 1 of its 21 planned days (0 of 3 weeks)."
    assert not plan_run(START, START + timedelta(weeks=3), START + timedelta(weeks=5)).before_end


# --- Approval before issue -----------------------------------------------------------------------


def test_a_draft_cannot_be_issued_without_approval(draft, world):
    with pytest.raises(PlanError, match="Submit the plan for approval first"):
        issue_plan(world["manager"], draft)


def test_submit_approve_then_issue_with_the_trail_in_history(draft, world):
    request = approvals.submit_for_issue(world["manager"], draft)
    assert request.is_pending and request.kind is ApprovalKind.ISSUE
    assert [e.recipient_id for e in emails(NotificationKind.APPROVAL_REQUESTED)] == [world["senior"].id]
    approvals.approve(world["senior"], request, "Proportionate.")
    assert request.status is ApprovalStatus.APPROVED and request.decided_by_id == world["senior"].id
    assert [e.recipient_id for e in emails(NotificationKind.APPROVAL_DECIDED)] == [world["manager"].id]
    issue_plan(world["manager"], draft)
    assert draft.status is PlanStatus.ACTIVE
    verbs = db.session.scalars(select(AuditEvent.verb).where(AuditEvent.plan_id == draft.id)).all()
    assert verbs[-3:] == ["submitted for approval", "approved", "issued"]


def test_a_draft_changed_after_submission_is_back_to_draft(draft, world):
    request = approvals.submit_for_issue(world["manager"], draft)
    draft.actions[0].behaviour = "Record the escalation rationale in the care notes"
    db.session.flush()
    with pytest.raises(approvals.ChangedSinceSubmitted) as refused:
        approvals.approve(world["senior"], request)
    assert refused.value.status == 409
    assert [what for what, _, _ in refused.value.changes] == ["A1: Behaviour"]
    assert request.is_pending  # nothing decided; the manager submits again
    again = approvals.submit_for_issue(world["manager"], draft)
    assert request.status is ApprovalStatus.SUPERSEDED and again.is_pending


def test_a_draft_changed_after_approval_must_be_approved_again(draft, world):
    factories.approve_for_issue(draft, world["senior"])
    draft.risk_statement = "Something else entirely."
    with pytest.raises(PlanError, match="changed since it was approved"):
        issue_plan(world["manager"], draft)


def test_returning_needs_a_comment_and_the_manager_submits_again(draft, world):
    request = approvals.submit_for_issue(world["manager"], draft)
    with pytest.raises(approvals.Refusal, match="Say what needs to change"):
        approvals.return_request(world["senior"], request, "  ")
    approvals.return_request(world["senior"], request, "Add a measure to A1.")
    assert request.status is ApprovalStatus.RETURNED and request.comment == "Add a measure to A1."
    with pytest.raises(approvals.Conflict, match="already been decided"):
        approvals.approve(world["senior"], request)
    assert approvals.submit_for_issue(world["manager"], draft).is_pending


def test_a_plans_own_manager_never_approves_it(draft, world, sign_in):
    request = approvals.submit_for_issue(world["manager"], draft)
    db.session.commit()
    manager = sign_in(world["manager"])
    response = manager.post(f"/plans/{draft.id}/approvals/{request.id}/approve", data={})
    assert response.status_code == 403
    # A registered manager who manages the plan themselves cannot approve it either.
    draft.manager = world["senior"]
    db.session.commit()
    response = sign_in(world["senior"]).post(f"/plans/{draft.id}/approvals/{request.id}/approve", data={})
    assert response.status_code == 403
    assert request.is_pending


def test_when_hr_approves_a_registered_manager_does_not_and_hr_sees_the_draft(draft, world, sign_in):
    world["home"].approver_role = ApproverRole.HR
    request = approvals.submit_for_issue(world["manager"], draft)
    db.session.commit()
    assert [e.recipient_id for e in emails(NotificationKind.APPROVAL_REQUESTED)] == [world["hr"].id]
    senior = sign_in(world["senior"])
    assert senior.post(f"/plans/{draft.id}/approvals/{request.id}/approve", data={}).status_code == 403
    hr = sign_in(world["hr"])
    page = hr.get(f"/plans/{draft.id}")
    assert page.status_code == 200 and "Approval before issue" in page.text
    assert "Approve the plan before issue" in hr.get("/").text
    form = {f"approval{request.id}-row_version": str(request.row_version)}
    response = hr.post(f"/plans/{draft.id}/approvals/{request.id}/approve", data=form)
    assert response.status_code == 303
    db.session.refresh(request)
    assert request.status is ApprovalStatus.APPROVED and request.decided_by_id == world["hr"].id


def test_hr_does_not_see_a_draft_that_is_not_waiting_for_it(draft, world, sign_in):
    assert sign_in(world["hr"]).get(f"/plans/{draft.id}").status_code == 404


def test_the_approver_reads_the_plan_and_its_findings_and_decides_on_the_page(draft, world, sign_in):
    manager = sign_in(world["manager"])
    draft.actions[0].behaviour = "Be more careful"
    db.session.commit()
    refused = manager.post(f"/plans/{draft.id}/submit", data={"issue-row_version": str(draft.row_version)})
    assert refused.status_code == 422 and "give a reason to issue anyway" in refused.text
    response = manager.post(
        f"/plans/{draft.id}/submit",
        data={"issue-row_version": str(draft.row_version), "issue-override_reason": "Agreed wording in supervision."},
    )
    assert response.status_code == 303
    [request] = requests(draft)
    senior = sign_in(world["senior"])
    page = senior.get(f"/plans/{draft.id}").text
    assert "Not yet measurable" in page and "Agreed wording in supervision." in page and "Approve the plan" in page
    assert "Submitted for approval on " in page and ": waiting for a decision" in page  # the header's flag
    comment = senior.post(
        f"/plans/{draft.id}/approvals/{request.id}/comments", data={f"comment{request.id}-body": "Why A1?"}, htmx=True
    )
    assert comment.status_code == 200 and "Why A1?" in comment.text and "Comment added." in comment.text
    empty = senior.post(
        f"/plans/{draft.id}/approvals/{request.id}/return", data={f"approval{request.id}-row_version": "1"}
    )
    assert empty.status_code == 422 and "Say what needs to change" in empty.text
    returned = senior.post(
        f"/plans/{draft.id}/approvals/{request.id}/return",
        data={f"approval{request.id}-row_version": "1", f"approval{request.id}-comment": "Make A1 measurable."},
    )
    assert returned.status_code == 303
    builder = manager.get(f"/plans/{draft.id}/edit").text
    assert "Returned" in builder and "Make A1 measurable." in builder and "Submit for approval" in builder


def test_concurrent_approve_and_return_the_second_is_refused(draft, world, sign_in):
    request = approvals.submit_for_issue(world["manager"], draft)
    db.session.commit()
    version = str(request.row_version)
    senior = sign_in(world["senior"])
    first = senior.post(
        f"/plans/{draft.id}/approvals/{request.id}/approve", data={f"approval{request.id}-row_version": version}
    )
    assert first.status_code == 303
    second = senior.post(
        f"/plans/{draft.id}/approvals/{request.id}/return",
        data={f"approval{request.id}-row_version": version, f"approval{request.id}-comment": "No."},
    )
    assert second.status_code == 409
    db.session.refresh(request)
    assert request.status is ApprovalStatus.APPROVED


def test_approving_a_changed_draft_answers_409_with_what_changed(draft, world, sign_in):
    request = approvals.submit_for_issue(world["manager"], draft)
    draft.risk_statement = "Residents may not get timely medical help."
    db.session.commit()
    response = sign_in(world["senior"]).post(
        f"/plans/{draft.id}/approvals/{request.id}/approve",
        data={f"approval{request.id}-row_version": str(request.row_version)},
    )
    assert response.status_code == 409
    assert (
        "Changed since it was submitted" in response.text
        and "Residents may not get timely medical help." in response.text
    )


# --- Approval before a hard closure -----------------------------------------------------------------

SECTIONS = dict(
    what_changed="Little changed.",
    how_measured="Weekly audits stayed at 40%.",
    risk_now_controlled="The paired working control stays in place.",
    ongoing_monitoring="Formal capability procedure.",
)


def test_closing_not_achieved_before_the_end_waits_for_approval(active, world):
    control = active.controls[0]
    decisions = {control.id: ControlDecision("monitor", "Kept.")}
    proposed = close_plan(
        world["manager"],
        active,
        outcome="not_achieved",
        control_decisions=decisions,
        action_reasons={active.actions[0].id: "Not met in four audits."},
        **SECTIONS,
    )
    assert isinstance(proposed, Approval) and proposed.kind is ApprovalKind.CLOSURE
    assert active.status is PlanStatus.ACTIVE and active.closure is None
    assert proposed.reasons[0] == "the outcome is “not achieved”" and "before the planned end" in proposed.reasons[1]
    with pytest.raises(PlanError, match="already waiting for approval"):
        close_plan(
            world["manager"],
            active,
            outcome="withdrawn",
            control_decisions=decisions,
            action_reasons={active.actions[0].id: "Withdrawn."},
            **SECTIONS,
        )
    approvals.approve(world["senior"], proposed, "Reasonable time given; agreed.")
    assert active.status is PlanStatus.CLOSED
    assert active.closure.closed_by_id == world["manager"].id
    assert active.closure.outcome.value == "not_achieved"
    assert active.actions[0].status_reason == "Not met in four audits."


def test_an_achieved_closure_after_the_end_needs_no_approval(active, world, app):
    app.config["FROZEN_TODAY"] = (active.planned_end_date + timedelta(days=1)).isoformat()
    closure = close_plan(
        world["manager"],
        active,
        outcome="achieved",
        control_decisions={active.controls[0].id: ControlDecision("monitor", "Into monitoring.")},
        action_reasons={active.actions[0].id: "Met."},
        **SECTIONS,
    )
    assert active.status is PlanStatus.CLOSED and closure.outcome.value == "achieved"
    assert requests(active)[-1].kind is ApprovalKind.ISSUE  # no closure request


def test_the_close_form_shows_the_plans_length_and_the_approval_it_needs(active, world, sign_in):
    page = sign_in(world["manager"]).get(f"/plans/{active.id}/close").text
    assert "The plan has run 21 of its 42 planned days (3 of 6 weeks)." in page
    assert "Closing before the planned end date needs the approval" in page


# --- Escalations ---------------------------------------------------------------------------------


def _review(plan, world, decision=ReviewDecision.ESCALATE, reason="At risk in two reviews running."):
    review = record_review(
        world["manager"],
        plan,
        review_date=TODAY,
        entries=[],
        control_decisions=[],
        summary="Still missing escalations.",
        decision=decision,
        next_review_date=TODAY + timedelta(days=7),
        escalation_reason=reason,
    )
    _raised_today(plan)
    return review


def _raised_today(plan):
    """Escalations are stamped with the real clock; the tests' today is frozen."""
    for escalation in plan.escalations:
        escalation.raised_at = datetime.combine(TODAY, time(9))
    db.session.commit()


def test_a_review_that_escalates_opens_an_escalation_for_the_registered_managers(active, world):
    review = _review(active, world)
    [escalation] = active.escalations
    assert escalation.review_id == review.id and escalation.reason == "At risk in two reviews running."
    [email] = emails(NotificationKind.ESCALATION)
    assert email.recipient_id == world["senior"].id and email.subject_type == "escalation"


def test_an_escalation_needs_its_reason(active, world):
    with pytest.raises(escalations.Refusal, match="Say why you are escalating"):
        _review(active, world, reason="")


def test_a_decision_needs_a_rationale_and_a_sensible_date_and_extending_moves_the_end(active, world):
    _review(active, world)
    [escalation] = active.escalations
    with pytest.raises(escalations.Refusal, match="rationale"):
        escalations.decide_escalation(
            world["senior"], escalation, decision=EscalationDecision.REDESIGN, rationale=" ", decided_on=TODAY
        )
    with pytest.raises(escalations.Refusal, match="between the escalation"):
        escalations.decide_escalation(
            world["senior"],
            escalation,
            decision=EscalationDecision.REDESIGN,
            rationale="Redesign A1.",
            decided_on=TODAY + timedelta(days=1),
        )
    end = active.planned_end_date
    escalations.decide_escalation(
        world["senior"],
        escalation,
        decision=EscalationDecision.EXTEND,
        rationale="Two more weeks with daily coaching.",
        decided_on=TODAY,
        new_end_date=end + timedelta(weeks=2),
    )
    assert active.planned_end_date == end + timedelta(weeks=2) and not escalation.is_open
    assert escalations.decision_in_words(escalation).endswith("the plan is extended to 28 Dec 2026.")
    assert {e.recipient_id for e in emails(NotificationKind.ESCALATION_DECIDED)} == {
        world["staff"].id,
        world["manager"].id,
    }
    with pytest.raises(escalations.Conflict, match="already decided"):
        escalations.decide_escalation(
            world["senior"], escalation, decision=EscalationDecision.FORMAL, rationale="x", decided_on=TODAY
        )


def test_a_plan_does_not_close_while_an_escalation_waits_for_its_decision(active, world, sign_in, app):
    """Every escalation is decided before the plan closes: otherwise it would wait on the registered
    managers' dashboards against a closed plan, and the record would show it never answered."""
    _review(active, world)
    [escalation] = active.escalations
    control = active.controls[0]
    closing = dict(
        outcome="achieved",
        control_decisions={control.id: ControlDecision("monitor", "Into monitoring.")},
        action_reasons={active.actions[0].id: "Met."},
        **SECTIONS,
    )
    with pytest.raises(closure_ops.ClosureRefused) as refused:
        close_plan(world["manager"], active, **closing)
    message = "The escalation of 23 Nov 2026 is waiting for a registered manager's decision"
    assert [p.anchor for p in refused.value.problems] == [f"escalation-{escalation.id}"]
    assert message in str(refused.value)
    db.session.rollback()
    gate = sign_in(world["manager"]).get(f"/plans/{active.id}/close").text
    assert message.removesuffix("'s decision") in gate  # (the page escapes the apostrophe)
    assert f'href="/plans/{active.id}#escalation-{escalation.id}">See the escalation on the plan page' in gate
    escalations.decide_escalation(
        world["senior"],
        escalation,
        decision=EscalationDecision.NO_FURTHER_ACTION,
        rationale="Improving since the escalation; the plan runs its course.",
        decided_on=TODAY,
    )
    db.session.commit()
    app.config["FROZEN_TODAY"] = (active.planned_end_date + timedelta(days=1)).isoformat()  # no approval needed
    closure = close_plan(world["manager"], active, **closing)
    assert active.status is PlanStatus.CLOSED and closure.outcome.value == "achieved"


def test_the_forms_that_start_a_decision_open_on_demand(active, world, sign_in):
    """The plan page offers "Escalate" and "Propose the move" as parts opened on demand (an htmx
    fragment, or a page of its own without JavaScript); once an escalation waits, the escalation
    form says where to add to it instead, and the panel no longer offers it."""
    manager = sign_in(world["manager"])
    page = manager.get(f"/plans/{active.id}").text
    for path in ("escalations/new", "stage/new"):
        assert f'hx-get="/plans/{active.id}/{path}"' in page and f'href="/plans/{active.id}/{path}"' in page
    assert 'name="escalate-reason"' not in page and 'name="stage-reason"' not in page

    fragment = manager.get(f"/plans/{active.id}/escalations/new", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'name="escalate-reason"' in fragment.text and f'action="/plans/{active.id}/escalations"' in fragment.text
    alone = manager.get(f"/plans/{active.id}/stage/new")
    assert alone.status_code == 200 and "<h1>Propose the move to formal stage 1 (improvement note)</h1>" in alone.text
    assert 'name="stage-reason"' in alone.text and f'href="/plans/{active.id}#decisions"' in alone.text

    refused = manager.post(f"/plans/{active.id}/escalations", data={"escalate-reason": ""}, htmx=True)
    assert refused.status_code == 422 and '<details class="no-print" id="escalate" open>' in refused.text
    manager.post(f"/plans/{active.id}/escalations", data={"escalate-reason": "A near miss."}, htmx=True)
    waiting = manager.get(f"/plans/{active.id}/escalations/new", headers={"HX-Request": "true"}).text
    assert "waiting for a decision" in waiting and 'name="escalate-reason"' not in waiting
    assert f'/plans/{active.id}/escalations/new"' not in manager.get(f"/plans/{active.id}").text
    assert sign_in(world["staff"]).get(f"/plans/{active.id}/escalations/new").status_code == 403


def test_escalation_on_the_page_dashboard_header_and_for_the_staff_member(active, world, sign_in):
    manager = sign_in(world["manager"])
    refused = manager.post(f"/plans/{active.id}/escalations", data={"escalate-reason": ""}, htmx=True)
    assert refused.status_code == 422 and "Say why you are escalating." in refused.text
    raised = manager.post(
        f"/plans/{active.id}/escalations", data={"escalate-reason": "A new near miss on Friday."}, htmx=True
    )
    assert raised.status_code == 200 and "Escalated to the registered managers." in raised.text
    assert 'id="plan-header" class="plan-header" hx-swap-oob="true"' in raised.text and "Escalated on " in raised.text
    _raised_today(active)
    [escalation] = active.escalations
    senior = sign_in(world["senior"])
    assert "Decide on the escalation" in senior.get("/").text
    assert "waiting for a registered manager&#39;s decision" in senior.get(f"/plans/{active.id}").text
    assert manager.post(f"/plans/{active.id}/escalations/{escalation.id}/decide", data={}).status_code == 403
    page = senior.get(f"/plans/{active.id}").text
    assert re.search(r'<select id="decide\d+-decision"[^>]*>\s*<option[^>]*value="">Choose the decision</option>', page)
    undecided = senior.post(
        f"/plans/{active.id}/escalations/{escalation.id}/decide",
        data={
            f"decide{escalation.id}-row_version": str(escalation.row_version),
            f"decide{escalation.id}-rationale": "Typed first.",
            f"decide{escalation.id}-decided_on": "2026-11-23",
        },
    )
    assert (
        undecided.status_code == 422 and "Choose the decision." in undecided.text and "Typed first." in undecided.text
    )
    decided = senior.post(
        f"/plans/{active.id}/escalations/{escalation.id}/decide",
        data={
            f"decide{escalation.id}-row_version": str(escalation.row_version),
            f"decide{escalation.id}-decision": "control",
            f"decide{escalation.id}-rationale": "Paired working on every shift until the next review.",
            f"decide{escalation.id}-decided_on": "2026-11-23",
        },
    )
    assert decided.status_code == 303
    staff_page = sign_in(world["staff"]).get(f"/plans/{active.id}").text
    assert "an interim control will be added or strengthened to keep people safe" in staff_page
    assert "Paired working on every shift until the next review." in staff_page
    assert "Decide on the escalation" not in senior.get("/").text


def test_the_closure_summary_lists_approvals_and_escalations(active, world, sign_in):
    _review(active, world)
    [escalation] = active.escalations
    escalations.decide_escalation(
        world["senior"],
        escalation,
        decision=EscalationDecision.REDESIGN,
        rationale="Redesign A1 around the MAR audit.",
        decided_on=TODAY,
    )
    proposed = close_plan(
        world["manager"],
        active,
        outcome="not_achieved",
        control_decisions={active.controls[0].id: ControlDecision("monitor", "Kept.")},
        action_reasons={active.actions[0].id: "Not met in four audits."},
        **SECTIONS,
    )
    approvals.approve(world["senior"], proposed, "Reasonable time given.")
    db.session.commit()
    response = sign_in(world["hr"]).get(f"/plans/{active.id}/closure.pdf")
    assert response.status_code == 200
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    senior = world["senior"].name
    assert "Approvals and escalations" in text
    assert "Approval before issue" in text and f"Approved by {senior}" in text
    assert "Approval to close the plan (the outcome is “not achieved”" in text and "Reasonable time given." in text
    assert "Escalation at the review of 23 Nov 2026" in text and f"Redesign the actions — {senior}, 23 Nov 2026" in text
    assert "Rationale: Redesign A1 around the MAR audit." in text


def test_an_administrator_chooses_who_approves_a_service(world, sign_in):
    admin = sign_in(world["admin"])
    home = world["home"]
    page = admin.get("/admin/users").text
    assert "Who approves each service" in page and f'name="approver{home.id}-approver_role"' in page
    bad = admin.post(f"/admin/services/{home.id}/approver", data={f"approver{home.id}-approver_role": "staff"})
    assert bad.status_code == 422 and "Not a valid choice" in bad.text
    same = admin.post(f"/admin/services/{home.id}/approver", data={f"approver{home.id}-approver_role": "senior"})
    assert same.status_code == 422 and "already approve" in same.text
    done = admin.post(f"/admin/services/{home.id}/approver", data={f"approver{home.id}-approver_role": "hr"})
    assert done.status_code == 303
    db.session.refresh(home)
    assert home.approver_role is ApproverRole.HR
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "approver_changed"))
    assert event.entity_id == home.id and event.actor_id == world["admin"].id
    refused = sign_in(world["senior"]).post(
        f"/admin/services/{home.id}/approver", data={f"approver{home.id}-approver_role": "senior"}
    )
    assert refused.status_code == 403


def test_the_staff_member_does_not_read_the_deliberation_on_a_closure(active, world, sign_in):
    proposed = close_plan(
        world["manager"],
        active,
        outcome="not_achieved",
        control_decisions={active.controls[0].id: ControlDecision("monitor", "Kept.")},
        action_reasons={active.actions[0].id: "Not met in four audits."},
        **SECTIONS,
    )
    approvals.add_comment(world["senior"], proposed, "Has the formal route been explained to them?")
    db.session.commit()
    assert "Has the formal route been explained" in sign_in(world["hr"]).get(f"/plans/{active.id}").text
    staff_page = sign_in(world["staff"]).get(f"/plans/{active.id}").text
    assert "Approval to close the plan" not in staff_page and "Has the formal route been explained" not in staff_page


def test_a_decision_to_go_formal_leads_to_the_stage_proposal_until_one_is_made(active, world, sign_in):
    from pip_app.models import Meeting, MeetingKind

    manager = sign_in(world["manager"])
    manager.post(f"/plans/{active.id}/escalations", data={"escalate-reason": "No improvement after support."})
    _raised_today(active)
    [escalation] = active.escalations
    assert 'id="stage-prompt"' not in manager.get(f"/plans/{active.id}").text  # not decided yet
    senior = sign_in(world["senior"])
    decided = senior.post(
        f"/plans/{active.id}/escalations/{escalation.id}/decide",
        data={
            f"decide{escalation.id}-row_version": str(escalation.row_version),
            f"decide{escalation.id}-decision": "formal",
            f"decide{escalation.id}-rationale": "Four weeks of support; the errors continue.",
            f"decide{escalation.id}-decided_on": "2026-11-23",
        },
        htmx=True,
    )
    assert decided.status_code == 204 and decided.headers["HX-Location"] == f"/plans/{active.id}#decisions"
    confirmed = senior.get(f"/plans/{active.id}").text
    assert (
        "Decision recorded. Next, propose the move to formal stage 1 (improvement note) "
        "(Decisions, “Propose the move”), once the formal meeting has been held."
    ) in confirmed
    assert '<a href="#propose-stage">Propose the move to formal stage 1 (improvement note)</a>' in confirmed

    page = sign_in(world["manager"]).get(f"/plans/{active.id}").text
    assert 'id="stage-prompt"' in page
    assert f"{world['senior'].name} decided on 23 Nov 2026 to move to the formal procedure." in page
    assert f'href="/plans/{active.id}#propose-stage">Propose the move to formal stage 1 (improvement note)</a>' in page
    assert '<details class="no-print" id="propose-stage" open>' in page  # the form waits open
    for reader in ("staff", "hr"):
        assert 'id="stage-prompt"' not in sign_in(world[reader]).get(f"/plans/{active.id}").text

    meeting = Meeting(
        plan=active,
        kind=MeetingKind.FORMAL,
        held_on=date(2026, 11, 20),
        notice_given_on=date(2026, 11, 13),
        recorded_by_id=active.manager_id,
    )
    db.session.add(meeting)
    db.session.commit()
    manager = sign_in(world["manager"])
    proposed = manager.post(
        f"/plans/{active.id}/stage",
        data={"stage-stage": "stage_1", "stage-meeting_id": str(meeting.id), "stage-reason": "As decided."},
        htmx=True,
    )
    assert proposed.status_code == 200 and 'id="plan-header"' in proposed.text
    assert 'id="stage-prompt"' not in proposed.text
    assert 'id="stage-prompt"' not in manager.get(f"/plans/{active.id}").text


def test_other_decisions_lead_nowhere_new(active, world, sign_in):
    manager = sign_in(world["manager"])
    manager.post(f"/plans/{active.id}/escalations", data={"escalate-reason": "A near miss."})
    _raised_today(active)
    [escalation] = active.escalations
    senior = sign_in(world["senior"])
    decided = senior.post(
        f"/plans/{active.id}/escalations/{escalation.id}/decide",
        data={
            f"decide{escalation.id}-row_version": str(escalation.row_version),
            f"decide{escalation.id}-decision": "redesign",
            f"decide{escalation.id}-rationale": "Smaller steps.",
            f"decide{escalation.id}-decided_on": "2026-11-23",
        },
    )
    assert decided.status_code == 303
    confirmed = senior.get(f"/plans/{active.id}").text
    assert "Decision recorded." in confirmed and "Next, propose" not in confirmed
    assert 'id="stage-prompt"' not in sign_in(world["manager"]).get(f"/plans/{active.id}").text
