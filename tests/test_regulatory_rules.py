"""Which regulatory questions apply (pure rules, no app)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pip_app.models import ClosureOutcome, ControlKind, Nation, PlanStage, ProfessionalRegister
from pip_app.regulatory_rules import (
    in_words,
    outstanding,
    professional_regulator,
    questions,
    reasons,
    triggered,
    workforce_regulator,
)


def test_a_plan_needs_decisions_when_not_achieved_or_duties_are_restricted():
    assert triggered(ClosureOutcome.NOT_ACHIEVED, [], stage="informal")
    assert triggered(None, [ControlKind.PAIRED_WORKING, ControlKind.RESTRICTED_DUTIES], stage=PlanStage.INFORMAL)
    assert triggered("not_achieved", ["other"], stage=None)
    assert not triggered(ClosureOutcome.ACHIEVED, [ControlKind.PAIRED_WORKING], stage=PlanStage.INFORMAL)
    assert not triggered(None, [], stage=None)


def test_a_formal_stage_a_leaver_and_removal_from_regulated_activity_call_for_decisions_too():
    for stage in (PlanStage.STAGE_1, PlanStage.STAGE_2, PlanStage.HEARING):
        assert triggered(None, [], stage=stage)
        assert triggered(ClosureOutcome.ACHIEVED, [], stage=stage)  # the formal stage was reached all the same
    assert triggered(ClosureOutcome.LEFT, [], stage=PlanStage.INFORMAL)
    assert triggered("left", [], stage="informal")
    assert triggered(None, [ControlKind.REMOVED_FROM_REGULATED_ACTIVITY], stage="informal")
    for outcome in (ClosureOutcome.ACHIEVED, ClosureOutcome.PARTLY, ClosureOutcome.WITHDRAWN):
        assert not triggered(outcome, [], stage=PlanStage.INFORMAL)


def test_the_reasons_say_why_in_words():
    assert reasons(None, [], stage="informal") == []
    assert in_words(reasons(ClosureOutcome.LEFT, [], stage="informal")) == (
        "ended because the staff member left during the procedure"
    )
    found = reasons(
        ClosureOutcome.NOT_ACHIEVED,
        [ControlKind.REMOVED_FROM_REGULATED_ACTIVITY, ControlKind.RESTRICTED_DUTIES],
        stage=PlanStage.STAGE_2,
    )
    assert in_words(found) == (
        "moved to a formal stage, closed “not achieved”, has an interim control of restricted duties in force "
        "and has an interim control removing the staff member from regulated activity"
    )


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([None, *ClosureOutcome]),
    st.lists(st.sampled_from(list(ControlKind)), max_size=4),
    st.sampled_from([None, *PlanStage]),
)
def test_triggered_is_exactly_one_of_the_four_triggers(outcome, kinds, stage):
    expected = (
        stage not in (None, PlanStage.INFORMAL)
        or outcome in (ClosureOutcome.NOT_ACHIEVED, ClosureOutcome.LEFT)
        or any(k in (ControlKind.RESTRICTED_DUTIES, ControlKind.REMOVED_FROM_REGULATED_ACTIVITY) for k in kinds)
    )
    assert triggered(outcome, kinds, stage=stage) is expected
    assert bool(reasons(outcome, kinds, stage=stage)) is expected
    # Stored values (as lists and SQL rows give them) and the enums agree.
    plain = triggered(
        outcome.value if outcome else None, [k.value for k in kinds], stage=stage.value if stage else None
    )
    assert plain is expected


def test_the_dbs_and_safeguarding_questions_always_apply():
    assert questions(Nation.ENGLAND, ProfessionalRegister.NONE) == ["dbs", "safeguarding"]
    assert questions(Nation.NORTHERN_IRELAND, ProfessionalRegister.NONE)[0] == "dbs"
    assert questions(Nation.NORTHERN_IRELAND, ProfessionalRegister.NONE)[-1] == "safeguarding"


def test_the_professional_regulator_applies_to_its_registrants_only():
    for register in (ProfessionalRegister.NMC, ProfessionalRegister.HCPC, ProfessionalRegister.SWE):
        assert questions(Nation.ENGLAND, register) == ["dbs", "professional", "safeguarding"]
    assert "professional" not in questions(Nation.SCOTLAND, ProfessionalRegister.SSSC)
    assert professional_regulator(ProfessionalRegister.HCPC) == "the HCPC"


def test_the_workforce_regulator_applies_in_scotland_wales_and_northern_ireland():
    assert questions(Nation.SCOTLAND, ProfessionalRegister.SSSC) == ["dbs", "workforce", "safeguarding"]
    assert questions(Nation.WALES, ProfessionalRegister.SCW) == ["dbs", "workforce", "safeguarding"]
    assert questions(Nation.NORTHERN_IRELAND, ProfessionalRegister.NISCC) == ["dbs", "workforce", "safeguarding"]
    assert questions("wales", "nmc") == ["dbs", "professional", "workforce", "safeguarding"]
    assert questions(Nation.ENGLAND, ProfessionalRegister.NONE) == ["dbs", "safeguarding"]
    assert workforce_regulator(Nation.SCOTLAND) == "the SSSC"
    assert workforce_regulator("wales") == "Social Care Wales"
    assert workforce_regulator(Nation.NORTHERN_IRELAND) == "the NISCC"
    assert "the NISCC (Northern Ireland)" in workforce_regulator(None)


def test_what_is_not_recorded_is_asked_about():
    assert questions(None, None) == ["dbs", "professional", "workforce", "safeguarding"]


def test_outstanding_lists_what_is_left_to_answer():
    assert outstanding(None, [], Nation.WALES, ProfessionalRegister.NMC, [], stage="informal") == []
    assert outstanding("not_achieved", [], "england", "none", ["dbs"], stage="informal") == ["safeguarding"]
    assert outstanding("not_achieved", [], "england", "none", ["dbs", "safeguarding"], stage="informal") == []
    # An answer to a question that no longer applies does not count for another.
    assert outstanding(None, ["restricted_duties"], "england", "none", ["workforce"], stage="informal") == [
        "dbs",
        "safeguarding",
    ]
    assert outstanding(None, [], "northern_ireland", "niscc", ["dbs"], stage="stage_1") == ["workforce", "safeguarding"]
