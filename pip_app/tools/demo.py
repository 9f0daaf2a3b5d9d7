"""Demo data: one care home, its people, and plans in every state, from the domain's worked examples.

Dates are relative to today so that the flags (review overdue, control past its review date)
show on the day the demo is loaded. Inserted directly; the screens edit it afterwards. The
issued snapshot and the acknowledgement statements come from the app's own functions.

    flask --app pip_app demo-data   # see pip_app/commands.py
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from ..clock import today
from ..database import fixed
from ..extensions import db
from ..models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    Action,
    ActionStatus,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    Closure,
    ClosureOutcome,
    ContributingFactors,
    ControlCheck,
    ControlDecisionKind,
    ControlKind,
    ControlStatus,
    Escalation,
    InterimControl,
    Nation,
    Observation,
    ObservationStatus,
    Outcome,
    Plan,
    PlanStatus,
    PlanVersion,
    ProfessionalRegister,
    Progress,
    Review,
    ReviewControlDecision,
    ReviewDecision,
    ReviewEntry,
    RiskArea,
    Role,
    Service,
    Shift,
    User,
)
from ..services import audit
from ..services.acknowledgements import plan_statement
from ..services.closure import closure_statement
from ..services.plans import allocate_reference, plain_snapshot, snapshot
from ..services.reviews import review_statement
from ..services.users import create_user, find_by_email, set_password

DEMO_PASSWORD = "improve-practice-2026"
SERVICE_NAME = "Larkfield House"

PEOPLE = [
    # email, name, role, line manager's email
    ("admin@demo.test", "Alex Morgan", Role.ADMIN, None),
    ("senior@demo.test", "Rachel Adeyemi", Role.SENIOR, None),
    ("manager@demo.test", "Morgan Hughes", Role.MANAGER, "senior@demo.test"),
    ("hr@demo.test", "Helen Price", Role.HR, None),
    ("staff@demo.test", "Sam Taylor", Role.STAFF, "manager@demo.test"),
    ("agnieszka@demo.test", "Agnieszka Łukasik", Role.STAFF, "manager@demo.test"),
    ("dafydd@demo.test", "Dafydd ap Rhys", Role.STAFF, "manager@demo.test"),
    ("chidi@demo.test", "Chidi Okafor", Role.STAFF, "manager@demo.test"),
    ("mei@demo.test", "Mei Chen", Role.STAFF, "manager@demo.test"),
    ("joanne@demo.test", "Joanne O'Neill", Role.STAFF, "senior@demo.test"),
    ("tomasz@demo.test", "Tomasz Wójcik", Role.STAFF, "manager@demo.test"),
    # A second registered manager, not involved in Tomasz's formal plan: she hears his appeal (issue 20).
    ("senior2@demo.test", "Priya Shah", Role.SENIOR, None),
]

# Where the demo's staff work and the register they are on (issue 20): a nurse on the NMC
# register, a care worker in Wales on Social Care Wales's, the rest in England on none.
REGISTRATION = {
    "agnieszka@demo.test": (Nation.ENGLAND, ProfessionalRegister.NMC, "09A1234E"),
    "dafydd@demo.test": (Nation.WALES, ProfessionalRegister.SCW, "SCW-0102938"),
}


def load_demo_data(password: str = DEMO_PASSWORD) -> str:
    """Create what is missing; with a password given, reset the demo accounts to it."""
    from . import demo_formal  # builds its plan with this module's helpers

    service = db.session.scalar(select(Service).where(Service.name == SERVICE_NAME))
    if service is None:
        service = Service(name=SERVICE_NAME, kind="Residential care home")
        db.session.add(service)
        db.session.flush()
    people: dict[str, User] = {}
    for email, name, role, manager_email in PEOPLE:
        user = find_by_email(email)
        if user is None:
            user = create_user(
                None,
                email=email,
                name=name,
                role=role,
                password=password,
                services=[service] if role is not Role.ADMIN else [],
                line_manager=people.get(manager_email) if manager_email else None,
            )
        elif password != DEMO_PASSWORD:
            set_password(None, user, password)
        if role is Role.STAFF and user.nation is None:
            user.nation, user.professional_register, user.registration_number = REGISTRATION.get(
                email, (Nation.ENGLAND, ProfessionalRegister.NONE, None)
            )
        people[email] = user
    existing = db.session.scalar(select(func.count(Plan.id)).where(Plan.service_id == service.id))
    if not existing:
        _plans(service, people)
    if not _has_plan(service, people[demo_formal.STAFF_EMAIL]):  # also added to demo data loaded before it
        demo_formal.formal_plan(service, people)
    db.session.flush()
    return _summary(password, demo_formal.HEARER_EMAIL)


def _has_plan(service: Service, staff: User) -> bool:
    found = select(Plan.id).where(Plan.service_id == service.id, Plan.staff_id == staff.id).limit(fixed(1))
    return db.session.scalar(found) is not None


def _summary(password: str, hearer_email: str) -> str:
    lines = ["Demo data ready. Sign in at http://127.0.0.1:5000/login with:"]
    for email, _name, role, _manager in PEOPLE[:5]:
        lines.append(f"  {role.value:<8} {email}")
    lines.append(f"  (and more staff: {', '.join(e for e, _n, role, _m in PEOPLE[5:] if role is Role.STAFF)})")
    lines.append(f"  senior   {hearer_email} (a second registered manager: hears the appeal)")
    lines.append(f"Password for every demo account: {password}")
    return "\n".join(lines)


def at(day: date, hour: int = 14) -> datetime:
    """`day` at `hour` o'clock: when the demo says something happened (shared with demo_formal)."""
    return datetime.combine(day, time(hour, 0))


