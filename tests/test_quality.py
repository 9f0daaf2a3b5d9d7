"""Table-driven tests for pip_app.quality.assess_action (DESIGN.md principle 2)."""

import dataclasses
import re

import pytest

from pip_app.quality import CODES, FIELDS, Finding, assess_action

# A known-good action; bad cases swap one or more parts for weak wording.
GOOD_BEHAVIOUR = "Record escalation rationale using the threshold tool for any change in baseline presentation"
GOOD_WHEN = "every shift"
GOOD_CHECK = "weekly record review by the senior"
GOOD_CRITERION = (
    "100% of changes in presentation have a recorded rationale and escalation decision for 4 consecutive weeks"
)

# --- precision: realistic measurable actions that must pass -------------------------------
GOOD_ACTIONS = [
    pytest.param(
        "Complete daily notes within 30 minutes of task completion using the service prompt structure",
        "every shift",
        "weekly audit of a sample of notes",
        "at least 90% of sampled notes on time across two audits",
        id="domain-daily-notes",
    ),
    pytest.param(GOOD_BEHAVIOUR, GOOD_WHEN, GOOD_CHECK, GOOD_CRITERION, id="domain-escalation-rationale"),
    pytest.param(
        "Achieve 90% compliance on MAR documentation across two audits",
        "by 14 Dec 2026",
        "MAR audit by the deputy manager",
        "≥ 90% MAR compliance across two consecutive audits",
        id="domain-mar-compliance",
    ),
    pytest.param(
        "Offer choices and check consent before each personal care task, and record the choices offered in care notes",
        "every shift",
        "observed practice twice weekly using the dignity observation checklist",
        "agreed language prompts used in at least 9 of 10 observed interactions on 3 consecutive observations",
        id="domain-dignity",
    ),
    pytest.param(
        "After completing the medicines refresher, sign the MAR at the time of each administration",
        "at every medication round",
        "MAR check at handover by the senior",
        "zero unsigned entries across 4 weekly MAR audits",
        id="mentions-training-comma",
    ),
    pytest.param(
        "After completing the medicines refresher sign the MAR at the time of each administration",
        "at every medication round",
        "spot check of the MAR",
        "no unsigned MAR entries in 4 weeks",
        id="mentions-training-no-comma",
    ),
    pytest.param(
        "Record fluid intake on the fluid chart after every drink offered",
        "every shift",
        "senior checks fluid charts at each handover",
        "95% of sampled fluid charts complete across 8 weeks",
        id="hydration-chart",
    ),
    pytest.param(
        "Escalate to the senior on shift when a person's 24-hour fluid total is below their care plan target",
        "every shift",
        "weekly audit of hydration records and escalation notes",
        "no low-intake day without a recorded escalation over 4 weeks",
        id="hydration-escalation",
    ),
    pytest.param(
        "Ask each person about their drink preferences and record them in the hydration care plan",
        "by 30 Nov 2026",
        "record review by the nutrition lead",
        "all 6 people at risk have recorded preferences",
        id="hydration-preferences",
    ),
    pytest.param(
        "Record appointment outcomes and follow-up actions in the appointment log on the day of the appointment",
        "after each health appointment",
        "duty manager checks the appointment log each day",
        "95% of appointments have a recorded outcome and allocated follow-up within 10 weeks",
        id="appointment-follow-up",
    ),
    pytest.param(
        "Tell the duty manager about any professional advice at handover and update the care plan the same day",
        "at each handover",
        "handover review by the duty manager",
        "every appointment in the sample has its advice reflected in the care plan within 24 hours",
        id="appointment-advice",
    ),
    pytest.param(
        "Use the NEWS2 tool and record the score for any change in baseline presentation",
        "every shift",
        "two observed shifts per week",
        "3 of 3 observed shifts with NEWS2 scores recorded and escalated where triggered",
        id="escalation-news2",
    ),
    pytest.param(
        "Hand over any change in presentation to the senior using the SBAR prompt",
        "at every handover",
        "senior sign-off of escalation decisions",
        "no missed escalations in 4 weeks",
        id="escalation-handover",
    ),
    pytest.param(
        "Knock and wait for an answer before entering a person's bedroom",
        "every shift",
        "observation by the team leader using the dignity checklist",
        "knock-and-wait seen in 10 of 10 observed room entries",
        id="dignity-knock",
    ),
    pytest.param(
        "Use the person's preferred name and explain each step before starting personal care",
        "during each personal care task",
        "observed practice twice weekly",
        "agreed language prompts used in at least 9 of 10 observed interactions",
        id="dignity-language",
    ),
    pytest.param(
        "Close the door and curtains before any personal care",
        "every time personal care is given",
        "spot checks by the deputy manager",
        "no observed personal care with door or curtains open across 6 spot checks",
        id="dignity-privacy",
    ),
    pytest.param(
        "Decline gifts from people using the service and record any offer in the gifts register",
        "from 1 Dec 2026",
        "monthly review of the gifts register",
        "every gift offered is recorded in the register within the shift",
        id="boundaries-gifts",
    ),
    pytest.param(
        "Maintain professional boundaries by contacting people only from the service phone "
        "and never from a personal phone",
        "every shift",
        "supervision using phone log review",
        "zero contacts from a personal phone in 8 weeks",
        id="boundaries-phone",
    ),
    pytest.param(
        "Report any safeguarding concern to the safeguarding lead the same day and record it on the concern form",
        "same day as any concern",
        "monthly audit of safeguarding logs",
        "100% of concerns reported within 24 hours",
        id="safeguarding-report",
    ),
    pytest.param(
        "Complete a body map for any new mark or bruise and hand it to the senior",
        "within 1 hour of noticing",
        "record review by the registered manager",
        "every new mark has a body map on file across two audits",
        id="safeguarding-body-map",
    ),
    pytest.param(
        "Countersign the second-checker box on the MAR for every controlled drug given",
        "at every medication round",
        "MAR audit of controlled drugs",
        "no controlled drug entry without a second signature in 4 weekly audits",
        id="medication-cd-countersign",
    ),
    pytest.param(
        "Check the MAR against the label before giving each dose",
        "at every medication round",
        "two observed medication rounds per week",
        "6 consecutive observed rounds with no administration errors",
        id="medication-check-label",
    ),
    pytest.param(
        "Record the reason for any refused dose on the back of the MAR",
        "each refusal",
        "weekly MAR sampling",
        "all refusals in the sample have a recorded reason",
        id="medication-refusal",
    ),
    pytest.param(
        "Write care notes that describe mood, food and fluid intake for each visit",
        "within 30 minutes of each visit",
        "fortnightly file review",
        "at least 9 of 10 sampled notes include mood, food and fluid",
        id="records-content",
    ),
    pytest.param(
        "Log call times on arrival and departure in the electronic care record",
        "each visit",
        "weekly report from the care record system",
        "95% punctuality over eight weeks",
        id="homecare-punctuality",
    ),
    pytest.param(
        "Follow the moving and handling plan: two staff and the hoist for every transfer",
        "every transfer",
        "observed practice by the moving and handling lead",
        "4 consecutive observed transfers meet the plan",
        id="support-plan-adherence",
    ),
    pytest.param(
        "Reflect on escalation decisions and record the rationale for each one in care notes",
        "at the end of every shift",
        "supervision using real examples from care notes",
        "every change in presentation has a recorded rationale and escalation within the shift",
        id="reflect-plus-record",
    ),
    pytest.param(
        "Seek consent before each personal care task",
        "daily",
        "feedback from people using the service and observation",
        "consent checked in all 8 observed tasks",
        id="consent",
    ),
    pytest.param(
        "Weigh each person on the nutrition plan and record the weight in their chart",
        "every Monday",
        "monthly weight audit",
        "no missed weekly weights over 8 weeks",
        id="nutrition-weights",
    ),
]


