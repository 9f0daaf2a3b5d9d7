"""Conditional GET (issue 15, point 4): the plan page and the plan's PDFs carry a weak ETag of
this person's copy as it is now; sending it back answers 304, with nothing loaded beyond what
the ETag reads, nothing rendered and no download recorded, until anything the copy shows changes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.models import AuditEvent
from pip_app.services import controls as control_ops
from tests.conftest import login
from tests.factories import make_control
from tests.test_closure import close_directly, ready_plan

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    return make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=date(2026, 11, 2))


def fetch(client, url, etag=None):
    return client.get(url, headers={"If-None-Match": etag} if etag else {})


def downloads() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.verb == "downloaded"))


def test_the_plan_page_answers_304_while_nothing_changes(world, sign_in, plan, count_queries):
    manager = sign_in(world["manager"])
    page = f"/plans/{plan.id}"
    first = fetch(manager, page)
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    assert first.headers["Cache-Control"] == "no-store"  # browsers still keep no copy
    with count_queries() as counter:
        again = fetch(manager, page, first.headers["ETag"])
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    # The person and their session, the plan with its people and its last change: nothing else.
    assert counter.count <= 2, [s[:90] for s in counter.statements]


def test_the_first_page_after_signing_in_is_kept_too(app, world, plan):
    """Signing in starts a new session, whose CSRF secret the first page makes: the ETag of that
    first page already counts it."""
    client = app.test_client()
    assert login(client, world["manager"].email).status_code == 303
    first = fetch(client, f"/plans/{plan.id}")
    assert fetch(client, f"/plans/{plan.id}", first.headers["ETag"]).status_code == 304


def test_a_change_to_any_part_of_the_plan_changes_the_etag(world, sign_in, plan):
    manager = sign_in(world["manager"])
    control = make_control(plan, world["senior"])
    etag = fetch(manager, f"/plans/{plan.id}").headers["ETag"]
    control_ops.record_check(world["manager"], control, TODAY, "Checked the handover notes: all signed.")
    db.session.commit()
    after = fetch(manager, f"/plans/{plan.id}", etag)
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert "Checked the handover notes: all signed." in after.text


def test_a_renamed_staff_member_changes_the_etag(world, sign_in, plan):
    manager = sign_in(world["manager"])
    etag = fetch(manager, f"/plans/{plan.id}").headers["ETag"]
    world["staff"].name = "Renamed Person"
    db.session.commit()
    after = fetch(manager, f"/plans/{plan.id}", etag)
    assert after.status_code == 200 and "Renamed Person" in after.text


def test_each_person_and_each_day_has_its_own_copy(app, world, sign_in, plan):
    manager = sign_in(world["manager"])
    etag = fetch(manager, f"/plans/{plan.id}").headers["ETag"]
    senior = sign_in(world["senior"])
    assert fetch(senior, f"/plans/{plan.id}", etag).status_code == 200  # not the manager's copy
    app.config["FROZEN_TODAY"] = "2026-11-24"  # flags fall due by the day
    assert fetch(manager, f"/plans/{plan.id}", etag).status_code == 200


def test_a_new_session_gets_a_new_copy(world, sign_in, plan):
    """A kept page's forms carry the session's CSRF token: a new session must not reuse them."""
    etag = fetch(sign_in(world["manager"]), f"/plans/{plan.id}").headers["ETag"]
    assert fetch(sign_in(world["manager"]), f"/plans/{plan.id}", etag).status_code == 200


def test_a_page_showing_a_message_has_no_etag(world, sign_in, plan):
    """A flashed message shows once: a kept copy must never bring it back."""
    manager = sign_in(world["manager"])
    with manager.client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved.")]
    page = fetch(manager, f"/plans/{plan.id}")
    assert page.status_code == 200 and "Saved." in page.text and "ETag" not in page.headers


def test_someone_who_may_not_see_the_plan_gets_404_whatever_they_send(world, sign_in, plan):
    etag = fetch(sign_in(world["manager"]), f"/plans/{plan.id}").headers["ETag"]
    assert fetch(sign_in(world["other_manager"]), f"/plans/{plan.id}", etag).status_code == 404


def test_a_kept_closure_summary_is_not_built_or_recorded_again(world, sign_in, make_plan):
    plan = ready_plan(world, make_plan)
    close_directly(plan, world["manager"])
    hr = sign_in(world["hr"])
    first = fetch(hr, f"/plans/{plan.id}/closure.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf" and downloads() == 1
    again = fetch(hr, f"/plans/{plan.id}/closure.pdf", first.headers["ETag"])
    assert again.status_code == 304 and again.data == b"" and downloads() == 1
    # The plan PDF is another file: its own ETag, and the closure summary's does not match it.
    plan_pdf = fetch(hr, f"/plans/{plan.id}/plan.pdf", first.headers["ETag"])
    assert plan_pdf.status_code == 200 and plan_pdf.headers["ETag"] != first.headers["ETag"] and downloads() == 2
    # Downloads are reads: they leave the plan's ETags as they were.
    assert fetch(hr, f"/plans/{plan.id}/closure.pdf", first.headers["ETag"]).status_code == 304
