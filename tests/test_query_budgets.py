"""SQL statements per request are bounded and do not grow with the data (no N+1)."""

import gc
from datetime import date, timedelta

import pytest

from pip_app.extensions import db
from pip_app.models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    Observation,
    Progress,
    Review,
    ReviewDecision,
    ReviewEntry,
)
from tests.factories import make_action, make_control

START = date(2026, 9, 7)
# The plan page, whatever the plan's size: the user and the session; the plan's row, with its
# people, whether each collection has any rows and its last change (for its ETag), read once; each
# collection that has rows (here the controls, actions, observations, reviews, acknowledgements and
# versions: 6; the meetings, requests for approval, escalations, evidence files and regulatory
# decisions have none); the reviews shown (with whether they decided anything on a control: their
# decisions are read only if so) and their entries: 2. All read as plain rows (pip_app/plain_rows.py). Read in the rows of their own
# collection, not on their own: the observations' focus (the ids of the actions each observes),
# the measured actions' charts as kept drawn (services.charts_kept) and the controls' newest notes.
# The last version's snapshot is read only when the live plan's digest differs from the one kept
# with the version (unissued changes; none here).
PLAN_PAGE_BUDGET = 10


def grow(plan, world, *, actions: int, reviews: int, observations: int) -> None:
    """Give a plan many actions, reviews (with entries and acknowledgements) and observations."""
    for n in range(1, actions + 1):
        make_action(plan, n, measure_name="Compliance", measure_unit="%", measure_target=90, measure_consecutive=2)
    make_control(plan, world["senior"])
    for week in range(reviews):
        review = Review(
            plan=plan,
            review_date=START + timedelta(days=7 * week),
            reviewer=world["manager"],
            summary=f"Week {week}",
            decision=ReviewDecision.CONTINUE,
        )
        db.session.add(review)
        for action in plan.actions:
            review.entries.append(ReviewEntry(action=action, progress=Progress.ON_TRACK, measured_value=50 + week))
        db.session.flush()
        db.session.add(
            Acknowledgement(
                plan=plan,
                user=plan.staff,
                subject=AckSubject.REVIEW,
                plan_version=1,
                review=review,
                statement="read",
                response=AckResponse.AGREE,
            )
        )
    for n in range(observations):
        db.session.add(
            Observation(
                plan=plan, scheduled_on=START + timedelta(days=n), observer=world["senior"], focus=list(plan.actions)
            )
        )
    db.session.commit()


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = "2026-11-23"


@pytest.mark.parametrize("who", ["manager", "senior", "hr", "staff"])
def test_plan_page_statements_do_not_grow_with_the_plan(world, make_plan, sign_in, count_queries, who):
    small = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START, weeks=12)
    large = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START, weeks=12)
    grow(small, world, actions=1, reviews=2, observations=1)
    grow(large, world, actions=20, reviews=12, observations=24)
    client = sign_in(world[who])
    counts = []
    for plan in (small, large):
        client.get(f"/plans/{plan.id}")  # warm up: first request of a client loads extra (sessions)
        with count_queries() as counter:
            assert client.get(f"/plans/{plan.id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= PLAN_PAGE_BUDGET, counts


@pytest.mark.parametrize(
    "who, page", [("manager", ""), ("senior", ""), ("hr", ""), ("staff", ""), ("manager", "/edit"), ("senior", "/edit")]
)
def test_the_plan_page_leaves_no_rows_to_the_cyclic_garbage_collector(world, make_plan, sign_in, who, page):
    """Every row the plan page (and its edit page) read is freed as its request ends. A control
    that read its plan back (`control.plan`, for the policy's questions) made a cycle with the
    plan's list of its controls, and that cycle held everything the page read until Python's
    cyclic collector ran: some 1,240 objects a typical plan page, 0.4 ms of each page's CPU at
    10,000 plans (session 20). On the edit page an action's heading read its plan back the same way."""
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START, weeks=12)
    grow(plan, world, actions=3, reviews=2, observations=2)
    client = sign_in(world[who])
    client.get(f"/plans/{plan.id}{page}")  # warm up
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds unreachable is kept in gc.garbage
    try:
        assert client.get(f"/plans/{plan.id}{page}").status_code == 200
        gc.collect()
        rows_left = sorted({type(o).__name__ for o in gc.garbage if hasattr(o, "_sa_instance_state")})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert rows_left == []


def test_dashboard_statements_do_not_grow_with_the_number_of_plans(world, make_plan, sign_in, count_queries):
    client = sign_in(world["senior"])
    counts = []
    for extra in (1, 15):
        for _ in range(extra):
            plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
            grow(plan, world, actions=2, reviews=2, observations=2)
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_a_refused_request_reads_the_plan_row_and_no_collection(world, make_plan, sign_in, count_queries):
    """plan_route reads the plan's own row, decides, and only then its collections: a 403 (a staff
    member at their own plan's edit form) or a 404 (another service's manager) reads no
    collection of the plan, however many it has."""
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START, weeks=12)
    grow(plan, world, actions=5, reviews=3, observations=2)
    allowed = sign_in(world["manager"])
    allowed.get(f"/plans/{plan.id}/edit")  # warm up
    with count_queries() as counter:
        assert allowed.get(f"/plans/{plan.id}/edit").status_code == 200
    for who, status in (("staff", 403), ("other_manager", 404)):
        client = sign_in(world[who])
        client.get("/account")  # warm up
        with count_queries() as refused:
            assert client.get(f"/plans/{plan.id}/edit").status_code == status
        collections = ("interim_controls", "actions", "reviews", "observations", "acknowledgements")
        # A collection's SELECT reads its own rows; the plan's own row only asks whether there are any.
        read = [s for s in refused.statements if any(s.startswith(f"SELECT {table}.") for table in collections)]
        assert read == [], (who, read)
        # (The allowed request reads no collection its plan has no rows in, so it too reads fewer.)
        assert refused.count < counter.count / 2, (who, refused.count, counter.count)


def test_the_people_named_on_a_plans_rows_are_read_for_their_names_alone(world, make_plan, sign_in, count_queries):
    """Owners, observers, responsible people, reviewers and who acknowledged are joined for their
    names (plan_reads.name_of): of `users`, only the signed-in person and the plan's own people
    (with its row) are read whole, so no password hash or two-factor secret is read for a list."""
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START, weeks=12)
    grow(plan, world, actions=3, reviews=2, observations=2)
    client = sign_in(world["senior"])
    client.get(f"/plans/{plan.id}")  # warm up
    with count_queries() as counter:
        page = client.get(f"/plans/{plan.id}").text
    whole = [s for s in counter.statements if "password_hash" in s]
    assert len(whole) == 2, whole  # the person signed in; the plan's row with its staff member and manager
    assert "FROM users" in whole[0] and whole[1].startswith("SELECT plans.")
    assert world["senior"].name in page  # the observer and the control's responsible person, by name