@pytest.mark.parametrize(("behaviour", "when", "check", "criterion"), GOOD_ACTIONS)
def test_measurable_actions_have_no_findings(behaviour, when, check, criterion):
    assert assess_action(behaviour, when, check, criterion) == []


# Behaviours that *mention* generic words but still state something observable.
MENTIONS_GENERIC_BUT_CONCRETE = [
    "Improve recording by completing daily notes within 30 minutes of each visit",
    "Follow the medication policy by signing the MAR at each administration",
    "Complete the MAR training module and then sign the MAR at every round",
    "Complete the hydration training, then record fluids on the chart after every drink",
    "Having completed the dignity training, offer two choices of clothing before dressing",
    "Following supervision, record the rationale for each escalation decision",
    "Use the threshold tool learned in training to decide when to escalate",
    "Once trained, use the threshold tool for every change in baseline",
    "Monitor fluid intake and record it on the chart every two hours",
    "Record fluids better by using the fluid chart after each drink",
    "Complete the reflective debrief form at the end of every shift",
    "Maintain professional boundaries by declining gifts and recording any offer in the register",
    # a concrete instruction after a training step, in words no list knows
    "Complete the moving and handling refresher, then use the slide sheet with a second carer for every reposition",
    "Do the infection control e-learning and then wash hands for 20 seconds before every personal care task",
    "Ensure the sensor mat is switched on before Mrs A goes to bed",
    "Ensure bed rails are up before leaving the room for residents assessed for them",
]


