"""The command-line tasks: create-user and demo-data."""

import pytest
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.models import Acknowledgement, AckSubject, Plan, PlanStatus, Role, User
from pip_app.services.acknowledgements import plan_statement
from pip_app.services.closure import closure_statement
from pip_app.services.reviews import review_statement
from tests.conftest import login


def test_create_user_prompts_and_creates(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "New.Person@Example.test",
            "--name",
            "New Person",
            "--role",
            "manager",
            "--service",
            "Larkfield House",
        ],
        input="a-long-enough-password\na-long-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
    assert user.role is Role.MANAGER and [s.name for s in user.services] == ["Larkfield House"]


def test_create_user_refuses_a_duplicate_email_in_another_case(runner, make_user):
    make_user(Role.STAFF, email="sam@example.test")
    result = runner.invoke(
        args=["create-user", "--email", "SAM@example.test", "--name", "Sam", "--role", "staff"],
        input="a-long-enough-password\na-long-enough-password\n",
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_create_user_refuses_a_short_password(runner):
    result = runner.invoke(
        args=["create-user", "--email", "a@example.test", "--name", "A", "--role", "staff"], input="short\nshort\n"
    )
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output


def test_demo_data_is_idempotent_and_covers_every_state(runner, client):
    first = runner.invoke(args=["demo-data", "--password", "demo-password-for-tests"])
    assert first.exit_code == 0, first.output
    assert "manager@demo.test" in first.output and "demo-password-for-tests" in first.output
    counts = (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Plan.id))))
    second = runner.invoke(args=["demo-data", "--password", "demo-password-for-tests"])
    assert second.exit_code == 0, second.output
    assert (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Plan.id)))) == counts
    statuses = set(db.session.scalars(select(Plan.status)))
    assert statuses == {PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.PAUSED, PlanStatus.CLOSED}
    closed = db.session.scalar(select(Plan).where(Plan.status == PlanStatus.CLOSED))
    c = closed.closure
    assert all([c.what_changed, c.how_measured, c.risk_now_controlled, c.ongoing_monitoring])
    for email in ("admin", "manager", "senior", "hr", "staff"):
        response = login(client, f"{email}@demo.test", "demo-password-for-tests")
        assert response.status_code == 303, email
        assert client.get("/").status_code == 200
        client.post("/logout", data={"csrf_token": _token(client)})


def test_demo_statements_are_the_apps_own(runner):
    """What the demo staff acknowledged reads exactly as the app asks it (no copied wording)."""
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    acknowledgements = db.session.scalars(select(Acknowledgement)).all()
    assert {a.subject for a in acknowledgements} == set(AckSubject)
    for ack in acknowledgements:
        if ack.subject is AckSubject.REVIEW:
            expected = review_statement(ack.review)
        else:
            expected = plan_statement(ack.plan) if ack.subject is AckSubject.PLAN else closure_statement(ack.plan)
        assert ack.statement == expected, ack.subject


def test_demo_has_a_plan_on_the_formal_route_under_appeal(runner, sign_in):
    """Issue 20 in the demo: Tomasz's plan at formal stage 1, its invitation and improvement note
    sent and received, his appeal in time waiting for its hearing by the second registered manager
    (not involved), and the regulatory checklist partly answered."""
    from pip_app.models import LetterKind, PlanStage
    from pip_app.services import appeals, regulatory
    from pip_app.services import letters as letter_ops
    from pip_app.services.users import find_by_email

    assert runner.invoke(args=["demo-data", "--password", "demo-password-for-tests"]).exit_code == 0
    hearer = find_by_email("senior2@demo.test")
    assert hearer is not None and hearer.role is Role.SENIOR and hearer.name == "Priya Shah"
    plan = db.session.scalar(select(Plan).where(Plan.stage != PlanStage.INFORMAL))
    assert plan is not None and plan.staff.email == "tomasz@demo.test"
    assert plan.stage is PlanStage.STAGE_1 and plan.status is PlanStatus.ACTIVE and plan.under_appeal
    letters = {letter.kind: letter for letter in plan.letters}
    assert set(letters) == {LetterKind.INVITATION, LetterKind.IMPROVEMENT_NOTE, LetterKind.APPEAL_INVITATION}
    assert all(letter.is_sent for letter in letters.values())
    invitation, note = letters[LetterKind.INVITATION], letters[LetterKind.IMPROVEMENT_NOTE]
    assert invitation.received_at is not None and note.received_at is not None
    meeting = invitation.meeting
    assert meeting is not None and meeting.companion_name and meeting.minutes_shared_on
    assert (meeting.held_on - meeting.notice_given_on).days >= 6
    assert note.expires_on is not None and note.appeal_by is not None
    # The content is what the letters service builds: since drafting, only the plan's next review moved on.
    assert letter_ops.changes_since_drafted(plan, note) == ["the next review date"]
    assert letter_ops.changes_since_drafted(plan, letters[LetterKind.APPEAL_INVITATION]) == []
    assert [a["ref"] for a in note.content["actions"]] == [a.ref for a in plan.actions]
    appeal = appeals.open_appeal(plan)
    assert appeal is not None and appeal.letter == note and appeal.lodged_on <= note.appeal_by
    assert appeal.hearer == hearer and appeal.meeting is not None and appeal.meeting.companion_name
    assert hearer.id not in appeals.involvement(plan)  # the hearer rule holds for the demo's hearer
    assert regulatory.outstanding_questions(plan) == ["safeguarding"]
    # What the screens show: "Under appeal" on the plan, the appeal to hear on Priya's dashboard.
    page = sign_in(hearer, password="demo-password-for-tests")
    assert "Under appeal" in page.get(f"/plans/{plan.id}").text
    assert "Appeal to hear" in page.get("/").text
    assert (
        "Record the regulatory decisions"
        in sign_in(find_by_email("senior@demo.test"), password="demo-password-for-tests").get("/").text
    )
    # Loaded again: nothing more.
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    assert db.session.scalar(select(func.count(Plan.id)).where(Plan.staff_id == plan.staff_id)) == 1


