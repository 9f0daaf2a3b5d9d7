"""The interim-control register: the pure flag rule and CSV neutraliser, the page and its htmx
fragment per role (scoped exactly by policy), filters, search, sort, pagination, the summary strip,
the CSV export, checks and lifts from the register and the plan page, and the statement count."""

import csv
import io
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment
from markupsafe import escape
from sqlalchemy import select

from pip_app import policy
from pip_app.clock import today
from pip_app.extensions import db
from pip_app.flags import NOT_CHECKED, NOT_CHECKED_DAYS, PLAN_CLOSED, REVIEW_PASSED, control_flags, review_due
from pip_app.models import (
    AuditEvent,
    ControlCheck,
    ControlKind,
    ControlStatus,
    InterimControl,
    Plan,
    PlanStatus,
    RiskArea,
)
from pip_app.register import queries
from pip_app.register.queries import RegisterFilters, neutralise_cell
from pip_app.register.table import shortened
from pip_app.services.plans import allocate_reference
from tests import factories
from tests.conftest import postgres_index_definition
from tests.factories import make_control

TODAY = date(2026, 11, 23)
START = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


def row_ids(response) -> list[int]:
    """The controls listed, in the order shown."""
    return [int(i) for i in re.findall(r'<tbody id="register-control-(\d+)"', response.text)]


@pytest.fixture
def reg(world, make_plan):
    """Controls in both services, in every state, on plans in every state."""
    home_plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    other_plan = make_plan(
        staff=world["other_staff"], manager=world["other_manager"], service=world["other"], start=START
    )
    draft = make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], start=START, status=PlanStatus.DRAFT
    )
    closed = make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], start=START, status=PlanStatus.CLOSED
    )
    c = dict(
        # review date passed, and never checked in 21 days
        overdue=make_control(
            home_plan,
            world["senior"],
            kind=ControlKind.ESCALATION_SIGN_OFF,
            detail="Senior confirms each escalation decision.",
            review_by_date=TODAY - timedelta(days=2),
        ),
        # fine: checked yesterday, review ahead
        fine=make_control(
            home_plan,
            world["manager"],
            kind=ControlKind.PAIRED_WORKING,
            detail="Paired for morning care.",
            review_by_date=TODAY + timedelta(days=7),
            last_checked_on=TODAY - timedelta(days=1),
        ),
        # not checked for exactly 7 days
        stale=make_control(
            home_plan,
            world["senior"],
            kind=ControlKind.INCREASED_OBSERVATION,
            detail="Observed twice a week 50% of the time.",
            review_by_date=TODAY + timedelta(days=7),
            last_checked_on=TODAY - timedelta(days=7),
        ),
        other=make_control(
            other_plan,
            world["other_senior"],
            kind=ControlKind.NOTES_SIGN_OFF,
            detail="Brook Lodge notes signed off.",
            review_by_date=TODAY + timedelta(days=3),
            last_checked_on=TODAY,
        ),
        draft=make_control(
            draft, world["senior"], detail="Draft plan control.", review_by_date=TODAY + timedelta(days=7)
        ),
        closed_active=make_control(
            closed,
            world["senior"],
            kind=ControlKind.RESTRICTED_DUTIES,
            detail="Restricted from medication rounds.",
            review_by_date=TODAY + timedelta(days=7),
            last_checked_on=TODAY,
        ),
        lifted=make_control(
            closed,
            world["senior"],
            kind=ControlKind.MANAGERIAL_PRESENCE,
            detail="Manager on shift.",
            review_by_date=TODAY - timedelta(days=10),
            status=ControlStatus.LIFTED,
            lifted_on=TODAY - timedelta(days=9),
            lift_rationale="Audits good.",
        ),
    )
    return dict(plans=dict(home=home_plan, other=other_plan, draft=draft, closed=closed), controls=c)


# --- Pure: the flag rule and the CSV neutraliser


@pytest.mark.parametrize(
    "status,review_by,last,plan_status,expected",
    [
        ("active", TODAY, TODAY, "active", []),
        ("active", TODAY - timedelta(days=1), TODAY, "active", [REVIEW_PASSED]),
        ("active", TODAY + timedelta(days=5), TODAY - timedelta(days=6), "active", []),
        ("active", TODAY + timedelta(days=5), TODAY - timedelta(days=7), "active", [NOT_CHECKED]),
        ("active", TODAY + timedelta(days=5), None, "active", [NOT_CHECKED]),  # never checked: counts from start
        ("active", TODAY - timedelta(days=1), None, "closed", [REVIEW_PASSED, NOT_CHECKED, PLAN_CLOSED]),
        ("active", TODAY, TODAY, "paused", []),
        ("lifted", TODAY - timedelta(days=30), None, "closed", []),
        ("ongoing_monitoring", TODAY - timedelta(days=30), None, "active", []),
    ],
)
def test_control_flags(status, review_by, last, plan_status, expected):
    assert control_flags(status, review_by, last, START, plan_status, TODAY) == expected


def test_never_checked_counts_from_the_start_date():
    assert control_flags("active", TODAY, None, TODAY - timedelta(days=6), "active", TODAY) == []
    assert control_flags("active", TODAY, None, TODAY - timedelta(days=7), "active", TODAY) == [NOT_CHECKED]
    assert control_flags(ControlStatus.ACTIVE, TODAY, None, TODAY + timedelta(days=3), PlanStatus.ACTIVE, TODAY) == []


@pytest.mark.parametrize(
    "value,expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Sam Taylor", "Sam Taylor"),
        ("a=b", "a=b"),
        ("", ""),
        (21, 21),
        (None, None),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_filters_from_the_url_ignore_anything_unknown():
    f = RegisterFilters.from_args(
        {
            "service": "abc",
            "type": "juggling",
            "status": "deleted",
            "sort": "password",
            "dir": "desc",
            "page": "-3",
            "q": "  two   words  ",
            "flagged": "1",
        }
    )
    assert (f.service, f.kind, f.status, f.sort, f.direction, f.page, f.q, f.flagged) == (
        None,
        None,
        "active",
        "review_by",
        "asc",
        1,
        "two words",
        True,
    )
    assert RegisterFilters.from_args({"sort": "staff", "dir": "desc"}).to_args() == {"sort": "staff", "dir": "desc"}
    assert RegisterFilters().to_args() == {}
    assert RegisterFilters(sort="staff").sorted_by("staff") == {"sort": "staff", "dir": "desc"}


# --- The page: who sees what


@pytest.mark.parametrize("who,status", [("senior", 200), ("manager", 200), ("hr", 200), ("staff", 403), ("admin", 403)])
def test_register_access(world, sign_in, reg, who, status):
    assert sign_in(world[who]).get("/register").status_code == status
    assert sign_in(world[who]).get("/register.csv").status_code == status


def test_signed_out_is_sent_to_login(client):
    response = client.get("/register")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "who,expected",
    [
        ("senior", ["overdue", "fine", "stale", "closed_active"]),
        ("other_senior", ["other"]),
        ("manager", ["overdue", "fine", "stale", "closed_active"]),
        ("other_manager", ["other"]),
        ("hr", ["overdue", "fine", "stale", "other", "closed_active"]),
    ],
)
def test_each_role_sees_exactly_its_controls_never_drafts(world, sign_in, reg, who, expected):
    c = reg["controls"]
    response = sign_in(world[who]).get("/register")
    assert response.status_code == 200
    assert sorted(row_ids(response)) == sorted(c[name].id for name in expected)
    assert c["draft"].id not in row_ids(sign_in(world[who]).get("/register?status=all"))


