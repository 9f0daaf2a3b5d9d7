"""Regulatory decisions (issue 20, point 4): the staff member's nation and register on their user
record; the registered manager's recorded decisions when a plan moves to a formal stage, closes
"not achieved" or because the staff member left, or has restricted duties or removal from
regulated activity in force; the closure summary's "Regulatory considerations"."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pypdf
import pytest
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import (
    AuditEvent,
    ClosureOutcome,
    ControlKind,
    Nation,
    PlanStatus,
    ProfessionalRegister,
    RegulatoryDecision,
)
from pip_app.services.plans import issue_plan
from tests import factories
from tests.test_closure import close_directly

TODAY = date(2026, 11, 23)
START = TODAY - timedelta(days=21)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def nurse(world):
    staff = world["staff"]
    staff.nation, staff.professional_register, staff.registration_number = (
        Nation.ENGLAND,
        ProfessionalRegister.NMC,
        "12A3456E",
    )
    db.session.commit()
    return staff


@pytest.fixture
def plan(world, make_plan, nurse):
    plan = make_plan(
        staff=nurse,
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


@pytest.fixture
def restricted(plan, world):
    factories.make_control(plan, world["senior"], kind=ControlKind.RESTRICTED_DUTIES, detail="No medication rounds.")
    return plan


def form(question="dbs", **changes):
    data = {
        "answer": "not_referred",
        "rationale": "Moved to supervised duties for support; no harm or risk of harm found.",
        "decided_on": "2026-11-20",
        "reference": "",
        "row_version": "",
    }
    data.update(changes)
    return {"question": question} | {f"regulatory-{question}-{k}": v for k, v in data.items()}


def decisions():
    return db.session.scalars(select(RegulatoryDecision).order_by(RegulatoryDecision.id)).all()


def test_no_decisions_are_asked_for_until_a_plan_fails_or_duties_are_restricted(plan, world, sign_in):
    senior = sign_in(world["senior"])
    part = senior.get(f"/plans/{plan.id}/regulatory").text
    assert "No regulatory decisions are needed" in part
    response = senior.post(f"/plans/{plan.id}/regulatory", data=form(), htmx=True)
    assert response.status_code == 409 and "does not apply" in response.text
    assert decisions() == []


def test_restricted_duties_ask_the_registered_manager_for_each_referral_that_applies(restricted, world, sign_in):
    senior = sign_in(world["senior"])
    part = senior.get(f"/plans/{restricted.id}/regulatory", headers={"HX-Request": "true"}).text
    assert "<html" not in part and "Regulatory decisions needed" in part and "3 of 3 not yet recorded" in part
    assert "Referral to the Disclosure and Barring Service (DBS)" in part and "is an offence" in part
    assert "Informing the professional regulator (the NMC)" in part
    assert "workforce regulator" not in part  # England: no SSSC or Social Care Wales
    assert "Local-authority safeguarding referral" in part
    assert "England; Nursing and Midwifery Council (NMC), registration number 12A3456E" in part

    response = senior.post(f"/plans/{restricted.id}/regulatory", data=form())
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/plans/{restricted.id}#regulatory")
    [decision] = decisions()
    assert decision.decided_by_id == world["senior"].id and decision.decided_on == date(2026, 11, 20)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "regulatory_decision")).all()
    assert event.verb == "recorded" and event.plan_id == restricted.id and event.changes["answer"] == "not_referred"

    corrected = form(answer="referred", reference="DBS-0042", row_version=str(decision.row_version))
    response = senior.post(f"/plans/{restricted.id}/regulatory", data=corrected, htmx=True)
    assert response.status_code == 200 and "Decision recorded." in response.text and "DBS-0042" in response.text
    assert "2 of 3 not yet recorded" in response.text
    verbs = db.session.scalars(
        select(AuditEvent.verb).where(AuditEvent.entity == "regulatory_decision").order_by(AuditEvent.id)
    ).all()
    assert verbs == ["recorded", "updated"]
    history = senior.get(f"/plans/{restricted.id}/history").text
    assert "regulatory decision" in history.lower() and "Not referred → Referred" in history


def test_a_scottish_care_worker_is_asked_about_the_sssc(restricted, world, sign_in):
    staff = world["staff"]
    staff.nation, staff.professional_register, staff.registration_number = (
        Nation.SCOTLAND,
        ProfessionalRegister.SSSC,
        "123456",
    )
    db.session.commit()
    part = sign_in(world["senior"]).get(f"/plans/{restricted.id}/regulatory").text
    assert "Referral to the workforce regulator (the SSSC)" in part and "Disclosure Scotland" in part
    assert "professional regulator" not in part


def test_bad_input_comes_back_beside_its_field_and_a_stale_form_is_refused(restricted, world, sign_in):
    senior = sign_in(world["senior"])
    url = f"/plans/{restricted.id}/regulatory"
    missing = senior.post(url, data=form(rationale="  "), htmx=True)
    assert missing.status_code == 422 and "Give the reasons for the decision" in missing.text
    assert "2026-11-20" in missing.text  # what was typed is kept
    future = senior.post(url, data=form(decided_on="2026-11-24"), htmx=True)
    assert future.status_code == 422 and "day still to come" in future.text
    unknown = senior.post(url, data=form(answer="maybe"), htmx=True)
    assert unknown.status_code == 422
    nonsense = senior.post(url, data=form() | {"question": "nonsense"}, htmx=True)
    assert nonsense.status_code == 422 and "not a question of the checklist" in nonsense.text
    assert decisions() == []

    assert senior.post(url, data=form()).status_code == 303
    again = senior.post(url, data=form(rationale="A second, blank form"), htmx=True)  # loaded before the first save
    assert again.status_code == 409 and "Someone else changed this" in again.text
    assert decisions()[0].rationale.startswith("Moved to supervised duties")


def test_who_may_read_and_who_may_record(restricted, world, sign_in):
    url = f"/plans/{restricted.id}/regulatory"
    assert sign_in(world["manager"]).post(url, data=form()).status_code == 403
    assert sign_in(world["hr"]).post(url, data=form()).status_code == 403
    assert sign_in(world["other_senior"]).get(url).status_code == 404
    assert sign_in(world["senior"]).post(url, data=form()).status_code == 303
    for reader in ("hr", "manager", "staff"):
        page = sign_in(world[reader]).get(url)
        assert page.status_code == 200 and "Moved to supervised duties" in page.text
        assert "Record the decision" not in page.text


def test_the_plan_page_offers_the_part_once_issued(restricted, world, sign_in):
    page = sign_in(world["senior"]).get(f"/plans/{restricted.id}").text
    assert f'hx-get="/plans/{restricted.id}/regulatory"' in page


def test_the_closure_summary_lists_the_regulatory_considerations(plan, world, sign_in):
    close_directly(plan, world["manager"], outcome=ClosureOutcome.NOT_ACHIEVED)
    db.session.commit()
    senior = sign_in(world["senior"])
    assert "3 of 3 not yet recorded" in senior.get(f"/plans/{plan.id}/regulatory").text
    assert (
        senior.post(f"/plans/{plan.id}/regulatory", data=form(answer="referred", reference="DBS-0042")).status_code
        == 303
    )
    safeguarding = form("safeguarding", answer="not_applicable", rationale="No adult was harmed or at risk.")
    assert senior.post(f"/plans/{plan.id}/regulatory", data=safeguarding).status_code == 303
    response = sign_in(world["hr"]).get(f"/plans/{plan.id}/closure.pdf")
    assert response.status_code == 200
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Regulatory considerations" in text
    assert "Referral to the Disclosure and Barring Service (DBS) Referred" in text
    assert "DBS-0042" in text and f"{world['senior'].name}, 20 Nov 2026" in text
    assert "Informing the professional regulator (the NMC) Not yet decided" in text
    assert "No adult was harmed or at risk." in text


def test_an_achieved_closure_summary_says_none_were_needed(plan, world, sign_in):
    close_directly(plan, world["manager"], outcome=ClosureOutcome.ACHIEVED)
    db.session.commit()
    response = sign_in(world["hr"]).get(f"/plans/{plan.id}/closure.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Regulatory considerations None were needed" in text
    # A closed plan is read-only, this part too unless it closed "not achieved".
    assert sign_in(world["senior"]).post(f"/plans/{plan.id}/regulatory", data=form()).status_code == 403


def test_the_administrator_records_nation_and_register(world, sign_in):
    admin = sign_in(world["admin"])
    staff = world["staff"]
    url = f"/admin/users/{staff.id}/registration"
    page = admin.get(f"/admin/users/{staff.id}").text
    assert "Nation and professional register" in page and "Nation not recorded" in page
    data = {
        "registration-nation": "wales",
        "registration-professional_register": "scw",
        "registration-registration_number": "",
    }
    missing = admin.post(url, data=data)
    assert missing.status_code == 422 and "Enter their registration number." in missing.text
    bad = admin.post(url, data=data | {"registration-nation": "atlantis"})
    assert bad.status_code == 422
    done = admin.post(url, data=data | {"registration-registration_number": " SCW  12345 "})
    assert done.status_code == 303
    db.session.refresh(staff)
    assert (staff.nation, staff.professional_register, staff.registration_number) == (
        Nation.WALES,
        ProfessionalRegister.SCW,
        "SCW 12345",
    )
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "registration_changed")).all()
    assert event.entity_id == staff.id and event.changes["nation"] == [None, "wales"]
    none = admin.post(
        url, data=data | {"registration-professional_register": "none", "registration-registration_number": "x"}
    )
    assert none.status_code == 303
    db.session.refresh(staff)
    assert staff.registration_number is None
    assert "Wales; not on a professional register" in admin.get(f"/admin/users/{staff.id}").text
    assert sign_in(world["senior"]).post(url, data=data).status_code == 403


def _row_flags(plan_id):
    from pip_app.clock import today
    from pip_app.flags import plan_flags
    from pip_app.models import Plan
    from pip_app.services.plan_rows import load_flag_inputs, plan_rows, plan_rows_query

    [row] = plan_rows(plan_rows_query(Plan.id == plan_id))
    load_flag_inputs([row])
    return [f.message for f in plan_flags(row, today())]


def _whole_flags(plan):
    from pip_app.clock import today
    from pip_app.flags import plan_flags

    db.session.expire_all()
    return [f.message for f in plan_flags(db.session.get(type(plan), plan.id), today())]


def test_the_header_flags_decisions_needed_until_each_is_recorded(restricted, world, sign_in):
    senior = sign_in(world["senior"])
    page = senior.get(f"/plans/{restricted.id}").text
    assert "Regulatory decisions needed: 3 referral decisions not yet recorded" in page and 'href="#regulatory"' in page
    assert _row_flags(restricted.id) == _whole_flags(restricted)
    for question in ("dbs", "professional", "safeguarding"):
        response = senior.post(f"/plans/{restricted.id}/regulatory", data=form(question), htmx=True)
        assert response.status_code == 200
    assert 'id="plan-header" class="plan-header" hx-swap-oob="true"' in response.text  # the header beside the part
    assert "Regulatory decisions needed" not in senior.get(f"/plans/{restricted.id}").text
    assert _row_flags(restricted.id) == _whole_flags(restricted)
    assert not any("Regulatory" in m for m in _row_flags(restricted.id))


def test_a_plan_closed_not_achieved_is_flagged_after_closing(plan, world, sign_in):
    close_directly(plan, world["manager"], outcome=ClosureOutcome.NOT_ACHIEVED)
    db.session.commit()
    flags = _whole_flags(plan)
    assert flags == ["Regulatory decisions needed: 3 referral decisions not yet recorded"]
    assert _row_flags(plan.id) == flags
    assert "Regulatory decisions needed" in sign_in(world["hr"]).get(f"/plans/{plan.id}").text


@pytest.mark.parametrize(
    "nation,register",
    [
        (None, None),
        (Nation.ENGLAND, ProfessionalRegister.NONE),
        (Nation.ENGLAND, ProfessionalRegister.NMC),
        (Nation.SCOTLAND, ProfessionalRegister.SSSC),
        (Nation.WALES, ProfessionalRegister.HCPC),
        (Nation.NORTHERN_IRELAND, ProfessionalRegister.SWE),
    ],
)
def test_what_is_kept_agrees_with_the_rules_as_decisions_are_recorded(restricted, world, nation, register):
    from pip_app.models import Plan, RegulatoryAnswer, RegulatoryQuestion
    from pip_app.services import regulatory as regulatory_ops

    staff = world["staff"]
    staff.nation, staff.professional_register = nation, register
    staff.registration_number = None if register in (None, ProfessionalRegister.NONE) else "123"
    db.session.commit()

    def both():
        db.session.expire_all()
        plan = db.session.get(Plan, restricted.id)
        return bool(regulatory_ops.outstanding_questions(plan)), kept_as_needed(restricted.id)

    assert both() == (True, True)
    for question in RegulatoryQuestion:
        plan = db.session.get(Plan, restricted.id)
        values = regulatory_ops.DecisionValues(RegulatoryAnswer.NOT_APPLICABLE, "Considered.", date(2026, 11, 20))
        if question.value in [q.code for q in regulatory_ops.checklist(plan)]:
            regulatory_ops.record_decision(world["senior"], plan, question, values)
            db.session.commit()
        needed, matched = both()
        assert needed == matched, question
    assert both() == (False, False)


def test_the_registered_managers_dashboard_lists_the_decisions_to_record(plan, world, sign_in):
    close_directly(plan, world["manager"], outcome=ClosureOutcome.NOT_ACHIEVED)
    db.session.commit()
    board = sign_in(world["senior"]).get("/").text
    assert "Record the regulatory decisions" in board and f"/plans/{plan.id}#regulatory" in board
    assert "Record the regulatory decisions" not in sign_in(world["other_senior"]).get("/").text


def test_export_person_includes_them_and_purge_closed_removes_them(restricted, world, sign_in, runner):
    import json
    from datetime import datetime

    from pip_app.models import Plan

    assert sign_in(world["senior"]).post(f"/plans/{restricted.id}/regulatory", data=form()).status_code == 303
    data = json.loads(runner.invoke(args=["export-person", world["staff"].email]).output)
    assert data["person"]["nation"] == "england" and data["person"]["registration_number"] == "12A3456E"
    [record] = data["plans_about_them"]
    [decision] = record["regulatory_decisions"]
    assert decision["question"] == "dbs" and decision["decision"] == "not_referred"
    assert decision["decided_by"] == world["senior"].name and decision["decided_on"] == "2026-11-20"

    close_directly(restricted, world["manager"])
    plan = db.session.get(Plan, restricted.id)
    plan.closure.closed_at = datetime(2018, 1, 1)
    db.session.commit()
    assert runner.invoke(args=["purge-closed", "--older-than", "6"]).exit_code == 0
    db.session.expire_all()
    assert decisions() == []


def kept_as_needed(plan_id) -> bool:
    """What the plan's kept flags say (`PlanAttention.regulatory_needed`, which the registered
    managers' dashboards list by): regulatory decisions still to record."""
    from pip_app.models import PlanAttention

    return bool(db.session.scalar(select(PlanAttention.regulatory_needed).where(PlanAttention.plan_id == plan_id)))


