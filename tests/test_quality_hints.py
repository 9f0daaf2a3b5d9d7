"""Measurability hints quote the plan's own risk area's example (issue 22, point 10): in the
pure checker, in the live check as the manager types, and beside a saved action in the builder."""

from html import escape

import pytest

from pip_app.models import PlanStatus, RiskArea
from pip_app.quality import EXAMPLES, FIELDS, assess_action, example_for
from tests.factories import make_action

AREAS = list(RiskArea)
VAGUE = ("Complete training", "ongoing", "manager to monitor", "training completed")
UNOBSERVABLE = ("Be more careful", "going forward", "keep an eye", "improved")


def _quoted(example, field):
    return f'"{getattr(example, field)}"'


def test_every_risk_area_has_its_own_example_and_each_is_measurable():
    assert set(EXAMPLES) == {area.value for area in RiskArea}
    assert len({e.behaviour for e in EXAMPLES.values()}) == len(EXAMPLES)
    for example in EXAMPLES.values():
        assert assess_action(example.behaviour, example.when, example.check_method, example.success_criterion) == []


@pytest.mark.parametrize("area", AREAS, ids=str)
@pytest.mark.parametrize("action", [VAGUE, UNOBSERVABLE, (None, None, None, None)], ids=["vague", "vague-2", "blank"])
def test_every_hint_quotes_the_risk_area_example(area, action):
    findings = assess_action(*action, risk_area=area)
    assert {f.field for f in findings} == set(FIELDS)
    example = EXAMPLES[area.value]
    for finding in findings:
        assert _quoted(example, finding.field) in finding.message, finding
        others = [e for key, e in EXAMPLES.items() if key != area.value]
        assert not any(_quoted(e, "behaviour") in finding.message for e in others)


def test_without_a_risk_area_the_hints_use_the_escalation_example():
    assert example_for(None) == EXAMPLES["escalation"] == example_for("escalation")
    (finding,) = assess_action("Be more careful", "every shift", "weekly audit of notes", "zero errors in 4 weeks")
    assert EXAMPLES["escalation"].behaviour in finding.message


@pytest.fixture
def manager(world, sign_in):
    return sign_in(world["manager"])


def _draft(world, make_plan, area):
    return make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT, risk_area=area
    )


@pytest.mark.parametrize("area", AREAS, ids=str)
def test_the_live_check_shows_the_plans_risk_area_example(world, make_plan, manager, area):
    plan = _draft(world, make_plan, area)
    data = {f"action-{name}": value for name, value in zip(FIELDS, VAGUE, strict=True)}
    response = manager.post(f"/plans/{plan.id}/actions/check", data={**data, "quality_slot": "new"}, htmx=True)
    assert response.status_code == 200
    example = EXAMPLES[area.value]
    for field in FIELDS:
        assert escape(getattr(example, field)) in response.text, field
    for key, other in EXAMPLES.items():
        if key != area.value:
            assert escape(other.behaviour) not in response.text


@pytest.mark.parametrize("area", AREAS, ids=str)
def test_a_saved_vague_action_shows_the_plans_risk_area_example(world, make_plan, manager, area):
    plan = _draft(world, make_plan, area)
    make_action(plan, 1, behaviour="Be more careful", check_method="keep an eye")
    page = manager.get(f"/plans/{plan.id}/edit").text
    example = EXAMPLES[area.value]
    assert escape(example.behaviour) in page and escape(example.check_method) in page