def test_a_senior_of_another_service_never_sees_these_rows(world, sign_in, reg):
    c = reg["controls"]
    client = sign_in(world["other_senior"])
    for url in ("/register?status=all", "/register?q=Senior", f"/register?service={world['home'].id}&status=all"):
        assert not set(row_ids(client.get(url))) & {c["overdue"].id, c["fine"].id, c["stale"].id}
    assert "Larkfield House" not in client.get("/register").text
    assert client.get(f"/register/controls/{c['overdue'].id}").status_code == 404
    assert "Senior confirms" not in client.get(f"/register.csv?service={world['home'].id}").text


def test_manager_sees_only_plans_they_manage_even_when_responsible_elsewhere(world, sign_in, reg):
    # The manager is responsible for a control on a plan someone else manages: not theirs to list.
    elsewhere = factories.make_plan(staff=world["staff"], manager=world["senior"], service=world["home"], start=START)
    hidden = make_control(elsewhere, world["manager"])
    assert hidden.id not in row_ids(sign_in(world["manager"]).get("/register"))
    assert hidden.id in row_ids(sign_in(world["senior"]).get("/register"))


def test_page_and_htmx_fragment(world, sign_in, reg):
    client = sign_in(world["senior"])
    page = client.get("/register")
    assert "<html" in page.text and 'id="register-filters"' in page.text and 'id="register-summary"' in page.text
    assert 'hx-trigger="change, input delay:400ms from:#q, submit"' in page.text
    assert 'hx-push-url="true"' in page.text and 'method="get"' in page.text
    assert "<caption>" in page.text and 'aria-sort="ascending"' in page.text and 'scope="col"' in page.text
    fragment = client.get("/register?flagged=1", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="register-results"')
    assert "<html" not in fragment.text and 'id="register-summary"' not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_hr_sees_the_register_but_no_forms(world, sign_in, reg):
    response = sign_in(world["hr"]).get("/register")
    assert row_ids(response)
    assert (
        "Record a check" not in response.text
        and ">Lift<" not in response.text
        and '<th scope="col">Actions' not in response.text
    )
    c = reg["controls"]
    assert (
        sign_in(world["hr"])
        .get(f"/register/controls/{c['overdue'].id}?form=check", headers={"HX-Request": "true"})
        .status_code
        == 200
    )
    assert (
        '<form method="post"'
        not in sign_in(world["hr"]).get(f"/register/controls/{c['overdue'].id}").text.split("</header>", 1)[1]
    )


def test_manager_may_check_but_not_lift(world, sign_in, reg):
    response = sign_in(world["manager"]).get("/register")
    assert "Record a check" in response.text and ">Lift<" not in response.text


# --- Filters, search, sort, pages


def test_default_shows_controls_in_force_and_status_filters(world, sign_in, reg):
    c = reg["controls"]
    client = sign_in(world["senior"])
    assert c["lifted"].id not in row_ids(client.get("/register"))
    assert row_ids(client.get("/register?status=lifted")) == [c["lifted"].id]
    assert c["lifted"].id in row_ids(client.get("/register?status=all"))
    assert row_ids(client.get("/register?status=ongoing_monitoring")) == []


def test_flagged_only_matches_the_pure_rule(world, sign_in, reg):
    c = reg["controls"]
    response = sign_in(world["hr"]).get("/register?flagged=1&status=all")
    assert sorted(row_ids(response)) == sorted([c["overdue"].id, c["stale"].id, c["closed_active"].id])
    # The SQL conditions and the pure function agree on every control.
    for control in db.session.scalars(select(InterimControl)):
        flagged_sql = {
            f
            for f, condition in queries.flag_conditions(TODAY).items()
            if db.session.scalar(
                select(InterimControl.id).join(InterimControl.plan).where(InterimControl.id == control.id, condition)
            )
        }
        assert flagged_sql == set(
            control_flags(
                control.status,
                control.review_by_date,
                control.last_checked_on,
                control.start_date,
                control.plan.status,
                TODAY,
            )
        ), control.detail
    text = response.text
    assert "Review 2 days overdue" in text and "Never checked (21 days)" in text
    assert "Not checked for 7 days" in text and "Plan closed, still active" in text


def test_the_sql_flags_equal_the_pure_rule_at_every_boundary(world, make_plan):
    """flags.control_flags is the rule; register.queries.flag_conditions is its SQL twin: on each
    side of every threshold (review-by date, days unchecked, never checked, plan closed) they agree."""
    plans = {
        status: make_plan(
            staff=world["staff"], manager=world["manager"], service=world["home"], start=START, status=status
        )
        for status in (PlanStatus.ACTIVE, PlanStatus.PAUSED, PlanStatus.CLOSED)
    }
    lifted = dict(status=ControlStatus.LIFTED, lifted_on=TODAY, lift_rationale="Audits good.")
    for plan in plans.values():
        for days in (NOT_CHECKED_DAYS - 1, NOT_CHECKED_DAYS, NOT_CHECKED_DAYS + 1):
            for checked in (True, False):  # unchecked days count from the last check, or from the start
                for review_by in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)):
                    for state in ({}, lifted):
                        seen = TODAY - timedelta(days=days)
                        make_control(
                            plan,
                            world["senior"],
                            review_by_date=review_by,
                            start_date=START if checked else seen,
                            last_checked_on=seen if checked else None,
                            **state,
                        )
    conditions = queries.flag_conditions(TODAY)
    matched = {
        code: set(db.session.scalars(select(InterimControl.id).join(InterimControl.plan).where(condition)))
        for code, condition in conditions.items()
    }
    controls = db.session.scalars(select(InterimControl)).all()
    assert len(controls) == 3 * 3 * 2 * 3 * 2
    for control in controls:
        sql = [code for code in conditions if control.id in matched[code]]
        assert sql == control_flags(
            control.status,
            control.review_by_date,
            control.last_checked_on,
            control.start_date,
            control.plan.status,
            TODAY,
        )


def test_filter_by_service_type_and_responsible(world, sign_in, reg):
    c = reg["controls"]
    client = sign_in(world["hr"])
    assert row_ids(client.get(f"/register?service={world['other'].id}")) == [c["other"].id]
    assert row_ids(client.get("/register?type=paired_working")) == [c["fine"].id]
    assert row_ids(client.get(f"/register?responsible={world['manager'].id}")) == [c["fine"].id]
    assert row_ids(client.get("/register?type=paired_working&flagged=1")) == []
    assert "No controls match these filters." in client.get("/register?type=paired_working&flagged=1").text


@pytest.mark.parametrize(
    "query,expected",
    [
        ("sENIOR CONFIRMS", ["overdue"]),  # control detail, any case
        ("brook lodge", ["other"]),  # service name
        ("PIP-2026-0002", ["other"]),  # plan reference
        ("50%", ["stale"]),  # % is literal, not a wildcard
        ("_", []),  # so is _
    ],
)
def test_search_is_case_insensitive_and_literal(world, sign_in, reg, query, expected):
    c = reg["controls"]
    response = sign_in(world["hr"]).get("/register", query_string={"q": query})
    assert sorted(row_ids(response)) == sorted(c[name].id for name in expected)


def test_search_by_staff_member_and_responsible_person(world, sign_in, reg):
    c = reg["controls"]
    client = sign_in(world["hr"])
    staff_name = world["other_staff"].name.upper()
    assert row_ids(client.get("/register", query_string={"q": staff_name})) == [c["other"].id]
    assert c["fine"].id in row_ids(client.get("/register", query_string={"q": world["manager"].name.lower()}))