def add_plan(
    service,
    people,
    staff_email,
    *,
    status,
    start,
    weeks,
    risk_area,
    risk_statement,
    evidence_sources,
    evidence_detail,
    key_questions,
    baseline_text,
    baseline_figure=None,
) -> Plan:
    manager = people[staff_email].line_manager
    plan = Plan(
        **allocate_reference(start.year),
        staff=people[staff_email],
        manager=manager,
        service=service,
        status=status,
        version=0 if status is PlanStatus.DRAFT else 1,
        start_date=start,
        planned_end_date=start + timedelta(weeks=weeks),
        review_weekday=start.weekday(),
        review_interval_days=7,
        risk_area=risk_area,
        risk_statement=risk_statement,
        evidence_sources=evidence_sources,
        evidence_detail=evidence_detail,
        key_questions=key_questions,
        baseline_text=baseline_text,
        baseline_figure=baseline_figure,
        created_at=at(start - timedelta(days=1)),
        issued_at=None if status is PlanStatus.DRAFT else at(start),
    )
    db.session.add(plan)
    db.session.flush()
    audit.record(manager, "created", "plan", plan.id, plan_id=plan.id, changes={"reference": plan.reference})
    return plan


def add_action(
    plan,
    number,
    behaviour,
    when,
    check_method,
    success_criterion,
    *,
    owner=None,
    due=None,
    measure=None,
    status=ActionStatus.OPEN,
    completion=None,
    assurance=None,
) -> Action:
    action = Action(
        plan=plan,
        number=number,
        behaviour=behaviour,
        when=when,
        check_method=check_method,
        success_criterion=success_criterion,
        owner=owner or plan.staff,
        due_date=due or plan.planned_end_date,
        status=status,
        completion_evidence=completion,
        assurance_evidence=assurance,
    )
    if measure:
        name, unit, baseline, target, consecutive = measure
        action.measure_name, action.measure_unit = name, unit
        action.measure_baseline, action.measure_target = baseline, target
        action.measure_consecutive = consecutive
    if completion:
        action.completed_on = plan.planned_end_date - timedelta(days=7)
    if assurance:
        action.assured_on = plan.planned_end_date
    db.session.add(action)
    return action


def add_issue_ack(plan, days_after=1, response=AckResponse.AGREE, comment=None):
    """The staff member's acknowledgement of the plan's current version."""
    db.session.add(
        Acknowledgement(
            plan=plan,
            user=plan.staff,
            subject=AckSubject.PLAN,
            plan_version=plan.version,
            statement=plan_statement(plan),
            response=response,
            comment=comment,
            acknowledged_at=at(plan.start_date + timedelta(days=days_after), 10),
        )
    )