@pytest.mark.parametrize("behaviour", MENTIONS_GENERIC_BUT_CONCRETE)
def test_generic_words_with_a_concrete_anchor_are_not_flagged(behaviour):
    assert assess_action(behaviour, GOOD_WHEN, GOOD_CHECK, GOOD_CRITERION) == []


@pytest.mark.parametrize(
    "when",
    [
        "daily",
        "weekly",
        "fortnightly",
        "by 14 Dec 2026",
        "14/12/2026",
        "2026-12-14",
        "each handover",
        "at every medication round",
        "within 30 minutes of each task",
        "two observed shifts per week",
        "Mondays and Thursdays",
        "by end of March",
        "immediately after each administration",
        "before each personal care task",
        "twice a day",
        "by next supervision",
        "whenever a resident seems unwell",
        "if a dose is refused",
    ],
)
def test_good_whens(when):
    assert assess_action(GOOD_BEHAVIOUR, when, GOOD_CHECK, GOOD_CRITERION) == []


@pytest.mark.parametrize(
    "check",
    [
        "audit",
        "observation",
        "supervision",
        "record review",
        "sampling of notes",
        "spot check",
        "feedback from relatives",
        "MAR check",
        "handover review",
        "observed practice",
        "competency assessment by the nurse",
        "senior reviews daily notes",
        "senior sign-off",
        "dip sample of 5 notes",
        "team leader checks fluid charts",
        "reflective debrief",
        # someone checks a record the word lists have never heard of
        "Deputy reviews the family contact sheet monthly",
        "Team leader initials the handover sheet at handover",
        "Deputy reconciles the returns book with the MAR",
        "Kitchen manager inspects the fridge daily",
        "Contact sheets read by the care coordinator each week",
        "Unannounced trolley checks by the deputy",
        "Manager pulls the eMAR exceptions report every Monday",
        "Maintenance alarm report pulled by the manager each Monday",
        "TVN link nurse inspects the mattress setting on Tuesdays and Fridays",
        "Senior watches one eye drop round a week",
    ],
)
def test_good_check_methods(check):
    assert assess_action(GOOD_BEHAVIOUR, GOOD_WHEN, check, GOOD_CRITERION) == []


