"""Starter plans for the New plan screen, drawn from the domain's worked examples.

Pure data plus two tiny lookups: no Flask, no database. A template fills in the *generic* part
of a plan (risk area, what could go wrong and for whom, evidence types, CQC key questions,
interim controls, measurable actions, observation rule and length); the manager then adds the
person-specific evidence, baseline figure, names and dates.

Every template action is written to pass ``pip_app.quality.assess_action`` with no findings
(tests/test_plan_templates.py holds us to that), so the checker never nags about our own text.

Conventions
-----------
* ``ControlTemplate.review_after_days`` -- days from the plan start to the control's review-by
  date (3-42).
* ``MeasureTemplate`` -- ``target`` in ``unit`` ("%" is 0-100, "of 10" is 0-10, "days" is a
  count); the measure is met when the last ``consecutive`` recorded values reach the target
  (>= target, or <= target when ``higher_is_better`` is False).
* ``PlanTemplate.weeks`` -- planned length; ``observations_per_week`` -- the observed-shift rule
  ("2 observed shifts a week for 4 weeks").
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import ControlKind, EvidenceSource, KeyQuestion, RiskArea

__all__ = [
    "TEMPLATES",
    "ActionTemplate",
    "ControlTemplate",
    "MeasureTemplate",
    "PlanTemplate",
    "get_template",
]


@dataclass(frozen=True)
class ControlTemplate:
    """An interim control that protects people while practice changes."""

    kind: ControlKind
    detail: str
    review_after_days: int


@dataclass(frozen=True)
class MeasureTemplate:
    """The number an action is judged by (met when the last ``consecutive`` values reach it)."""

    name: str
    unit: str
    target: float
    consecutive: int
    higher_is_better: bool = True


@dataclass(frozen=True)
class ActionTemplate:
    """A measurable action: what changes, when, how it is checked, what good looks like."""

    behaviour: str
    when: str
    check_method: str
    success_criterion: str
    measure: MeasureTemplate | None = None


@dataclass(frozen=True)
class PlanTemplate:
    """A starter plan: the risk section, interim controls, actions and observation rule."""

    key: str
    title: str
    summary: str
    risk_area: RiskArea
    risk_statement: str
    evidence_sources: tuple[EvidenceSource, ...]
    key_questions: tuple[KeyQuestion, ...]
    baseline_hint: str  # an example baseline, without "e.g." (the form adds it)
    weeks: int
    controls: tuple[ControlTemplate, ...]
    actions: tuple[ActionTemplate, ...]
    observations_per_week: int


# --- 1. Escalation after near misses (domain worked example 1) ----------------------------
ESCALATION = PlanTemplate(
    key="escalation",
    title="Escalation after near misses",
    summary=(
        "Four-week plan after near misses where early signs of deterioration were recorded "
        "but not acted on. Escalation decisions are confirmed by a senior for a short period; "
        "the staff member uses a daily threshold checklist and talks each decision through at "
        "an end-of-shift debrief; two observed shifts a week. Evidenced by escalation "
        "timeliness, repeat near misses and rationale recording in weekly audit snapshots."
    ),
    risk_area=RiskArea.ESCALATION,
    risk_statement=(
        "Early signs of deterioration (such as a change from a person's usual presentation, "
        "a raised NEWS2 score, low fluid intake or new skin damage) may be recorded but not "
        "escalated, or escalated late, so people using the service could come to avoidable "
        "harm through delayed clinical review or treatment."
    ),
    evidence_sources=(EvidenceSource.NEAR_MISS, EvidenceSource.INCIDENT, EvidenceSource.AUDIT),
    key_questions=(KeyQuestion.SAFE, KeyQuestion.EFFECTIVE, KeyQuestion.RESPONSIVE),
    baseline_hint=(
        "2 near misses in the last 6 weeks; escalation rationale recorded for 4 of 10 "
        "changes in presentation in the last notes audit"
    ),
    weeks=4,
    controls=(
        ControlTemplate(
            kind=ControlKind.ESCALATION_SIGN_OFF,
            detail=(
                "Every escalation decision the staff member makes, including a decision not "
                "to escalate, is confirmed with the senior on shift at the time; the senior "
                "records the confirmation in the handover notes."
            ),
            review_after_days=14,
        ),
        ControlTemplate(
            kind=ControlKind.INCREASED_OBSERVATION,
            detail=(
                "Two observed shifts a week by the line manager or a senior, focused on "
                "recognising and escalating changes in presentation."
            ),
            review_after_days=14,
        ),
    ),
    actions=(
        ActionTemplate(
            behaviour=("Record escalation rationale using the threshold tool for any change in baseline presentation"),
            when="every shift",
            check_method=("weekly audit snapshot of care notes and escalation records by the senior"),
            success_criterion=(
                "100% of changes in presentation have a recorded rationale and escalation "
                "decision in 3 consecutive weekly audits"
            ),
            measure=MeasureTemplate(
                name="Changes in presentation with a recorded rationale",
                unit="%",
                target=100,
                consecutive=3,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Complete the daily escalation checklist for each person supported and "
                "escalate to the senior on shift within 30 minutes when a threshold is reached"
            ),
            when="every shift, at the start of the shift and after each care round",
            check_method=("senior checks the completed checklist at handover and compares it with the care notes"),
            success_criterion=(
                "at least 95% of threshold changes escalated within 30 minutes across 3 consecutive weekly checks"
            ),
            measure=MeasureTemplate(
                name="Threshold changes escalated within 30 minutes",
                unit="%",
                target=95,
                consecutive=3,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Explain to the senior the reason for each escalation decision made or "
                "considered during the shift, using that shift's care notes as the example"
            ),
            when="at the end of every shift",
            check_method="end-of-shift debrief with the senior, noted in the debrief log",
            success_criterion=(
                "the senior agrees with the decision and reason in at least 9 of 10 debriefed "
                "decisions for 2 consecutive weeks"
            ),
            measure=MeasureTemplate(
                name="Debriefed decisions the senior agrees with",
                unit="of 10",
                target=9,
                consecutive=2,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Escalate any sign of deterioration to the senior on shift, GP or 111 as the "
                "person's care plan directs, and record who was told and what advice was given"
            ),
            when="every shift",
            check_method=(
                "two observed shifts a week using the escalation observation checklist, plus "
                "weekly review of the incident and near-miss log"
            ),
            success_criterion=(
                "zero repeat near misses for 4 consecutive weeks, and escalation rated met on every observed shift"
            ),
            measure=MeasureTemplate(
                name="Repeat near misses",
                unit="per week",
                target=0,
                consecutive=4,
                higher_is_better=False,
            ),
        ),
    ),
    observations_per_week=2,
)

# --- 2. Record quality (domain worked example 2) --------------------------------------------
RECORDS = PlanTemplate(
    key="records",
    title="Record quality",
    summary=(
        "Three-week plan for repeated gaps in daily recording, particularly food and fluid "
        "intake and mood changes. A senior signs off the staff member's notes at handover for "
        "a short period; the staff member uses structured prompts and gets feedback each day. "
        "Evidenced by notes audits across two cycles and handover quality."
    ),
    risk_area=RiskArea.RECORDS,
    risk_statement=(
        "Missing, late or vague care notes (particularly food and fluid intake and changes in "
        "mood) mean deterioration or safeguarding concerns could be missed and the next shift "
        "may not have the information it needs to care safely for residents."
    ),
    evidence_sources=(EvidenceSource.AUDIT, EvidenceSource.SUPERVISION),
    key_questions=(KeyQuestion.SAFE, KeyQuestion.EFFECTIVE, KeyQuestion.WELL_LED),
    baseline_hint=("notes audit 55%: 11 of 20 sampled entries complete and written within 30 minutes"),
    weeks=3,
    controls=(
        ControlTemplate(
            kind=ControlKind.NOTES_SIGN_OFF,
            detail=(
                "The senior on shift reads and signs off the staff member's care notes at "
                "every handover before they leave, and returns any incomplete entry to be "
                "finished the same shift."
            ),
            review_after_days=7,
        ),
        ControlTemplate(
            kind=ControlKind.OTHER,
            detail=(
                "Daily review of the previous shift's notes by the line manager, with "
                "feedback to the staff member the same day on any gap found."
            ),
            review_after_days=7,
        ),
    ),
    actions=(
        ActionTemplate(
            behaviour=("Complete daily notes within 30 minutes of task completion using the service prompt structure"),
            when="every shift",
            check_method="weekly audit of a sample of 10 notes by the senior",
            success_criterion=("at least 90% of sampled notes written within 30 minutes across two consecutive audits"),
            measure=MeasureTemplate(
                name="Sampled notes written within 30 minutes",
                unit="%",
                target=90,
                consecutive=2,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Record food and fluid intake on the person's food and fluid chart after every "
                "meal and drink offered, including amounts refused"
            ),
            when="every shift",
            check_method="senior checks food and fluid charts at each handover",
            success_criterion=(
                "at least 95% of food and fluid charts complete and totalled at handover "
                "across two consecutive weekly audits"
            ),
            measure=MeasureTemplate(
                name="Food and fluid charts complete at handover",
                unit="%",
                target=95,
                consecutive=2,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Record any change in a resident's mood or behaviour in the care notes using "
                "the four structured prompts: what was seen, when, what was done and who was "
                "told"
            ),
            when="every shift, before handover",
            check_method="weekly audit of care notes against the handover record",
            success_criterion=(
                "at least 9 of 10 sampled mood entries include all four prompts across two consecutive audits"
            ),
            measure=MeasureTemplate(
                name="Sampled mood entries with all four prompts",
                unit="of 10",
                target=9,
                consecutive=2,
            ),
        ),
    ),
    observations_per_week=1,
)

# --- 3. Dignity and communication (domain worked example 3) ---------------------------------
DIGNITY = PlanTemplate(
    key="dignity",
    title="Dignity and communication",
    summary=(
        "Plan after feedback that the staff member spoke over people, rushed choices and used "
        "directive language during personal care. Key routines are worked in pairs and a "
        "manager is present at peak times; practice is observed twice weekly and choices "
        "offered and consent checked are recorded in care notes. Evidenced by observation "
        "checklists, follow-up feedback and complaint themes."
    ),
    risk_area=RiskArea.DIGNITY,
    risk_statement=(
        "People using the service may be spoken over, rushed or directed during personal care "
        "without being offered choices or asked for consent, causing distress, loss of "
        "dignity and reduced engagement with their care."
    ),
    evidence_sources=(
        EvidenceSource.FEEDBACK,
        EvidenceSource.COMPLAINT,
        EvidenceSource.OBSERVATION,
    ),
    key_questions=(KeyQuestion.CARING, KeyQuestion.EFFECTIVE, KeyQuestion.RESPONSIVE),
    baseline_hint=(
        "agreed language prompts used in 4 of 10 observed interactions; 2 complaints "
        "about rushed personal care in the last month"
    ),
    weeks=4,
    controls=(
        ControlTemplate(
            kind=ControlKind.PAIRED_WORKING,
            detail=(
                "Morning and bedtime personal care routines are worked paired with an "
                "experienced colleague who leads the conversation with the person."
            ),
            review_after_days=14,
        ),
        ControlTemplate(
            kind=ControlKind.MANAGERIAL_PRESENCE,
            detail=(
                "A manager or senior is on the floor at peak times (morning personal care, "
                "mealtimes and bedtime) on the staff member's shifts."
            ),
            review_after_days=14,
        ),
    ),
    actions=(
        ActionTemplate(
            behaviour=(
                "Offer choices and check consent before each personal care task, and record "
                "the choices offered and consent given in the care notes"
            ),
            when="every shift",
            check_method="weekly audit of a sample of care notes by the senior",
            success_criterion=(
                "choices offered and consent recorded for at least 90% of sampled personal "
                "care entries across 2 consecutive weekly audits"
            ),
            measure=MeasureTemplate(
                name="Personal care entries with choices and consent recorded",
                unit="%",
                target=90,
                consecutive=2,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Use the agreed language prompts during personal care: introduce yourself by "
                "name, explain each step before starting it and wait for the person to "
                "answer before moving on"
            ),
            when="every shift, at every personal care routine",
            check_method="observed practice twice weekly using the dignity observation checklist",
            success_criterion=(
                "agreed language prompts used in at least 9 of 10 observed interactions on 3 consecutive observations"
            ),
            measure=MeasureTemplate(
                name="Observed interactions using the agreed prompts",
                unit="of 10",
                target=9,
                consecutive=3,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Knock and wait for an answer before entering a person's bedroom, and close "
                "the door and curtains before personal care begins"
            ),
            when="every visit to a person's bedroom",
            check_method=("observed practice twice weekly and manager spot checks at peak times"),
            success_criterion=(
                "knock and wait and privacy steps seen in 100% of observed bedroom entries on "
                "3 consecutive observations"
            ),
            measure=MeasureTemplate(
                name="Observed bedroom entries with knock and wait",
                unit="%",
                target=100,
                consecutive=3,
            ),
        ),
    ),
    observations_per_week=2,
)

# --- 4. MAR documentation -------------------------------------------------------------------
MEDICINES = PlanTemplate(
    key="medicines",
    title="MAR documentation",
    summary=(
        "Plan after MAR audits found unsigned, late or inaccurate entries. Medicines are "
        "given only under senior observation until competency is reassessed, and a senior "
        "checks the MAR at every handover. Target: at least 90% MAR compliance across two "
        "consecutive audits."
    ),
    risk_area=RiskArea.MEDICATION,
    risk_statement=(
        "Unsigned, late or inaccurate MAR entries could lead to missed or doubled doses or the "
        "wrong medicine being given, harming people using the service, and leave the next "
        "shift unable to tell what has been given."
    ),
    evidence_sources=(EvidenceSource.AUDIT, EvidenceSource.INCIDENT),
    key_questions=(KeyQuestion.SAFE, KeyQuestion.WELL_LED),
    baseline_hint="MAR audit 62%; 3 unsigned entries and 1 omitted dose last month",
    weeks=4,
    controls=(
        ControlTemplate(
            kind=ControlKind.RESTRICTED_DUTIES,
            detail=(
                "Administers medicines only while observed by a medicines-competent senior "
                "until a medicines competency reassessment has been passed."
            ),
            review_after_days=14,
        ),
        ControlTemplate(
            kind=ControlKind.NOTES_SIGN_OFF,
            detail=(
                "The senior on shift checks and countersigns the staff member's MAR entries "
                "at every handover and follows up any gap before the staff member leaves."
            ),
            review_after_days=14,
        ),
    ),
    actions=(
        ActionTemplate(
            behaviour=(
                "Sign the MAR at the time of each administration, straight after the person has taken the medicine"
            ),
            when="at every medication round",
            check_method="weekly MAR audit by the deputy manager",
            success_criterion=("≥ 90% MAR compliance across two consecutive audits, with zero unsigned entries"),
            measure=MeasureTemplate(
                name="MAR audit compliance",
                unit="%",
                target=90,
                consecutive=2,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Record the reason code and a note on the MAR for every dose refused, withheld "
                "or not given, and report any omitted dose to the senior on shift before the "
                "end of the round"
            ),
            when="at every medication round",
            check_method="senior checks the MAR at each handover",
            success_criterion=(
                "100% of doses not given have a reason code and note, and every omission is "
                "reported the same round, across 2 consecutive weekly MAR audits"
            ),
            measure=MeasureTemplate(
                name="Doses not given with a reason recorded",
                unit="%",
                target=100,
                consecutive=2,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Check the MAR against the medicine label for the right person, medicine, "
                "dose, route and time before each administration"
            ),
            when="at every medication round",
            check_method=("observed medication round once a week using the medicines competency checklist"),
            success_criterion=("all five checks seen before 100% of administrations on 2 consecutive observed rounds"),
            measure=MeasureTemplate(
                name="Observed administrations with all five checks",
                unit="%",
                target=100,
                consecutive=2,
            ),
        ),
    ),
    observations_per_week=1,
)

# --- 5. Hydration and fluid monitoring -------------------------------------------------------
HYDRATION = PlanTemplate(
    key="hydration",
    title="Hydration and fluid monitoring",
    summary=(
        "Plan where people at risk of dehydration were not offered drinks often enough, fluid "
        "charts were incomplete or low intake was not escalated. A senior checks fluid charts "
        "at handover and reviews running totals; the staff member offers and records drinks "
        "and escalates low totals. Evidenced by fluid chart audits and escalation records."
    ),
    risk_area=RiskArea.SUPPORT_PLAN,
    risk_statement=(
        "Residents at risk of dehydration may not be offered enough drinks, or low intake may "
        "go unrecorded or unescalated, leading to dehydration, urinary infection, falls, "
        "confusion or hospital admission."
    ),
    evidence_sources=(
        EvidenceSource.AUDIT,
        EvidenceSource.INCIDENT,
        EvidenceSource.OBSERVATION,
    ),
    key_questions=(KeyQuestion.SAFE, KeyQuestion.EFFECTIVE),
    baseline_hint=(
        "fluid chart audit 60%: 12 of 20 charts complete and totalled; 2 low-intake days "
        "with no escalation in the last month"
    ),
    weeks=4,
    controls=(
        ControlTemplate(
            kind=ControlKind.NOTES_SIGN_OFF,
            detail=(
                "The senior on shift checks and signs the fluid chart of every person at risk "
                "the staff member supports at each handover, including the running total "
                "against the care plan target."
            ),
            review_after_days=14,
        ),
        ControlTemplate(
            kind=ControlKind.OTHER,
            detail=(
                "The senior reviews running fluid totals for people at risk at 2pm and 8pm "
                "and arranges extra drinks for anyone below their target."
            ),
            review_after_days=14,
        ),
    ),
    actions=(
        ActionTemplate(
            behaviour=(
                "Record fluid intake on the fluid chart after every drink offered, including "
                "the amount taken and any drink refused"
            ),
            when="every shift",
            check_method="senior checks fluid charts at each handover",
            success_criterion=("95% of sampled fluid charts complete across 2 consecutive weekly audits"),
            measure=MeasureTemplate(
                name="Sampled fluid charts complete",
                unit="%",
                target=95,
                consecutive=2,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Add up each person's fluid total at the end of the shift and escalate to the "
                "senior on shift when it is below the target in their care plan"
            ),
            when="at the end of every shift",
            check_method="weekly audit of hydration records and escalation notes",
            success_criterion=("no low-intake day without a recorded escalation over 4 consecutive weeks"),
            measure=MeasureTemplate(
                name="Low-intake days without a recorded escalation",
                unit="days",
                target=0,
                consecutive=4,
                higher_is_better=False,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Offer each person at risk a drink they prefer at least every 2 hours while "
                "they are awake, as set out in their hydration care plan"
            ),
            when="every shift",
            check_method=("observed drinks round once a week and a weekly sample of 10 fluid chart periods"),
            success_criterion=("a drink offered in at least 9 of 10 sampled 2-hour periods across 2 consecutive weeks"),
            measure=MeasureTemplate(
                name="Sampled 2-hour periods with a drink offered",
                unit="of 10",
                target=9,
                consecutive=2,
            ),
        ),
    ),
    observations_per_week=1,
)

# --- 6. Appointments and health follow-up ----------------------------------------------------
APPOINTMENTS = PlanTemplate(
    key="appointments",
    title="Appointments and health follow-up",
    summary=(
        "Plan where referrals and health appointments were not booked, or their outcomes were "
        "not recorded and acted on. A senior signs off the appointment log at handover and the "
        "line manager cross-checks professional visits weekly; the staff member books "
        "promptly, records outcomes on the day and carries advice into the care plan. "
        "Evidenced by appointment log and care plan reviews."
    ),
    risk_area=RiskArea.SUPPORT_PLAN,
    risk_statement=(
        "Referrals and health appointments (GP, district nurse, dentist, optician, hospital "
        "clinics) may not be booked or followed up, and advice given may not reach the care "
        "plan, so people using the service could miss treatment or have a health condition "
        "deteriorate unnoticed."
    ),
    evidence_sources=(EvidenceSource.AUDIT, EvidenceSource.COMPLAINT, EvidenceSource.FEEDBACK),
    key_questions=(KeyQuestion.EFFECTIVE, KeyQuestion.RESPONSIVE, KeyQuestion.SAFE),
    baseline_hint=(
        "appointment log audit: 5 of 12 appointments with a recorded outcome; 2 "
        "referrals not booked within 5 working days"
    ),
    weeks=6,
    controls=(
        ControlTemplate(
            kind=ControlKind.NOTES_SIGN_OFF,
            detail=(
                "The senior on shift reviews and signs off the appointment and referral log at "
                "every handover, including any outcome the staff member recorded that day."
            ),
            review_after_days=14,
        ),
        ControlTemplate(
            kind=ControlKind.OTHER,
            detail=(
                "The line manager cross-checks visiting professionals' notes and GP letters "
                "against the appointment log each week to find anything not booked or not "
                "followed up."
            ),
            review_after_days=21,
        ),
    ),
    actions=(
        ActionTemplate(
            behaviour=(
                "Book each referral or appointment requested by a health professional, the "
                "person or their family, and enter it in the appointment log with the date "
                "requested and the date booked"
            ),
            when="within 2 working days of each request",
            check_method="duty manager checks the appointment log each day",
            success_criterion=(
                "at least 95% of requests booked within 2 working days across 3 consecutive weekly log reviews"
            ),
            measure=MeasureTemplate(
                name="Requests booked within 2 working days",
                unit="%",
                target=95,
                consecutive=3,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Record appointment outcomes and follow-up actions in the appointment log on the day of the appointment"
            ),
            when="after each health appointment",
            check_method="duty manager checks the appointment log each day",
            success_criterion=(
                "95% of appointments have a recorded outcome and allocated follow-up on the "
                "day, across 3 consecutive weekly reviews"
            ),
            measure=MeasureTemplate(
                name="Appointments with outcome recorded on the day",
                unit="%",
                target=95,
                consecutive=3,
            ),
        ),
        ActionTemplate(
            behaviour=(
                "Update the person's care plan with any new advice, medicine change or "
                "follow-up date from an appointment and hand it over to the next shift"
            ),
            when="by the next handover after each appointment",
            check_method=("weekly record review comparing the appointment log with care plans and handover notes"),
            success_criterion=(
                "100% of changes advised at appointments appear in the care plan and handover "
                "notes within 24 hours across 3 consecutive weekly reviews"
            ),
            measure=MeasureTemplate(
                name="Advised changes in the care plan within 24 hours",
                unit="%",
                target=100,
                consecutive=3,
            ),
        ),
    ),
    observations_per_week=1,
)

TEMPLATES: tuple[PlanTemplate, ...] = (
    ESCALATION,
    RECORDS,
    DIGNITY,
    MEDICINES,
    HYDRATION,
    APPOINTMENTS,
)

_BY_KEY: dict[str, PlanTemplate] = {template.key: template for template in TEMPLATES}


def get_template(key: str) -> PlanTemplate | None:
    """The template with this key, or None when there is none."""
    return _BY_KEY.get(key)
