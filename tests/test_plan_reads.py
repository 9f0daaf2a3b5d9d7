"""plan_reads: a link between two collections read with the plan (an observation's focus) is
filled from the link table alone, and gives what the relationship itself loads."""

from datetime import date

import pytest

from pip_app.extensions import db
from pip_app.models import Action, Observation, Plan
from pip_app.plan_reads import PLAN_AND_ITS_PEOPLE, PlanReads, read_collections, read_plan
from tests.factories import make_action


@pytest.fixture
def observed(world, make_plan):
    """A plan of four actions and three observations: one focused on A3 and A1 (chosen in that
    order), one on every action, one on none; and another plan's observation on its own action."""
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=date(2026, 9, 7))
    # Made out of number order, so that the link table's order (by action id) is not the focus's.
    actions = {n: make_action(plan, n) for n in (3, 1, 4, 2)}
    for day, focus in ((8, [actions[3], actions[1]]), (9, list(actions.values())), (10, [])):
        db.session.add(Observation(plan=plan, scheduled_on=date(2026, 9, day), observer=world["senior"], focus=focus))
    other = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=date(2026, 9, 7))
    db.session.add(
        Observation(plan=other, scheduled_on=date(2026, 9, 8), observer=world["senior"], focus=[make_action(other, 1)])
    )
    db.session.commit()
    db.session.expire_all()  # nothing of it loaded: each test reads it afresh
    return plan.id


def focus_refs(plan: Plan) -> list[list[str]]:
    return [[action.ref for action in observation.focus] for observation in plan.observations]


def test_the_focus_filled_from_the_link_table_is_what_the_relationship_loads(app, observed, count_queries):
    with app.test_request_context():
        plan = read_plan(observed, PLAN_AND_ITS_PEOPLE)
        with count_queries() as counter:
            read_collections(plan, PLAN_AND_ITS_PEOPLE)
            filled = focus_refs(plan)
        # The actions, and the observations with the ids of their focus in their own rows; none
        # when the focus is read: the plan's own row said it has no controls, so they are not read.
        assert len(PLAN_AND_ITS_PEOPLE.collections) == 3 and counter.count == 2, counter.statements
        assert not any(
            "FROM observation_focus WHERE observation_focus.observation_id IN" in s for s in counter.statements
        )
        assert plan.controls == []
        assert sum("FROM observation_focus" in s for s in counter.statements) == 1
        db.session.expunge_all()
        loaded = focus_refs(db.session.get(Plan, observed))  # the relationship's own lazy loads
    assert filled == loaded == [["A1", "A3"], ["A1", "A2", "A3", "A4"], []]


def test_as_options_reads_the_same_links(app, observed):
    with app.app_context():
        plan = db.session.get(Plan, observed, options=PLAN_AND_ITS_PEOPLE.as_options())
        assert all("focus" in observation.__dict__ for observation in plan.observations)
        assert focus_refs(plan) == [["A1", "A3"], ["A1", "A2", "A3", "A4"], []]


def test_a_plan_without_observations_reads_no_link(app, world, make_plan, count_queries):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=date(2026, 9, 7))
    make_action(plan, 1)
    db.session.commit()
    with app.test_request_context():
        loaded = read_plan(plan.id, PLAN_AND_ITS_PEOPLE)
        with count_queries() as counter:
            read_collections(loaded, PLAN_AND_ITS_PEOPLE)
        assert not any("observation_focus" in s for s in counter.statements)
        assert loaded.observations == []


def test_a_link_needs_both_its_collections_read_and_their_order():
    with pytest.raises(TypeError, match="not read"):
        PlanReads(collections={"observations": ()}, links=(Observation.focus,))
    with pytest.raises(TypeError, match="many-to-many"):
        PlanReads(collections={"observations": (), "actions": ()}, links=(Observation.observer,))
    assert PlanReads(collections={"observations": (), "actions": ()}, links=(Observation.focus,))


def test_adding_reads_keeps_each_link_once():
    both = PLAN_AND_ITS_PEOPLE + PLAN_AND_ITS_PEOPLE
    assert both.links == (Observation.focus,)
    assert Action in {getattr(Plan, name).property.mapper.class_ for name in both.collections}


def test_the_plan_page_names_each_observations_focus_in_action_order(observed, world, sign_in):
    client = sign_in(world["manager"])
    page = client.get(f"/plans/{observed}").text
    assert "A1, A3" in page and "A1, A2, A3, A4" in page


def test_a_collection_the_plan_has_no_rows_in_is_not_read(app, world, make_plan, count_queries):
    """The plan's own row says which collections have rows; read_collections reads only those,
    and sets the others empty (so nothing is loaded later on first use)."""
    from tests.factories import make_control

    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=date(2026, 9, 7))
    make_action(plan, 1)
    db.session.commit()
    reads = PlanReads(collections={"controls": (), "actions": ()})
    for lock in (False, True):  # a write request reads the same, locked (FOR UPDATE on PostgreSQL)
        with app.test_request_context():
            db.session.expire_all()
            loaded = read_plan(plan.id, reads, lock=lock)
            with count_queries() as counter:
                read_collections(loaded, reads)
                assert loaded.controls == [] and [a.ref for a in loaded.actions] == ["A1"]
            assert [s.split()[1] for s in counter.statements] == ["actions.id,"], counter.statements
            db.session.rollback()
    make_control(plan, world["senior"])
    db.session.commit()
    with app.test_request_context():
        db.session.expire_all()
        loaded = read_plan(plan.id, reads)
        with count_queries() as counter:
            read_collections(loaded, reads)
        assert len(loaded.controls) == 1 and counter.count == 2