@pytest.mark.parametrize(
    "criterion",
    [
        "at least 90% of sampled notes on time across two audits",
        "≥ 90% MAR compliance across two consecutive audits",
        "no missed escalations in 4 weeks",
        "zero unsigned entries",
        "3 of 3 observed shifts",
        "every change in presentation has a recorded rationale and escalation within the shift",
        "all MAR entries signed at the time of administration",
        "95% complete monitoring and timely escalation within eight weeks",
        "fewer than 2 late notes per audit",
        "Audit score rises from 62% to 90%",
        "nine out of ten observed interactions use agreed prompts",
        "each refusal has a recorded reason",
        "no complaints about rushed care over 8 weeks",
        "training completed and 90% MAR compliance across two audits",
        "page completed for every new admission over 3 months",
        "every positive dip has a GP call noted the same day over 8 weeks",
    ],
)
def test_good_success_criteria(criterion):
    assert assess_action(GOOD_BEHAVIOUR, GOOD_WHEN, GOOD_CHECK, criterion) == []


# --- recall: weak actions and the exact findings they produce -----------------------------
G = ("generic_behaviour", "behaviour")
W = ("vague_when", "when")
C = ("no_check_method", "check_method")
A = ("activity_not_outcome", "success_criterion")
U = ("unobservable_criterion", "success_criterion")


def _bad(case_id, expected, behaviour=GOOD_BEHAVIOUR, when=GOOD_WHEN, check=GOOD_CHECK, criterion=GOOD_CRITERION):
    """A parametrised bad case with good defaults for the parts not under test."""
    return pytest.param(behaviour, when, check, criterion, expected, id=case_id)