@pytest.mark.parametrize("day", ["2027-01-04", "2027-03-29", "2026-12-27"])
def test_demo_formal_route_holds_across_bank_holidays(runner, app, day):
    """Loaded on a day whose last weeks hold bank holidays (Christmas, Easter), the formal plan's
    dates still follow the rules: six working days' notice, the appeal in time, every letter sent
    by today, the hearing still to come."""
    from datetime import date

    from pip_app.clock import today
    from pip_app.models import PlanStage
    from pip_app.notifications.due import working_days_after
    from pip_app.services import appeals

    app.config["FROZEN_TODAY"] = day
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    assert today() == date.fromisoformat(day)
    plan = db.session.scalar(select(Plan).where(Plan.stage == PlanStage.STAGE_1))
    appeal = appeals.open_appeal(plan)
    meeting = next(m for m in plan.meetings if m.kind.value == "formal")
    assert working_days_after(meeting.notice_given_on, meeting.held_on) == 6
    assert appeal.lodged_on <= appeal.letter.appeal_by
    assert all(letter.sent_on <= today() for letter in plan.letters)
    assert appeal.meeting.held_on > today() and appeal.meeting.notice_given_on <= today()


def test_the_demo_appeal_can_be_heard_and_decided_as_the_app_allows(runner, app):
    """The demo's appeal is consistent with the operations: on the hearing day its hearer records
    the outcome through services/appeals (the hearer rule, the dates and the linked hearing all
    checked), the plan is no longer under appeal, and the appeal outcome letter can be drafted."""
    from pip_app.models import AppealOutcome, LetterKind, PlanStage
    from pip_app.services import appeals
    from pip_app.services import letters as letter_ops

    assert runner.invoke(args=["demo-data"]).exit_code == 0
    plan = db.session.scalar(select(Plan).where(Plan.stage == PlanStage.STAGE_1))
    appeal = appeals.open_appeal(plan)
    app.config["FROZEN_TODAY"] = appeal.meeting.held_on.isoformat()
    decided = appeals.decide_appeal(
        appeal.hearer,
        plan,
        appeals.OutcomeValues(
            AppealOutcome.NOT_UPHELD, "Night staffing was addressed; the note stands.", appeal.meeting.held_on
        ),
    )
    db.session.flush()
    db.session.refresh(plan)
    assert decided.outcome is AppealOutcome.NOT_UPHELD and not plan.under_appeal
    letter = letter_ops.draft_letter(plan.manager, plan, LetterKind.APPEAL_OUTCOME, letter_ops.LetterInputs())
    assert letter.content["appeal"]["outcome"] == AppealOutcome.NOT_UPHELD.label


def _token(client):
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get("/").text)


