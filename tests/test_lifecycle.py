"""Pure lifecycle rules: the status moves of plans and actions, what stops issue, which reviews
count, the first review date, readable version diffs."""

from datetime import date
from types import SimpleNamespace as NS

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pip_app.lifecycle import (
    ACTION_MOVES,
    PLAN_MOVES,
    MoveRefused,
    action_move,
    current_reviews,
    diff_snapshots,
    first_review_date,
    following_review_date,
    issue_problems,
    may_move,
    plan_move,
    quality_findings,
    snapshot_digest,
)


def plan(**overrides):
    good = NS(
        ref="A1",
        id=1,
        behaviour="Sign the MAR at the time of each administration",
        when="at every medication round",
        check_method="Weekly MAR audit",
        success_criterion="At least 90% MAR compliance across two audits",
    )
    base = dict(
        risk_area="medication",
        risk_statement="Missed doses harm residents.",
        evidence_sources=["audit"],
        controls=[NS(status=NS(value="active"))],
        no_control_reason=None,
        actions=[good],
        review_weekday=0,
        review_interval_days=7,
        start_date=date(2026, 11, 23),
        planned_end_date=date(2026, 12, 21),
    )
    base.update(overrides)
    return NS(**base)


def test_a_complete_plan_has_no_problems():
    assert issue_problems(plan()) == []


@pytest.mark.parametrize(
    "overrides,anchor",
    [
        ({"risk_statement": "  "}, "risk"),
        ({"evidence_sources": []}, "risk"),
        ({"controls": []}, "controls"),
        ({"controls": [NS(status=NS(value="lifted"))]}, "controls"),
        ({"actions": []}, "actions"),
        (
            {
                "actions": [
                    NS(ref="A1", id=7, behaviour="Sign the MAR", when="", check_method="", success_criterion="x")
                ]
            },
            "action-7",
        ),
        ({"planned_end_date": date(2026, 1, 1)}, "risk"),
    ],
)
def test_each_missing_part_is_named_with_where_to_fix_it(overrides, anchor):
    problems = issue_problems(plan(**overrides))
    assert [p.anchor for p in problems] == [anchor]


def test_an_explicit_reason_replaces_the_interim_control():
    assert issue_problems(plan(controls=[], no_control_reason="Supervised practice only")) == []


def test_quality_findings_are_keyed_by_action():
    vague = NS(
        ref="A2", id=2, behaviour="Complete training", when="ongoing", check_method="monitor", success_criterion="done"
    )
    found = quality_findings(plan(actions=[plan().actions[0], vague]))
    assert list(found) == ["A2"]


@pytest.mark.parametrize(
    "start,weekday,expected",
    [
        (date(2026, 11, 23), 0, date(2026, 11, 30)),  # a Monday start with Monday reviews: a week later
        (date(2026, 11, 23), 2, date(2026, 11, 25)),
        (date(2026, 11, 29), 0, date(2026, 11, 30)),
    ],
)
def test_first_review_date(start, weekday, expected):
    assert first_review_date(start, weekday) == expected


def test_diff_names_changed_fields_and_added_actions():
    old = {"risk_statement": "A", "actions": [{"ref": "A1", "behaviour": "x", "when": "daily"}], "controls": []}
    new = {
        "risk_statement": "B",
        "actions": [
            {"ref": "A1", "behaviour": "x", "when": "every shift"},
            {"ref": "A2", "behaviour": "y", "when": "weekly"},
        ],
        "controls": [{"kind": "Paired working"}],
    }
    rows = diff_snapshots(old, new)
    assert ("Risk statement", "A", "B") in rows
    assert ("A1: When", "daily", "every shift") in rows
    assert ("A2 added", None, "y") in rows
    assert ("Control 1 added", None, "Paired working") in rows
    assert diff_snapshots(new, new) == []


def test_a_snapshots_digest_is_of_its_content_not_how_it_was_written():
    issued = {"risk_statement": "A", "actions": [{"ref": "A1", "measure": {"target": 90, "baseline": 68.5}}]}
    read_back = {"actions": [{"measure": {"baseline": 68.5, "target": 90.0}, "ref": "A1"}], "risk_statement": "A"}
    assert snapshot_digest(issued) == snapshot_digest(read_back)  # key order, 90 or 90.0
    assert snapshot_digest(issued) != snapshot_digest(issued | {"risk_statement": "a"})
    assert snapshot_digest(issued) != snapshot_digest(
        {**issued, "actions": [{"ref": "A1", "measure": {"target": 90.5}}]}
    )
    assert len(snapshot_digest(issued)) == 64


FIELD = st.one_of(st.none(), st.sampled_from(["x", "y", ""]), st.sampled_from([90, 90.0, 90.5, True]))
ACTION = st.fixed_dictionaries({"ref": st.sampled_from(["A1", "A2"]), "behaviour": FIELD, "target": FIELD})
SNAPSHOT = st.fixed_dictionaries(
    {
        "risk_statement": FIELD,
        "actions": st.lists(ACTION, max_size=2, unique_by=lambda a: a["ref"]),
        "controls": st.just([]),
    }
)


