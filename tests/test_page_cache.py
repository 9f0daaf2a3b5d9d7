"""Kept pages (pip_app/page_cache.py): served again only when rendering again would give the same
HTML, for the same person, with their own session's CSRF token, after the policy check."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from pip_app.extensions import db
from pip_app.models import AuditEvent, DataRevision, Role, Service, User
from pip_app.page_cache import CSRF_PLACEHOLDER, Page, PageCache, current_revision
from tests.conftest import csrf_token_from
from tests.factories import make_control

TODAY = date(2026, 11, 23)
START = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    make_control(plan, world["senior"])
    return plan


def without_tokens(html: str) -> str:
    return html.replace(csrf_token_from(html), "TOKEN")


def statements_of(client, url, count_queries, **kwargs):
    with count_queries() as counter:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return counter.count, response


@pytest.mark.parametrize("who", ["manager", "senior", "staff"])
def test_a_kept_plan_page_is_the_same_page_in_three_statements(world, plan, sign_in, count_queries, who):
    client = sign_in(world[who])
    rendered, first = statements_of(client, f"/plans/{plan.id}", count_queries)
    kept, again = statements_of(client, f"/plans/{plan.id}", count_queries)
    assert kept == 3 < rendered  # the signed-in user (with their services), the data revision, the plan
    assert without_tokens(again.text) == without_tokens(first.text)
    assert again.headers["Cache-Control"] == "no-store"  # kept by the server, never by the browser


def test_a_kept_register_page_and_fragment_are_each_their_own(world, plan, sign_in, count_queries):
    client = sign_in(world["senior"])
    htmx = {"HX-Request": "true"}
    client.get("/register?type=escalation_sign_off")
    client.get("/register?type=escalation_sign_off", headers=htmx)
    kept_page, page = statements_of(client, "/register?type=escalation_sign_off", count_queries)
    kept_fragment, fragment = statements_of(client, "/register?type=escalation_sign_off", count_queries, headers=htmx)
    assert kept_page == kept_fragment == 2  # the signed-in user and the data revision
    assert page.text.startswith("<!doctype html>") and 'id="register-filters"' in page.text
    assert not fragment.text.lstrip().startswith("<!doctype") and 'id="register-filters"' not in fragment.text
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_a_check_recorded_shows_at_once_on_the_kept_pages(world, plan, sign_in):
    client = sign_in(world["senior"])
    control = plan.controls[0]
    assert "Never checked" in client.get("/register").text
    assert "Senior confirms each escalation decision" in client.get(f"/plans/{plan.id}").text
    response = client.post(
        f"/register/controls/{control.id}/check",
        {f"check-{control.id}-checked_on": TODAY.isoformat(), f"check-{control.id}-note": "Four decisions signed off"},
    )
    assert response.status_code == 303
    assert "Never checked" not in client.get("/register").text
    assert "Four decisions signed off" in client.get(f"/plans/{plan.id}").text


def test_a_renamed_person_shows_at_once(world, plan, sign_in):
    client = sign_in(world["senior"])
    assert "Sam Example" not in client.get(f"/plans/{plan.id}").text
    world["staff"].name = "Sam Example"  # any committed change, whoever makes it
    db.session.commit()
    assert "Sam Example" in client.get(f"/plans/{plan.id}").text


def test_each_person_has_their_own_page(world, plan, sign_in):
    manager, hr = sign_in(world["manager"]), sign_in(world["hr"])
    assert "Change the plan" in manager.get(f"/plans/{plan.id}").text
    assert "Change the plan" not in hr.get(f"/plans/{plan.id}").text
    assert "Change the plan" in manager.get(f"/plans/{plan.id}").text


def test_a_kept_page_carries_the_sessions_own_csrf_token(world, plan, sign_in):
    """The page was kept with another CSRF token than this session now holds: it is served with
    the session's own, which the next form post must carry."""
    client = sign_in(world["senior"])
    first_page = client.get(f"/plans/{plan.id}").text
    with client.client.session_transaction() as session:
        session.pop("csrf_token")  # as a new session of the same sign-in would have another
    second_page = client.get(f"/plans/{plan.id}").text
    assert CSRF_PLACEHOLDER.decode() not in second_page
    assert without_tokens(second_page) == without_tokens(first_page)
    token = csrf_token_from(second_page)
    assert token != csrf_token_from(first_page) and f'"X-CSRFToken": "{token}"' in second_page
    control = plan.controls[0]
    data = {f"check-{control.id}-checked_on": TODAY.isoformat(), f"check-{control.id}-note": "Checked"}
    stale = client.post(f"/register/controls/{control.id}/check", {**data, "csrf_token": csrf_token_from(first_page)})
    assert stale.status_code == 400
    assert client.post(f"/register/controls/{control.id}/check", {**data, "csrf_token": token}).status_code == 303


