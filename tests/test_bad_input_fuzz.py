"""Bad input never reaches a 500: generated from app.url_map, every path parameter of every route and
every query parameter the views read, × a corpus of hostile values, × every role.

The corpus is what an attacker tries first: ids past int64, 0 and negatives, digits of other
scripts ("²" is a digit to `str.isdigit()`, "١" to `int()`), empty values, NUL, dates at the ends of
the calendar, NaN/sNaN/Infinity/1e999, very long values and repeated parameters. The objects are
those of the access matrix (a plan of the person's own service, one of another, a closed one), so
the views run their real queries.

Sampled so the whole module stays within seconds, not minutes:
- Path values the converter refuses are refused before any view or role is involved, so every
  route × parameter × value is checked against the URL map itself (thousands of matches, no
  requests), and each refused value is requested once per role.
- Path values the converter lets through (the largest id, which exists nowhere) are requested on
  every route × parameter, for the person's own plan and another service's, each case as the
  next role in turn.
- Query values: per view, one request per corpus value, each of the view's parameters carrying a
  different value (a Latin square: every parameter meets every value once), every other row with
  the parameter repeated around it, as the roles allowed to use the view in turn; and every GET
  route receives every known parameter at once.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import quote

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from pip_app.params import MAX_ID
from tests.test_access_matrix import ALLOW, RULES, SESSION_ENDING, TODAY, build_objects, path_values

ROLES = ("staff", "manager", "senior", "hr", "admin")

# Values for a path parameter: each replaces one parameter while the others stay valid.
BAD_PATH_VALUES = [
    "99999999999999999999",
    str(2**63),
    str(MAX_ID),
    "0",
    "-1",
    "00",
    "²",
    "١",
    "\x00",
    "",
    " ",
    "1.5",
    "1e999",
    "NaN",
    "9999-12-31",
    "9" * 5000,
]
# Values for a query parameter.
BAD_QUERY_VALUES = [
    "99999999999999999999",
    str(2**63),
    str(MAX_ID),
    "-9223372036854775809",
    "0",
    "-1",
    "²",
    "١",
    "\x00",
    "",
    " ",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "1e308",
    "9" * 5000,
    "x" * 5000,
]

# The query parameters each view reads (`grep -n "args" pip_app`). The union is also sent to every
# other GET route, so a view that starts reading one is exercised before anyone lists it here.
QUERY_PARAMS = {
    "plans.index": ("status", "risk_area", "stage", "service", "staff", "q", "page"),
    "plans.new": ("staff", "template"),
    "register.index": ("service", "type", "responsible", "status", "flagged", "q", "sort", "dir", "page"),
    "register.export_csv": ("service", "type", "responsible", "status", "flagged", "q", "sort", "dir", "page"),
    "register.control": ("next", "form", "origin"),
    "hr.closures": ("service", "outcome", "closed_from", "closed_to", "page"),
    "hr.warnings": ("page",),
    "admin.audit": ("actor", "entity", "verb", "plan", "from", "to", "page"),
    "admin.outbox_list": ("status", "page"),
    "plans.history": ("page",),
    "plans.open_plans_of": ("staff_id",),
    "reviews.earlier": ("page",),
    "reviews.new_review": ("corrects",),
    "reviews.action_status_form": ("to",),
    "plans.observations_ics": ("mine",),
    "auth.login": ("next",),
}
ALL_QUERY_NAMES = sorted({name for names in QUERY_PARAMS.values() for name in names})
PARAMETER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
INT_PARAMETER = re.compile(r"<int:([a-z_]+)>")


def valid_values(objects) -> dict[str, object]:
    """A valid value for every path parameter, from the access matrix's objects."""
    return path_values(objects)


def build(rule, values, encode=True) -> str:
    """The rule's path with these values (percent-encoded, as a browser sends them, unless not `encode`)."""
    return PARAMETER.sub(
        lambda m: quote(str(values[m.group(1)]), safe="") if encode else str(values[m.group(1)]), rule.rule
    )


def fuzzed_rules(app):
    return [r for r in app.url_map.iter_rules() if r.arguments and r.endpoint not in SESSION_ENDING]


def int_arguments(rule) -> list[str]:
    return INT_PARAMETER.findall(rule.rule)


def methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def query_string(pairs) -> str:
    return "&".join(f"{name}={quote(value, safe='')}" for name, value in pairs)


def request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data={})


@pytest.fixture
def objects(app, world, make_plan):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    w = world
    return {
        "own": build_objects(w, make_plan, w["home"], w["staff"], w["manager"], w["senior"]),
        "other": build_objects(w, make_plan, w["other"], w["other_staff"], w["other_manager"], w["other_senior"]),
    }


