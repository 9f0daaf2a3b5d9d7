"""Smoke: a person signs in with a real browser and sees their dashboard; then signs out."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_manager_signs_in_and_sees_the_dashboard(live_server, page, console_errors, world):
    sign_in(page, live_server, world["manager"].email, PASSWORD)
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    expect(page.get_by_text(world["manager"].name).first).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert console_errors == []


def test_wrong_password_shows_the_generic_message(live_server, page, world):
    sign_in(page, live_server, world["manager"].email, "not the right password")
    expect(page.get_by_role("alert")).to_contain_text("not recognised")
    expect(page.get_by_label("Email address")).to_have_value(world["manager"].email)
