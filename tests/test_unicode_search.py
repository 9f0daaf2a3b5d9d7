"""Text search ignores case beyond ASCII ("łukasik" finds "Łukasik") on SQLite as on PostgreSQL:
the plans list and the interim-control register, and the SQLite `lower()` the app registers."""

import re
from datetime import date
from urllib.parse import quote

import pytest

from pip_app.extensions import db
from pip_app.models import Role
from tests import factories
from tests.factories import make_control

START = date(2026, 11, 2)
NAMES = ("Zofia Łukasik", "Renée Dupré", "Sam Jones")


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = "2026-11-23"


@pytest.fixture
def plans(world, make_plan):
    """One active plan with a control for each staff member, by name."""
    made = {}
    for name in NAMES:
        staff = factories.make_user(Role.STAFF, name=name, services=[world["home"]], line_manager=world["manager"])
        plan = make_plan(staff=staff, manager=world["manager"], service=world["home"], start=START)
        made[name] = (plan, make_control(plan, world["senior"]))
    return made


SEARCHES = [
    ("łukasik", "Zofia Łukasik"),  # stored upper case, typed lower case
    ("ŁUKASIK", "Zofia Łukasik"),
    ("DUPRÉ", "Renée Dupré"),  # stored lower case, typed upper case
    ("renée", "Renée Dupré"),
]


@pytest.mark.parametrize("typed,name", SEARCHES)
def test_plans_list_search_ignores_non_ascii_case(sign_in, world, plans, typed, name):
    page = sign_in(world["manager"]).get(f"/plans/?q={quote(typed)}").text
    found = {n for n, (plan, _) in plans.items() if plan.reference in page}
    assert found == {name}


@pytest.mark.parametrize("typed,name", SEARCHES)
def test_register_search_ignores_non_ascii_case(sign_in, world, plans, typed, name):
    page = sign_in(world["senior"]).get(f"/register?status=all&q={quote(typed)}").text
    shown = {int(i) for i in re.findall(r'<tbody id="register-control-(\d+)"', page)}
    assert shown == {plans[name][1].id}


def test_sql_lower_is_unicode_aware_and_null_safe(app):
    """On SQLite the app's lower() replaces the ASCII-only built-in; PostgreSQL's already is."""
    row = db.session.execute(db.text("SELECT lower('ŁUKASIK Ö É'), lower(CAST(NULL AS TEXT)), lower('MiXeD')")).one()
    assert tuple(row) == ("łukasik ö é", None, "mixed")