def _stated(plan_id):
    """What is kept of the plan's flags, the rules over the loaded plan, the list row's flag and the
    whole plan's flag each say about one plan: needs decisions or not."""
    from pip_app.models import Plan
    from pip_app.services import regulatory as regulatory_ops

    plan = db.session.get(Plan, plan_id)
    flagged_row = any("Regulatory" in m for m in _row_flags(plan_id))
    flagged_whole = any("Regulatory" in m for m in _whole_flags(plan))
    return kept_as_needed(plan_id), bool(regulatory_ops.outstanding_questions(plan)), flagged_row, flagged_whole


def test_what_is_kept_and_both_flags_agree_with_the_rules_on_every_trigger(world, make_plan):
    """Every stage × closure outcome, with no control and with restricted duties in force; every
    control kind in force (and a lifted one) on an informal plan, open and closed "achieved"; each
    with none, some or all of the decisions recorded: what the plan's flags keep, the rules and both
    flag paths say the same. (The whole stage × outcome × control product, 180 plans, cost 25 s for no
    further case: the trigger is an OR of the three.)"""
    from pip_app.models import Closure, ControlStatus, Plan, PlanStage, RegulatoryAnswer, RegulatoryQuestion
    from pip_app.regulatory_rules import triggered

    staff = world["staff"]  # nation and register not recorded: all four questions apply
    answered_sets = ([], [RegulatoryQuestion.DBS], list(RegulatoryQuestion))
    cases = []
    controls = [None, *[(k, ControlStatus.ACTIVE) for k in ControlKind], (ControlKind.RESTRICTED_DUTIES, "lifted")]
    stages, outcomes = (PlanStage.INFORMAL, PlanStage.STAGE_1, PlanStage.HEARING), (None, *ClosureOutcome)
    restricted = (ControlKind.RESTRICTED_DUTIES, ControlStatus.ACTIVE)
    combos = [
        *[(stage, outcome, control) for stage in stages for outcome in outcomes for control in (None, restricted)],
        *[
            (PlanStage.INFORMAL, outcome, control)
            for control in controls[1:]
            for outcome in (None, ClosureOutcome.ACHIEVED)
        ],
    ]
    for i, (stage, outcome, control) in enumerate(combos):
        plan = make_plan(staff=staff, manager=world["manager"], service=world["home"], start=START, stage=stage)
        if control is not None:
            kind, status = control
            lifted = {"status": ControlStatus.LIFTED, "lifted_on": TODAY, "lift_rationale": "Safe now."}
            fields = lifted if status == "lifted" else {}
            factories.make_control(plan, world["senior"], kind=kind, **fields)
        if outcome is not None:
            plan.status = PlanStatus.CLOSED
            db.session.add(
                Closure(
                    plan=plan,
                    outcome=outcome,
                    what_changed="x",
                    how_measured="x",
                    risk_now_controlled="x",
                    ongoing_monitoring="x",
                    closed_by_id=world["manager"].id,
                )
            )
        for question in answered_sets[i % 3]:
            db.session.add(
                RegulatoryDecision(
                    plan=plan,
                    question=question,
                    answer=RegulatoryAnswer.NOT_REFERRED,
                    rationale="Considered.",
                    decided_on=TODAY,
                    decided_by=world["senior"],
                )
            )
        db.session.commit()
        expected = triggered(
            outcome,
            [control[0]] if control and control[1] is ControlStatus.ACTIVE else [],
            stage=stage,
        ) and len(answered_sets[i % 3]) < len(RegulatoryQuestion)
        cases.append((plan.id, expected, (stage, outcome, control, i % 3)))
    db.session.expire_all()
    for plan_id, expected, case in cases:
        assert _stated(plan_id) == (expected,) * 4, case
    assert {e for _, e, _ in cases} == {True, False}
    # The permission follows the trigger on a closed plan: only one whose closure or stage calls for them.
    from pip_app import policy

    for plan_id, _, (stage, outcome, control, _) in cases:
        if outcome is None or control is not None:
            continue
        plan = db.session.get(Plan, plan_id)
        may = policy.can_record_regulatory(world["senior"], plan)
        assert may is triggered(outcome, [], stage=stage), (stage, outcome)