def test_sort_by_any_column_and_unknown_sort_falls_back(world, sign_in, reg):
    c = reg["controls"]
    client = sign_in(world["senior"])
    default = row_ids(client.get("/register"))
    assert default[0] == c["overdue"].id  # review-by, earliest first
    for key, _ in queries.COLUMNS:
        for direction in ("asc", "desc"):
            response = client.get(f"/register?sort={key}&dir={direction}")
            assert response.status_code == 200 and sorted(row_ids(response)) == sorted(default), key
            assert re.search(rf'aria-sort="{"ascending" if direction == "asc" else "descending"}"', response.text)
    assert row_ids(client.get("/register?sort=nonsense")) == default
    assert row_ids(client.get("/register?sort=control")) == [  # by the label people read, A→Z
        c["stale"].id,
        c["fine"].id,
        c["closed_active"].id,
        c["overdue"].id,
    ]
    flags_desc = row_ids(client.get("/register?sort=flags&dir=desc"))
    assert flags_desc[0] == c["overdue"].id and flags_desc[-1] == c["fine"].id
    last_check = row_ids(client.get("/register?sort=last_check"))
    assert last_check[0] == c["overdue"].id  # never checked is the stalest
    assert row_ids(client.get("/register?sort=last_check&dir=desc"))[-1] == c["overdue"].id


def test_sort_links_are_plain_links_that_keep_the_filters(world, sign_in, reg):
    response = sign_in(world["senior"]).get("/register?flagged=1&sort=staff")
    assert 'href="/register?flagged=1&amp;sort=staff&amp;dir=desc"' in response.text
    assert 'hx-get="/register?flagged=1&amp;sort=staff&amp;dir=desc"' in response.text
    # the sort order travels with the filter form, whose inputs are bound to it by id
    assert '<input type="hidden" name="sort" value="staff" form="register-filters">' in response.text


def test_pagination(world, sign_in, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    for n in range(30):
        make_control(plan, world["senior"], detail=f"Control {n}", review_by_date=START + timedelta(days=n))
    client = sign_in(world["senior"])
    first = client.get("/register")
    assert len(row_ids(first)) == 25 and "30 controls, page 1 of 2" in first.text
    assert 'href="/register?page=2"' in first.text
    second = client.get("/register?page=2")
    assert len(row_ids(second)) == 5 and not set(row_ids(first)) & set(row_ids(second))
    assert row_ids(client.get("/register?page=99")) == row_ids(second)


def test_empty_states(world, sign_in):
    client = sign_in(world["senior"])
    assert "There are no interim controls in force on the plans you can see." in client.get("/register").text
    assert "No controls match these filters." in client.get("/register?q=nothing").text


def test_summary_strip(world, sign_in, reg):
    text = sign_in(world["senior"]).get("/register").text
    summary = text[text.index('id="register-summary"') : text.index("</section>", text.index('id="register-summary"'))]
    assert re.search(r'register-summary__number">4<', summary)  # in force (not lifted, not drafts)
    assert re.search(r'register-summary__number">3<', summary)  # flagged
    assert "Paired working" in summary and 'href="/register?flagged=1"' in summary
    assert "oldest control in force" in summary and "since 2 Nov 2026" in summary
    oldest = re.search(r"oldest control in force: <a [^>]*>([^<]+)</a>\s+on (\S+) \(([^)]+)\), since", summary)
    assert oldest, summary
    assert oldest.group(2).startswith("PIP-") and oldest.group(3) in {
        u.name for u in world.values() if hasattr(u, "role")
    }
    assert "Brook Lodge" not in summary


def test_summary_strip_with_nothing_flagged_names_the_days_of_the_rule(world, sign_in, make_plan):
    """The strip's "all well" line says the not-checked rule's days (flags.NOT_CHECKED_DAYS)."""
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    make_control(plan, world["senior"], review_by_date=TODAY + timedelta(days=7), last_checked_on=TODAY)
    text = sign_in(world["senior"]).get("/register").text
    assert re.search(r'register-summary__number">0<', text)  # flagged
    assert f"Every control in force is within its review date and checked in the last {NOT_CHECKED_DAYS} days." in text


# --- CSV


def read_csv(response):
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_has_exactly_the_filtered_rows_with_iso_dates(world, sign_in, reg):
    c = reg["controls"]
    client = sign_in(world["senior"])
    response = client.get("/register.csv?flagged=1&sort=staff")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="interim-controls-2026-11-23.csv"'
    assert "no-store" in response.headers["Cache-Control"]
    header, *rows = read_csv(response)
    assert header[:3] == ["Plan reference", "Staff member", "Service"]
    page = client.get("/register?flagged=1&sort=staff")
    expected = {c["overdue"].id, c["stale"].id, c["closed_active"].id}
    assert set(row_ids(page)) == expected and len(rows) == len(expected)
    details = {row[4] for row in rows}
    assert details == {db.session.get(InterimControl, i).detail for i in expected}
    overdue = next(row for row in rows if row[4] == c["overdue"].detail)
    assert overdue[7:10] == ["2026-11-02", "2026-11-21", ""]
    assert overdue[11] == "21" and "Review 2 days overdue" in overdue[12]


def test_csv_neutralises_formulae(world, sign_in, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    make_control(plan, world["senior"], detail='=HYPERLINK("http://evil.example","click")')
    make_control(plan, world["senior"], detail="@SUM(1+1)")
    make_control(plan, world["senior"], detail="-1+1")
    _header, *rows = read_csv(sign_in(world["senior"]).get("/register.csv"))
    assert sorted(r[4] for r in rows) == sorted(['\'=HYPERLINK("http://evil.example","click")', "'@SUM(1+1)", "'-1+1"])


def test_csv_download_is_audited_with_the_filters(world, sign_in, reg):
    sign_in(world["senior"]).get("/register.csv?flagged=1&type=escalation_sign_off&q=senior")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "exported"))
    assert event.entity == "register" and event.actor_id == world["senior"].id and event.plan_id is None
    assert event.changes["filters"]["flagged"] is True and event.changes["filters"]["type"] == "escalation_sign_off"
    assert event.changes["filters"]["q"] == "senior" and event.changes["rows"] == 1


def test_the_page_links_the_csv_with_its_filters(world, sign_in, reg):
    text = sign_in(world["senior"]).get("/register?flagged=1&type=escalation_sign_off&page=1").text
    assert 'href="/register.csv?type=escalation_sign_off&amp;flagged=1"' in text


# --- Statement count: independent of the number of controls