def test_a_page_showing_a_flash_message_is_not_kept(world, make_plan, sign_in):
    draft = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    client = sign_in(world["manager"])
    client.get(f"/plans/{draft.id}")
    with client.client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved for the test.")]
    assert "Saved for the test." in client.get(f"/plans/{draft.id}").text
    assert "Saved for the test." not in client.get(f"/plans/{draft.id}").text


def test_a_new_day_renders_the_page_again(app, world, plan, sign_in, count_queries):
    client = sign_in(world["senior"])
    client.get("/register")
    assert statements_of(client, "/register", count_queries)[0] == 2
    app.config["FROZEN_TODAY"] = (TODAY + timedelta(days=1)).isoformat()
    assert statements_of(client, "/register", count_queries)[0] > 2


def test_the_policy_is_checked_before_a_kept_page_is_served(world, plan, sign_in):
    client = sign_in(world["senior"])
    assert client.get(f"/plans/{plan.id}").status_code == 200
    assert client.get("/register").status_code == 200
    # The policy now refuses (the routes bind the policy's functions, so change the facts it reads:
    # a role change written straight to the database, without ending the session).
    db.session.execute(update(User).where(User.id == world["senior"].id).values(role=Role.STAFF))
    db.session.commit()
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.get("/register").status_code == 403


def test_signing_out_everywhere_leaves_no_kept_page_reachable(world, plan, sign_in):
    client = sign_in(world["senior"])
    client.get(f"/plans/{plan.id}")
    world["senior"].rotate_session_token()
    db.session.commit()
    assert client.get(f"/plans/{plan.id}").status_code == 302


# --- The data revision -------------------------------------------------------------------------


def test_a_committed_change_moves_the_revision_by_one(app, world):
    before = current_revision()
    world["home"].name = "Larkfield House (east)"
    db.session.commit()
    assert current_revision() == before + 1
    db.session.commit()  # nothing changed
    db.session.scalars(select(User)).all()
    db.session.commit()  # only read
    assert current_revision() == before + 1


def test_a_change_rolled_back_does_not_move_the_revision(app, world):
    before = current_revision()
    world["home"].name = "Not kept"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert current_revision() == before


def test_bulk_statements_and_savepoints_count_once_at_the_outer_commit(app, world):
    before = current_revision()
    with db.session.begin_nested():
        db.session.add(Service(name="Beech Court"))
    assert current_revision() == before  # not until the outer transaction commits
    db.session.execute(db.update(User).where(User.role == Role.STAFF).values(name="Renamed"))
    db.session.commit()
    assert current_revision() == before + 1


def test_an_emptied_revision_table_starts_again(app, world):
    db.session.execute(db.delete(DataRevision))
    db.session.commit()
    assert current_revision() == 1  # the deletion itself was counted, from nothing
    db.session.add(AuditEvent(verb="tested", entity="service", entity_id=world["home"].id))
    db.session.commit()
    assert current_revision() == 2


# --- The store ---------------------------------------------------------------------------------


def page(size: int) -> Page:
    return Page(b"x" * size, ())


def test_the_store_drops_the_least_recently_used_beyond_its_size():
    store = PageCache(max_bytes=25)
    stamp = (1, TODAY)
    assert store.get(stamp, "a") is None
    store.put(stamp, "a", page(10))
    store.put(stamp, "b", page(10))
    assert store.get(stamp, "a") is not None  # a is now the more recently used
    store.put(stamp, "c", page(10))
    assert store.get(stamp, "b") is None and store.get(stamp, "a") and store.get(stamp, "c")
    store.put(stamp, "huge", page(26))
    assert store.get(stamp, "huge") is None and len(store) == 2


def test_the_store_keeps_one_revision_and_day_only():
    store = PageCache(max_bytes=100)
    store.get((1, TODAY), "a")
    store.put((1, TODAY), "a", page(10))
    assert store.get((2, TODAY), "a") is None  # a newer revision: everything kept is stale
    store.put((1, TODAY), "a", page(10))  # rendered at the old revision, arriving late
    assert store.get((2, TODAY), "a") is None and len(store) == 0
    store.put((2, TODAY), "a", page(10))
    assert store.get((2, TODAY), "a") is not None
    assert store.get((2, TODAY + timedelta(days=1)), "a") is None


def test_the_cache_can_be_turned_off(app, world, plan, sign_in, count_queries, page_cache_off):
    client = sign_in(world["senior"])
    rendered, _ = statements_of(client, f"/plans/{plan.id}", count_queries)
    again, _ = statements_of(client, f"/plans/{plan.id}", count_queries)
    assert again == rendered > 3