BAD_ACTIONS = [
    _bad("all-generic", [G, W, C, A], "Complete training", "ongoing", "manager to monitor", "training completed"),
    # generic behaviour and its cousins
    _bad("complete-training", [G], behaviour="complete training"),
    _bad("completes-mandatory-training", [G], behaviour="Completes all mandatory medication training"),
    _bad("completed-training", [G], behaviour="Completed the training"),
    _bad("completing-elearning", [G], behaviour="Completing e-learning on dignity"),
    _bad("improve-communication", [G], behaviour="Improve communication"),
    _bad("improving-communication", [G], behaviour="Improving her communication with residents"),
    _bad("be-more-thorough", [G], behaviour="Be more thorough"),
    _bad("staff-reminded", [G], behaviour="Staff reminded"),
    _bad("staff-reminded-to-sign", [G], behaviour="Staff reminded to sign the MAR"),
    _bad("policy-reviewed", [G], behaviour="Policy reviewed"),
    _bad("manager-to-monitor", [G], behaviour="Manager to monitor"),
    _bad("manager-to-monitor-recording", [G], behaviour="Manager to monitor recording of fluids"),
    _bad("improve-recording", [G], behaviour="Improve recording"),
    _bad("improve-recording-of-notes", [G], behaviour="Improve the recording of care notes"),
    _bad("attend-training", [G], behaviour="Attend training"),
    _bad("undertake-refresher", [G], behaviour="Undertake medication refresher"),
    _bad("read-the-policy", [G], behaviour="Read the MAR policy"),
    _bad("read-and-sign-policy", [G], behaviour="Read and sign the medication policy"),
    _bad("be-more-careful", [G], behaviour="Be more careful when giving medicines"),
    _bad("take-more-care", [G], behaviour="Take more care with medication"),
    _bad("try-harder", [G], behaviour="Try harder"),
    _bad("improve-practice", [G], behaviour="Improve practice"),
    _bad("improve-attitude", [G], behaviour="Improve attitude towards residents"),
    _bad("be-more-professional", [G], behaviour="Be more professional"),
    _bad("reflect-on-practice", [G], behaviour="Reflect on practice"),
    _bad("ensure-compliance", [G], behaviour="Ensure compliance with the medication policy"),
    _bad("follow-policy", [G], behaviour="Follow policy"),
    _bad("to-be-monitored", [G], behaviour="To be monitored"),
    _bad("discuss-in-supervision", [G], behaviour="Discuss in supervision"),
    _bad("training-on-a-concrete-topic", [G], behaviour="Complete training on how to sign the MAR"),
    _bad("be-aware-of-escalation", [G], behaviour="Be aware of when to escalate to the senior"),
    _bad("raise-awareness", [G], behaviour="Raise awareness of dignity"),
    _bad("pay-attention", [G], behaviour="Pay more attention to residents"),
    _bad("maintain-boundaries", [G], behaviour="Maintain professional boundaries"),
    _bad("placeholder-behaviour", [G], behaviour="TBC"),
    _bad("adhere-to-procedures", [G], behaviour="Adhere to procedures"),
    _bad("comply-with-guidelines", [G], behaviour="Comply with guidelines"),
    _bad("re-read-policy", [G], behaviour="Re-read the safeguarding policy"),
    _bad("reminded-of-importance", [G], behaviour="Reminded of the importance of recording fluids"),
    _bad("shadow-a-senior", [G], behaviour="Shadow a senior"),
    _bad("write-better-notes", [G], behaviour="Write better notes"),
    _bad("communicate-better", [G], behaviour="Communicate better with families"),
    _bad("take-ownership", [G], behaviour="Take ownership of records"),
    _bad("know-when-to-escalate", [G], behaviour="Know when to escalate"),
    _bad("training-then-manner", [G], behaviour="Attend safeguarding training and report concerns appropriately"),
    _bad(
        "training-then-stance", [G], behaviour="Complete nutrition training and engage with residents at every mealtime"
    ),
    _bad("training-then-attitude", [G], behaviour="Attend dementia training and treat every resident with dignity"),
    _bad("bare-comparative", [G], behaviour="Offer more drinks"),
    _bad("be-a-trait", [G], behaviour="Be clear about her role with clients"),
    _bad("ensure-a-standard", [G], behaviour="Make sure her notes are up to scratch"),
    _bad(
        "training-then-own-learning", [G], behaviour="Complete the refresher and cascade learning at each team meeting"
    ),
    _bad(
        "training-then-own-work",
        [G],
        behaviour="Complete training and then check her own work at the end of every shift",
    ),
    _bad("training-then-a-colleague", [G], behaviour="Complete the refresher then observe a colleague twice a week"),
    _bad("act-where-appropriate", [G], behaviour="Refresh safeguarding training and escalate where appropriate"),
    # vague when
    _bad("when-ongoing", [W], when="Ongoing"),
    _bad("when-asap", [W], when="ASAP"),
    _bad("when-as-soon-as-possible", [W], when="as soon as possible"),
    _bad("when-as-required", [W], when="as required"),
    _bad("when-when-possible", [W], when="when possible"),
    _bad("when-tbc", [W], when="tbc"),
    _bad("when-na", [W], when="n/a"),
    _bad("when-continuous", [W], when="continuous"),
    _bad("when-going-forward", [W], when="going forward"),
    _bad("when-immediately-alone", [W], when="immediately"),
    _bad("when-at-all-times", [W], when="at all times"),
    _bad("when-regularly", [W], when="regularly"),
    _bad("when-until-further-notice", [W], when="until further notice"),
    _bad("when-prn", [W], when="PRN"),
    _bad("when-hedged", [W], when="ideally before she leaves if she can"),
    _bad("when-as-and-when", [W], when="as and when"),
    _bad("when-throughout-the-day", [W], when="throughout the day"),
    # no check method
    _bad("check-manager-to-monitor", [C], check="manager to monitor"),
    _bad("check-monitor", [C], check="monitor"),
    _bad("check-keep-an-eye", [C], check="keep an eye"),
    _bad("check-alone", [C], check="check"),
    _bad("check-ongoing", [C], check="ongoing"),
    _bad("check-monitor-progress", [C], check="Senior to monitor progress"),
    _bad("check-weekly-review-alone", [C], check="weekly review"),
    _bad("check-her-progress", [C], check="Manager reviews her progress"),
    _bad("check-she-is-doing-it", [C], check="Senior will check she is doing it"),
    _bad("check-in-with-her", [C], check="Line manager to check in with her weekly"),
    _bad("check-things", [C], check="Manager reviews things"),
    _bad("check-random", [C], check="Random checks"),
    _bad("check-only-if-not", [C], check="Will be picked up in supervision if not"),
    _bad("check-as-needed", [C], check="Record review at supervision as needed"),
    # activity, not outcome
    _bad("criterion-training-completed", [A], criterion="training completed"),
    _bad("criterion-attended-session", [A], criterion="Attended session"),
    _bad("criterion-policy-read", [A], criterion="Policy read"),
    _bad("criterion-staff-reminded", [A], criterion="Staff reminded"),
    _bad("criterion-completed", [A], criterion="Completed"),
    _bad("criterion-signed-off", [A], criterion="signed off"),
    _bad("criterion-training-by-date", [A], criterion="All training completed by 14 Dec 2026"),
    _bad("criterion-elearning", [A], criterion="E-learning certificate received"),
    # unobservable
    _bad("criterion-improved", [U], criterion="improved"),
    _bad("criterion-better", [U], criterion="Better"),
    _bad("criterion-satisfactory", [U], criterion="satisfactory"),
    _bad("criterion-good-practice", [U], criterion="good practice"),
    _bad("criterion-more-thorough", [U], criterion="more thorough"),
    _bad("criterion-manager-happy", [U], criterion="manager happy"),
    _bad("criterion-notes-improved", [U], criterion="All notes improved"),
    _bad("criterion-improved-within-weeks", [U], criterion="improved within 4 weeks"),
    _bad("criterion-no-further-concerns", [U], criterion="No further concerns"),
    _bad("criterion-fewer-errors", [U], criterion="fewer MAR errors"),
    _bad("criterion-positive-feedback", [U], criterion="positive feedback"),
    _bad("criterion-competent", [U], criterion="deemed competent"),
    _bad("criterion-placeholder", [U], criterion="tbc"),
    _bad("criterion-appropriate-use", [U], criterion="appropriate phone use"),
    _bad("criterion-more-confident", [U], criterion="staff member is more confident escalating"),
    # combinations and placeholders
    _bad("two-fields", [G, U], behaviour="Be more careful", criterion="better"),
    _bad(
        "generic-everything-else", [G, W, C, U], "Improve recording", "going forward", "keep an eye", "seems better now"
    ),
]