def add_controls(world, count: int, offset: int) -> None:
    """`count` controls on plans of ten, inserted in one transaction."""
    for p in range(count // 10):
        plan = Plan(
            **allocate_reference(2025),
            staff=world["staff"],
            manager=world["manager"],
            service=world["home"],
            status=PlanStatus.ACTIVE,
            version=1,
            start_date=START,
            planned_end_date=START + timedelta(weeks=4),
            risk_area=RiskArea.RECORDS,
        )
        db.session.add(plan)
        for n in range(10):
            plan.controls.append(
                InterimControl(
                    kind=list(ControlKind)[n % 7],
                    detail=f"Control {p}-{n}",
                    responsible=world["senior"],
                    start_date=START,
                    review_by_date=START + timedelta(days=n),
                    last_checked_on=START if n % 2 else None,
                )
            )
    db.session.flush()
    for control in db.session.scalars(select(InterimControl).where(InterimControl.last_checked_on.is_not(None))):
        db.session.add(
            ControlCheck(control=control, checked_on=START, note="Checked", recorded_by_id=world["senior"].id)
        )
    db.session.commit()


@pytest.mark.parametrize(
    "url,htmx",
    [("/register", False), ("/register?flagged=1&sort=flags&dir=desc&q=control", True), ("/register?page=2", False)],
)
def test_register_statements_are_the_same_for_10_and_1000_controls(world, sign_in, count_queries, url, htmx):
    client = sign_in(world["senior"])
    headers = {"HX-Request": "true"} if htmx else {}
    counts = []
    for total, offset in ((30, 0), (970, 100)):  # more than a page, then a thousand
        add_controls(world, total, offset)
        client.get(url, headers=headers)  # warm up
        with count_queries() as counter:
            response = client.get(url, headers=headers)
        assert response.status_code == 200
        counts.append(counter.count)
    assert db.session.scalar(select(db.func.count(InterimControl.id))) == 1000
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts


def test_a_first_page_that_is_not_full_is_not_counted(world, sign_in, count_queries):
    """A first page with fewer controls than a page holds shows how many match: the count is left
    out (one statement fewer); a full first page, and any later page, are counted."""
    add_controls(world, 30, 0)  # details "Control 0-0" to "Control 2-9"
    client = sign_in(world["senior"])
    statements = {}
    for url, shown in (
        ("/register?q=control+1-", "10 controls."),
        ("/register?q=control+1-&page=2", "10 controls."),  # the last page it has is shown
        ("/register?q=control", "30 controls, page 1 of 2."),
        ("/register?q=control+9-", "No controls match these filters."),
    ):
        client.get(url)
        with count_queries() as counter:
            text = client.get(url).text
        statements[url] = counter.count
        assert shown in text, url
    assert statements["/register?q=control+1-"] + 1 == statements["/register?q=control"]
    assert statements["/register?q=control+1-&page=2"] == statements["/register?q=control"]
    assert statements["/register?q=control+9-"] == statements["/register?q=control+1-"]


def test_a_pages_statements_are_built_once_for_everyone_of_a_role(world, sign_in):
    """Two registered managers of different services share the first page's statements (built
    once, with who is looking as bound parameters), and each still sees only their own controls;
    another page of the same list reuses them too (its offset is a parameter)."""
    add_controls(world, 30, 0)  # on the home service's plans
    queries._page_statements.cache_clear()
    home, other = sign_in(world["senior"]), sign_in(world["other_senior"])
    assert "30 controls, page 1 of 2." in home.get("/register?sort=control").text
    assert "30 controls, page 2 of 2." in home.get("/register?sort=control&page=2").text
    assert "0 controls." in other.get("/register?sort=control").text
    info = queries._page_statements.cache_info()
    assert (info.misses, info.hits) == (1, 2), info


def flags_of(control: InterimControl, day: date) -> list[str]:
    due = review_due(control.review_by_date, control.continued_until)
    return control_flags(control.status, due, control.last_checked_on, control.start_date, control.plan.status, day)


def test_register_takes_its_total_from_the_summary_where_it_counted_them(world, sign_in, count_queries):
    """Unfiltered, by type or flagged, the table lists exactly the controls in force the summary
    strip has just counted, so the page reuses that total instead of counting them again; any
    other filter counts for itself."""
    add_controls(world, 30, 0)
    day = today()
    for control in db.session.scalars(select(InterimControl).order_by(InterimControl.id).limit(12)):
        control.review_by_date, control.last_checked_on = day + timedelta(days=30), day  # not flagged
    db.session.commit()
    client = sign_in(world["senior"])
    reused = [
        "/register",
        "/register?page=2",
        "/register?status=active&sort=staff",
        "/register?type=paired_working",
        "/register?flagged=1",
        "/register?type=paired_working&flagged=1",
    ]
    statements = {}
    for url in (*reused, "/register?status=all", "/register?q=a"):
        client.get(url)
        with count_queries() as counter:
            text = client.get(url).text
        statements[url] = counter.count
        controls = db.session.scalars(
            select(InterimControl).where(
                *([] if "status=all" in url else [InterimControl.status == ControlStatus.ACTIVE]),
                *([InterimControl.kind == ControlKind.PAIRED_WORKING] if "type=" in url else []),
            )
        ).all()
        if "flagged" in url:
            controls = [c for c in controls if flags_of(c, day)]
        if "q=" in url:
            controls = [
                c
                for c in controls
                if "a" in c.search_detail
                or "a" in c.plan.staff.search_name
                or "a" in c.responsible.search_name
                or "a" in c.plan.service.name.lower()
            ]
        shown = re.search(r'id="register-results-count"[^>]*>(\d+) control', text)
        assert shown and int(shown.group(1)) == len(controls), url
    in_force = db.session.scalars(select(InterimControl).where(InterimControl.status == ControlStatus.ACTIVE)).all()
    assert 0 < sum(1 for c in in_force if flags_of(c, day)) < len(in_force)  # the flagged filter narrows
    assert {statements[url] for url in reused} == {statements["/register"]}
    assert statements["/register?status=all"] == statements["/register?q=a"] == statements["/register"] + 1


# --- Checks and lifts from the register


def check_data(control, **overrides):
    data = {
        f"check-{control.id}-checked_on": TODAY.isoformat(),
        f"check-{control.id}-note": "3 decisions signed off",
        f"check-{control.id}-origin": "register",
        f"check-{control.id}-next": "/register?flagged=1",
    }
    data.update({f"check-{control.id}-{k}": v for k, v in overrides.items()})
    return data


def lift_data(control, **overrides):
    data = {
        f"lift-{control.id}-lifted_on": TODAY.isoformat(),
        f"lift-{control.id}-rationale": "Two audits at 100%.",
        f"lift-{control.id}-outcome": "lift",
        f"lift-{control.id}-row_version": str(control.row_version),
        f"lift-{control.id}-origin": "register",
        f"lift-{control.id}-next": "/register?flagged=1",
    }
    data.update({f"lift-{control.id}-{k}": v for k, v in overrides.items()})
    return data


def test_open_the_check_form_in_the_register_row(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    response = sign_in(world["senior"]).get(
        f"/register/controls/{c.id}?form=check&next=/register?flagged=1", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tbody id="register-control-{c.id}"')
    assert f'hx-post="/register/controls/{c.id}/check"' in response.text
    assert f'name="check-{c.id}-next" type="hidden" value="/register?flagged=1"' in response.text
    assert "autofocus" in response.text


def test_record_a_check_from_the_register_with_htmx(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    response = sign_in(world["senior"]).post(f"/register/controls/{c.id}/check", check_data(c), htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tbody id="register-control-{c.id}"')
    assert "Check recorded for senior sign-off of escalation decisions" in response.text
    assert "3 decisions signed off" in response.text  # the new last check
    assert "Never checked" not in response.text
    assert re.search(r'<template>\s*<section id="register-summary"[^>]*hx-swap-oob="true"', response.text)
    db.session.refresh(c)
    assert c.last_checked_on == TODAY
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "checked"))
    assert event.plan_id == c.plan_id and event.entity_id == c.id


def test_record_a_check_without_javascript_returns_to_the_filtered_register(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    response = sign_in(world["senior"]).post(f"/register/controls/{c.id}/check", check_data(c))
    assert response.status_code == 303 and response.headers["Location"] == "/register?flagged=1"


def test_next_only_returns_to_the_register(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    for evil in ("https://evil.example/register", "//evil.example/register", "/plans/1"):
        response = sign_in(world["senior"]).post(f"/register/controls/{c.id}/check", check_data(c, next=evil))
        assert response.headers["Location"] == "/register"


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"checked_on": (TODAY + timedelta(days=1)).isoformat()}, "cannot be in the future"),
        ({"checked_on": (START - timedelta(days=1)).isoformat()}, "The control started on 2 Nov 2026"),
        ({"checked_on": ""}, "Enter the date of the check."),
        ({"note": ""}, "Say what was checked"),
        ({"note": "x" * 1001}, "1,000 characters or fewer"),
    ],
)
def test_check_validation_is_422_and_keeps_the_input(world, sign_in, reg, overrides, message):
    c = reg["controls"]["overdue"]
    data = check_data(c, **overrides)
    response = sign_in(world["senior"]).post(f"/register/controls/{c.id}/check", data, htmx=True)
    assert response.status_code == 422
    assert message in response.text and response.text.lstrip().startswith("<tbody")
    assert f'hx-post="/register/controls/{c.id}/check"' in response.text
    if overrides.get("note", "ok") and "note" not in overrides:
        assert "3 decisions signed off" in response.text
    assert db.session.scalar(select(ControlCheck)) is None


def test_check_validation_without_javascript_shows_the_control_page(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    response = sign_in(world["senior"]).post(f"/register/controls/{c.id}/check", check_data(c, note=""))
    assert response.status_code == 422 and "<html" in response.text and "Say what was checked" in response.text
    assert 'value="/register?flagged=1"' in response.text  # still returns to the register afterwards


def test_lift_from_the_register(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    response = sign_in(world["senior"]).post(f"/register/controls/{c.id}/lift", lift_data(c), htmx=True)
    assert response.status_code == 200
    assert "Senior sign-off of escalation decisions on PIP-2026-0001 lifted." in response.text
    assert "status--lifted" in response.text and ">Lift<" not in response.text
    db.session.refresh(c)
    assert c.status is ControlStatus.LIFTED and c.lifted_by_id == world["senior"].id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "lifted")).plan_id == c.plan_id


def test_carry_into_monitoring_from_the_register(world, sign_in, reg):
    c = reg["controls"]["stale"]
    response = sign_in(world["senior"]).post(
        f"/register/controls/{c.id}/lift",
        lift_data(c, outcome="monitor", rationale="Monthly audit continues."),
        htmx=True,
    )
    assert response.status_code == 200 and "carried into ongoing monitoring" in response.text
    db.session.refresh(c)
    assert c.status is ControlStatus.ONGOING_MONITORING


def test_lift_needs_a_rationale(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    response = sign_in(world["senior"]).post(f"/register/controls/{c.id}/lift", lift_data(c, rationale=" "), htmx=True)
    assert response.status_code == 422 and "Give the rationale" in response.text
    db.session.refresh(c)
    assert c.status is ControlStatus.ACTIVE


def test_a_stale_lift_form_is_refused_with_409_keeping_the_input(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    data = lift_data(c, rationale="My careful rationale")
    senior = sign_in(world["senior"])
    c.detail = "Changed by the line manager meanwhile"  # a real edit of the control bumps its version
    db.session.commit()
    response = senior.post(f"/register/controls/{c.id}/lift", data, htmx=True)
    assert response.status_code == 409
    assert (
        "Someone else changed this while you were editing" in response.text and "My careful rationale" in response.text
    )
    db.session.refresh(c)
    assert c.status is ControlStatus.ACTIVE


def test_a_check_recorded_meanwhile_does_not_make_the_lift_form_stale(world, sign_in, reg):
    """A check adds evidence; it does not change the control, so it never blocks a decision."""
    c = reg["controls"]["overdue"]
    data = lift_data(c, rationale="Two good audits")
    senior = sign_in(world["senior"])
    assert senior.post(f"/register/controls/{c.id}/check", check_data(c), htmx=True).status_code == 200
    assert senior.post(f"/register/controls/{c.id}/lift", data, htmx=True).status_code == 200
    db.session.refresh(c)
    assert c.status is ControlStatus.LIFTED


def test_a_lifted_control_cannot_be_lifted_or_checked_again(world, sign_in, reg):
    c = reg["controls"]["lifted"]
    senior = sign_in(world["senior"])
    for path, data in (("lift", lift_data(c)), ("check", check_data(c))):
        response = senior.post(f"/register/controls/{c.id}/{path}", data, htmx=True)
        assert response.status_code == 409
        assert "This control was lifted on 14 Nov 2026" in response.text
        assert "can no longer be checked or lifted" in response.text
        plain = senior.post(f"/register/controls/{c.id}/{path}", data)
        assert plain.status_code == 409 and "<html" in plain.text and "was lifted on 14 Nov 2026" in plain.text
    assert db.session.scalar(select(ControlCheck)) is None


@pytest.mark.parametrize(
    "who,path,status",
    [
        ("manager", "lift", 403),  # lifting is the registered manager's decision
        ("hr", "check", 403),  # HR changes nothing
        ("hr", "lift", 403),
        ("staff", "check", 403),  # no register access at all
        ("admin", "lift", 403),
        ("other_senior", "check", 404),  # not theirs: it does not exist for them
        ("other_senior", "lift", 404),
        ("other_manager", "check", 404),
    ],
)
def test_who_may_check_and_lift(world, sign_in, reg, who, path, status):
    c = reg["controls"]["overdue"]
    data = lift_data(c) if path == "lift" else check_data(c)
    assert sign_in(world[who]).post(f"/register/controls/{c.id}/{path}", data, htmx=True).status_code == status
    db.session.refresh(c)
    assert c.status is ControlStatus.ACTIVE and c.last_checked_on is None


def test_manager_may_record_a_check(world, sign_in, reg):
    c = reg["controls"]["fine"]
    assert (
        sign_in(world["manager"]).post(f"/register/controls/{c.id}/check", check_data(c), htmx=True).status_code == 200
    )


def test_draft_controls_are_not_found(world, sign_in, reg):
    c = reg["controls"]["draft"]
    senior = sign_in(world["senior"])
    assert senior.get(f"/register/controls/{c.id}").status_code == 404
    assert senior.post(f"/register/controls/{c.id}/check", check_data(c)).status_code == 404
    assert senior.get("/register/controls/999999").status_code == 404


def test_no_check_on_a_closed_plan_but_its_forgotten_control_can_be_lifted(world, sign_in, reg):
    c = reg["controls"]["closed_active"]
    senior = sign_in(world["senior"])
    assert senior.post(f"/register/controls/{c.id}/check", check_data(c), htmx=True).status_code == 403
    assert senior.post(f"/register/controls/{c.id}/lift", lift_data(c), htmx=True).status_code == 200


def test_posts_need_the_csrf_token(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    assert (
        sign_in(world["senior"]).post(f"/register/controls/{c.id}/check", check_data(c), csrf=False).status_code == 400
    )


def test_control_page(world, sign_in, reg):
    c = reg["controls"]["fine"]
    db.session.add(
        ControlCheck(
            control=c,
            checked_on=TODAY - timedelta(days=1),
            note="Paired all morning",
            recorded_by_id=world["manager"].id,
        )
    )
    db.session.commit()
    text = sign_in(world["senior"]).get(f"/register/controls/{c.id}?next=/register?type=paired_working").text
    assert "Paired all morning" in text and "Record a check" in text and "Lift the control" in text
    assert 'href="/register?type=paired_working">Back to the register' in text


# --- From the plan page


def test_plan_page_offers_the_forms_policy_allows(world, sign_in, reg):
    plan = reg["plans"]["home"]
    senior = sign_in(world["senior"]).get(f"/plans/{plan.id}").text
    assert senior.count(">Record a check<") == 3 and senior.count(">Lift or carry into monitoring<") == 3
    manager = sign_in(world["manager"]).get(f"/plans/{plan.id}").text
    assert manager.count(">Record a check<") == 3 and "Lift or carry into monitoring" not in manager
    for who in ("hr", "staff"):
        text = sign_in(world[who]).get(f"/plans/{plan.id}").text
        assert "Record a check" not in text and "Lift or carry" not in text
    assert "Checks and details" not in sign_in(world["staff"]).get(f"/plans/{plan.id}").text
    assert "Last check 22 Nov 2026" in senior


def test_record_a_check_from_the_plan_page(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    client = sign_in(world["senior"])
    data = check_data(c, origin="plan", next="")
    response = client.post(f"/register/controls/{c.id}/check", data, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="controls-panel"')
    assert "Check recorded" in response.text and "Last check 23 Nov 2026" in response.text
    # The plan's header (its flags: "not checked for 7 days") comes with it, out of band.
    assert '<header id="plan-header" class="plan-header" hx-swap-oob="true">' in response.text
    plain = client.post(f"/register/controls/{c.id}/check", data)
    assert plain.status_code == 303 and plain.headers["Location"] == f"/plans/{c.plan_id}#control-{c.id}"
    history = client.get(f"/plans/{c.plan_id}/history").text
    assert "Checked control" in history


def test_plan_page_errors_reopen_the_form(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    response = sign_in(world["senior"]).post(
        f"/register/controls/{c.id}/lift", lift_data(c, origin="plan", rationale=""), htmx=True
    )
    assert response.status_code == 422 and response.text.lstrip().startswith('<section id="controls-panel"')
    assert f'action="/register/controls/{c.id}/lift"' in response.text and "Give the rationale" in response.text


def test_plan_page_opens_one_form_on_demand(world, sign_in, reg):
    """The plan page links to each form; htmx opens it in the panel, without JavaScript the
    control's page shows it, and a check saved there goes back to the plan."""
    c = reg["controls"]["overdue"]
    client = sign_in(world["senior"])
    page = client.get(f"/plans/{c.plan_id}").text
    assert f'href="/register/controls/{c.id}?form=check&amp;origin=plan"' in page
    assert f'action="/register/controls/{c.id}/check"' not in page  # no form until asked for
    panel = client.get(f"/register/controls/{c.id}?form=lift&origin=plan", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and panel.text.lstrip().startswith('<section id="controls-panel"')
    assert (
        f'action="/register/controls/{c.id}/lift"' in panel.text
        and f'name="lift-{c.id}-origin" type="hidden" value="plan"' in panel.text
    )
    assert f'action="/register/controls/{c.id}/check"' not in panel.text
    plain = client.get(f"/register/controls/{c.id}?form=check&origin=plan")
    assert plain.status_code == 200 and plain.text.startswith("<!doctype html>")
    assert f'name="check-{c.id}-origin" type="hidden" value="plan"' in plain.text
    manager = sign_in(world["manager"]).get(
        f"/register/controls/{c.id}?form=lift&origin=plan", headers={"HX-Request": "true"}
    )
    assert f'action="/register/controls/{c.id}/lift"' not in manager.text  # lifting is the senior's decision


def test_lift_from_the_plan_page_shows_in_its_history(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    client = sign_in(world["senior"])
    response = client.post(f"/register/controls/{c.id}/lift", lift_data(c, origin="plan"), htmx=True)
    assert response.status_code == 200 and "Lifted on 23 Nov 2026" in response.text
    assert "Lifted control" in client.get(f"/plans/{c.plan_id}/history").text


def test_plan_page_shows_the_note_of_each_controls_newest_check(world, sign_in, reg):
    c = reg["controls"]["fine"]
    for day, note in (
        (TODAY - timedelta(days=3), "Older: paired on the late shift"),
        (TODAY - timedelta(days=1), "Earlier that day: paired at breakfast"),
        (TODAY - timedelta(days=1), "Newest: paired all morning"),  # the same day, recorded after
    ):
        db.session.add(ControlCheck(control=c, checked_on=day, note=note, recorded_by_id=world["senior"].id))
        db.session.flush()
    db.session.commit()
    client = sign_in(world["senior"])
    page = client.get(f"/plans/{c.plan_id}").text
    assert 'Last check 22 Nov 2026: <span class="prose">Newest: paired all morning</span>' in page
    assert "Older: paired" not in page and "Earlier that day" not in page
    panel = client.post(
        f"/register/controls/{c.id}/check", check_data(c, origin="plan", note="Today: <b>seen</b>"), htmx=True
    ).text
    assert 'Last check 23 Nov 2026: <span class="prose">Today: &lt;b&gt;seen&lt;/b&gt;</span>' in panel


def test_csv_says_who_lifted_each_control(world, sign_in, reg):
    c = reg["controls"]["overdue"]
    client = sign_in(world["senior"])
    assert client.post(f"/register/controls/{c.id}/lift", lift_data(c), htmx=True).status_code == 200
    header, *rows = read_csv(client.get("/register.csv?status=lifted"))
    assert header[13:16] == ["Lifted or carried into monitoring on", "By", "Rationale"]
    row = next(r for r in rows if r[4] == c.detail)
    assert row[13] == "2026-11-23" and row[14] == world["senior"].name


def test_removal_from_regulated_activity_is_a_type_of_its_own_with_the_plan_s_stage(world, sign_in, make_plan):
    from pip_app.models import PlanStage

    plan = make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], start=START, stage=PlanStage.STAGE_1
    )
    removed = make_control(
        plan,
        world["senior"],
        kind=ControlKind.REMOVED_FROM_REGULATED_ACTIVITY,
        detail="No personal care while the concern is looked into.",
        review_by_date=TODAY + timedelta(days=7),
        last_checked_on=TODAY,
    )
    make_control(plan, world["senior"], kind=ControlKind.RESTRICTED_DUTIES, review_by_date=TODAY + timedelta(days=7))
    client = sign_in(world["senior"])
    page = client.get("/register")
    assert '<option value="removed_from_regulated_activity"' in page.text
    filtered = client.get("/register?type=removed_from_regulated_activity")
    assert row_ids(filtered) == [removed.id]
    assert "Removed from regulated activity" in filtered.text and "Formal stage 1 (improvement note)" in filtered.text
    header, *rows = read_csv(client.get("/register.csv?type=removed_from_regulated_activity"))
    [row] = rows
    assert row[header.index("Control")] == "Removed from regulated activity"
    assert "Formal stage 1 (improvement note)" in row


@pytest.mark.parametrize("status", ["active", "all"])
def test_every_page_in_every_order_holds_the_rows_the_whole_list_has_there(app, status):
    """A page's controls are chosen by their ids and sort keys, then read whole (register_page):
    in every sort and direction, page after page, they are exactly the rows the one-statement
    list (register_rows, the CSV's) has at those places."""
    from pip_app.clock import today
    from pip_app.models import User
    from pip_app.tools.seed import GROUP_SENIOR_EMAIL, seed_scale

    seed_scale(plans=60, services=3, staff=30, password="seeded-password-2026", seed=11)
    senior = db.session.scalar(select(User).where(User.email == GROUP_SENIOR_EMAIL))
    day = today()
    for sort in queries.SORT_KEYS:
        for direction in ("asc", "desc"):
            filters = RegisterFilters(status=status, sort=sort, direction=direction)
            everything = [row.control.id for row in queries.register_rows(senior, filters, day)]
            assert len(everything) > queries.PAGE_SIZE  # more than one page, or the test proves little
            pages = [
                [row.control.id for row in queries.register_page(senior, replace(filters, page=n), day).rows]
                for n in range(1, -(-len(everything) // queries.PAGE_SIZE) + 1)
            ]
            assert [i for page in pages for i in page] == everything, (sort, direction)


def test_a_filtered_count_by_the_controls_copies_is_the_number_of_rows_listed(app):
    """A filtered or searched page counts its matches from the controls' copies of their plans'
    scope, without joining the plans (`_filtered(by_copy=True)`); the list (register_rows, the
    CSV's) joins them. For every manager, registered manager and HR person of a seeded group, and
    every kind of filter and search, the two agree."""
    from pip_app.clock import today
    from pip_app.models import Plan, Role, Service, User
    from pip_app.tools.seed import seed_scale

    seed_scale(plans=80, services=4, staff=30, password="seeded-password-2026", seed=7)
    day = today()
    people = list(db.session.scalars(select(User).where(User.role.in_([Role.MANAGER, Role.SENIOR, Role.HR]))))
    plan = db.session.scalars(select(Plan).where(Plan.status != PlanStatus.DRAFT).order_by(Plan.id)).first()
    staff_name = plan.staff.name.split()[-1]
    service = db.session.scalars(select(Service).order_by(Service.id)).first()
    candidates = [
        RegisterFilters(flagged=True),
        RegisterFilters(status="all", flagged=True),
        RegisterFilters(status="lifted"),
        RegisterFilters(service=service.id),
        RegisterFilters(kind="escalation_sign_off", status="all"),
        RegisterFilters(responsible=people[0].id, status="all"),
        RegisterFilters(q=staff_name),  # a staff member's name (folded)
        RegisterFilters(q=plan.reference[-3:]),  # part of a reference
        RegisterFilters(q=service.name[:5].upper(), status="all"),  # a service's name, in any case
        RegisterFilters(q="sign", flagged=True),  # control details
        RegisterFilters(q="nothing matches this"),
    ]
    found = set()
    for person in people:
        for filters in candidates:
            listed = len(queries.register_rows(person, filters, day))
            assert queries.register_page(person, filters, day).total == listed, (person.email, filters)
            found.add(listed > 0)
    assert found == {True, False}  # some filters match and some do not, or the test proves little


def test_the_default_order_is_read_from_its_index_not_sorted(app, world):
    """The register's first page, in its default order (review due), takes its controls from the
    index on (status, review due, id) and stops: no sort of every control in force (migration 0026).
    Both databases match the index's expression to the ORDER BY's; SQLite's plan says so exactly."""
    filters = RegisterFilters.from_args({})
    senior = world["senior"]
    chosen = (
        queries._filtered(
            select(InterimControl.id),
            senior.role,
            policy.sees_many_plans(senior),
            filters,
            date(2026, 11, 30),
            people=False,
        )
        .order_by(*queries._order(filters, date(2026, 11, 30)))
        .limit(25)
        .params(policy.viewer_parameters(senior))
    )
    connection = db.session.connection()
    sql = chosen.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name != "sqlite":
        # A handful of test rows: told not to sort if it can help it, PostgreSQL shows the index
        # matches the ORDER BY (it cannot read the order from an index that does not).
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}"))
        assert "ix_interim_controls_status_review_due" in plan and "Sort" not in plan, plan
        return
    plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    assert any("ix_interim_controls_status_review_due" in step for step in plan), plan
    assert not any("TEMP B-TREE FOR ORDER BY" in step for step in plan), plan


# sqlite_stat1 of the bench's database at 10,000 plans (seed-scale, then ANALYZE).
SCALE_STATISTICS = [
    ("plans", "ix_plans_visibility", "10000 1 1 1 1"),
    ("plans", "ix_plans_review_queue", "10000 2500 385 25 12 9 1"),
    ("plans", "ix_plans_stage", "10000 10000"),
    ("plans", "uq_plans_reference_year_number", "10000 1667 1"),
    ("plans", "ix_plans_staff_status", "10000 17 7"),
    ("plans", "ix_plans_service_status", "10000 500 125"),
    ("plans", "ix_plans_manager_status", "10000 167 44"),
    ("plans", "sqlite_autoindex_plans_1", "10000 1"),
    ("interim_controls", "ix_interim_controls_status_review_due", "39951 13317 11 1"),
    ("interim_controls", "ix_interim_controls_plan_status_start", "39951 4 3 3"),
    ("interim_controls", "ix_interim_controls_register", "39951 13317 1665 1 1 1 1 1"),
    ("interim_controls", "ix_interim_controls_status_start", "39951 13317 12"),
    ("interim_controls", "ix_interim_controls_status_review_by", "39951 13317 11"),
    ("interim_controls", "ix_interim_controls_responsible_id", "39951 500"),
    ("interim_controls", "ix_interim_controls_plan_id", "39951 4"),
    ("interim_controls", "ix_interim_controls_kind", "39951 4994"),
    ("interim_controls", "ix_interim_controls_search", "39951 13317 666 222 102 3 2 1"),  # migration 0034
]


def _senior_over_many_services(world, make_service):
    """The world's registered manager, given more services than `policy.FEW_SERVICES`: the
    register then reads the group-wide way (`policy.sees_many_plans`)."""
    from pip_app.policy import FEW_SERVICES, sees_many_plans

    senior = world["senior"]
    senior.services.extend(make_service(f"Home {n}") for n in range(FEW_SERVICES))
    db.session.commit()
    assert sees_many_plans(senior)
    return senior


def _with_scale_statistics(connection) -> None:
    """SQLite's planner as it sees 10,000 plans and 40,000 controls: their statistics, as ANALYZE
    wrote them on the bench's seeded database (before migration 0032), then read again."""
    connection.exec_driver_sql("ANALYZE")
    connection.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl IN ('plans', 'interim_controls')")
    for table, index, stat in SCALE_STATISTICS:
        connection.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", (table, index, stat))
    connection.exec_driver_sql("ANALYZE sqlite_schema")


def _statements_run(action) -> list[tuple[str, object]]:
    from sqlalchemy import event

    run = []

    def record(conn, cursor, statement, parameters, context, executemany):
        run.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return run


def test_the_summary_over_many_services_counts_from_the_register_index_alone(app, world, make_service):
    """Over many services the summary strip counts every control in force the person sees from
    the register index alone, through each control's copy of its plan's status, service and
    manager (migration 0032): joined to its plan, each of the group's 8,754 was a lookup."""
    senior = _senior_over_many_services(world, make_service)
    run = _statements_run(lambda: queries.summary(senior, date(2026, 11, 30)))
    [(statement, parameters)] = [(s, p) for s, p in run if "GROUP BY" in s]
    assert "plans" not in statement  # no plan is read, whatever the planner chooses
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        _with_scale_statistics(connection)
        plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
        assert plan == ["SEARCH interim_controls USING COVERING INDEX ix_interim_controls_register (status=?)"], plan


def test_a_search_over_many_services_is_counted_from_the_search_index_alone(app, world, make_service):
    """A search's count reads the controls alone, by their copies of their plans' scope: the plans
    a search matches by reference or staff member are found in a list of their own. On SQLite every
    control in force is read from the search index (migration 0034), not from its wide row. On
    PostgreSQL the controls whose detail matches are a list of their own too, found by trigram
    (migration 0036)."""
    senior = _senior_over_many_services(world, make_service)
    filters = RegisterFilters.from_args({"q": "wojcik", "page": "2"})  # a first page not full counts nothing
    run = _statements_run(lambda: queries.register_page(senior, filters, date(2026, 11, 30)))
    [(statement, parameters)] = [(s, p) for s, p in run if "count(" in s]
    assert "JOIN" not in statement, statement
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        # Which indexes the planner takes depends on the data (for the controls in force, any of
        # several); that it can find the details by trigram does not: no other index holds them.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
        assert "Bitmap Index Scan on ix_interim_controls_detail_trigrams" in plan, plan
        return
    _with_scale_statistics(connection)
    plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    assert plan[0] == "SEARCH interim_controls USING COVERING INDEX ix_interim_controls_search (status=?)", plan


def test_the_first_pages_controls_are_looked_up_in_the_visibility_index(app, world, make_service):
    """The register's first page chooses its controls in order of review and looks each one's plan
    up for who sees it: in the index on (id, status, service, manager) (migration 0029), not in
    the plans' wide rows."""
    senior = _senior_over_many_services(world, make_service)
    connection = db.session.connection()
    if db.engine.dialect.name != "sqlite":
        # With a handful of rows whose pages were never vacuumed, PostgreSQL's choice between this
        # index alone and the plans' rows is a coin toss. What can be held here is that the index
        # holds what is read.
        definition = postgres_index_definition("ix_plans_visibility")
        assert definition.endswith("(id, status, service_id, manager_id)"), definition
        return
    _with_scale_statistics(connection)
    filters = RegisterFilters.from_args({})
    day = date(2026, 11, 30)
    chosen = (
        queries._filtered(
            select(InterimControl.id), senior.role, policy.sees_many_plans(senior), filters, day, people=False
        )
        .order_by(*queries._order(filters, day))
        .limit(queries.PAGE_SIZE)
        .params(policy.viewer_parameters(senior))
    )
    sql = chosen.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    assert any("plans USING COVERING INDEX ix_plans_visibility" in step for step in plan), plan


def _copies_that_differ_from_their_plans() -> list[int]:
    """The controls whose copy of their plan's status, service or manager (migration 0032) is
    not their plan's."""
    from pip_app.models import Plan

    copied = select(
        InterimControl.id,
        InterimControl.plan_status,
        InterimControl.plan_service_id,
        InterimControl.plan_manager_id,
        Plan.status,
        Plan.service_id,
        Plan.manager_id,
    ).join(Plan, Plan.id == InterimControl.plan_id)
    return [row[0] for row in db.session.execute(copied) if tuple(row[1:4]) != tuple(row[4:7])]


def test_each_control_carries_its_plans_status_service_and_manager_through_every_change(app, world, make_plan):
    """The database keeps each control's copy of its plan's status, service and manager: when the
    control is written, and whenever the plan's change, by the ORM or by a statement of its own."""
    from sqlalchemy import update

    from pip_app.models import Plan

    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT)
    other = make_plan(staff=world["other_staff"], manager=world["other_manager"], service=world["other"])
    first = make_control(plan, world["senior"])
    make_control(other, world["other_senior"])
    db.session.flush()
    assert _copies_that_differ_from_their_plans() == []
    status = db.session.scalar(select(InterimControl.plan_status).where(InterimControl.id == first.id))
    assert status is PlanStatus.DRAFT
    for change in (
        lambda: setattr(plan, "status", PlanStatus.ACTIVE),
        lambda: setattr(plan, "manager", world["other_manager"]),
        lambda: setattr(plan, "service", world["other"]),
        lambda: setattr(plan, "status", PlanStatus.PAUSED),
        lambda: db.session.execute(update(Plan).where(Plan.id == plan.id).values(status=PlanStatus.CLOSED)),
        lambda: make_control(plan, world["senior"]),  # a control added later takes the plan's now
        lambda: setattr(first, "plan", other),  # a control moved to another plan takes that one's
    ):
        change()
        db.session.flush()
        assert _copies_that_differ_from_their_plans() == []
    db.session.commit()
    assert _copies_that_differ_from_their_plans() == []
    values = db.session.execute(
        select(InterimControl.plan_status, InterimControl.plan_service_id, InterimControl.plan_manager_id).where(
            InterimControl.plan_id == plan.id
        )
    ).all()
    assert values and set(values) == {(PlanStatus.CLOSED, world["other"].id, world["other_manager"].id)}


def test_the_register_scope_on_the_controls_copies_is_the_scope_on_their_plans(app):
    """`policy.visible_controls_by_copy` (on a control's copies) names exactly the controls that
    `policy.visible_controls` (on their plans) does, for every person of a seeded group."""
    from pip_app.models import Plan, Role, User
    from pip_app.tools.seed import seed_scale

    seed_scale(plans=120, services=5, staff=40, password="seeded-password-2026", seed=11)
    assert _copies_that_differ_from_their_plans() == []
    people = list(db.session.scalars(select(User).where(User.role.in_([Role.MANAGER, Role.SENIOR, Role.HR]))))
    assert {p.role for p in people} == {Role.MANAGER, Role.SENIOR, Role.HR}
    seen = 0
    for person in people:
        on_plans = set(
            db.session.scalars(
                select(InterimControl.id)
                .join(Plan, Plan.id == InterimControl.plan_id)
                .where(policy.visible_controls(person))
            )
        )
        by_copy = policy.visible_controls_by_copy(person.role).params(policy.viewer_parameters(person))
        on_copies = set(db.session.scalars(select(InterimControl.id).where(by_copy)))
        assert on_copies == on_plans, person.email
        seen += len(on_plans)
    assert seen  # the group's controls were seen by someone, or the comparison proves nothing


# --- The table's row, written in Python (register/table.py)


@given(st.text(alphabet="ab \u00e9<&", max_size=120), st.integers(min_value=3, max_value=100))
def test_a_row_shortens_text_as_jinjas_truncate_filter_did(text, length):
    environment = Environment()
    assert shortened(text, length) == environment.filters["truncate"](environment, text, length)


def test_a_row_escapes_what_people_wrote_and_shortens_the_detail(world, sign_in, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    world["staff"].name = "Ann <b>Bold</b>"
    world["senior"].name = "Sam & Co"
    detail = "Paired <i>working</i> " + "on every early shift " * 10
    control = make_control(plan, world["senior"], detail=detail, review_by_date=TODAY + timedelta(days=7))
    db.session.commit()
    html = sign_in(world["senior"]).get("/register").text
    row = html[html.index(f'<tbody id="register-control-{control.id}"') :]
    row = row[: row.index("</tbody>")]
    assert "Ann &lt;b&gt;Bold&lt;/b&gt;" in row and "<b>Bold" not in row
    assert "Responsible: Sam &amp; Co" in row
    assert f'<span class="block muted small">{escape(shortened(detail, 90))}</span>' in row
    assert shortened(detail, 90).endswith("...") and len(shortened(detail, 90)) <= 90
    assert "Paired &lt;i&gt;working&lt;/i&gt;" in row