def test_removal_from_regulated_activity_asks_the_dbs_question_in_those_words(plan, world, sign_in):
    factories.make_control(
        plan,
        world["senior"],
        kind=ControlKind.REMOVED_FROM_REGULATED_ACTIVITY,
        detail="No personal care until the investigation ends.",
        start_date=TODAY - timedelta(days=3),
        review_by_date=TODAY + timedelta(days=7),
    )
    senior = sign_in(world["senior"])
    part = senior.get(f"/plans/{plan.id}/regulatory").text
    assert "has an interim control removing the staff member from regulated activity" in part
    assert (
        f"{world['staff'].name} has been removed from regulated activity (an interim control in force since "
        f"{(TODAY - timedelta(days=3)).strftime('%-d %b %Y')})"
    ) in part
    board = senior.get("/").text
    assert "Record the regulatory decisions" in board and f"/plans/{plan.id}#regulatory" in board
    register = senior.get("/register?type=removed_from_regulated_activity").text
    assert "Removed from regulated activity" in register and plan.reference in register


def test_a_plan_at_a_formal_stage_needs_the_decisions(plan, world, sign_in):
    from pip_app.models import PlanStage

    plan.stage = PlanStage.STAGE_1
    db.session.commit()
    senior = sign_in(world["senior"])
    part = senior.get(f"/plans/{plan.id}/regulatory").text
    assert "The plan moved to a formal stage: a registered manager records a decision" in part
    assert "Regulatory decisions needed: 3 referral decisions not yet recorded" in senior.get(f"/plans/{plan.id}").text
    board = senior.get("/").text
    assert "Record the regulatory decisions" in board and f"/plans/{plan.id}#regulatory" in board


