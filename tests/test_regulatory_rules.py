"""Which regulatory questions apply (pure rules, no app)."""

from pip_app.models import ClosureOutcome, ControlKind, Nation, ProfessionalRegister
from pip_app.regulatory_rules import outstanding, professional_regulator, questions, triggered, workforce_regulator


def test_a_plan_needs_decisions_when_not_achieved_or_duties_are_restricted():
    assert triggered(ClosureOutcome.NOT_ACHIEVED, [])
    assert triggered(None, [ControlKind.PAIRED_WORKING, ControlKind.RESTRICTED_DUTIES])
    assert triggered("not_achieved", ["other"])
    assert not triggered(ClosureOutcome.ACHIEVED, [ControlKind.PAIRED_WORKING])
    assert not triggered(None, [])


def test_the_dbs_and_safeguarding_questions_always_apply():
    assert questions(Nation.ENGLAND, ProfessionalRegister.NONE) == ["dbs", "safeguarding"]
    assert questions(Nation.NORTHERN_IRELAND, ProfessionalRegister.NONE) == ["dbs", "safeguarding"]


def test_the_professional_regulator_applies_to_its_registrants_only():
    for register in (ProfessionalRegister.NMC, ProfessionalRegister.HCPC, ProfessionalRegister.SWE):
        assert questions(Nation.ENGLAND, register) == ["dbs", "professional", "safeguarding"]
    assert "professional" not in questions(Nation.SCOTLAND, ProfessionalRegister.SSSC)
    assert professional_regulator(ProfessionalRegister.HCPC) == "the HCPC"


def test_the_workforce_regulator_applies_in_scotland_and_wales():
    assert questions(Nation.SCOTLAND, ProfessionalRegister.SSSC) == ["dbs", "workforce", "safeguarding"]
    assert questions(Nation.WALES, ProfessionalRegister.SCW) == ["dbs", "workforce", "safeguarding"]
    assert questions("wales", "nmc") == ["dbs", "professional", "workforce", "safeguarding"]
    assert workforce_regulator(Nation.SCOTLAND) == "the SSSC"
    assert workforce_regulator("wales") == "Social Care Wales"


def test_what_is_not_recorded_is_asked_about():
    assert questions(None, None) == ["dbs", "professional", "workforce", "safeguarding"]


def test_outstanding_lists_what_is_left_to_answer():
    assert outstanding(None, [], Nation.WALES, ProfessionalRegister.NMC, []) == []
    assert outstanding("not_achieved", [], "england", "none", ["dbs"]) == ["safeguarding"]
    assert outstanding("not_achieved", [], "england", "none", ["dbs", "safeguarding"]) == []
    # An answer to a question that no longer applies does not count for another.
    assert outstanding(None, ["restricted_duties"], "england", "none", ["workforce"]) == ["dbs", "safeguarding"]
