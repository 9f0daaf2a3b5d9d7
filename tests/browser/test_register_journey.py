"""The interim-control register in a real browser: a registered manager finds every flagged control
in their service within two clicks, records a check and lifts a control in place; the CSV downloads
with exactly the rows of the filter; the back button restores the filters; and the same work is
possible without JavaScript and from the plan page."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import AuditEvent, ControlKind, ControlStatus, InterimControl
from tests import factories
from tests.browser.conftest import sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

TODAY = date(2026, 11, 23)


@pytest.fixture
def controls(app, world):
    """Like the demo: one control past its review date, one not checked for 9 days, one fine; and
    a flagged control in another service that this senior must never see."""
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    start = TODAY - timedelta(days=20)
    home = factories.make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=start)
    second_staff = factories.make_user(
        "staff", name="Agnieszka Łukasik", services=[world["home"]], line_manager=world["manager"]
    )
    second = factories.make_plan(staff=second_staff, manager=world["manager"], service=world["home"], start=start)
    other = factories.make_plan(
        staff=world["other_staff"], manager=world["other_manager"], service=world["other"], start=start
    )
    made = dict(
        overdue=factories.make_control(
            home,
            world["senior"],
            kind=ControlKind.ESCALATION_SIGN_OFF,
            detail="Every escalation decision is confirmed by the senior on duty.",
            review_by_date=TODAY - timedelta(days=2),
            last_checked_on=TODAY - timedelta(days=2),
        ),
        unchecked=factories.make_control(
            second,
            world["senior"],
            kind=ControlKind.NOTES_SIGN_OFF,
            detail="A senior signs the food and fluid notes at handover.",
            review_by_date=TODAY + timedelta(days=5),
            last_checked_on=TODAY - timedelta(days=9),
        ),
        fine=factories.make_control(
            second,
            world["manager"],
            kind=ControlKind.PAIRED_WORKING,
            detail="Paired for morning personal care.",
            review_by_date=TODAY + timedelta(days=5),
            last_checked_on=TODAY - timedelta(days=1),
        ),
        elsewhere=factories.make_control(
            other,
            world["other_senior"],
            kind=ControlKind.RESTRICTED_DUTIES,
            detail="Not on medication rounds at Brook Lodge.",
            review_by_date=TODAY - timedelta(days=4),
        ),
    )
    return {name: control.id for name, control in made.items()}


def _saved(control_id: int) -> InterimControl:
    """The control as the server stored it (the test's session ends its own read first)."""
    db.session.commit()
    return db.session.get(InterimControl, control_id)


def _row(page, control_id: int):
    return page.locator(f"#register-control-{control_id}")


def _set_marker(page) -> None:
    page.evaluate("window.__marker = 1")


def _assert_no_reload(page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def test_senior_finds_flagged_controls_records_a_check_lifts_one_and_downloads_the_csv(
    live_server, page, console_errors, world, controls, tmp_path
):
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then="/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()

    # Click 1: the register, from the main navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Control register").click()
    expect(page.get_by_role("heading", name="Interim-control register", level=1)).to_be_visible()
    expect(page.locator("#register-summary")).to_contain_text("3")  # in force in this service
    expect(page.locator("tbody.register-control")).to_have_count(3)
    expect(page.get_by_text("Brook Lodge")).to_have_count(0)
    _set_marker(page)

    # Click 2: "Flagged only" narrows the table in place and puts the filter in the address.
    page.get_by_label("Flagged only").check()
    expect(page).to_have_url(re.compile(r"/register\?.*flagged=1"))
    rows = page.locator("tbody.register-control")
    expect(rows).to_have_count(2)
    expect(_row(page, controls["overdue"])).to_contain_text("Review 2 days overdue")
    expect(_row(page, controls["unchecked"])).to_contain_text("Not checked for 9 days")
    expect(page.locator(".register-results__count")).to_have_text("2 controls.")
    _assert_no_reload(page)

    # The CSV has exactly the rows of the filter.
    shown = set(page.locator("tbody.register-control th[scope=row] > a").all_inner_texts())
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("^Download CSV")).click()
    download = download_info.value
    assert download.suggested_filename == "interim-controls-2026-11-23.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows_in_csv = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[0] == "Plan reference"
    assert len(rows_in_csv) == 2 and {r[0] for r in rows_in_csv} == {s.strip() for s in shown}
    assert {r[4] for r in rows_in_csv} == {_saved(controls["overdue"]).detail, _saved(controls["unchecked"]).detail}
    assert rows_in_csv[0][7] == (TODAY - timedelta(days=20)).isoformat()  # ISO dates
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "exported")).changes["filters"]["flagged"]
    _assert_no_reload(page)

    # Record a check on the control nobody has checked for 9 days, in its row.
    unchecked = _row(page, controls["unchecked"])
    unchecked.get_by_role("link", name=re.compile("^Record a check")).click()
    note = unchecked.get_by_label("What was checked")
    expect(note).to_be_focused()
    unchecked.get_by_role("button", name="Record check").click()  # empty: refused in place
    expect(unchecked.locator(".error-summary")).to_contain_text("Say what was checked")
    unchecked.get_by_label("What was checked").fill("Notes signed off at evening handover; all charts complete.")
    unchecked.get_by_role("button", name="Record check").click()
    expect(unchecked.get_by_role("status")).to_contain_text("Check recorded")
    expect(unchecked).to_contain_text("23 Nov 2026")
    expect(unchecked).not_to_contain_text("Not checked for 9 days")
    # …and the summary strip with it: one flagged control left, none unchecked.
    expect(page.locator("#register-summary .register-summary__stat--alert .register-summary__number")).to_have_text("1")
    expect(page.locator("#register-summary")).not_to_contain_text("Not checked for 7 days")
    assert _saved(controls["unchecked"]).last_checked_on == TODAY
    _assert_no_reload(page)

    # Lift the control whose review date has passed, with a rationale.
    overdue = _row(page, controls["overdue"])
    overdue.get_by_role("link", name=re.compile("^Lift")).click()
    overdue.get_by_label("Lift it: people are protected without it").check()
    overdue.get_by_label("Rationale").fill(
        "Two consecutive weekly reviews with every escalation decision rationalised."
    )
    overdue.get_by_role("button", name="Save decision").click()
    expect(overdue.get_by_role("status")).to_contain_text("lifted")
    expect(overdue.locator(".status--lifted")).to_be_visible()
    expect(overdue.get_by_role("link", name=re.compile("^Lift"))).to_have_count(0)
    lifted = _saved(controls["overdue"])
    assert lifted.status is ControlStatus.LIFTED and lifted.lifted_by_id == world["senior"].id
    _assert_no_reload(page)

    # The back button returns to the unfiltered register.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/register$"))
    expect(page.get_by_label("Flagged only")).not_to_be_checked()

    # Chromium logs the deliberate 422 of the empty note; nothing else.
    assert [e for e in console_errors if "status of 422" not in e] == []