@pytest.fixture
def clients(world, sign_in):
    return {role: sign_in(world[role]) for role in ROLES}


def test_every_listed_view_exists(app):
    """A renamed endpoint would otherwise drop out of the query fuzz unnoticed."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(QUERY_PARAMS) - endpoints == set()


def test_every_int_in_every_route_is_a_bounded_id(app, objects):
    """Against the URL map itself: no route × integer parameter × bad value reaches its view, except
    an id within 1 … 2⁶³−1 written in ASCII digits."""
    adapter = app.url_map.bind("localhost")
    reached, checked = [], 0
    values = valid_values(objects["own"])
    for rule in fuzzed_rules(app):
        assert set(rule.arguments) - set(int_arguments(rule)) <= {"token", "filename"}, rule.rule
        for argument, method, value in itertools.product(int_arguments(rule), methods(rule), BAD_PATH_VALUES):
            checked += 1
            try:
                endpoint, arguments = adapter.match(
                    build(rule, values | {argument: value}, encode=False), method=method
                )
            except (NotFound, MethodNotAllowed, RequestRedirect):
                continue
            if endpoint == rule.endpoint and value != str(MAX_ID):
                reached.append(f"{method} {rule.rule} {argument}={value[:20]!r} → {arguments[argument]!r}")
    assert reached == []
    assert checked > 1000


def test_bad_path_values_refused_by_the_router_answer_404_for_every_role(clients, objects):
    plan = objects["own"]["plan"]
    failures = []
    for role, client in clients.items():
        for value in BAD_PATH_VALUES:
            if value in (str(MAX_ID), ""):  # in range (see the next test); "" is another route (/plans/)
                continue
            for url in (f"/plans/{quote(value, safe='')}", f"/plans/{plan.id}/actions/{quote(value, safe='')}/edit"):
                response = client.get(url)
                if response.status_code not in (404, 308):
                    failures.append(f"{role} GET {url[:80]}: {response.status_code}")
    assert failures == []


def test_the_largest_id_on_every_route_and_parameter_never_answers_5xx(app, clients, objects):
    """An id in range that exists nowhere: the view runs its query and answers 404 (or 403)."""
    failures, roles = [], itertools.cycle(ROLES)
    for which in ("own", "other"):
        values = valid_values(objects[which])
        for rule in fuzzed_rules(app):
            for argument in int_arguments(rule):
                url = build(rule, values | {argument: MAX_ID})
                for method in methods(rule):
                    role = next(roles)
                    response = request(clients[role], method, url)
                    if response.status_code >= 500 or response.status_code in (200, 303):
                        failures.append(f"{role} {method} {url}: {response.status_code}")
    assert failures == [], "\n".join(failures)


def allowed_roles(world, endpoint, objects) -> list[str]:
    rule = RULES[endpoint]
    if rule is None:
        return list(ROLES)
    return [role for role in ROLES if rule(world[role], objects) == ALLOW]


def test_bad_query_values_never_answer_5xx(app, world, clients, objects):
    failures, requests_made = [], 0
    rules = {r.endpoint: r for r in app.url_map.iter_rules() if "GET" in r.methods}
    values = valid_values(objects["own"])
    for endpoint, names in QUERY_PARAMS.items():
        url = build(rules[endpoint], values)
        roles = itertools.cycle(allowed_roles(world, endpoint, objects["own"]))
        n = len(BAD_QUERY_VALUES)
        for row in range(n):
            pairs = []
            for column, name in enumerate(names):
                value = BAD_QUERY_VALUES[(row + column) % n]
                pairs += [(name, "1"), (name, value), (name, value)] if row % 2 else [(name, value)]
            role = next(roles)
            response = clients[role].get(f"{url}?{query_string(pairs)}")
            requests_made += 1
            if response.status_code >= 500:
                failures.append(f"{role} GET {url}?{query_string(pairs)[:200]}: {response.status_code}")
    assert failures == [], "\n".join(failures)
    assert requests_made == len(QUERY_PARAMS) * len(BAD_QUERY_VALUES)


def test_every_get_route_takes_every_known_parameter_with_bad_values(app, clients, objects):
    failures, roles = [], itertools.cycle(ROLES)
    values = valid_values(objects["own"])
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", *SESSION_ENDING):
            continue
        pairs = [(name, BAD_QUERY_VALUES[i % len(BAD_QUERY_VALUES)]) for i, name in enumerate(ALL_QUERY_NAMES)]
        url = f"{build(rule, values)}?{query_string(pairs)}"
        role = next(roles)
        response = clients[role].get(url)
        if response.status_code >= 500:
            failures.append(f"{role} GET {url[:200]}: {response.status_code}")
    assert failures == [], "\n".join(failures)