@pytest.mark.parametrize(("behaviour", "when", "check", "criterion", "expected"), BAD_ACTIONS)
def test_weak_actions_are_flagged(behaviour, when, check, criterion, expected):
    findings = assess_action(behaviour, when, check, criterion)
    assert [(f.code, f.field) for f in findings] == expected


# --- missing parts -------------------------------------------------------------------------
@pytest.mark.parametrize("blank", [None, "", "   ", "\n\t", " - "], ids=repr)
@pytest.mark.parametrize("field", FIELDS)
def test_none_blank_or_punctuation_is_missing(field, blank):
    parts = dict(zip(FIELDS, (GOOD_BEHAVIOUR, GOOD_WHEN, GOOD_CHECK, GOOD_CRITERION), strict=True))
    parts[field] = blank
    assert [(f.code, f.field) for f in assess_action(*parts.values())] == [("missing_part", field)]


def test_all_parts_missing_reported_in_field_order():
    findings = assess_action(None, "", "  ", None)
    assert [(f.code, f.field) for f in findings] == [("missing_part", f) for f in FIELDS]


def test_missing_part_suppresses_other_codes_for_that_field():
    findings = assess_action("", "ongoing", None, "improved")
    assert [(f.code, f.field) for f in findings] == [
        ("missing_part", "behaviour"),
        W,
        ("missing_part", "check_method"),
        U,
    ]


