"""Demo data, the formal route (issue 20): one plan that failed informally and moved to formal stage 1.

Tomasz Wójcik's moving-and-handling plan, started seven weeks ago: two weekly reviews "at risk" or
"not met", an escalation the registered manager decided "move to the formal procedure", a formal
meeting held with six working days' written notice and a union representative, the invitation
and the improvement note sent and received, the approved move to formal stage 1, and the staff
member's appeal against the note, in time, waiting for its hearing by the second registered
manager (so the plan shows "Under appeal"). The regulatory checklist is partly answered, so the
plan's header flag and the registered managers' dashboard item show.

Built as demo.py builds its plans: rows inserted directly, dated relative to today, with what the
operations would have written taken from their own builders (the letters' content from
services/letters.build_content, the deadlines from letter_rules, the stage proposal's shape from
services/stages.propose_stage). Like demo.py, only the plan's "created" event goes in the audit
log (services/appeals.involvement reads it).
"""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import current_app

from .. import letter_rules
from ..clock import today
from ..extensions import db
from ..models import (
    AckResponse,
    Appeal,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    CompanionKind,
    ControlCheck,
    ControlDecisionKind,
    ControlKind,
    Escalation,
    EscalationDecision,
    InterimControl,
    Letter,
    LetterKind,
    Meeting,
    MeetingKind,
    Outcome,
    PlanStage,
    PlanStatus,
    PlanVersion,
    Progress,
    RegulatoryAnswer,
    RegulatoryDecision,
    RegulatoryQuestion,
    ReviewDecision,
    RiskArea,
    Service,
    Shift,
    Support,
    SupportKind,
    User,
)
from ..notifications.due import add_working_days, nation_code
from ..services.letters import LetterInputs, build_content
from ..services.plans import plain_snapshot, snapshot
from .demo import add_action, add_issue_ack, add_observations, add_plan, add_review, at

STAFF_EMAIL = "tomasz@demo.test"
HEARER_EMAIL = "senior2@demo.test"
COMPANION = "Gareth Lewis, UNISON workplace representative"


def _working_day(day: date, region: str) -> date:
    """`day`, or the next working day when it is a weekend or bank holiday."""
    return add_working_days(day - timedelta(days=1), 1, region)


def _letter(plan, kind: LetterKind, inputs: LetterInputs, *, drafted_by: User, drafted_on: date, **sent) -> Letter:
    """A letter as services/letters.draft_letter writes it on `drafted_on` (the content from the
    plan as it stands now), sent and received as `sent` says (sent_by, sent_on, received_at)."""
    expires_on = letter_rules.default_expiry(kind.value, drafted_on) if kind.value in letter_rules.WARNINGS else None
    db.session.expire(plan, ["meetings", "appeals"])  # viewonly / just added: read them again
    meeting_id = inputs.meeting_id if kind is LetterKind.INVITATION else None
    if kind.value in letter_rules.APPEAL_LETTERS:  # the hearing of the appeal it follows
        meeting_id = next((a.meeting_id for a in plan.appeals if a.is_open), None)
    letter = Letter(
        plan=plan,
        kind=kind,
        version=1,
        meeting_id=meeting_id,
        content=build_content(plan, kind, inputs, expires_on),
        plan_row_version=plan.row_version,
        expires_on=expires_on,
        drafted_by=drafted_by,
        drafted_at=at(drafted_on, 11),
        **sent,
    )
    if letter.sent_on is not None:
        letter.appeal_by = letter_rules.appeal_deadline(
            kind.value, letter.sent_on, current_app.config["APPEAL_WORKING_DAYS"], nation_code(plan.staff.nation)
        )
    db.session.add(letter)
    db.session.flush()
    return letter