def test_migrations_match_the_models(runner):
    """`flask db check`: the schema built by the migrations has no drift from models.py."""
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_backup_copies_a_live_database_that_can_be_restored(runner, app, tmp_path, make_user):
    import sqlite3

    if db.engine.dialect.name != "sqlite":
        result = runner.invoke(args=["backup", str(tmp_path / "x")])
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    make_user(Role.MANAGER, email="kept@example.test")
    db.session.commit()  # the backup reads through a connection of its own
    target = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    restored = sqlite3.connect(target)
    assert restored.execute("SELECT email FROM users").fetchall() == [("kept@example.test",)]
    assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_purge_closed_deletes_only_plans_past_retention(runner, world, make_plan):
    from datetime import datetime

    from pip_app.models import AuditEvent, Closure, ClosureOutcome
    from pip_app.services import audit

    def closed(years_ago):
        plan = make_plan(
            staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.CLOSED
        )
        db.session.add(
            Closure(
                plan=plan,
                outcome=ClosureOutcome.ACHIEVED,
                closed_by=world["manager"],
                closed_at=datetime(2026 - years_ago, 1, 1),
                what_changed="a",
                how_measured="b",
                risk_now_controlled="c",
                ongoing_monitoring="d",
            )
        )
        audit.record(world["manager"], "closed", "plan", plan.id, plan_id=plan.id)
        db.session.commit()
        return plan

    old, recent = closed(8), closed(1)
    old_ref, old_id = old.reference, old.id
    dry = runner.invoke(args=["purge-closed", "--older-than", "6", "--dry-run"])
    assert dry.exit_code == 0 and old_ref in dry.output and recent.reference not in dry.output
    assert db.session.get(Plan, old_id) is not None
    result = runner.invoke(args=["purge-closed", "--older-than", "6"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Plan, old_id) is None and db.session.get(Plan, recent.id) is not None
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.plan_id == old_id)).all()
    purge = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "purged"))
    assert purge.changes["references"] == [old_ref]


def test_export_person_includes_their_plans_and_acknowledgements(runner, world, make_plan):
    import json

    from tests.factories import make_control

    plan = make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], risk_statement="Notes written hours late"
    )
    make_control(plan, world["senior"])
    result = runner.invoke(args=["export-person", "STAFF@example.test"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["person"]["email"] == "staff@example.test"
    assert data["plans_about_them"][0]["reference"] == plan.reference
    assert data["plans_about_them"][0]["risk_statement"] == "Notes written hours late"
    assert data["plans_about_them"][0]["controls"][0]["status"] == "Active"  # live, though not in the snapshot
    assert runner.invoke(args=["export-person", "nobody@example.test"]).exit_code == 1


def test_export_person_lists_their_evidence_files_and_emails(runner, world, make_plan):
    import hashlib
    import json

    from pip_app.models import Attachment, AttachmentVisibility, Notification, NotificationKind

    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    content = b"%PDF-1.4 fit note\n"
    db.session.add(
        Attachment(
            plan=plan,
            subject_key="plan",
            filename="fit-note.pdf",
            description="Fit note",
            kind="pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            visibility=AttachmentVisibility.RESTRICTED,
            uploaded_by=world["senior"],
            content=content,
        )
    )
    db.session.add(
        Notification(
            recipient=world["staff"],
            kind=NotificationKind.ACKNOWLEDGE_PLAN,
            subject_type="plan",
            subject_id=plan.id,
            plan_id=plan.id,
            subject=f"Please read and acknowledge {plan.reference}",
        )
    )
    db.session.commit()
    data = json.loads(runner.invoke(args=["export-person", "staff@example.test"]).output)
    [attachment] = data["plans_about_them"][0]["attachments"]
    assert attachment["file"] == "fit-note.pdf" and attachment["visibility"] == "restricted"
    assert attachment["sha256"] == hashlib.sha256(content).hexdigest()
    assert [e["subject"] for e in data["emails"]] == [f"Please read and acknowledge {plan.reference}"]


def test_refresh_attention_works_out_every_plan_again_with_the_days_configured(runner, app, world, make_plan):
    """After PIP_ACK_OUTSTANDING_DAYS changes, what is kept of each plan's flags follows it."""
    from pip_app.models import PlanAttention, PlanVersion

    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    db.session.add(PlanVersion(plan=plan, version=1, snapshot={}, created_by_id=world["manager"].id))
    db.session.commit()
    before = db.session.get(PlanAttention, plan.id).facts
    assert any(fact[0] == "ack_outstanding" and fact[4] == 3 for fact in before)
    app.config["ACK_OUTSTANDING_DAYS"] = 5
    result = runner.invoke(args=["refresh-attention"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    after = db.session.get(PlanAttention, plan.id).facts
    assert [fact[4] for fact in after if fact[0] == "ack_outstanding"] == [5]
    assert after != before