def test_sorting_and_search_update_the_table_in_place(live_server, page, console_errors, world, controls):
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then="/register")
    _set_marker(page)
    page.get_by_role("link", name=re.compile("^Staff member")).click()
    expect(page).to_have_url(re.compile(r"sort=staff"))
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Staff member")
    page.get_by_role("link", name=re.compile("^Staff member")).click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Staff member")
    page.get_by_label("Search").fill("agnieszka")
    expect(page.locator("tbody.register-control")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"q=agnieszka"))
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Staff member")  # the sort is kept
    _assert_no_reload(page)
    assert console_errors == []


def test_without_javascript_a_senior_filters_and_records_a_check(live_server, browser, world, controls):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then="/register")
        page.get_by_label("Flagged only").check()
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(r"flagged=1"))
        expect(page.locator("tbody.register-control")).to_have_count(2)
        _row(page, controls["unchecked"]).get_by_role("link", name=re.compile("^Record a check")).click()
        expect(page.get_by_role("heading", name="Senior sign-off of notes at handover", level=1)).to_be_visible()
        page.get_by_label("What was checked").fill("Signed off at handover.")
        page.get_by_role("button", name="Record check").click()
        expect(page).to_have_url(re.compile(r"/register\?.*flagged=1"))
        expect(page.get_by_text("Check recorded")).to_be_visible()
        expect(page.locator("tbody.register-control")).to_have_count(1)
    finally:
        context.close()


def test_from_the_plan_page_a_senior_records_a_check(live_server, page, console_errors, world, controls):
    control = _saved(controls["fine"])
    plan_id = control.plan_id
    sign_in_quickly(page, live_server, world["senior"].email, PASSWORD, then=f"/plans/{plan_id}")
    item = page.locator(f"#control-{controls['fine']}")
    _set_marker(page)
    item.get_by_role("link", name=re.compile("^Record a check")).click()
    item.get_by_label("What was checked").fill("Paired all morning; observed twice.")
    item.get_by_role("button", name="Record check").click()
    item = page.locator(f"#control-{controls['fine']}")
    expect(item.get_by_role("status")).to_contain_text("Check recorded")
    expect(item).to_contain_text("Last check 23 Nov 2026")
    _assert_no_reload(page)
    assert _saved(controls["fine"]).last_checked_on == TODAY
    assert console_errors == []
