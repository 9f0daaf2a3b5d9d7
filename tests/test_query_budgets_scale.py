"""SQL statements per request for each main page, with small and with large seeded data: equal
counts (no N+1 anywhere the data grows, DESIGN.md) and within fixed budgets (plan page ≤ 15:
see tests/test_query_budgets.py for what each statement is; register ≤ 8). "Large" is a hundred-odd plans (thousands of rows), enough to show growth while
staying fast; bench/ measures the real 10,000 plans. No timings here, only counts.

SQLAlchemy's selectinload sends one statement per 500 parents, so a page that eager-loads the
collections of an unbounded list grows by a statement per 500 rows: invisible with test data,
62 statements at 10,000 plans. Here the batch is 50, so a hundred-odd plans show the same growth.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Select, event, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.strategies import SelectInLoader

from pip_app.extensions import db
from pip_app.models import Plan, PlanStatus, User
from pip_app.tools.seed import DEFAULT_PASSWORD, GROUP_SENIOR_EMAIL, seed_scale
from tests.conftest import _empty_all_tables, login

# Eight plans hold more controls than a register page: a first page that is not full is not
# counted (register.queries.register_page), so fewer would read one statement less.
SMALL, LARGE = 8, 120
# The plan page: what each statement is for is in tests/test_query_budgets.py (PLAN_PAGE_BUDGET);
# a collection the plan has no rows in (its meetings, requests for approval, escalations, evidence
# files, regulatory decisions, often) is not read at all. The bench's typical plan has regulatory
# decisions: a statement of their own since session 27 (joined to the plan's row before, which
# repeated that wide row once for each).
BUDGETS = {
    "plan page": 11,
    "plan page, 100 reviews": 10,
    "register": 8,
    "register filtered": 8,
    "register search": 8,
    "register sorted": 8,
    # A registered manager's: the user, the plans needing attention in one statement of three
    # ranges (session 22: three statements) and their kept facts, the open plans' count, the
    # board's lists and the decisions board; on PostgreSQL one more sets its generic plans.
    "dashboard": 14,
}


def senior_pages(seeded) -> dict[str, str]:
    return {
        "plan page": f"/plans/{seeded.bench_plan_id}",
        "plan page, 100 reviews": f"/plans/{seeded.big_review_plan_id}",
        "closed plan page": f"/plans/{seeded.typical_closed_plan_id}",
        "register": "/register",
        "register filtered": f"/register?service={seeded.first_service_id}&flagged=1&type=escalation_sign_off",
        "register search": "/register?q=Taylor",
        "register sorted": "/register?status=all&sort=last_check&dir=desc",
        "register page 2": "/register?page=2",
        "register csv": "/register.csv",
        "plans list": "/plans/",
        "plans list filtered": f"/plans/?status=active&service={seeded.first_service_id}",
        "closed plans": "/hr/closures",
        "closure pdf": f"/plans/{seeded.typical_closed_plan_id}/closure.pdf",
    }


def statements(app, count_queries, email: str, pages: dict[str, str]) -> dict[str, int | str]:
    """Sign in, then count each page's statements on its second request (the first warms up)."""
    client = app.test_client()
    assert login(client, email, DEFAULT_PASSWORD).status_code == 303
    counts = {}
    for name, path in pages.items():
        client.get(path)
        with count_queries() as counter:
            response = client.get(path)
        counts[name] = counter.count if response.status_code == 200 else f"HTTP {response.status_code}"
    return counts


def seed(plans: int):
    result = seed_scale(plans, services=3, staff=15, seed=5)
    db.session.commit()
    return result


def small_and_large(app, count_queries, pages_for, who):
    """The same pages, as the same kind of person, over a small and then a large database."""
    found = []
    for plans in (SMALL, LARGE):
        seeded = seed(plans)
        found.append(statements(app, count_queries, who(seeded), pages_for(seeded)))
        db.session.remove()
        _empty_all_tables()
    return found


def assert_equal_and_within_budget(small: dict, large: dict) -> None:
    available = {name for name in small if isinstance(small[name], int) or isinstance(large[name], int)}
    grew = {name: (small[name], large[name]) for name in available if small[name] != large[name]}
    assert not grew, f"statements per request changed with the data (small, large): {grew}"
    over = {
        name: large[name]
        for name, budget in BUDGETS.items()
        if isinstance(large.get(name), int) and large[name] > budget
    }
    assert not over, f"over budget {BUDGETS}: {over}"


@pytest.fixture(autouse=True)
def no_frozen_date(app):
    app.config["FROZEN_TODAY"] = None  # the seed's dates are relative to the real today


@pytest.fixture
def small_selectin_batches(monkeypatch):
    monkeypatch.setattr(SelectInLoader, "_chunksize", 50)


@pytest.mark.usefixtures("small_selectin_batches")
def test_senior_pages_do_not_grow_with_the_data(app, count_queries):
    small, large = small_and_large(app, count_queries, senior_pages, lambda seeded: GROUP_SENIOR_EMAIL)
    assert_equal_and_within_budget(small, large)
    assert isinstance(large["plan page"], int) and isinstance(large["register"], int)