def add_observations(plan, observer, dates_outcomes, focus):
    for day, shift, outcome, notes in dates_outcomes:
        obs = Observation(
            plan=plan,
            scheduled_on=day,
            shift=shift,
            observer=observer,
            focus=list(focus),
            status=ObservationStatus.DONE if outcome else ObservationStatus.PLANNED,
            outcome=outcome,
            notes=notes,
            recorded_at=at(day, 18) if outcome else None,
        )
        db.session.add(obs)


def add_review(plan, day, reviewer, entries, summary, decision=ReviewDecision.CONTINUE, controls=(), ack=True):
    review = Review(
        plan=plan,
        review_date=day,
        reviewer=reviewer,
        summary=summary,
        decision=decision,
        next_review_date=day + timedelta(days=7),
        created_at=at(day, 15),
    )
    for action, progress, value, note in entries:
        review.entries.append(ReviewEntry(action=action, progress=progress, measured_value=value, note=note))
    for control, decision_kind, rationale in controls:
        review.control_decisions.append(
            ReviewControlDecision(control=control, decision=decision_kind, rationale=rationale)
        )
    db.session.add(review)
    db.session.flush()
    if ack:
        db.session.add(
            Acknowledgement(
                plan=plan,
                user=plan.staff,
                subject=AckSubject.REVIEW,
                plan_version=plan.version,
                review=review,
                statement=review_statement(review),
                response=AckResponse.AGREE,
                acknowledged_at=at(day + timedelta(days=1), 9),
            )
        )
    return review