@given(SNAPSHOT, SNAPSHOT)
def test_snapshots_with_one_digest_have_nothing_to_diff(old, new):
    """The plan page trusts an equal digest to mean no unissued changes (services.plans)."""
    if snapshot_digest(old) == snapshot_digest(new):
        assert diff_snapshots(old, new) == []


def test_diff_ignores_control_governance_in_old_and_new_snapshots():
    """Status, lift details and check dates are live governance: a lift is not a plan change."""
    authored = {"kind": "Paired working", "detail": "Paired for morning care", "review_by_date": "2026-12-07"}
    old = {"controls": [authored | {"status": "Active"}], "actions": []}
    lifted = {
        "controls": [
            authored
            | {
                "status": "Lifted",
                "lifted_on": "2026-11-30",
                "lift_rationale": "Safe now",
                "lifted_by": "Senior",
                "last_checked_on": "2026-11-29",
            }
        ],
        "actions": [],
    }
    assert diff_snapshots(old, {"controls": [authored], "actions": []}) == []
    assert diff_snapshots(old, lifted) == []
    edited = {"controls": [authored | {"detail": "Paired for all personal care"}], "actions": []}
    assert diff_snapshots(old, edited) == [
        ("Control 1: Detail", "Paired for morning care", "Paired for all personal care")
    ]


# --- The status moves: one table for plans and one for actions

PLAN_STATUSES = ("draft", "active", "paused", "closed")
ALLOWED_PLAN_MOVES = {
    # move: {from: to}
    "issue": {"draft": "active"},
    "amend": {"active": "active", "paused": "paused"},
    "review": {"active": "active"},
    "extend": {"active": "active"},
    "pause": {"active": "paused"},
    "resume": {"paused": "active"},
    "close": {"active": "closed", "paused": "closed"},
}


@pytest.mark.parametrize("move", sorted(ALLOWED_PLAN_MOVES))
@pytest.mark.parametrize("current", PLAN_STATUSES)
def test_every_plan_move_from_every_status(move, current):
    allowed = ALLOWED_PLAN_MOVES[move]
    assert may_move(current, move) is (current in allowed)
    if current in allowed:
        assert plan_move(current, move) == allowed[current]
    else:
        with pytest.raises(MoveRefused) as refused:
            plan_move(current, move)
        assert str(refused.value) == PLAN_MOVES[move].refusal


def test_the_table_is_the_whole_lifecycle():
    assert set(PLAN_MOVES) == set(ALLOWED_PLAN_MOVES)
    assert set(ACTION_MOVES) == {"completed", "assured", "not_met"}
    # Nothing leaves closed, and nothing returns to draft.
    assert all(not may_move("closed", move) for move in PLAN_MOVES)
    assert all(rule.target != "draft" for rule in PLAN_MOVES.values())
    with pytest.raises(MoveRefused, match=r"A plan cannot reopen\."):
        plan_move("closed", "reopen")


@pytest.mark.parametrize(
    "current,move,result",
    [
        ("open", "completed", "completed"),
        ("completed", "assured", "assured"),
        ("open", "not_met", "not_met"),
        ("completed", "not_met", "not_met"),
        ("not_met", "not_met", "not_met"),
        ("open", "assured", "A2 must be completed before it can be assured."),
        ("not_met", "assured", "A2 must be completed before it can be assured."),
        ("completed", "completed", "A2 is already completed."),
        ("assured", "completed", "A2 is already assured."),
        ("assured", "not_met", "A2 is already assured."),
        ("open", "open", "Choose completed, assured or not met."),
    ],
)
def test_action_moves(current, move, result):
    """Completed (done) → assured (evidence practice changed); not met from anything but assured."""
    if result in ("completed", "assured", "not_met"):
        assert action_move(current, move, ref="A2", current_label=current.replace("_", " ")) == result
    else:
        with pytest.raises(MoveRefused, match=result):
            action_move(current, move, ref="A2", current_label=current.replace("_", " "))


def test_current_reviews_drop_what_a_later_review_corrected():
    first = NS(id=1, review_date=date(2026, 11, 9), corrects_review_id=None)
    wrong = NS(id=2, review_date=date(2026, 11, 16), corrects_review_id=None)
    fixed = NS(id=3, review_date=date(2026, 11, 16), corrects_review_id=2)
    later = NS(id=4, review_date=date(2026, 11, 23), corrects_review_id=None)
    assert current_reviews([later, fixed, wrong, first]) == [first, fixed, later]


@given(
    review_date=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    weekday=st.integers(min_value=0, max_value=6),
    interval=st.sampled_from([7, 14, 28]),
)
def test_the_following_review_falls_on_the_review_weekday_about_an_interval_later(review_date, weekday, interval):
    following = following_review_date(review_date, weekday, interval)
    assert following.weekday() == weekday
    assert interval - 3 <= (following - review_date).days <= interval + 3


def test_a_weekly_review_held_late_is_followed_by_the_next_review_day():
    friday, wednesday = date(2026, 11, 27), 2
    assert following_review_date(friday, wednesday) == date(2026, 12, 2)  # not Friday 4 Dec
    assert following_review_date(date(2026, 11, 25), wednesday) == date(2026, 12, 2)  # on time: a week on
    assert following_review_date(date(2026, 11, 23), wednesday) == date(2026, 12, 2)  # early: next week's