def test_a_leaver_s_plan_asks_for_the_decisions_after_closing_and_they_may_be_recorded(plan, world, sign_in):
    close_directly(plan, world["manager"], outcome=ClosureOutcome.LEFT)
    db.session.commit()
    senior = sign_in(world["senior"])
    part = senior.get(f"/plans/{plan.id}/regulatory").text
    assert "The plan ended because the staff member left during the procedure" in part
    assert "left during the procedure: the duty holds all the same" in part
    assert _whole_flags(plan) == ["Regulatory decisions needed: 3 referral decisions not yet recorded"]
    assert senior.post(f"/plans/{plan.id}/regulatory", data=form()).status_code == 303
    assert "Record the regulatory decisions" in senior.get("/").text


def test_a_northern_irish_social_care_worker_is_asked_about_the_niscc(restricted, world, sign_in):
    staff = world["staff"]
    staff.nation, staff.professional_register, staff.registration_number = (
        Nation.NORTHERN_IRELAND,
        ProfessionalRegister.NISCC,
        "7654321",
    )
    db.session.commit()
    part = sign_in(world["senior"]).get(f"/plans/{restricted.id}/regulatory").text
    assert "Referral to the workforce regulator (the NISCC)" in part and "Standards of Conduct and Practice" in part
    assert "Northern Ireland Social Care Council (NISCC), registration number 7654321" in part
    assert "professional regulator" not in part and "Disclosure Scotland" not in part


def test_the_administrator_may_record_the_niscc_register(world, sign_in):
    data = {
        "registration-nation": "northern_ireland",
        "registration-professional_register": "niscc",
        "registration-registration_number": "7654321",
    }
    admin = sign_in(world["admin"])
    assert "Northern Ireland Social Care Council (NISCC)" in admin.get(f"/admin/users/{world['staff'].id}").text
    assert admin.post(f"/admin/users/{world['staff'].id}/registration", data=data).status_code == 303
    db.session.refresh(world["staff"])
    assert world["staff"].professional_register is ProfessionalRegister.NISCC
