"""The starter plan templates: shape, enums, lookups, and that our own actions pass the checker."""

import dataclasses

import pytest
from markupsafe import escape

from pip_app import plan_templates
from pip_app.models import ControlKind, EvidenceSource, KeyQuestion, RiskArea
from pip_app.plan_templates import (
    TEMPLATES,
    ActionTemplate,
    ControlTemplate,
    MeasureTemplate,
    PlanTemplate,
    get_template,
)
from pip_app.quality import assess_action

EXPECTED_KEYS = ["escalation", "records", "dignity", "medicines", "hydration", "appointments"]

ACTIONS = [
    pytest.param(action, id=f"{template.key}-A{number}")
    for template in TEMPLATES
    for number, action in enumerate(template.actions, start=1)
]
MEASURES = [
    pytest.param(action.measure, id=f"{template.key}-A{number}")
    for template in TEMPLATES
    for number, action in enumerate(template.actions, start=1)
    if action.measure is not None
]
CONTROLS = [
    pytest.param(control, id=f"{template.key}-C{number}")
    for template in TEMPLATES
    for number, control in enumerate(template.controls, start=1)
]
BY_KEY = [pytest.param(template, id=template.key) for template in TEMPLATES]


# --- the checker must not nag about our own templates -------------------------------------
@pytest.mark.parametrize("action", ACTIONS)
def test_every_template_action_passes_the_quality_checker(action):
    findings = assess_action(action.behaviour, action.when, action.check_method, action.success_criterion)
    assert findings == [], [(f.field, f.code, f.message) for f in findings]


# --- keys, order, lookups -----------------------------------------------------------------
def test_six_templates_with_the_listed_keys_in_order():
    assert [template.key for template in TEMPLATES] == EXPECTED_KEYS
    assert len({template.key for template in TEMPLATES}) == len(TEMPLATES)


def test_titles_are_short_and_unique():
    titles = [template.title for template in TEMPLATES]
    assert len(set(titles)) == len(titles)
    assert all(0 < len(title) <= 40 for title in titles)
    assert get_template("escalation").title == "Escalation after near misses"


@pytest.mark.parametrize("key", EXPECTED_KEYS)
def test_get_template_returns_the_template_with_that_key(key):
    template = get_template(key)
    assert isinstance(template, PlanTemplate)
    assert template.key == key


@pytest.mark.parametrize("key", ["", "unknown", "Escalation", " escalation", "medication"])
def test_get_template_unknown_key_is_none(key):
    assert get_template(key) is None


# --- shape and enums ----------------------------------------------------------------------
@pytest.mark.parametrize("template", BY_KEY)
def test_template_fields_are_filled_and_enums_valid(template):
    assert isinstance(template.risk_area, RiskArea)
    assert template.evidence_sources and all(isinstance(source, EvidenceSource) for source in template.evidence_sources)
    assert len(set(template.evidence_sources)) == len(template.evidence_sources)
    assert template.key_questions and all(isinstance(question, KeyQuestion) for question in template.key_questions)
    assert len(set(template.key_questions)) == len(template.key_questions)
    for text in (template.summary, template.risk_statement, template.baseline_hint):
        assert isinstance(text, str) and text.strip()
    assert isinstance(template.weeks, int) and 1 <= template.weeks <= 12
    assert isinstance(template.observations_per_week, int)
    assert 0 <= template.observations_per_week <= 7
    assert 2 <= len(template.actions) <= 4
    assert 1 <= len(template.controls) <= 3
    assert all(isinstance(action, ActionTemplate) for action in template.actions)
    assert all(isinstance(control, ControlTemplate) for control in template.controls)


@pytest.mark.parametrize("template", BY_KEY)
def test_risk_statement_names_who_is_at_risk(template):
    statement = template.risk_statement.lower()
    assert "people using the service" in statement or "residents" in statement


@pytest.mark.parametrize("template", BY_KEY)
def test_collections_are_tuples_so_templates_stay_immutable(template):
    for value in (template.evidence_sources, template.key_questions, template.controls, template.actions):
        assert isinstance(value, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        template.title = "changed"  # type: ignore[misc]


def test_worked_examples_keep_their_domain_shape():
    escalation = get_template("escalation")
    assert escalation.risk_area is RiskArea.ESCALATION
    assert escalation.weeks == 4 and escalation.observations_per_week == 2
    assert ControlKind.ESCALATION_SIGN_OFF in {c.kind for c in escalation.controls}
    assert EvidenceSource.NEAR_MISS in escalation.evidence_sources

    records = get_template("records")
    assert records.risk_area is RiskArea.RECORDS and records.weeks == 3
    assert ControlKind.NOTES_SIGN_OFF in {c.kind for c in records.controls}

    dignity = get_template("dignity")
    assert dignity.risk_area is RiskArea.DIGNITY and dignity.observations_per_week == 2
    assert {ControlKind.PAIRED_WORKING, ControlKind.MANAGERIAL_PRESENCE} <= {c.kind for c in dignity.controls}

    medicines = get_template("medicines")
    assert medicines.risk_area is RiskArea.MEDICATION
    mar = [a.measure for a in medicines.actions if a.measure and a.measure.unit == "%"]
    assert any(m.target >= 90 and m.consecutive >= 2 for m in mar)


# --- actions, measures, controls ----------------------------------------------------------
@pytest.mark.parametrize("action", ACTIONS)
def test_action_parts_are_plain_non_empty_text(action):
    for part in (action.behaviour, action.when, action.check_method, action.success_criterion):
        assert isinstance(part, str) and part.strip() == part and part
    assert action.measure is None or isinstance(action.measure, MeasureTemplate)


@pytest.mark.parametrize("measure", MEASURES)
def test_measures_have_targets_and_consecutive_checks(measure):
    assert measure.name.strip() and measure.unit.strip()
    assert isinstance(measure.target, (int, float)) and not isinstance(measure.target, bool)
    assert measure.target >= 0
    assert isinstance(measure.consecutive, int) and measure.consecutive >= 1
    assert isinstance(measure.higher_is_better, bool)
    if measure.unit == "%":
        assert 0 <= measure.target <= 100
    if measure.unit.startswith("of "):
        assert measure.target <= int(measure.unit.split()[1])


def test_most_actions_carry_a_measure():
    with_measure = sum(1 for t in TEMPLATES for a in t.actions if a.measure is not None)
    total = sum(len(t.actions) for t in TEMPLATES)
    assert with_measure * 2 > total


@pytest.mark.parametrize("control", CONTROLS)
def test_controls_have_a_kind_detail_and_review_window(control):
    assert isinstance(control.kind, ControlKind)
    assert control.detail.strip()
    assert isinstance(control.review_after_days, int)
    assert 3 <= control.review_after_days <= 42


def test_module_is_pure_data_without_flask_or_database():
    with open(plan_templates.__file__, encoding="utf-8") as module:
        source = module.read()
    for forbidden in ("import flask", "from flask", "extensions", "db.session", "sqlalchemy"):
        assert forbidden not in source.lower()


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.key)
def test_the_baseline_hint_says_e_g_once(world, sign_in, template):
    """The form says “Where practice is now, e.g. …”: a hint that began with “e.g.” said it twice."""
    page = sign_in(world["manager"]).get(f"/plans/new?template={template.key}").text
    assert "e.g. “e.g." not in page
    assert f"Where practice is now, e.g. “{escape(template.baseline_hint)}”." in page
