"""Notifications end to end: operations write the outbox in their own transaction, the command
finds what is due and sends it to a real SMTP server (aiosmtpd on a loopback port), and what
arrives is parsed: each kind once, to the right person, with the right absolute link, multipart
plain text + HTML, and nothing sensitive in it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from pip_app.clock import now_utc
from pip_app.extensions import db
from pip_app.models import (
    AckResponse,
    AuditEvent,
    EscalationDecision,
    Nation,
    Notification,
    NotificationKind,
    NotificationStatus,
    Observation,
    ObservationStatus,
    PlanStatus,
    PlanVersion,
    Progress,
    ReviewDecision,
    Role,
)
from pip_app.services import acknowledgements, escalations, plans, reviews
from pip_app.services import users as accounts
from tests.factories import approve_for_issue, make_action, make_control, make_user
from tests.mailserver import MailServer
from tests.test_closure import close_directly, ready_plan

TODAY = date(2026, 11, 30)  # a Monday
BASE = "https://plans.example.test"
Kind = NotificationKind

# Text that must never reach an email, whatever the kind.
RISK = "Deterioration was recorded but not escalated: Mr Jones's sepsis signs were missed"
SUMMARY = "Escalation decisions still late; confidential summary"
NOTE = "Secret review note about practice"
DISAGREEMENT = "I disagree because of my anxiety diagnosis"
SENSITIVE = (RISK, "sepsis", SUMMARY, NOTE, DISAGREEMENT, "anxiety", "MAR audit 62%")


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config.update(FROZEN_TODAY=TODAY.isoformat(), BASE_URL=BASE, DIGEST_HOUR=25)  # no digests unless asked


@pytest.fixture
def mail(app):
    server = MailServer().start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_FROM="Improvement plans <pip@care.example>", MAIL_TIMEOUT=2
    )
    yield server
    server.stop()


def send(runner, *args):
    """Run the command as cron would; return its output."""
    result = runner.invoke(args=["send-notifications", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    db.session.expire_all()
    return result.output


def rows(**where) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return list(db.session.scalars(query))


def parts(message) -> dict[str, str]:
    """content type → text of each leaf part."""
    found = {}
    for part in message.walk():
        if part.get_content_maintype() != "multipart":
            found[part.get_content_type()] = (
                part.get_content() if part.get_content_maintype() == "text" else part.get_content().decode()
            )
    return found


def assert_clean(message) -> None:
    """Multipart plain text + HTML, and no sensitive text anywhere in the raw message or its parts."""
    found = parts(message)
    assert "text/plain" in found and "text/html" in found
    whole = message.as_string() + "".join(found.values())
    for text in SENSITIVE:
        assert text.lower() not in whole.lower(), text


def by_kind(received) -> dict[str, list]:
    result: dict[str, list] = {}
    for item in received:
        result.setdefault(item.message["Subject"], []).append(item)
    return result


@pytest.fixture
def draft(world, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=TODAY,
        risk_statement=RISK,
        evidence_sources=["audit"],
        baseline_text="MAR audit 62%",
    )
    make_control(plan, world["senior"], start_date=TODAY, review_by_date=TODAY + timedelta(days=14))
    make_action(plan, 1)
    return plan


def escalating_review(manager, plan):
    """Today's weekly review of the plan, its first action at risk, decided "Escalate" (its notes
    and summary the sensitive texts no email may carry)."""
    review = reviews.record_review(
        manager,
        plan,
        review_date=TODAY,
        entries=[{"action": plan.actions[0], "progress": Progress.AT_RISK, "note": NOTE}],
        control_decisions=[],
        summary=SUMMARY,
        decision=ReviewDecision.ESCALATE,
        next_review_date=TODAY + timedelta(days=6),
        escalation_reason=SUMMARY,
    )
    # Raised on the frozen day, not the machine's: a decision dated TODAY is refused as before its
    # escalation once the real date has passed TODAY (CI failed so at 00:06 on 1 Dec 2026).
    for escalation in plan.escalations:
        escalation.raised_at = datetime.combine(TODAY, time(9))
    db.session.commit()
    return review


def test_events_reach_the_right_people_once_with_a_link_and_nothing_sensitive(app, world, draft, mail, runner):
    staff, manager, senior = world["staff"], world["manager"], world["senior"]
    approve_for_issue(draft)
    plans.issue_plan(manager, draft)
    db.session.commit()
    assert [(r.kind, r.recipient_id) for r in rows()] == [
        (Kind.APPROVAL_REQUESTED, senior.id),  # the draft submitted for approval (issue 18)
        (Kind.APPROVAL_DECIDED, manager.id),  # and approved
        (Kind.ACKNOWLEDGE_PLAN, staff.id),  # in the issue's transaction
    ]
    assert "Sent 2" in send(runner)
    (stale,) = rows(status=NotificationStatus.SKIPPED)  # approved before it went: no longer needed
    assert stale.kind is Kind.APPROVAL_REQUESTED and "decided" in stale.last_error
    approval_mails = mail.take()
    assert sorted((r.recipients[0], r.message["Subject"]) for r in approval_mails) == sorted(
        [
            (manager.email, f"Approved: {draft.reference}"),
            (staff.email, f"Please acknowledge your improvement plan {draft.reference} (version 1)"),
        ]
    )
    for item in approval_mails:
        assert_clean(item.message)
    [request] = [r for r in approval_mails if r.recipients[0] == staff.email]
    assert f"{BASE}/plans/{draft.id}#your-plan" in parts(request.message)["text/plain"]
    [approved] = [r for r in approval_mails if r.recipients[0] == manager.email]
    assert f"{BASE}/plans/{draft.id}#decisions" in parts(approved.message)["text/plain"]
    acknowledgements.acknowledge_plan(staff, draft, version=1, response=AckResponse.DISAGREE, comment=DISAGREEMENT)
    review = escalating_review(manager, draft)

    assert "Sent 4" in send(runner)
    received = mail.take()
    to = sorted((r.recipients[0], r.message["Subject"]) for r in received)
    assert to == sorted(
        [
            (manager.email, f"A staff member disagrees: {draft.reference}"),
            (senior.email, f"A staff member disagrees: {draft.reference}"),
            (staff.email, f"Please acknowledge your weekly review of 30 Nov 2026 ({draft.reference})"),
            (senior.email, f"Escalated: {draft.reference}"),
        ]
    )
    for item in received:
        assert_clean(item.message)
        assert item.message["From"] == "Improvement plans <pip@care.example>"
        assert item.message["Auto-Submitted"] == "auto-generated"
    links = {r.message["Subject"].split(":")[0].split(" (")[0]: parts(r.message)["text/plain"] for r in received}
    assert (
        f"{BASE}/plans/{draft.id}#review-{review.id}" in links["Please acknowledge your weekly review of 30 Nov 2026"]
    )
    assert f'href="{BASE}/plans/{draft.id}#decisions"' in next(
        parts(r.message)["text/html"] for r in received if r.message["Subject"].startswith("Escalated")
    )
    assert all(r.status is NotificationStatus.SENT and r.sent_at and r.attempts == 1 for r in rows() if r != stale)
    sent_events = db.session.scalar(
        select(func.count()).where(AuditEvent.entity == "notification", AuditEvent.verb == "sent")
    )
    assert sent_events == 6
    assert rows(status=NotificationStatus.SKIPPED) == [stale]

    assert "Sent 0" in send(runner)  # a second run sends nothing new
    assert mail.take() == []


def test_amendment_and_closure_ask_the_staff_member_again(app, world, make_plan, mail, runner):
    plan = ready_plan(world, make_plan, risk_statement=RISK)
    plan.risk_statement = RISK + " (amended)"
    db.session.add(
        PlanVersion(
            plan=plan,
            version=1,
            snapshot=plans.snapshot(plan) | {"risk_statement": RISK},
            created_by_id=world["manager"].id,
        )
    )
    db.session.commit()
    plans.amend_plan(world["manager"], plan, change_summary="Clarified the risk.")
    db.session.commit()
    close_directly(plan, world["manager"])
    send(runner)
    subjects = sorted(r.message["Subject"] for r in mail.take())
    assert subjects == [
        f"Please acknowledge the closure of your improvement plan {plan.reference}",
        f"Please acknowledge your improvement plan {plan.reference} (version 2)",
    ]


def test_reminders_from_the_flags_each_once_to_the_right_person(app, world, make_plan, mail, runner):
    manager, senior, staff = world["manager"], world["senior"], world["staff"]
    plan = make_plan(
        staff=staff, manager=manager, service=world["home"], start=TODAY - timedelta(days=21), risk_statement=RISK
    )
    plan.next_review_date = TODAY - timedelta(days=2)  # overdue
    plan.planned_end_date = TODAY - timedelta(days=1)  # past its end
    control = make_control(plan, senior, review_by_date=TODAY - timedelta(days=3), start_date=plan.start_date)
    tomorrow = Observation(plan=plan, scheduled_on=TODAY + timedelta(days=1), observer=senior)
    missed = Observation(plan=plan, scheduled_on=TODAY - timedelta(days=4), observer=senior)
    db.session.add_all(
        [
            tomorrow,
            missed,
            PlanVersion(
                plan=plan, version=1, snapshot={}, created_by_id=manager.id, created_at=datetime(2026, 11, 25, 10)
            ),
        ]
    )  # Wed: 3 working days ago
    other = make_plan(
        staff=world["other_staff"],
        manager=world["other_manager"],
        service=world["other"],
        start=TODAY - timedelta(days=3),
    )
    other.next_review_date = TODAY + timedelta(days=1)  # due tomorrow
    db.session.commit()

    send(runner)
    got = sorted((r.recipients[0], r.message["Subject"]) for r in mail.take())
    ref = plan.reference
    assert got == sorted(
        [
            (manager.email, f"Weekly review overdue: {ref}"),
            (manager.email, f"Past its planned end date: {ref}"),
            (senior.email, f"Interim control due for review: {ref}"),
            (senior.email, f"Interim control not checked for 7 days: {ref}"),
            (senior.email, f"Observed shift tomorrow, 1 Dec 2026: {ref}"),
            (manager.email, f"Observed shift not recorded: {ref}"),
            (staff.email, f"Reminder: please acknowledge version 1 of the plan ({ref})"),
            (manager.email, f"Not yet acknowledged: {ref}"),
            (world["other_manager"].email, f"Weekly review due tomorrow: {other.reference}"),
        ]
    )
    send(runner)
    assert mail.take() == []  # found again on the next run, but never sent twice
    assert control.id in {r.subject_id for r in rows(subject_type="control")}


def test_acknowledgement_reminders_count_the_staff_members_own_bank_holidays(app, world, make_plan, mail, runner):
    """Today, Monday 30 Nov 2026, is St Andrew's Day, a bank holiday in Scotland only: a version
    issued on Wednesday has been waiting 3 working days in England but 2 in Scotland, so a
    Scottish staff member is reminded (day 2) and their manager is not yet told (day 3)."""
    manager, staff = world["manager"], world["staff"]
    staff.nation = Nation.SCOTLAND
    plan = make_plan(staff=staff, manager=manager, service=world["home"], start=TODAY - timedelta(days=21))
    plan.next_review_date = TODAY + timedelta(days=3)
    db.session.add(
        PlanVersion(plan=plan, version=1, snapshot={}, created_by_id=manager.id, created_at=datetime(2026, 11, 25, 10))
    )
    db.session.commit()
    send(runner)
    got = sorted((r.recipients[0], r.message["Subject"]) for r in mail.take())
    assert got == [(staff.email, f"Reminder: please acknowledge version 1 of the plan ({plan.reference})")]
    # In England the same day is the third working day: the manager is told as well.
    staff.nation = Nation.ENGLAND
    db.session.commit()
    send(runner)
    assert [(r.recipients[0], r.message["Subject"]) for r in mail.take()] == [
        (manager.email, f"Not yet acknowledged: {plan.reference}")
    ]


def test_observed_shift_carries_an_invitation_and_a_move_or_cancel_updates_it(app, world, make_plan, mail, runner):
    senior = world["senior"]
    plan = make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], start=TODAY - timedelta(days=7)
    )
    observation = Observation(plan=plan, scheduled_on=TODAY + timedelta(days=1), observer=senior)
    db.session.add(observation)
    db.session.commit()
    send(runner)
    (invite,) = mail.take()
    calendar_part = next(p for p in invite.message.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    event = icalendar.Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")[0]
    uid, first_sequence = str(event["UID"]), int(event["SEQUENCE"])
    assert uid == f"observation-{observation.id}@pip-app"
    assert event.decoded("DTSTART").date() == TODAY + timedelta(days=1)
    assert any(p.get_filename() == "observation.ics" for p in invite.message.walk())
    assert_clean(invite.message)

    plans.update_observation(world["manager"], observation, {"scheduled_on": TODAY + timedelta(days=3)})
    db.session.commit()
    send(runner)
    (update,) = mail.take()
    event = icalendar.Calendar.from_ical(
        next(p for p in update.message.walk() if p.get_content_type() == "text/calendar").get_content()
    ).walk("VEVENT")[0]
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) > first_sequence
    assert event.decoded("DTSTART").date() == TODAY + timedelta(days=3)

    reviews.record_observation(
        world["manager"], observation, status=ObservationStatus.CANCELLED, outcome=None, notes="Rota changed"
    )
    db.session.commit()
    send(runner)
    (cancel,) = mail.take()
    calendar_part = next(p for p in cancel.message.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "CANCEL"
    event = icalendar.Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")[0]
    assert str(event["UID"]) == uid and str(event["STATUS"]) == "CANCELLED"
    assert "Rota changed" not in cancel.message.as_string()


def _overdue_plan(world, make_plan):
    plan = make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], start=TODAY - timedelta(days=14)
    )
    plan.next_review_date = TODAY - timedelta(days=1)
    db.session.commit()
    return plan


def test_mail_server_down_retries_with_backoff_and_loses_nothing(app, world, make_plan, runner):
    plan = _overdue_plan(world, make_plan)
    server = MailServer()  # not started: nothing listens on its port
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, NOTIFY_RETRY_SECONDS=60)
    output = send(runner)
    assert "failed 1" in output
    (row,) = rows()
    assert row.status is NotificationStatus.PENDING and row.attempts == 1
    assert "refused the connection" in row.last_error
    assert row.next_attempt_at > row.created_at + timedelta(seconds=59)
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.verb == "send_failed", AuditEvent.entity_id == row.id))
        == 1
    )
    send(runner)  # before its time comes, it is not tried again
    db.session.refresh(row)
    assert row.attempts == 1

    server.start()
    try:
        row.next_attempt_at = row.created_at  # its time has come
        db.session.commit()
        send(runner)
        (received,) = server.take()
        assert received.message["Subject"] == f"Weekly review overdue: {plan.reference}"
        db.session.refresh(row)
        assert row.status is NotificationStatus.SENT and row.attempts == 2 and row.last_error is None
    finally:
        server.stop()


def test_backoff_doubles_and_ends_in_a_visible_failure(app, world, make_plan, mail, runner, sign_in):
    _overdue_plan(world, make_plan)
    mail.inbox.refuse_with = "451 4.3.0 Mailbox busy, try later"
    app.config.update(NOTIFY_MAX_ATTEMPTS=3, NOTIFY_RETRY_SECONDS=60)
    delays = []
    for _ in range(3):
        send(runner)
        (row,) = rows()
        delays.append((row.next_attempt_at - now_utc()).total_seconds())
        row.next_attempt_at = row.created_at
        db.session.commit()
    assert row.status is NotificationStatus.FAILED and row.attempts == 3 and "451" in row.last_error
    assert 55 < delays[0] < 65 and 115 < delays[1] < 125  # 1 minute, then 2
    assert mail.take() == []
    admin = sign_in(world["admin"])
    dashboard = admin.get("/").text
    assert "1 notification failed" in dashboard
    page = admin.get("/admin/outbox?status=failed").text
    assert "451 4.3.0 Mailbox busy" in page


def test_a_refused_recipient_fails_at_once(app, world, make_plan, mail, runner):
    _overdue_plan(world, make_plan)
    mail.inbox.refuse_with = "550 5.1.1 No such mailbox"
    send(runner)
    (row,) = rows()
    assert row.status is NotificationStatus.FAILED and row.attempts == 1 and "550" in row.last_error


def test_a_slow_mail_server_is_a_failure_to_retry_not_a_crash(app, world, make_plan, mail, runner):
    _overdue_plan(world, make_plan)
    mail.inbox.stall_seconds = 3
    app.config["MAIL_TIMEOUT"] = 1
    send(runner)
    (row,) = rows()
    assert row.status is NotificationStatus.PENDING and row.attempts == 1 and row.last_error


def test_deactivated_or_moved_people_and_closed_plans_are_skipped(app, world, make_plan, mail, runner):
    manager, staff = world["manager"], world["staff"]
    plan = _overdue_plan(world, make_plan)
    other = make_plan(
        staff=world["other_staff"],
        manager=world["other_manager"],
        service=world["other"],
        start=TODAY - timedelta(days=14),
    )
    other.next_review_date = TODAY - timedelta(days=1)
    third_manager = make_user(Role.MANAGER, services=[world["home"]])
    third_staff = make_user(Role.STAFF, services=[world["home"]], line_manager=third_manager)
    third = make_plan(staff=third_staff, manager=third_manager, service=world["home"], start=TODAY - timedelta(days=14))
    third.next_review_date = TODAY - timedelta(days=1)
    db.session.commit()
    app.config["MAIL_SERVER"] = None
    send(runner)  # found and kept in the outbox (no mail server yet)
    assert len(rows(status=NotificationStatus.PENDING)) == 3

    accounts.deactivate_user(world["admin"], manager)
    accounts.change_role(world["admin"], world["other_manager"], Role.STAFF)
    third.status = PlanStatus.CLOSED
    db.session.commit()
    app.config["MAIL_SERVER"] = "127.0.0.1"
    send(runner)
    assert mail.take() == []
    reasons = {r.plan_id: r.last_error for r in rows(status=NotificationStatus.SKIPPED)}
    assert "deactivated" in reasons[plan.id]
    assert "role changed" in reasons[other.id]
    assert "closed" in reasons[third.id]
    assert db.session.scalar(select(func.count()).where(AuditEvent.verb == "skipped")) == 3
    assert staff.active


def test_a_reminder_is_skipped_once_its_reason_has_gone(app, world, make_plan, mail, runner):
    plan = _overdue_plan(world, make_plan)
    app.config["MAIL_SERVER"] = None
    send(runner)
    plan.next_review_date = TODAY + timedelta(days=6)  # the review was recorded meanwhile
    db.session.commit()
    app.config["MAIL_SERVER"] = "127.0.0.1"
    send(runner)
    assert mail.take() == []
    (row,) = rows()
    assert row.status is NotificationStatus.SKIPPED and "recorded" in row.last_error


def test_digest_only_people_get_the_digest_and_acknowledgement_requests(app, world, draft, mail, runner):
    manager, staff = world["manager"], world["staff"]
    manager.digest_only = True
    staff.digest_only = True
    draft.next_review_date = None
    db.session.commit()
    approve_for_issue(draft)
    plans.issue_plan(manager, draft)
    draft.next_review_date = TODAY - timedelta(days=1)
    db.session.commit()
    app.config["DIGEST_HOUR"] = 0
    send(runner)
    got = {(r.recipients[0], r.message["Subject"]) for r in mail.take()}
    assert (staff.email, f"Please acknowledge your improvement plan {draft.reference} (version 1)") in got  # always
    assert (manager.email, f"Weekly review overdue: {draft.reference}") not in got
    digests = [r for r in got if r[1].startswith("Your improvement plan tasks for 30 Nov 2026")]
    assert {to for to, _ in digests} == {manager.email, staff.email}
    skipped = {r.kind: r.last_error for r in rows(status=NotificationStatus.SKIPPED)}
    assert "digest only" in skipped.pop(Kind.REVIEW_OVERDUE) and "digest only" in skipped.pop(Kind.APPROVAL_DECIDED)
    assert list(skipped) == [Kind.APPROVAL_REQUESTED]  # decided before it went
    send(runner)
    assert mail.take() == []  # one digest a day


def test_a_digest_lists_the_decisions_waiting_each_day_and_a_digest_only_persons_news_once(
    app, world, draft, mail, runner
):
    """What waits on a decision (a disagreement to discuss, an escalation to decide, a request to
    approve) is in the digest of each person it waits on, every day until it is decided. Someone
    who chose "digest only" is not sent events by themselves: what waits on them is there, and
    their news (a decision on their request) comes in their next digest, once."""
    staff, manager, senior = world["staff"], world["manager"], world["senior"]
    manager.digest_only = senior.digest_only = True
    db.session.commit()
    approve_for_issue(draft)  # the senior is asked to approve, then approves: nothing left to do
    plans.issue_plan(manager, draft)
    acknowledgements.acknowledge_plan(staff, draft, version=1, response=AckResponse.DISAGREE, comment=DISAGREEMENT)
    escalating_review(manager, draft)
    app.config["DIGEST_HOUR"] = 0

    def digests_of_the_day() -> dict[str, str]:
        send(runner)
        received = mail.take()
        digests = [r for r in received if r.message["Subject"].startswith("Your improvement plan tasks")]
        for digest in digests:
            assert_clean(digest.message)
        by_itself = [(r.recipients[0], r.message["Subject"]) for r in received if r not in digests]
        assert all(to == staff.email for to, _ in by_itself), by_itself  # digest only: nothing by itself
        return {r.recipients[0]: parts(r.message)["text/plain"] for r in digests}

    ref = draft.reference
    disagreed = f"The staff member has disagreed with version 1 of the plan ({ref}). Please read their comment"
    escalated = f"The weekly review of 30 Nov 2026 on {ref} was escalated. Please decide what happens next."
    approved = f"Your request for approval of the draft of {ref} was approved."
    first = digests_of_the_day()
    assert approved in first[manager.email]  # news, left to the digest
    assert disagreed in first[manager.email] and f"{BASE}/plans/{draft.id}#acks-panel" in first[manager.email]
    assert disagreed in first[senior.email] and escalated in first[senior.email]
    assert f"{BASE}/plans/{draft.id}#decisions" in first[senior.email]
    assert "Your approval is asked for" not in first[senior.email]  # approved before the digest went
    left = rows(status=NotificationStatus.SKIPPED)
    assert {(r.kind, r.recipient_id) for r in left if "digest only" in r.last_error} == {
        (Kind.APPROVAL_DECIDED, manager.id),
        (Kind.DISAGREEMENT, manager.id),
        (Kind.DISAGREEMENT, senior.id),
        (Kind.ESCALATION, senior.id),
    }

    app.config["FROZEN_TODAY"] = (TODAY + timedelta(days=1)).isoformat()
    second = digests_of_the_day()
    assert disagreed in second[manager.email] and approved not in second[manager.email]  # news once
    assert disagreed in second[senior.email] and escalated in second[senior.email]  # still waiting

    [escalation] = draft.escalations
    escalations.decide_escalation(
        senior, escalation, decision=EscalationDecision.REDESIGN, rationale="Redesign A1.", decided_on=TODAY
    )
    db.session.commit()
    app.config["FROZEN_TODAY"] = (TODAY + timedelta(days=2)).isoformat()
    third = digests_of_the_day()
    assert disagreed in third[senior.email] and escalated not in third[senior.email]  # decided


def test_digest_lines_say_today_or_tomorrow_and_keep_the_months_capital():
    """Seen in the demo's digest: a review due today read "is due tomorrow, 30 Nov 2026", and an
    outstanding acknowledgement "The weekly review of 20 nov 2026" (str.capitalize lowered the month)."""
    from pip_app.notifications.content import headline
    from pip_app.notifications.due import PlanFact, plan_reminders

    def line(next_review: date) -> str:
        [waiting] = plan_reminders(
            [PlanFact(1, "PIP-2026-0001", 7, "active", next_review, TODAY + timedelta(weeks=4))], TODAY
        ).waiting
        return headline(waiting.kind, waiting.reference, waiting.details)

    assert line(TODAY) == "The weekly review of PIP-2026-0001 is due today, 30 Nov 2026."
    assert line(TODAY + timedelta(days=1)) == "The weekly review of PIP-2026-0001 is due tomorrow, 1 Dec 2026."
    outstanding = {"what": "review", "review_date": "2026-11-20", "requested_on": "2026-11-20"}
    assert headline(Kind.ACK_OUTSTANDING, "PIP-2026-0001", outstanding) == (
        "The weekly review of 20 Nov 2026 (PIP-2026-0001) has not been acknowledged since it was asked for on 20 Nov 2026."
    )


def test_digest_lists_what_waits_with_links_and_nothing_sensitive(app, world, make_plan, mail, runner):
    plan = _overdue_plan(world, make_plan)
    plan.risk_statement = RISK
    db.session.commit()
    app.config["DIGEST_HOUR"] = 0
    send(runner)
    digest = next(
        r
        for r in mail.take()
        if r.message["Subject"].startswith("Your improvement plan tasks") and r.recipients == [world["manager"].email]
    )
    assert digest.message["Subject"] == "Your improvement plan tasks for 30 Nov 2026: 1 waiting"
    text = parts(digest.message)["text/plain"]
    assert f"The weekly review of {plan.reference} has been overdue since 29 Nov 2026." in text
    assert f"{BASE}/plans/{plan.id}#reviews-panel" in text
    assert_clean(digest.message)


def test_a_run_killed_mid_send_sends_the_message_in_flight_once_more_and_nothing_else_twice(
    app, world, make_plan, mail, runner
):
    _overdue_plan(world, make_plan)
    app.config["MAIL_SERVER"] = None
    send(runner)
    (row,) = rows()
    row.status, row.claimed_at = NotificationStatus.SENDING, datetime(2026, 1, 1)  # claimed by a run that died
    db.session.commit()
    app.config["MAIL_SERVER"] = "127.0.0.1"
    assert "1 interrupted send(s) released" in send(runner)
    assert len(mail.take()) == 1
    send(runner)
    assert mail.take() == []


def test_internationalised_addresses_and_names(app, world, make_plan, runner):
    staff = make_user(
        Role.STAFF,
        email="zoë.łukasik@exämple.test",
        name="Zoë Łukasik",
        services=[world["home"]],
        line_manager=world["manager"],
    )
    plan = make_plan(
        staff=staff,
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=TODAY,
        evidence_sources=["audit"],
    )
    make_control(plan, world["senior"], start_date=TODAY, review_by_date=TODAY + timedelta(days=14))
    make_action(plan, 1)
    approve_for_issue(plan)
    plans.issue_plan(world["manager"], plan)
    db.session.commit()
    server = MailServer(smtputf8=True).start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    try:
        send(runner)
        # The approval's emails go to the senior and the manager (issue 18); this one to Zoë.
        (received,) = [
            r for r in server.take() if r.recipients[0] not in (world["senior"].email, world["manager"].email)
        ]
    finally:
        server.stop()
    assert received.recipients == ["zoë.łukasik@exämple.test"]
    assert received.message["To"].addresses[0].display_name == "Zoë Łukasik"
    assert "Hello Zoë Łukasik," in parts(received.message)["text/plain"]

    # A server that cannot carry an internationalised address: failed for good, and visible.
    reviews.record_review(
        world["manager"],
        plan,
        review_date=TODAY,
        entries=[],
        control_decisions=[],
        summary="s",
        decision=ReviewDecision.CONTINUE,
        next_review_date=TODAY + timedelta(days=7),
    )
    db.session.commit()
    ascii_only = MailServer(smtputf8=False).start()
    app.config["MAIL_PORT"] = ascii_only.port
    try:
        send(runner)
        assert ascii_only.take() == []
    finally:
        ascii_only.stop()
    (row,) = rows(kind=Kind.ACKNOWLEDGE_REVIEW)
    assert row.status is NotificationStatus.FAILED and "SMTPUTF8" in row.last_error


def test_dry_run_writes_and_sends_nothing(app, world, make_plan, mail, runner):
    plan = _overdue_plan(world, make_plan)
    output = send(runner, "--dry-run")
    assert "review_overdue" in output and plan.reference in output
    assert rows() == [] and mail.take() == []


def test_no_mail_server_keeps_messages_in_the_outbox_for_the_admin(app, world, make_plan, runner, sign_in):
    plan = _overdue_plan(world, make_plan)
    app.config["MAIL_SERVER"] = None
    assert "nothing was sent" in send(runner)
    (row,) = rows()
    admin = sign_in(world["admin"])
    page = admin.get("/admin/outbox")
    assert (
        page.status_code == 200
        and f"Weekly review overdue: {plan.reference}" in page.text
        and world["manager"].email in page.text
    )
    message = admin.get(f"/admin/outbox/{row.id}")
    assert message.status_code == 200
    assert f"{BASE}/plans/{plan.id}#reviews-panel" in message.text and "text/plain" in message.text
    assert admin.get("/admin/outbox/999999").status_code == 404
    assert sign_in(world["senior"]).get("/admin/outbox").status_code == 403


def test_the_outbox_key_keeps_one_row_per_occasion(app, world, make_plan):
    from pip_app.notifications.due import Due
    from pip_app.services.outbox import enqueue

    plan = _overdue_plan(world, make_plan)
    item = Due(
        world["manager"].id,
        Kind.REVIEW_OVERDUE,
        "plan",
        plan.id,
        "2026-11-29",
        plan.id,
        plan.reference,
        {"date": "2026-11-29"},
    )
    assert enqueue([item, item]) == 1
    assert enqueue([item]) == 0
    db.session.commit()
    assert len(rows()) == 1


def test_two_senders_at_once_claim_different_rows_on_postgresql(app, world, make_plan):
    """SKIP LOCKED: rows another server's run holds are passed over, not waited for or taken twice.
    (On SQLite the runs' BEGIN IMMEDIATE takes them in turn instead.)"""

    from sqlalchemy import text

    from pip_app.notifications.mailer import MailSettings
    from pip_app.services import delivery

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises the runs with its write lock")
    for number in range(4):
        plan = _overdue_plan(world, make_plan)
        plan.next_review_date = TODAY - timedelta(days=1 + number)
    db.session.commit()
    app.config["MAIL_SERVER"] = None
    result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0
    ids = [r.id for r in rows()]
    with db.engine.connect() as other_server:
        held = (
            other_server.execute(text("SELECT id FROM notifications ORDER BY id LIMIT 2 FOR UPDATE SKIP LOCKED"))
            .scalars()
            .all()
        )
        settings = MailSettings.from_config(app.config | {"BASE_URL": BASE})
        now = now_utc() + timedelta(minutes=1)
        outgoing, _ = delivery.claim(settings, now=now, day=TODAY, batch=10)
        assert sorted(o.id for o in outgoing) == sorted(set(ids) - set(held))
        db.session.rollback()
        other_server.rollback()