def formal_plan(service: Service, people: dict[str, User]) -> None:
    """Tomasz's plan on the formal route, under appeal (see the module's docstring)."""
    t = today()
    senior, hearer, hr = people["senior@demo.test"], people[HEARER_EMAIL], people["hr@demo.test"]
    staff = people[STAFF_EMAIL]
    region = nation_code(staff.nation)
    start = t - timedelta(weeks=7)
    plan = add_plan(
        service,
        people,
        STAFF_EMAIL,
        status=PlanStatus.ACTIVE,
        start=start,
        weeks=12,
        risk_area=RiskArea.SUPPORT_PLAN,
        risk_statement="Residents whose moving and handling plans require two carers are being hoisted by one, so they could fall from the sling or be injured during the transfer.",
        evidence_sources=["incident", "observation", "audit"],
        evidence_detail="Skin tear to a resident's forearm during a single-handed hoist transfer (Room 7). Transfer log audit: two carers recorded for 5 of 8 transfers on Tomasz's shifts; one single-handed transfer observed by the senior on the late shift.",
        key_questions=["safe", "caring"],
        baseline_text="Two carers recorded for 5 of 8 hoist transfers (63%)",
        baseline_figure=63,
    )
    manager = plan.manager
    control = InterimControl(
        plan=plan,
        kind=ControlKind.PAIRED_WORKING,
        detail="Every hoist transfer on Tomasz's shifts is done with a named second carer; the senior on shift checks the transfer log at handover.",
        responsible=senior,
        start_date=start,
        review_by_date=t + timedelta(days=12),
        last_checked_on=t - timedelta(days=1),
    )
    db.session.add(control)
    db.session.flush()
    db.session.add(
        ControlCheck(
            control=control,
            checked_on=t - timedelta(days=1),
            note="Transfer log checked at handover: 6 transfers, two carers named on each.",
            recorded_by=senior,
        )
    )
    a1 = add_action(
        plan,
        1,
        "Hoist a resident only with a second trained carer present whenever their moving and handling plan requires two, and record both names on the transfer log",
        "every transfer",
        "Transfer log checked daily by the senior on shift; two transfers observed each week",
        "Two carers recorded for 100% of two-person transfers for four consecutive weeks",
        measure=("Two-person transfers with two carers", "%", 63, 100, 4),
    )
    a2 = add_action(
        plan,
        2,
        "Check the sling type and size against the resident's moving and handling plan before each transfer and say what was checked to the second carer",
        "every transfer",
        "Observed transfers (two a week) by the senior, using the moving and handling checklist",
        "Sling check done and stated in every observed transfer for three consecutive weeks",
    )
    db.session.flush()
    # Issued as the other plans were: version 1, approved the day before by the registered manager.
    db.session.add(
        PlanVersion(
            plan=plan,
            version=1,
            change_summary="Issued.",
            snapshot=snapshot(plan),
            created_by=manager,
            created_at=at(start, 9),
        )
    )
    db.session.add(
        Approval(
            plan=plan,
            kind=ApprovalKind.ISSUE,
            status=ApprovalStatus.APPROVED,
            requested_by=manager,
            requested_at=at(start - timedelta(days=2), 10),
            proposal=plain_snapshot(plan),
            decided_by=senior,
            decided_at=at(start - timedelta(days=1), 11),
            comment="Proportionate, and the paired working keeps residents safe meanwhile.",
        )
    )
    add_issue_ack(plan)
    add_observations(
        plan,
        senior,
        [
            (start + timedelta(days=3), Shift.LATE, Outcome.NOT_MET, "Began a transfer alone; stopped when prompted."),
            (start + timedelta(days=10), Shift.EARLY, Outcome.PARTLY_MET, "Two carers; sling not checked aloud."),
            (t - timedelta(days=4), Shift.EARLY, Outcome.MET, "Two carers, sling checked and stated."),
            (t + timedelta(days=2), Shift.LATE, None, None),
        ],
        [a1, a2],
    )

    # Informal weeks: at risk, then not met twice running, so the manager escalates.
    add_review(
        plan,
        start + timedelta(days=7),
        manager,
        [
            (a1, Progress.AT_RISK, 75, "6 of 8 transfers with two carers named."),
            (a2, Progress.AT_RISK, None, "Sling checked, not said aloud."),
        ],
        "Some progress; single-handed transfers still on the late shift.",
        controls=[(control, ControlDecisionKind.KEEP, "Still needed.")],
    )
    add_review(
        plan,
        start + timedelta(days=14),
        manager,
        [
            (a1, Progress.NOT_MET, 70, "7 of 10: three single-handed transfers at night."),
            (a2, Progress.AT_RISK, None, "One observed transfer with the wrong sling size."),
        ],
        "Not improving on nights; discussed the support available.",
        controls=[(control, ControlDecisionKind.KEEP, "Still needed.")],
    )
    escalated = add_review(
        plan,
        start + timedelta(days=21),
        manager,
        [
            (a1, Progress.NOT_MET, 67, "6 of 9: two single-handed transfers despite the paired-working control."),
            (a2, Progress.NOT_MET, None, "Not observed as agreed."),
        ],
        "Two reviews running not met, with the interim control in place: escalated to the registered manager.",
        decision=ReviewDecision.ESCALATE,
        controls=[(control, ControlDecisionKind.KEEP, "Still needed.")],
    )
    raised_on = start + timedelta(days=21)
    db.session.add(
        Escalation(
            plan=plan,
            review=escalated,
            reason="Single-handed transfers continue with the paired-working control in place: not met in two reviews running.",
            raised_by=manager,
            raised_at=at(raised_on, 16),
            decision=EscalationDecision.FORMAL,
            rationale="The risk of injury continues despite support and an interim control: a formal meeting under the capability procedure, with written notice and the right to be accompanied.",
            decided_on=raised_on + timedelta(days=1),
            decided_by=senior,
            decided_at=at(raised_on + timedelta(days=1), 12),
        )
    )

    # The formal meeting, with written notice six working days before it and the invitation.
    notice_on = _working_day(raised_on + timedelta(days=2), region)
    held_on = add_working_days(notice_on, 6, region)
    meeting = Meeting(
        plan=plan,
        kind=MeetingKind.FORMAL,
        held_on=held_on,
        starts_at=time(10, 0),
        place="Larkfield House, the quiet room on the ground floor",
        note_taker="Lucy Brennan, administrator",
        companion_kind=CompanionKind.UNION_REP,
        companion_name=COMPANION,
        notice_given_on=notice_on,
        evidence_copies="Transfer log extracts for the last three weeks; the incident report for Room 7; the three weekly reviews.",
        discussion="The single-handed transfers recorded in the reviews, the incident in Room 7 and the support given so far.",
        staff_account="Tomasz said the second carer was often busy on nights and he did not want residents to wait; he accepts the plan requires two carers.",
        decisions="Move to formal stage 1 (improvement note), subject to the registered manager's approval. A second carer is rostered on nights for hoist transfers.",
        minutes_shared_on=held_on + timedelta(days=1),
        minutes_response=AckResponse.AGREE,
        minutes_acknowledged_at=at(held_on + timedelta(days=2), 9),
        recorded_by=manager,
        created_at=at(notice_on, 10),
    )
    meeting.attendees = [manager, staff]
    db.session.add(meeting)
    db.session.flush()
    plan.next_review_date = start + timedelta(days=28)
    _letter(
        plan,
        LetterKind.INVITATION,
        LetterInputs(meeting_id=meeting.id),
        drafted_by=manager,
        drafted_on=notice_on,
        sent_by=manager,
        sent_on=notice_on,
        received_at=at(notice_on, 17),
    )

    # The approved move to formal stage 1, as propose_stage writes it.
    decided_on = add_working_days(held_on, 1, region)
    db.session.add(
        Approval(
            plan=plan,
            kind=ApprovalKind.STAGE,
            status=ApprovalStatus.APPROVED,
            requested_by=manager,
            requested_at=at(held_on, 15),
            proposal={
                "from": PlanStage.INFORMAL.value,
                "to": PlanStage.STAGE_1.value,
                "meeting_id": meeting.id,
                "held_on": held_on.isoformat(),
                "notice_given_on": notice_on.isoformat(),
                "reason": "Single-handed transfers continued through the informal plan and its interim control; the formal meeting agreed an improvement note.",
            },
            reasons=[f"it moves the plan to {PlanStage.STAGE_1.label.lower()}"],
            decided_by=senior,
            decided_at=at(decided_on, 11),
            comment="Approved: fair notice was given, Tomasz was accompanied and the minutes are agreed.",
        )
    )
    plan.stage = PlanStage.STAGE_1
    db.session.add(
        Support(
            plan=plan,
            kind=SupportKind.TRAINING,
            description="Moving and handling refresher, with a practical assessment on the hoists used in the home.",
            provided_by="Sian Roberts, moving and handling trainer",
            starts_on=decided_on,
            delivered_on=decided_on + timedelta(days=2),
            recorded_by=manager,
            created_at=at(decided_on, 14),
        )
    )
    db.session.flush()

    # The weekly reviews go on through the formal steps; the improvement note follows the decision.
    for day, value in (
        (start + timedelta(days=28), 80),
        (start + timedelta(days=35), 100),
        (start + timedelta(days=42), 100),
    ):
        add_review(
            plan,
            day,
            manager,
            [
                (
                    a1,
                    Progress.ON_TRACK if value == 100 else Progress.AT_RISK,
                    value,
                    f"{value}% of transfers with two carers.",
                ),
                (a2, Progress.ON_TRACK, None, "Sling check stated in the observed transfer."),
            ],
            "Two carers on every transfer this week."
            if value == 100
            else "One transfer without a second name on the log.",
            controls=[(control, ControlDecisionKind.KEEP, "Kept until four good weeks.")],
        )
    sent_on = add_working_days(decided_on, 1, region)
    plan.next_review_date = start + timedelta(days=35)
    note = _letter(
        plan,
        LetterKind.IMPROVEMENT_NOTE,
        LetterInputs(),
        drafted_by=manager,
        drafted_on=decided_on,
        sent_by=manager,
        sent_on=sent_on,
        received_at=at(add_working_days(sent_on, 1, region), 9),
    )
    plan.next_review_date = start + timedelta(days=49)

    # The appeal, lodged in time by Tomasz; HR chose the second registered manager, who was not
    # involved, to hear it; the hearing is arranged and its invitation sent and received.
    assert note.appeal_by is not None  # an improvement note carries a right of appeal
    lodged_on = min(add_working_days(sent_on, 3, region), note.appeal_by)
    invited_on = min(add_working_days(lodged_on, 3, region), t)
    appeal = Appeal(
        plan=plan,
        letter=note,
        grounds="The note does not take into account that a second carer was often not available on nights because the unit was short-staffed. On two of the transfers I did alone I had asked for help and waited more than 15 minutes.",
        lodged_on=lodged_on,
        lodged_by=staff,
        hearer=hearer,
        created_at=at(lodged_on, 19),
    )
    db.session.add(appeal)
    hearing_on = _working_day(t + timedelta(days=3), region)
    hearing = Meeting(
        plan=plan,
        kind=MeetingKind.APPEAL,
        held_on=hearing_on,
        starts_at=time(14, 0),
        place="Larkfield House, the registered manager's office",
        note_taker="Lucy Brennan, administrator",
        companion_kind=CompanionKind.UNION_REP,
        companion_name=COMPANION,
        notice_given_on=invited_on,
        evidence_copies="The improvement note; the formal meeting's minutes; the night rotas for the weeks reviewed.",
        recorded_by=hearer,
        created_at=at(invited_on, 10),
    )
    hearing.attendees = [hearer, staff]
    db.session.add(hearing)
    db.session.flush()
    appeal.meeting = hearing
    db.session.flush()
    _letter(
        plan,
        LetterKind.APPEAL_INVITATION,
        LetterInputs(),
        drafted_by=hr,
        drafted_on=invited_on,
        sent_by=hr,
        sent_on=invited_on,
        received_at=at(invited_on, 18),
    )

    # The regulatory checklist: the DBS question answered, the safeguarding referral still to decide.
    db.session.add(
        RegulatoryDecision(
            plan=plan,
            question=RegulatoryQuestion.DBS,
            answer=RegulatoryAnswer.NOT_REFERRED,
            rationale="Tomasz has not been removed from regulated activity: he works with a second carer on every transfer, and no one was harmed through intent or recklessness. The test for a referral is not met.",
            decided_by=senior,
            decided_on=decided_on,
            recorded_at=at(decided_on, 15),
        )
    )

    db.session.flush()
