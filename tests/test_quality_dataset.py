"""The measurability checker against fresh sets of actions written as UK care managers write
them (issue 22, point 11): tests/data/measurability_*.toml, each headed by how it was made.

Thresholds, per set: at most 1 false flag per 25 measurable actions, and no vague action passed
(each vague action is flagged on the part that is vague).
"""

import tomllib
from pathlib import Path

import pytest

from pip_app.models import RiskArea
from pip_app.quality import FIELDS, assess_action

SETS = {
    path.stem: tomllib.loads(path.read_text(encoding="utf-8"))
    for path in sorted((Path(__file__).parent / "data").glob("measurability_*.toml"))
}
MEASURABLE = [action for data in SETS.values() for action in data["measurable"]]
VAGUE = [action for data in SETS.values() for action in data["vague"]]


def _assess(action: dict) -> list:
    return assess_action(action["behaviour"], action["when"], action["check"], action["criterion"])


def test_the_first_set_is_large_enough_and_covers_every_risk_area():
    first = SETS["measurability_fresh"]
    assert len(first["measurable"]) >= 50 and len(first["vague"]) >= 30
    areas = {a.value for a in RiskArea}
    assert {a["area"] for a in first["measurable"]} == areas
    assert {a["area"] for a in MEASURABLE + VAGUE} <= areas
    assert all(set(a["weak"]) <= set(FIELDS) and a["weak"] for a in VAGUE)


@pytest.mark.parametrize("name", sorted(SETS))
def test_false_flags_stay_within_one_per_25_measurable_actions(name):
    measurable = SETS[name]["measurable"]
    flagged = {a["behaviour"]: [(f.field, f.code) for f in _assess(a)] for a in measurable}
    flagged = {behaviour: found for behaviour, found in flagged.items() if found}
    assert len(flagged) * 25 <= len(measurable), flagged


@pytest.mark.parametrize("name", sorted(SETS))
def test_no_vague_action_passes_and_its_vague_part_is_flagged(name):
    vague = SETS[name]["vague"]
    missed = {a["behaviour"]: a["weak"] for a in vague if not set(a["weak"]) <= {f.field for f in _assess(a)}}
    assert missed == {}


@pytest.mark.parametrize("action", VAGUE, ids=lambda a: a["behaviour"][:40])
def test_each_vague_action_is_flagged(action):
    assert _assess(action)
