"""A plan's flags are its facts (`flags.flag_facts`: what needs attention, from which day) seen on a
day (`flags.flags_on`). The facts never read today, so they can be kept between requests; this
holds their first days to the rules as the rest of the app states them, day by day, over
generated plans: each flag is raised on exactly the days its rule says."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace as NS

from hypothesis import given, settings
from hypothesis import strategies as st

from pip_app.flags import (
    FlagFact,
    attention_from,
    control_not_checked,
    control_review_passed,
    flag_facts,
    flags_on,
    minutes_overdue,
    observation_overdue,
    past_end_date,
    plan_flags,
    review_overdue,
)
from pip_app.models import ControlKind
from tests.test_flags_and_measures import START, plan, status

ACK_DAYS = 3  # the plan's staff member is user 5 (test_flags_and_measures.plan)


days = st.integers(min_value=-5, max_value=40).map(lambda n: START + timedelta(days=n))
maybe_day = st.none() | days
controls = st.builds(
    lambda state, review_by, continued, checked, start: NS(
        status=status(state),
        kind=ControlKind.PAIRED_WORKING,
        review_by_date=review_by,
        continued_until=continued,
        last_checked_on=checked,
        start_date=start,
    ),
    st.sampled_from(["active", "lifted", "monitoring"]),
    days,
    maybe_day,
    maybe_day,
    days,
)
observations = st.builds(
    lambda state, on: NS(status=status(state), scheduled_on=on), st.sampled_from(["planned", "done"]), days
)
meetings = st.builds(lambda held, shared: NS(held_on=held, minutes_shared_on=shared), days, maybe_day)


@st.composite
def plans(draw):
    review_days = sorted(set(draw(st.lists(days, max_size=4))))
    reviews = [
        NS(
            id=i + 1,
            review_date=day,
            created_at=datetime.combine(day, time(9)),
            corrects_review_id=None,
            entries=[],
        )
        for i, day in enumerate(review_days)
    ]
    acked_reviews = draw(st.lists(st.sampled_from(reviews), unique_by=lambda r: r.id)) if reviews else []
    version = draw(st.integers(min_value=1, max_value=3))
    acked_version = draw(st.integers(min_value=0, max_value=version))
    acknowledgements = [
        NS(user_id=5, subject=status("review"), plan_version=version, review_id=r.id, response=status("agree"))
        for r in acked_reviews
    ]
    if acked_version:
        acknowledgements.append(
            NS(user_id=5, subject=status("plan"), plan_version=acked_version, review_id=None, response=status("agree"))
        )
    return plan(
        status=status(draw(st.sampled_from(["active", "paused"]))),
        next_review_date=draw(maybe_day),
        planned_end_date=draw(days),
        controls=draw(st.lists(controls, max_size=3)),
        observations=sorted(draw(st.lists(observations, max_size=3)), key=lambda o: o.scheduled_on),
        meetings=sorted(draw(st.lists(meetings, max_size=3)), key=lambda m: m.held_on),
        reviews=reviews,
        actions=[],
        acknowledgements=acknowledgements,
        versions=[NS(version=v, created_at=datetime.combine(draw(days), time(10))) for v in range(1, version + 1)],
        version=version,
    )


def expected_codes(plan, day: date) -> set[str]:
    """Which flags the rules raise on `day`, each asked as the rest of the app asks it."""
    codes = set()
    if review_overdue(plan, day):
        codes.add("review_overdue")
    if past_end_date(plan, day):
        codes.add("past_end_date")
    if any(control_review_passed(c, day) for c in plan.controls):
        codes.add("control_review_passed")
    if any(control_not_checked(c, day) for c in plan.controls):
        codes.add("control_not_checked")
    if any(observation_overdue(o, day) for o in plan.observations):
        codes.add("observation_overdue")
    if minutes_overdue(plan, day):
        codes.add("minutes_late")
    # Acknowledgements: more than ACK_DAYS whole days since the version was issued or the review recorded.
    acked_version = max((a.plan_version for a in plan.acknowledgements if a.subject.value == "plan"), default=0)
    issued = {v.version: v.created_at.date() for v in plan.versions}
    acked = {a.review_id for a in plan.acknowledgements if a.subject.value == "review"}
    if (plan.version > acked_version and (day - issued[plan.version]).days > ACK_DAYS) or any(
        r.id not in acked and (day - r.created_at.date()).days > ACK_DAYS for r in plan.reviews
    ):
        codes.add("ack_outstanding")
    return codes


@settings(max_examples=300, deadline=None)
@given(plans())
def test_each_fact_flags_on_exactly_the_days_its_rule_does(plan):
    facts = flag_facts(plan, ACK_DAYS)
    first = attention_from(facts)
    for offset in range(-7, 50):
        day = START + timedelta(days=offset)
        flags = flags_on(facts, day)
        assert {f.code for f in flags} == expected_codes(plan, day), day
        # The plan has a flag from its first fact's day on, and not before: the dashboard finds
        # the plans needing attention by that one date.
        assert bool(flags) == (first is not None and first <= day)


@settings(max_examples=100, deadline=None)
@given(plans())
def test_facts_read_back_from_json_give_the_same_flags(plan):
    facts = flag_facts(plan, ACK_DAYS)
    kept = [FlagFact.from_json(fact.as_json()) for fact in facts]
    assert kept == facts
    day = START + timedelta(days=20)
    assert flags_on(kept, day) == plan_flags(plan, day, ACK_DAYS)