# --- messages, order, determinism, immutability --------------------------------------------
ALL_CODE_CASES = [
    (None, None, None, None),
    ("complete training", "ongoing", "monitor", "training completed"),
    ("be more thorough", "asap", "check", "improved"),
]
US_SPELLINGS = re.compile(
    r"\b(behavior|color|center|organiz|recogniz|prioritiz|practicing|"
    r"analyz|program\b|judgment|favor)",
    re.I,
)


def _all_findings():
    return [f for case in ALL_CODE_CASES for f in assess_action(*case)]


def test_every_code_is_exercised_and_known():
    found = {f.code for f in _all_findings()}
    assert found == set(CODES)


@pytest.mark.parametrize("finding", _all_findings(), ids=lambda f: f"{f.field}-{f.code}")
def test_messages_are_plain_uk_english_with_an_example(finding):
    assert finding.message.strip()
    assert "e.g." in finding.message
    assert not US_SPELLINGS.search(finding.message)
    assert finding.field in FIELDS
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", finding.code)


def test_generic_message_quotes_the_wording_used():
    (finding,) = assess_action("Be more careful", GOOD_WHEN, GOOD_CHECK, GOOD_CRITERION)
    assert '"Be more careful"' in finding.message


def test_findings_follow_field_order_and_are_unique_per_field_and_code():
    findings = assess_action("improve communication", "tbc", "keep an eye", "better")
    assert [f.field for f in findings] == list(FIELDS)
    assert len({(f.field, f.code) for f in findings}) == len(findings)


def test_results_are_deterministic():
    case = ("Staff reminded", "when possible", "manager to monitor", "policy read")
    assert assess_action(*case) == assess_action(*case) == assess_action(*case)


def test_finding_is_immutable():
    finding = Finding("vague_when", "when", 'Say when, e.g. "every shift".')
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "other"  # type: ignore[misc]
    assert hash(finding) == hash(Finding("vague_when", "when", 'Say when, e.g. "every shift".'))


@pytest.mark.parametrize(
    "text",
    [
        "COMPLETE TRAINING",
        "complete   training",
        "Complete training!!!",
        "  complete\ttraining. ",
        "Completes training",
        "Completed the training",
        "Completing training",
    ],
)
def test_normalisation_of_case_spacing_punctuation_and_inflection(text):
    findings = assess_action(text, GOOD_WHEN, GOOD_CHECK, GOOD_CRITERION)
    assert [(f.code, f.field) for f in findings] == [G]


def test_phrases_are_found_where_trying_every_position_finds_them():
    """`_spans` tries a pattern only where its first word stands: the same spans as trying it at
    every position, for word sequences made of the patterns' own words, gaps and clause breaks."""
    import random

    from pip_app import quality

    patterns = quality._ANCHOR_PHRASES + quality._ENSURE + quality._CHECK_HEDGES + quality._CHECK_METHODS
    words = sorted({w for pattern in patterns for alts in pattern for w in alts if w != "*"}) + ["staff", "note"]
    breaks = sorted(quality._BREAKS)[:3] + [None]

    def every_position(stems, skip=frozenset()):
        found = set()
        for pattern in patterns:
            for i in range(len(stems)):
                end = quality._match_at(stems, pattern, i)
                if end is not None and not skip.intersection(range(i, end + 1)):
                    found.add((i, end))
        return sorted(found)

    rng = random.Random(15)
    matched = 0
    for _ in range(400):
        stems = [rng.choice(words) if rng.random() < 0.85 else rng.choice(breaks) for _ in range(rng.randint(0, 30))]
        skip = frozenset(rng.sample(range(len(stems)), k=min(len(stems), rng.randint(0, 3))))
        expected = every_position(stems, skip)
        assert quality._spans(stems, patterns, skip) == expected, stems
        matched += bool(expected)
    assert matched > 50  # the sequences do contain phrases