@pytest.mark.usefixtures("small_selectin_batches")
def test_manager_pages_do_not_grow_with_the_data(app, count_queries):
    def pages(seeded):
        return {
            "dashboard": "/",
            "register": "/register",
            "plans list": "/plans/",
            "plan page": f"/plans/{seeded.bench_plan_id}",
        }

    small, large = small_and_large(app, count_queries, pages, manager_of_the_bench_plan)
    assert_equal_and_within_budget(small, large)


def test_staff_pages_do_not_grow_with_the_data(app, count_queries):
    """A staff member's pages cover their own plans only: SQLAlchemy's real batch of 500 applies."""

    def pages(seeded):
        return {"dashboard": "/", "plan page": f"/plans/{seeded.bench_plan_id}", "plans list": "/plans/"}

    def staff(seeded):
        plan = db.session.get(Plan, seeded.bench_plan_id)
        return db.session.scalar(select(User.email).where(User.id == plan.staff_id))

    small, large = small_and_large(app, count_queries, pages, staff)
    assert_equal_and_within_budget(small, large)


def manager_of_the_bench_plan(seeded) -> str:
    plan = db.session.get(Plan, seeded.bench_plan_id)
    return db.session.scalar(select(User.email).where(User.id == plan.manager_id))


@pytest.mark.usefixtures("small_selectin_batches")
def test_senior_dashboard_does_not_grow_with_the_data(app, count_queries):
    """Every open plan in a senior's services is a candidate for "needs attention": the board must
    stay bounded however many there are (it once loaded them all: 62 statements, 10 s at 2,117)."""
    small, large = small_and_large(
        app, count_queries, lambda seeded: {"dashboard": "/"}, lambda seeded: GROUP_SENIOR_EMAIL
    )
    assert_equal_and_within_budget(small, large)


# A LIMIT or OFFSET bound as a parameter, in a statement compiled for PostgreSQL (where it matters),
# whichever database runs it: written in (`literal_execute`), it reads "LIMIT __[POSTCOMPILE_…]".
# The dashboard's room left in a list stays bound (`services.dashboard._flagged_statements`).
BOUND = re.compile(r"\b(LIMIT|OFFSET) %\((?!room\))\w+\)s")


def test_every_limit_and_offset_is_written_into_the_statement(app, count_queries):
    """`database.fixed`: PostgreSQL reuses a prepared statement's plan only if it costs no more than
    planning afresh, and a LIMIT it cannot see makes it plan for every row (the register's page of 25
    was planned on every request). So no main page sends a LIMIT or OFFSET as a bound parameter."""
    seeded = seed(SMALL)
    pages = {
        **senior_pages(seeded),
        "dashboard": "/",
        "plans list page 2": "/plans/?page=2",
    }

    def look(bound: list[str], _connection, statement, *_args):
        if isinstance(statement, Select):
            text = str(statement.compile(dialect=postgresql.dialect()))
            bound.extend(match.group(0) for match in BOUND.finditer(text))

    found = gathered_on_each_page(app, seeded, pages, "before_execute", look)
    assert len(found) >= len(pages), found.keys()  # each page answered someone
    assert not {name: limits for name, limits in found.items() if limits}


def test_not_a_draft_is_written_into_the_statement(app, count_queries):
    """`database.constant`: bound, PostgreSQL judges `status <> $1` by a default guess and planned
    the register's filter choices again on every request. So no main page binds "draft": the
    visibility conditions write it into the statement's text."""
    seeded = seed(SMALL)
    pages = {**senior_pages(seeded), "dashboard": "/", "plans list": "/plans/"}

    def look(bound: list[str], _connection, _cursor, statement, parameters, *_args):
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        if any(value == PlanStatus.DRAFT.value for value in values):
            bound.append(statement)

    found = gathered_on_each_page(app, seeded, pages, "before_cursor_execute", look)
    assert len(found) >= len(pages), found.keys()  # each page answered someone
    assert not {name: statements for name, statements in found.items() if statements}


def gathered_on_each_page(app, seeded, pages: dict[str, str], event_name: str, look) -> dict[str, list[str]]:
    """Load each page as the group senior and as the bench plan's manager, with `look(bound, ...)`
    listening to the engine's `event_name`: what it put in `bound`, for each page that answered."""
    found: dict[str, list[str]] = {}
    bound: list[str] = []  # what the page being loaded sent that `look` is looking for

    def listener(*args):
        look(bound, *args)

    event.listen(db.engine, event_name, listener)
    try:
        for email in (GROUP_SENIOR_EMAIL, manager_of_the_bench_plan(seeded)):
            client = app.test_client()
            assert login(client, email, DEFAULT_PASSWORD).status_code == 303
            for name, path in pages.items():
                bound.clear()
                if client.get(path).status_code == 200:
                    found[f"{name} ({email})"] = list(bound)
    finally:
        event.remove(db.engine, event_name, listener)
    return found
