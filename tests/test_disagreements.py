"""Disagreements answered (issue 18, point 4): a staff member's "disagree" waits on the manager's and
the registered managers' dashboards and in the plan header until the manager records the response
(discussed on … with …; outcome …; plan changed: yes/no), which the staff member reads and
acknowledges. Every step is audited; the staff member is emailed when the response is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pip_app.clock import now_utc, today
from pip_app.extensions import db
from pip_app.flags import plan_flags
from pip_app.models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    AuditEvent,
    DisagreementResponse,
    Notification,
    NotificationKind,
    PlanStatus,
    Role,
)
from pip_app.services.disagreements import ResponseValues, disagreement_of, respond
from pip_app.services.plan_rows import load_flag_inputs, plan_rows, plan_rows_query
from tests import factories
from tests.mailserver import MailServer


@pytest.fixture
def plan(world, make_plan):
    return make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], start=today() - timedelta(days=14)
    )


def disagree(plan, *, days_ago: int = 2, subject=AckSubject.PLAN) -> Acknowledgement:
    ack = Acknowledgement(
        plan=plan,
        user=plan.staff,
        subject=subject,
        plan_version=plan.version,
        statement="I have read version 1.",
        response=AckResponse.DISAGREE,
        comment="The <b>audit</b> counted a shift I was not on.",
        acknowledged_at=now_utc() - timedelta(days=days_ago),
    )
    db.session.add(ack)
    db.session.commit()
    return ack


def form(**changes):
    data = {
        "response-discussed_on": today().isoformat(),
        "response-discussed_with": "Sam Patel and me",
        "response-outcome": "We checked the rota: the shift was not hers. The audit figure is corrected.",
        "response-plan_changed": "no",
    }
    data.update({f"response-{k}": v for k, v in changes.items()})
    return data


def responses():
    return db.session.scalars(select(DisagreementResponse)).all()


def audit_verbs():
    return db.session.scalars(
        select(AuditEvent.verb).where(AuditEvent.entity == "disagreement_response").order_by(AuditEvent.id)
    ).all()


def test_a_disagreement_flags_the_plan_and_waits_on_both_dashboards(plan, world, sign_in):
    ack = disagree(plan)
    codes = [f.code for f in plan_flags(plan, today())]
    assert "disagreement_unanswered" in codes
    page = sign_in(world["manager"]).get(f"/plans/{plan.id}").text
    assert "Disagreement with version 1 of the plan" in page and "not yet answered" in page
    assert f'href="#disagreement-{ack.id}"' in page and "Record the response" in page
    for who in ("manager", "senior"):
        board = sign_in(world[who]).get("/").text
        assert "Disagreements to answer" in board and f"#disagreement-{ack.id}" in board, who
    assert "Disagreements to answer" not in sign_in(world["other_manager"]).get("/").text


def test_a_manager_records_the_response_and_the_staff_member_reads_it(plan, world, sign_in):
    ack = disagree(plan)
    manager = sign_in(world["manager"])
    opened = manager.get(f"/plans/{plan.id}/disagreements/{ack.id}/respond", headers={"HX-Request": "true"})
    assert opened.status_code == 200 and "<html" not in opened.text and "Who was there" in opened.text

    saved = manager.post(f"/plans/{plan.id}/disagreements/{ack.id}/response", data=form(), htmx=True)
    assert saved.status_code == 200 and "Response recorded" in saved.text
    assert 'id="plan-flags"' in saved.text and "not yet answered" not in saved.text  # the header's flag is gone
    [response] = responses()
    assert response.discussed_with == "Sam Patel and me" and response.plan_changed is False
    assert response.responded_by_id == world["manager"].id and response.staff_read_at is None
    assert "disagreement_unanswered" not in [f.code for f in plan_flags(plan, today())]
    assert "Disagreements to answer" not in manager.get("/").text

    [email] = db.session.scalars(
        select(Notification).where(Notification.kind == NotificationKind.DISAGREEMENT_RESPONSE)
    ).all()
    assert email.recipient_id == world["staff"].id and "Sam Patel" not in str(email.details)

    staff = sign_in(world["staff"])
    page = staff.get(f"/plans/{plan.id}").text
    day = f"{today().day} {today():%b %Y}"
    assert f"Your manager, {world['manager'].name}, discussed your disagreement with you on {day}" in page
    assert "The plan was not changed as a result." in page
    assert "&lt;b&gt;audit&lt;/b&gt;" in page  # the comment is escaped
    board = staff.get("/").text
    assert "please read and acknowledge the response to your disagreement" in board
    assert f"#disagreement-{ack.id}" in board
    read = staff.post(f"/plans/{plan.id}/disagreements/{ack.id}/read")
    assert read.status_code == 303 and read.headers["Location"].endswith(f"#disagreement-{ack.id}")
    db.session.refresh(response)
    assert response.staff_read_at is not None
    assert "You confirmed you read this response" in staff.get(f"/plans/{plan.id}").text
    assert "the response to your disagreement" not in staff.get("/").text
    again = staff.post(f"/plans/{plan.id}/disagreements/{ack.id}/read", htmx=True)
    assert again.status_code == 409 and "You confirmed you had read this response" in again.text
    assert audit_verbs() == ["recorded", "read"]
    history = manager.get(f"/plans/{plan.id}/history").text
    assert "Recorded disagreement response" in history and "Read disagreement response" in history


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"discussed_on": ""}, "discussed_on", "Enter the day you discussed the disagreement."),
        ({"discussed_with": "  "}, "discussed_with", "Say who was there"),
        ({"outcome": ""}, "outcome", "Say what the outcome was"),
        ({"plan_changed": ""}, "plan_changed", "Say whether the plan changed: yes or no."),
        ({"plan_changed": "maybe"}, "plan_changed", "Choose one of the options."),
    ],
)
def test_each_part_of_the_response_is_required(plan, world, sign_in, changes, field, message):
    ack = disagree(plan)
    response = sign_in(world["manager"]).post(
        f"/plans/{plan.id}/disagreements/{ack.id}/response", data=form(**changes), htmx=True
    )
    assert response.status_code == 422 and message in response.text
    assert "We checked the rota" in response.text or changes.get("outcome") == ""  # nothing typed is lost
    assert responses() == [] and audit_verbs() == []


def test_the_discussion_is_not_in_the_future_nor_before_the_disagreement(plan, world, sign_in):
    ack = disagree(plan, days_ago=2)
    manager = sign_in(world["manager"])
    url = f"/plans/{plan.id}/disagreements/{ack.id}/response"
    future = manager.post(url, data=form(discussed_on=(today() + timedelta(days=1)).isoformat()), htmx=True)
    assert future.status_code == 422 and "cannot be on a day still to come" in future.text
    before = manager.post(url, data=form(discussed_on=(today() - timedelta(days=5)).isoformat()), htmx=True)
    assert before.status_code == 422 and "the discussion cannot be earlier than that" in before.text
    assert "Sam Patel and me" in before.text and responses() == []


def test_who_may_respond_and_read(plan, world, sign_in):
    ack = disagree(plan)
    url = f"/plans/{plan.id}/disagreements/{ack.id}/response"
    assert sign_in(world["staff"]).post(url, data=form()).status_code == 403
    assert sign_in(world["hr"]).post(url, data=form()).status_code == 403
    assert sign_in(world["other_manager"]).post(url, data=form()).status_code == 404
    assert sign_in(world["other_senior"]).post(url, data=form()).status_code == 404
    assert sign_in(world["senior"]).post(url, data=form()).status_code == 303  # a registered manager may
    read = f"/plans/{plan.id}/disagreements/{ack.id}/read"
    assert sign_in(world["manager"]).post(read).status_code == 403
    assert responses()[0].staff_read_at is None


def test_an_agreement_or_another_plans_disagreement_is_not_answered(plan, world, sign_in, make_plan):
    agreed = Acknowledgement(
        plan=plan, user=plan.staff, subject=AckSubject.PLAN, plan_version=1, statement="s", response=AckResponse.AGREE
    )
    db.session.add(agreed)
    db.session.commit()
    other = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    elsewhere = disagree(other)
    manager = sign_in(world["manager"])
    assert manager.post(f"/plans/{plan.id}/disagreements/{agreed.id}/response", data=form()).status_code == 404
    assert manager.post(f"/plans/{plan.id}/disagreements/{elsewhere.id}/response", data=form()).status_code == 404


def test_answering_twice_is_a_conflict_that_keeps_what_was_typed(plan, world, sign_in):
    ack = disagree(plan)
    respond(world["senior"], disagreement_of(plan, ack.id), ResponseValues(today(), "Sam and me", "Agreed.", True))
    db.session.commit()
    response = sign_in(world["manager"]).post(
        f"/plans/{plan.id}/disagreements/{ack.id}/response", data=form(outcome="My own words"), htmx=True
    )
    assert response.status_code == 409 and "while you were writing" in response.text
    assert "My own words" in response.text
    assert len(responses()) == 1


def test_a_closure_disagreement_is_flagged_and_answered_on_a_closed_plan(world, make_plan, sign_in):
    closed = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.CLOSED)
    ack = disagree(closed, subject=AckSubject.CLOSURE)
    assert [f.code for f in plan_flags(closed, today())] == ["disagreement_unanswered"]
    assert "Disagreements to answer" in sign_in(world["senior"]).get("/").text
    response = sign_in(world["manager"]).post(f"/plans/{closed.id}/disagreements/{ack.id}/response", data=form())
    assert response.status_code == 303 and len(responses()) == 1


def test_a_plans_row_has_the_disagreement_flag_of_the_plan_loaded_whole(plan, world):
    answered, waiting = disagree(plan, days_ago=3), disagree(plan, days_ago=1, subject=AckSubject.CLOSURE)
    respond(world["manager"], disagreement_of(plan, answered.id), ResponseValues(today(), "Sam", "Agreed.", False))
    db.session.commit()
    [row] = plan_rows(plan_rows_query(plan.__class__.id == plan.id))
    load_flag_inputs([row])
    db.session.expire_all()
    whole = plan_flags(db.session.get(plan.__class__, plan.id), today())
    assert plan_flags(row, today()) == whole
    assert [f.anchor for f in whole if f.code == "disagreement_unanswered"] == [f"disagreement-{waiting.id}"]


def test_the_plan_page_reads_disagreements_and_responses_at_no_statement_of_their_own(
    plan, world, sign_in, count_queries
):
    agreed = disagree(plan, days_ago=5)  # an acknowledgement that agrees: the collection is read
    agreed.response, agreed.comment = AckResponse.AGREE, None
    db.session.commit()
    manager = sign_in(world["manager"])
    manager.get(f"/plans/{plan.id}")
    with count_queries() as none:
        manager.get(f"/plans/{plan.id}")
    for n in range(4):
        ack = disagree(plan, days_ago=n)
        responder = factories.make_user(Role.SENIOR, email=f"deputy{n}@example.test", services=[world["home"]])
        respond(responder, disagreement_of(plan, ack.id), ResponseValues(today(), "Sam", "Agreed.", False))
    disagree(plan)
    db.session.commit()
    with count_queries() as five:
        page = manager.get(f"/plans/{plan.id}").text
    assert page.count("Discussed on") == 4 and "Record the response" in page
    assert none.count == five.count


def test_the_response_is_shown_in_the_acknowledgements_without_javascript(plan, world, sign_in):
    ack = disagree(plan)
    manager = sign_in(world["manager"])
    page = manager.get(f"/plans/{plan.id}/disagreements/{ack.id}/respond")
    assert page.status_code == 200 and "<html" in page.text and "Save the response" in page.text
    assert manager.get(f"/plans/{plan.id}/disagreements").status_code == 200


def test_the_case_bundle_says_what_followed_a_disagreement_its_response_first(plan, world):
    from pip_app.services.case_bundle import case_bundle

    answered = disagree(plan, days_ago=3)
    disagree(plan, days_ago=1, subject=AckSubject.CLOSURE)
    respond(
        world["manager"],
        disagreement_of(plan, answered.id),
        ResponseValues(today(), "Sam and me", "The audit figure is corrected.", True),
    )
    db.session.commit()
    rows = case_bundle(plan, viewer=world["hr"], append_pdfs=False).disagreements
    assert len(rows) == 2
    assert rows[0].followed.startswith(f"Answered by {world['manager'].name}: discussed on")
    assert "Outcome: The audit figure is corrected. Plan changed: yes." in rows[0].followed
    assert "has not confirmed reading it" in rows[0].followed
    assert not rows[1].followed.startswith("Answered")


@pytest.fixture
def mail(app):
    server = MailServer().start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.port,
        MAIL_FROM="Improvement plans <pip@care.example>",
        MAIL_TIMEOUT=2,
        BASE_URL="https://plans.example.test",
        DIGEST_HOUR=25,
    )
    yield server
    server.stop()


def test_the_staff_member_is_emailed_a_link_to_the_response_and_nothing_of_what_it_says(
    plan, world, sign_in, mail, runner
):
    ack = disagree(plan)
    outcome = "Confidential outcome about the rota"
    sign_in(world["manager"]).post(
        f"/plans/{plan.id}/disagreements/{ack.id}/response", data=form(outcome=outcome, discussed_with="Dr Secret")
    )
    result = runner.invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    [item] = [r for r in mail.take() if r.recipients == [world["staff"].email]]
    assert item.message["Subject"] == f"Your disagreement has been answered: {plan.reference}"
    whole = item.message.as_string()
    body = item.message.get_body(preferencelist=("plain",)).get_content()
    assert f"https://plans.example.test/plans/{plan.id}#disagreement-{ack.id}" in body
    assert "has been answered" in body
    for secret in (outcome, "Dr Secret", "audit</b>", "shift I was not on"):
        assert secret not in whole and secret not in body, secret


def test_a_purged_plan_takes_its_responses_and_a_subject_access_export_includes_them(world, make_plan, runner):
    import json
    from datetime import datetime

    from pip_app.models import Closure, ClosureOutcome, Plan

    closed = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.CLOSED)
    db.session.add(
        Closure(
            plan=closed,
            outcome=ClosureOutcome.ACHIEVED,
            closed_by=world["manager"],
            closed_at=datetime(2018, 1, 1),
            what_changed="a",
            how_measured="b",
            risk_now_controlled="c",
            ongoing_monitoring="d",
        )
    )
    ack = disagree(closed, subject=AckSubject.CLOSURE)
    respond(world["manager"], disagreement_of(closed, ack.id), ResponseValues(today(), "Sam", "Kept as is.", False))
    db.session.commit()
    exported = json.loads(runner.invoke(args=["export-person", world["staff"].email]).output)
    [answer] = [a["response_to_disagreement"] for a in exported["acknowledgements"] if a["response_to_disagreement"]]
    assert answer["outcome"] == "Kept as is." and answer["plan_changed"] is False and answer["read_at"] is None
    plan_id = closed.id
    result = runner.invoke(args=["purge-closed", "--older-than", "6"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    db.session.expire_all()
    assert db.session.get(Plan, plan_id) is None and responses() == []