def _plans(service: Service, people: dict[str, User]) -> None:
    t = today()
    senior = people["senior@demo.test"]
    manager = people["manager@demo.test"]

    # 1. Active, escalation practice after near misses (worked example 1), review overdue.
    start = t - timedelta(days=24)
    p1 = add_plan(
        service,
        people,
        "staff@demo.test",
        status=PlanStatus.ACTIVE,
        start=start,
        weeks=4,
        risk_area=RiskArea.ESCALATION,
        risk_statement="Early signs of deterioration are recorded but not acted on, so residents may not get timely medical help. Two near misses in October involved the same staff member.",
        evidence_sources=["near_miss", "audit", "supervision"],
        evidence_detail="Near misses on 6 Oct (Room 4, rising temperature not escalated for 5 hours) and 19 Oct (Room 11, reduced fluid intake over two shifts). Care-note audit: escalation rationale recorded for 2 of 9 changes in presentation.",
        key_questions=["safe", "effective"],
        baseline_text="Escalation rationale recorded for 2 of 9 changes in presentation (22%)",
        baseline_figure=22,
    )
    c1 = InterimControl(
        plan=p1,
        kind=ControlKind.ESCALATION_SIGN_OFF,
        detail="Every escalation decision on Sam's shifts is confirmed by the senior on duty before handover.",
        responsible=senior,
        start_date=start,
        review_by_date=start + timedelta(weeks=2, days=5),
        last_checked_on=t - timedelta(days=2),
    )
    db.session.add(c1)
    db.session.flush()
    db.session.add(
        ControlCheck(
            control=c1,
            checked_on=t - timedelta(days=2),
            note="3 escalation decisions signed off on the late shift.",
            recorded_by=senior,
        )
    )
    a1 = add_action(
        p1,
        1,
        "Record escalation rationale using the threshold tool for any change in baseline presentation",
        "every shift",
        "Weekly record review of all changes in presentation by the senior",
        "100% of changes in presentation have a recorded rationale and escalation decision for two consecutive weekly reviews",
        measure=("Changes with recorded rationale", "%", 22, 100, 2),
    )
    a2 = add_action(
        p1,
        2,
        "Use the daily escalation checklist at the start of each shift and complete the end-of-shift reflective debrief with the senior",
        "every shift",
        "Checklist and debrief log checked at weekly supervision",
        "Checklist and debrief completed on at least 9 of 10 shifts each week",
    )
    db.session.flush()
    add_observations(
        p1,
        senior,
        [
            (
                start + timedelta(days=2),
                Shift.EARLY,
                Outcome.PARTLY_MET,
                "Escalated a low reading promptly; rationale brief.",
            ),
            (start + timedelta(days=5), Shift.LATE, Outcome.MET, "Used the threshold tool for two residents."),
            (
                start + timedelta(days=9),
                Shift.EARLY,
                Outcome.MET,
                "Clear rationale recorded, senior informed within 10 minutes.",
            ),
            (t - timedelta(days=1), Shift.LATE, None, None),
            (t + timedelta(days=3), Shift.EARLY, None, None),
        ],
        [a1],
    )
    add_review(
        p1,
        start + timedelta(days=7),
        manager,
        [
            (a1, Progress.AT_RISK, 60, "6 of 10 changes with rationale."),
            (a2, Progress.ON_TRACK, None, "Checklist used every shift."),
        ],
        "Improving, but rationale still missing on night-time changes.",
        controls=[(c1, ControlDecisionKind.KEEP, "Still needed until two good weeks.")],
    )
    add_review(
        p1,
        start + timedelta(days=14),
        manager,
        [
            (a1, Progress.ON_TRACK, 85, "11 of 13 changes with rationale."),
            (a2, Progress.ON_TRACK, None, "Debriefs thoughtful."),
        ],
        "Clear progress; sign-off control kept for one more week.",
        controls=[(c1, ControlDecisionKind.KEEP, "Review again next week.")],
        ack=False,
    )
    p1.next_review_date = start + timedelta(days=21)  # three days ago: the weekly review is overdue
    db.session.flush()
    add_issue_ack(p1)

    # 2. Active, record quality (worked example 2), control past its review-by date.
    start = t - timedelta(weeks=1, days=4)
    p2 = add_plan(
        service,
        people,
        "agnieszka@demo.test",
        status=PlanStatus.ACTIVE,
        start=start,
        weeks=3,
        risk_area=RiskArea.RECORDS,
        risk_statement="Gaps in food and fluid intake and mood recording mean deterioration or low intake could be missed and continuity between shifts is lost.",
        evidence_sources=["audit", "observation"],
        evidence_detail="Monthly records audit: 58% of food/fluid charts complete for residents on Agnieszka's shifts against 92% for the home.",
        key_questions=["safe", "effective", "well_led"],
        baseline_text="Records audit 58% complete",
        baseline_figure=58,
    )
    c2 = InterimControl(
        plan=p2,
        kind=ControlKind.NOTES_SIGN_OFF,
        detail="A senior reads and signs Agnieszka's food/fluid and mood notes at each handover.",
        responsible=senior,
        start_date=start,
        review_by_date=t - timedelta(days=2),
        last_checked_on=t - timedelta(days=9),
    )
    db.session.add(c2)
    db.session.flush()
    db.session.add(
        ControlCheck(
            control=c2,
            checked_on=t - timedelta(days=9),
            note="Notes signed off at evening handover; two charts completed retrospectively.",
            recorded_by=senior,
        )
    )
    b1 = add_action(
        p2,
        1,
        "Complete daily notes within 30 minutes of task completion using the service prompt structure",
        "every shift",
        "Weekly audit of a sample of 10 notes",
        "At least 90% of sampled notes on time across two audits",
        measure=("Sampled notes on time", "%", 58, 90, 2),
    )
    db.session.flush()
    add_review(
        p2,
        start + timedelta(days=7),
        manager,
        [(b1, Progress.ON_TRACK, 80, "8 of 10 sampled notes on time.")],
        "Good start; structured prompts are being used.",
    )
    p2.next_review_date = start + timedelta(days=14)
    add_issue_ack(  # a disagreement the manager has yet to answer (issue 18)
        p2,
        days_after=2,
        response=AckResponse.DISAGREE,
        comment="The audit sample included two charts from a night I was not working.",
    )

    # 3. Paused, dignity and communication (worked example 3): sickness absence.
    start = t - timedelta(weeks=3)
    p3 = add_plan(
        service,
        people,
        "dafydd@demo.test",
        status=PlanStatus.PAUSED,
        start=start,
        weeks=6,
        risk_area=RiskArea.DIGNITY,
        risk_statement="Residents are spoken over and rushed during personal care, causing distress and reducing their choice and engagement.",
        evidence_sources=["feedback", "complaint", "observation"],
        evidence_detail="Feedback from two residents and one relative's complaint (12 Oct) that Dafydd 'talks over' people during morning care.",
        key_questions=["caring", "responsive"],
        baseline_text="Agreed language prompts used in 4 of 10 observed interactions",
        baseline_figure=40,
    )
    p3.pause_reason = "Sickness absence; the plan resumes on return to work."
    p3.paused_on = t - timedelta(days=4)
    c3 = InterimControl(
        plan=p3,
        kind=ControlKind.PAIRED_WORKING,
        detail="Paired with an experienced carer for morning personal care routines.",
        responsible=senior,
        start_date=start,
        review_by_date=t + timedelta(days=10),
        last_checked_on=t - timedelta(days=5),
    )
    db.session.add(c3)
    add_action(
        p3,
        1,
        "Offer choices and check consent before each personal care task, and record the choices offered in care notes",
        "every shift",
        "Observed practice twice weekly using the dignity observation checklist",
        "Agreed language prompts used in at least 9 of 10 observed interactions on 3 consecutive observations",
        measure=("Interactions using agreed prompts", "of 10", 4, 9, 3),
    )
    p3.next_review_date = t + timedelta(days=3)
    db.session.flush()
    add_issue_ack(p3)

    # 4. Draft, medicines: MAR documentation.
    start = t + timedelta(days=3)
    p4 = add_plan(
        service,
        people,
        "chidi@demo.test",
        status=PlanStatus.DRAFT,
        start=start,
        weeks=4,
        risk_area=RiskArea.MEDICATION,
        risk_statement="MAR documentation errors (missing signatures, wrong codes) increase the risk of missed or double doses.",
        evidence_sources=["audit", "incident"],
        evidence_detail="MAR audit 62%; one incident on 2 Nov where a dose was nearly given twice.",
        key_questions=["safe"],
        baseline_text="MAR audit 62%",
        baseline_figure=62,
    )
    add_action(
        p4,
        1,
        "Sign the MAR at the time of each administration, never in advance or at the end of the round",
        "at every medication round",
        "MAR audit of all Chidi's rounds each week by the senior",
        "At least 90% MAR compliance across two consecutive audits",
        measure=("MAR compliance", "%", 62, 90, 2),
    )
    db.session.add(
        InterimControl(
            plan=p4,
            kind=ControlKind.PAIRED_WORKING,
            detail="Chidi's medication rounds are countersigned by a second trained carer until two audits reach 90%.",
            responsible=senior,
            start_date=start,
            review_by_date=start + timedelta(weeks=2),
        )
    )
    db.session.add(
        ContributingFactors(
            plan=p4,
            workload_rota="Two agency shifts a week on the medication round; rounds often interrupted by call bells.",
            updated_by=p4.manager,
        )
    )
    db.session.flush()

    # 5. Closed, hydration monitoring: achieved and sustained.
    start = t - timedelta(weeks=8)
    p5 = add_plan(
        service,
        people,
        "mei@demo.test",
        status=PlanStatus.ACTIVE,
        start=start,
        weeks=4,
        risk_area=RiskArea.SUPPORT_PLAN,
        risk_statement="Fluid intake for residents at risk of dehydration was not monitored as their support plans require, so low intake could go unnoticed.",
        evidence_sources=["audit", "incident"],
        evidence_detail="One resident admitted to hospital with a urinary infection; fluid charts showed no totals for 3 days.",
        key_questions=["safe", "effective"],
        baseline_text="Fluid charts totalled: 45%",
        baseline_figure=45,
    )
    c5 = InterimControl(
        plan=p5,
        kind=ControlKind.INCREASED_OBSERVATION,
        detail="Senior checks fluid totals at 14:00 and 20:00 for residents on Mei's allocation.",
        responsible=senior,
        start_date=start,
        review_by_date=start + timedelta(weeks=3),
        status=ControlStatus.LIFTED,
        lifted_on=start + timedelta(weeks=3, days=2),
        lift_rationale="Two consecutive audits at or above 95%; totals reliably recorded.",
        lifted_by=senior,
        last_checked_on=start + timedelta(weeks=3),
    )
    db.session.add(c5)
    e1 = add_action(
        p5,
        1,
        "Total each fluid chart at 14:00 and 20:00 and escalate any total under the resident's target to the senior",
        "every shift",
        "Weekly audit of all fluid charts for the allocation",
        "At least 95% of charts totalled and escalated where under target, across two consecutive audits",
        measure=("Charts totalled", "%", 45, 95, 2),
        status=ActionStatus.ASSURED,
        completion="Totals recorded on every shift from week 2.",
        assurance="Audits in weeks 3 and 4 at 96% and 100%; observation confirmed escalation of one low total.",
    )
    db.session.flush()
    for week, value in ((1, 70), (2, 88), (3, 96), (4, 100)):
        add_review(
            p5,
            start + timedelta(days=7 * week),
            manager,
            [(e1, Progress.ON_TRACK if value >= 80 else Progress.AT_RISK, value, f"Audit {value}%.")],
            f"Week {week}: audit {value}%.",
            decision=ReviewDecision.READY_TO_CLOSE if week == 4 else ReviewDecision.CONTINUE,
        )
    add_observations(
        p5,
        senior,
        [
            (start + timedelta(days=4), Shift.EARLY, Outcome.PARTLY_MET, "Totals done at 14:00 only."),
            (start + timedelta(days=18), Shift.LATE, Outcome.MET, "Both totals done; low total escalated."),
        ],
        [e1],
    )
    add_issue_ack(p5)
    closed_at = at(p5.planned_end_date + timedelta(days=1), 16)
    p5.status = PlanStatus.CLOSED
    db.session.add(
        Closure(
            plan=p5,
            outcome=ClosureOutcome.ACHIEVED,
            closed_by=manager,
            closed_at=closed_at,
            what_changed="Mei now totals every fluid chart at 14:00 and 20:00 and escalates low totals to the senior on shift.",
            how_measured="Weekly fluid chart audits rose from 45% to 70%, 88%, 96% and 100%; two observed shifts, the second fully met.",
            risk_now_controlled="Low intake is identified the same day. The increased observation control was lifted after two audits at or above 95%.",
            ongoing_monitoring="Fluid charts stay in the monthly records audit; the line manager samples Mei's charts in supervision for three months.",
            final_measures=[
                {"ref": "A1", "name": "Charts totalled", "unit": "%", "baseline": 45, "final": 100, "target": 95}
            ],
        )
    )
    db.session.flush()
    db.session.add(
        Acknowledgement(
            plan=p5,
            user=p5.staff,
            subject=AckSubject.CLOSURE,
            plan_version=1,
            statement=closure_statement(p5),
            response=AckResponse.AGREE,
            comment="Thank you for the support with the charts.",
            acknowledged_at=closed_at + timedelta(days=1),
        )
    )

    for plan in (p1, p2, p3, p5):
        db.session.add(
            PlanVersion(
                plan=plan,
                version=1,
                change_summary="Issued.",
                snapshot=snapshot(plan),
                created_by=plan.manager,
                created_at=at(plan.start_date, 9),
            )
        )
        # Approved by the registered manager the day before it was issued (issue 18).
        if plan.manager_id != senior.id:
            db.session.add(
                Approval(
                    plan=plan,
                    kind=ApprovalKind.ISSUE,
                    status=ApprovalStatus.APPROVED,
                    requested_by=plan.manager,
                    requested_at=at(plan.start_date - timedelta(days=2), 10),
                    proposal=plain_snapshot(plan),
                    decided_by=senior,
                    decided_at=at(plan.start_date - timedelta(days=1), 11),
                    comment="Proportionate, and the interim control keeps people safe meanwhile.",
                )
            )
    # The draft is waiting for the registered manager's approval; the second plan was escalated.
    db.session.add(
        Approval(
            plan=p4,
            kind=ApprovalKind.ISSUE,
            requested_by=p4.manager,
            requested_at=at(t - timedelta(days=1), 15),
            proposal=plain_snapshot(p4),
        )
    )
    db.session.add(
        Escalation(
            plan=p2,
            reason="Handovers still miss changes in two residents' care: at risk in two reviews running.",
            raised_by=p2.manager,
            raised_at=at(t - timedelta(days=1), 16),
        )
    )
