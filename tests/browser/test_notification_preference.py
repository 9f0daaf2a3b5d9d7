"""A manager chooses "a daily digest only" on the account page in a real browser; the next run of
send-notifications sends them the digest and leaves the overdue-review email to it (the outbox
says why), while the staff member's request to acknowledge still comes as it happens."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from pip_app.extensions import db
from pip_app.models import Notification, NotificationKind, NotificationStatus
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD
from tests.mailserver import MailServer

pytestmark = pytest.mark.browser
TODAY = date(2026, 11, 30)


def test_digest_only_preference_set_in_the_browser_changes_what_arrives(
    app, live_server, page, console_errors, world, make_plan
):
    manager = world["manager"]
    plan = make_plan(staff=world["staff"], manager=manager, service=world["home"], start=TODAY - timedelta(days=14))
    plan.next_review_date = TODAY - timedelta(days=1)
    db.session.commit()
    server = MailServer().start()
    app.config.update(
        FROZEN_TODAY=TODAY.isoformat(),
        DIGEST_HOUR=0,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.port,
        BASE_URL=live_server,
    )
    try:
        sign_in_quickly(page, live_server, manager.email, PASSWORD, then="/account")
        group = page.get_by_role("group", name="Emails about your work")
        expect(group.get_by_label("Each as it happens, plus a daily digest")).to_be_checked()
        group.get_by_label("A daily digest only").check()
        page.get_by_role("button", name="Save email settings").click()
        expect(page.get_by_text("Saved: you will get one email a day")).to_be_visible()
        expect(page.get_by_label("A daily digest only")).to_be_checked()
        assert_accessible(page, "account page with the email preference")

        result = app.test_cli_runner().invoke(args=["send-notifications"])
        assert result.exit_code == 0, result.output
        received = server.take()
        to_manager = [r.message["Subject"] for r in received if r.recipients == [manager.email]]
        assert to_manager == ["Your improvement plan tasks for 30 Nov 2026: 1 waiting"]
        db.session.expire_all()
        skipped = db.session.query(Notification).filter_by(kind=NotificationKind.REVIEW_OVERDUE).one()
        assert skipped.status is NotificationStatus.SKIPPED and "digest only" in skipped.last_error

        # The link in the digest opens the plan (after sign-in, which this browser has).
        link = next(
            line for line in received[0].message.get_body(("plain",)).get_content().splitlines() if "/plans/" in line
        )
        page.goto(link.strip())
        expect(page.get_by_role("heading", level=1)).to_contain_text(plan.reference)
        assert console_errors == []
    finally:
        server.stop()
