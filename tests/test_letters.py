"""Formal letters (issue 20, point 2): the pure rules; drafting from the plan's data, sending,
confirming receipt; the PDF read back; who may do what; bad input refused with the reason and
nothing lost; HR's list of warnings with their expiry."""

from __future__ import annotations

import io
from datetime import date, time, timedelta

import pypdf
import pytest
from sqlalchemy import select

from pip_app import letter_rules as rules
from pip_app.extensions import db
from pip_app.formatting import format_date
from pip_app.models import (
    Appeal,
    AppealOutcome,
    AuditEvent,
    Letter,
    LetterKind,
    Meeting,
    MeetingKind,
    Notification,
    PlanStage,
    PlanStatus,
    Support,
    SupportKind,
)
from pip_app.notifications.content import headline, path, subject_line
from pip_app.notifications.due import nation_code
from pip_app.refusals import Conflict, Refusal
from pip_app.services import letters as letter_ops
from pip_app.services import retention
from pip_app.services.plans import issue_plan
from tests import factories

TODAY = date(2026, 11, 23)  # a Monday
START = TODAY - timedelta(days=21)
CRITERION = "At least 95% of MAR entries complete on two consecutive weekly audits"


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=START,
        weeks=8,
        evidence_sources=["audit"],
        risk_statement="Missed MAR signatures put residents at risk of double or missed doses.",
    )
    factories.make_control(plan, world["senior"])
    factories.make_action(plan, 1, success_criterion=CRITERION)
    factories.approve_for_issue(plan, world["senior"])
    issue_plan(world["manager"], plan)
    db.session.add(
        Support(
            plan=plan,
            kind=SupportKind.SHADOWING,
            description="Two shadowed medication rounds with the deputy",
            provided_by="Deputy manager",
            starts_on=TODAY - timedelta(days=3),
            recorded_by=world["manager"],
        )
    )
    db.session.commit()
    return plan


@pytest.fixture
def stage_1(plan):
    plan.stage = PlanStage.STAGE_1
    db.session.commit()
    return plan


def formal_meeting(plan, manager, held_on=TODAY + timedelta(days=7), kind=MeetingKind.FORMAL) -> Meeting:
    meeting = Meeting(
        plan=plan,
        kind=kind,
        held_on=held_on,
        starts_at=time(14, 0),
        place="Training room, Larkfield House",
        evidence_copies="MAR audits of 2 and 9 November",
        notice_given_on=min(TODAY, held_on),
        recorded_by=manager,
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def draft_data(kind="improvement_note", **changes) -> dict:
    data = {"kind": kind, "meeting": "", "expires_on": "", "consequences": "", "outcome_text": ""}
    data.update(changes)
    return {f"letter-{k}": v for k, v in data.items()}


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def letters() -> list[Letter]:
    return list(db.session.scalars(select(Letter).order_by(Letter.id)))


def events(verb: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "letter", AuditEvent.verb == verb)))


# --- The pure rules ----------------------------------------------------------------------------


def test_a_warning_expires_after_six_or_twelve_months_by_default():
    assert rules.default_expiry("improvement_note", date(2026, 11, 23)) == date(2027, 5, 23)
    assert rules.default_expiry("final_warning", date(2026, 11, 23)) == date(2027, 11, 23)
    assert rules.default_expiry("invitation", date(2026, 11, 23)) is None
    assert rules.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)  # the month's last day where shorter
    assert rules.expiry_refusal("improvement_note", date(2026, 11, 23), date(2026, 11, 23)) is not None
    assert rules.expiry_refusal("improvement_note", date(2026, 11, 24), date(2026, 11, 23)) is None
    assert rules.expiry_refusal("hearing_outcome", None, date(2026, 11, 23)) is None


def test_outcome_letters_follow_their_stage():
    labels = {s.value: s.label for s in PlanStage}
    assert rules.stage_refusal("improvement_note", "stage_1", labels) is None
    refusal = rules.stage_refusal("improvement_note", "informal", labels)
    assert refusal is not None and "formal stage 1 (improvement note)" in refusal and "informal" in refusal
    assert rules.stage_refusal("final_warning", "stage_1", labels) is not None
    assert rules.stage_refusal("invitation", "informal", labels) is None
    assert rules.stage_refusal("appeal_outcome", "stage_2", labels) is None


def test_the_appeal_deadline_counts_uk_working_days_from_sending():
    assert rules.appeal_deadline("improvement_note", date(2026, 11, 23), 5) == date(2026, 11, 30)
    # Christmas Day (Fri) and the Boxing Day substitute (Mon 28 Dec) are not working days.
    assert rules.appeal_deadline("final_warning", date(2026, 12, 21), 5) == date(2026, 12, 30)
    # Scotland's 2 January: from Thu 31 Dec 2026, Fri 1 Jan and Mon 4 Jan (the substitute for Sat 2 Jan) are off.
    assert rules.appeal_deadline("hearing_outcome", date(2026, 12, 31), 1, nation_code("scotland")) == date(2027, 1, 5)
    assert rules.appeal_deadline("invitation", date(2026, 11, 23), 5) is None
    assert rules.appeal_deadline("appeal_outcome", date(2026, 11, 23), 5) is None  # final


def test_invitations_are_to_formal_meetings_still_to_come():
    on = date(2026, 11, 23)
    assert rules.invitation_meeting_refusal("formal", on, on) is None
    assert "not a supervision" in (rules.invitation_meeting_refusal("supervision", on, on) or "")
    assert "has passed" in (rules.invitation_meeting_refusal("formal", on - timedelta(days=1), on) or "")
    assert "Choose the formal meeting" in (rules.invitation_meeting_refusal(None, None, on) or "")


def test_a_warning_is_in_force_up_to_its_expiry_day():
    assert rules.warning_in_force(date(2026, 11, 23), date(2026, 11, 23))
    assert not rules.warning_in_force(date(2026, 11, 22), date(2026, 11, 23))
    drafted = {"stage": "Formal stage 1", "concern": {"risk_statement": "r"}, "support": []}
    assert rules.changed_since_drafted(drafted, dict(drafted)) == []
    now = drafted | {"support": [{"kind": "Coaching"}], "concern": {"risk_statement": "changed"}}
    assert rules.changed_since_drafted(drafted, now) == ["the concern", "the support"]
    assert rules.in_words(["the concern", "the support", "the expiry date"]) == (
        "the concern, the support and the expiry date"
    )


# --- Operations ----------------------------------------------------------------------------------


def test_an_improvement_note_is_drafted_from_the_plan_sent_and_its_receipt_confirmed(stage_1, world):
    manager, staff = world["manager"], world["staff"]
    letter = letter_ops.draft_letter(manager, stage_1, LetterKind.IMPROVEMENT_NOTE, letter_ops.LetterInputs())
    db.session.commit()
    assert letter.version == 1 and letter.plan_row_version == stage_1.row_version and not letter.is_sent
    assert letter.expires_on == date(2027, 5, 23) and letter.appeal_by is None
    content = letter.content
    assert content["concern"]["risk_statement"].startswith("Missed MAR signatures")
    assert content["actions"][0]["success"] == CRITERION and content["actions"][0]["ref"] == "A1"
    assert content["support"][0]["description"] == "Two shadowed medication rounds with the deputy"
    assert content["consequences"] == rules.DEFAULT_CONSEQUENCES["improvement_note"]
    assert content["end_date"] == stage_1.planned_end_date.isoformat()

    letter_ops.send_letter(manager, stage_1, letter, str(letter.row_version))
    db.session.commit()
    assert letter.sent_on == TODAY and letter.sent_by_id == manager.id and letter.appeal_by == date(2026, 11, 30)
    [note] = db.session.scalars(select(Notification).where(Notification.subject_type == "letter")).all()
    assert note.recipient_id == staff.id and note.subject_id == letter.id
    # The email says a letter was sent, not which: "final written warning" never reaches an inbox.
    assert "letter" in note.subject and "improvement" not in note.subject.lower()
    assert "confirm that you have received it" in headline(note.kind, stage_1.reference, note.details)
    assert path(note.kind, stage_1.id, note.details) == f"/plans/{stage_1.id}#letters"
    assert subject_line(note.kind, stage_1.reference, note.details) == note.subject

    with pytest.raises(Conflict, match="was sent on 23 Nov 2026"):
        letter_ops.send_letter(manager, stage_1, letter, str(letter.row_version))
    letter_ops.acknowledge_receipt(staff, stage_1, letter)
    db.session.commit()
    assert letter.received_at is not None
    with pytest.raises(Conflict, match="You confirmed you received this letter"):
        letter_ops.acknowledge_receipt(staff, stage_1, letter)
    assert [len(events(v)) for v in ("drafted", "sent", "received")] == [1, 1, 1]
    # A subject access export holds the letters about the person, as they were sent.
    [exported] = retention.export_person(staff)["plans_about_them"][0]["letters"]
    assert exported["kind"] == "improvement_note" and exported["appeal_by"] == "2026-11-30"
    assert exported["content"]["actions"][0]["success"] == CRITERION


def test_drafting_again_makes_a_new_version_and_only_the_newest_is_sent(stage_1, world):
    manager = world["manager"]
    inputs = letter_ops.LetterInputs(expires_on=TODAY + timedelta(days=90), consequences="A final warning may follow.")
    first = letter_ops.draft_letter(manager, stage_1, LetterKind.IMPROVEMENT_NOTE, inputs)
    second = letter_ops.redraft_letter(manager, stage_1, first)
    db.session.commit()
    assert (first.version, second.version) == (1, 2)
    assert (
        second.expires_on == TODAY + timedelta(days=90)
        and second.content["consequences"] == "A final warning may follow."
    )
    with pytest.raises(Conflict, match="Version 2 of this letter has been drafted since"):
        letter_ops.send_letter(manager, stage_1, first, str(first.row_version))
    letter_ops.delete_draft(manager, stage_1, first)
    db.session.commit()
    assert [letter.version for letter in letters()] == [2]


def test_appeal_letters_need_an_appeal(stage_1, world, sign_in):
    manager, hr = world["manager"], world["hr"]
    with pytest.raises(Refusal, match="No appeal is awaiting a hearing"):
        letter_ops.draft_letter(hr, stage_1, LetterKind.APPEAL_INVITATION, letter_ops.LetterInputs())
    with pytest.raises(Refusal, match="no appeal on this plan"):
        letter_ops.draft_letter(hr, stage_1, LetterKind.APPEAL_OUTCOME, letter_ops.LetterInputs())
    note = letter_ops.draft_letter(manager, stage_1, LetterKind.IMPROVEMENT_NOTE, letter_ops.LetterInputs())
    letter_ops.send_letter(manager, stage_1, note, str(note.row_version))
    hearing = formal_meeting(stage_1, manager, kind=MeetingKind.APPEAL)
    appeal = Appeal(
        plan=stage_1,
        letter=note,
        grounds="The audits missed my training days.",
        lodged_on=TODAY,
        lodged_by=world["staff"],
        hearer=world["other_senior"],
        meeting=hearing,
    )
    db.session.add(appeal)
    db.session.commit()
    with pytest.raises(Refusal, match="no outcome yet"):
        letter_ops.draft_letter(hr, stage_1, LetterKind.APPEAL_OUTCOME, letter_ops.LetterInputs())
    invitation = letter_ops.draft_letter(hr, stage_1, LetterKind.APPEAL_INVITATION, letter_ops.LetterInputs())
    assert invitation.meeting_id == hearing.id and invitation.content["appeal"]["hearer"] == world["other_senior"].name
    appeal.outcome, appeal.outcome_reasons = AppealOutcome.NOT_UPHELD, "The audits were fair and the support given."
    appeal.decided_on, appeal.decided_by = TODAY, world["other_senior"]
    db.session.commit()
    outcome = letter_ops.draft_letter(hr, stage_1, LetterKind.APPEAL_OUTCOME, letter_ops.LetterInputs())
    letter_ops.send_letter(hr, stage_1, outcome, str(outcome.row_version))
    assert outcome.content["appeal"]["reasons"].startswith("The audits were fair") and outcome.appeal_by is None
    db.session.commit()
    reader = sign_in(world["staff"])
    hearer = world["other_senior"].name
    text = pdf_text(reader.get(f"/plans/{stage_1.id}/letters/{outcome.id}/letter.pdf"))
    assert "Not upheld: the decision stands" in text and "The audits were fair and the support given." in text
    assert "no further right of appeal" in text and f"From {hearer}" in text and "Appeal by" not in text
    text = pdf_text(sign_in(world["hr"]).get(f"/plans/{stage_1.id}/letters/{invitation.id}/letter.pdf"))
    assert "Draft — not sent" in text and f"heard by {hearer}" in text and "right to be accompanied" in text


# --- Routes and the PDF ---------------------------------------------------------------------------


def test_the_plan_page_offers_the_letters_part_once_issued(stage_1, world, sign_in):
    page = sign_in(world["manager"]).get(f"/plans/{stage_1.id}").text
    assert f'hx-get="/plans/{stage_1.id}/letters"' in page
    part = sign_in(world["manager"]).get(f"/plans/{stage_1.id}/letters", headers={"HX-Request": "true"}).text
    assert (
        "<html" not in part and "No letters have been drafted for this plan yet." in part and "Draft a letter" in part
    )


def test_manager_drafts_sends_and_the_staff_member_reads_and_confirms_receipt(stage_1, world, sign_in):
    manager = sign_in(world["manager"])
    url = f"/plans/{stage_1.id}/letters"
    response = manager.post(url, data=draft_data(expires_on="2027-05-20"))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/plans/{stage_1.id}#letters")
    [letter] = letters()
    staff = sign_in(world["staff"])
    assert staff.get(f"{url}/{letter.id}/letter.pdf").status_code == 404  # a draft is not theirs to read yet
    assert "Improvement note" not in staff.get(url).text
    assert "letter" not in staff.get(f"/plans/{stage_1.id}/history").text.lower()  # nor its drafting

    draft = pdf_text(manager.get(f"{url}/{letter.id}/letter.pdf"))
    assert "Draft — not sent" in draft and "Set when sent" in draft and "within 5 working days" in draft

    sent = manager.post(f"{url}/{letter.id}/send", data={"row_version": str(letter.row_version)}, htmx=True)
    assert sent.status_code == 200 and "Improvement note sent." in sent.text and "30 Nov 2026" in sent.text
    text = pdf_text(staff.get(f"{url}/{letter.id}/letter.pdf"))
    assert "Draft — not sent" not in text
    assert "Missed MAR signatures put residents at risk" in text  # the concern
    assert CRITERION in text  # what good looks like
    assert "Two shadowed medication rounds with the deputy" in text  # the support
    assert "20 May 2027" in text  # the expiry the manager chose
    assert "by 30 Nov 2026" in text  # the appeal deadline, five working days after sending
    assert "does not mean that you agree" in text
    downloads = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "letter_pdf")).all()
    assert len(downloads) == 2  # the draft, then the sent letter (the refused one is not a download)

    part = staff.get(url).text
    assert "I have received this letter" in part and "does not mean you agree" in part
    received = staff.post(f"{url}/{letter.id}/receipt", htmx=True)
    assert received.status_code == 200 and "your receipt of this letter is recorded" in received.text
    db.session.refresh(letter)
    assert "I have received this letter" not in received.text
    assert f"Received, confirmed {format_date(letter.received_at)}" in received.text
    again = staff.post(f"{url}/{letter.id}/receipt", htmx=True)
    assert again.status_code == 409 and "You confirmed you received this letter" in again.text
    history = manager.get(f"/plans/{stage_1.id}/history").text
    assert "Drafted letter" in history and "Improvement note" in history and "letter PDF" in history
    assert "Appeal by: 30 Nov 2026" in history
    assert "Drafted letter" in staff.get(f"/plans/{stage_1.id}/history").text  # once sent, its whole trail


def test_an_invitation_names_the_meeting_the_evidence_and_the_right_to_be_accompanied(plan, world, sign_in):
    meeting = formal_meeting(plan, world["manager"])
    manager = sign_in(world["manager"])
    url = f"/plans/{plan.id}/letters"
    assert manager.post(url, data=draft_data("invitation", meeting=str(meeting.id))).status_code == 303
    [letter] = letters()
    text = pdf_text(manager.get(f"{url}/{letter.id}/letter.pdf"))
    assert "Invitation to a formal meeting" in text and "30 Nov 2026" in text and "14:00" in text
    assert "Training room, Larkfield House" in text and "MAR audits of 2 and 9 November" in text
    assert "right to be accompanied" in text and "trade-union representative" in text
    assert world["manager"].name in text and world["manager"].email in text  # who to contact
    assert "Appeal by" not in text  # an invitation has no appeal


def test_bad_input_is_refused_with_the_reason_and_kept(plan, world, sign_in):
    manager = sign_in(world["manager"])
    url = f"/plans/{plan.id}/letters"
    supervision = formal_meeting(plan, world["manager"], kind=MeetingKind.SUPERVISION)
    past = formal_meeting(plan, world["manager"], held_on=TODAY - timedelta(days=2))

    not_formal = manager.post(url, data=draft_data("invitation", meeting=str(supervision.id)), htmx=True)
    assert not_formal.status_code == 422 and "choose a formal meeting, not a supervision" in not_formal.text
    passed = manager.post(url, data=draft_data("invitation", meeting=str(past.id)), htmx=True)
    assert passed.status_code == 422 and "which has passed" in passed.text
    wrong_stage = manager.post(url, data=draft_data(consequences="Typed text is kept."), htmx=True)
    assert wrong_stage.status_code == 422 and "Move the plan to that stage first" in wrong_stage.text
    assert "Typed text is kept." in wrong_stage.text

    plan.stage = PlanStage.STAGE_1
    db.session.commit()
    expired = manager.post(url, data=draft_data(expires_on="2026-11-20", consequences="Kept too."), htmx=True)
    assert expired.status_code == 422 and "must expire after today (23 Nov 2026)" in expired.text
    assert "2026-11-20" in expired.text and "Kept too." in expired.text
    hearing = manager.post(url, data=draft_data("hearing_outcome"), htmx=True)
    assert hearing.status_code == 422  # the plan is not at the hearing stage, and no outcome was written
    assert "Write the outcome of the hearing" in hearing.text
    unknown = manager.post(url, data=draft_data("nonsense"), htmx=True)
    assert unknown.status_code == 422 and "Choose one of the options" in unknown.text
    assert letters() == []


def test_a_draft_is_stale_when_what_it_says_changed_not_when_anything_changed(stage_1, world, sign_in):
    """Support added after drafting makes the improvement note out of date (it lists the support);
    a change to the plan the letter does not mention leaves it as it is."""
    manager = sign_in(world["manager"])
    url = f"/plans/{stage_1.id}/letters"
    assert manager.post(url, data=draft_data()).status_code == 303
    [letter] = letters()
    stage_1.review_weekday = (stage_1.review_weekday + 1) % 5  # not in the letter
    db.session.commit()
    assert letter_ops.changes_since_drafted(stage_1, letter) == []
    db.session.add(
        Support(
            plan=stage_1,
            kind=SupportKind.COACHING,
            description="Weekly coaching with the deputy manager",
            provided_by="Deputy manager",
            starts_on=stage_1.start_date,
            recorded_by=world["manager"],
        )
    )
    db.session.commit()
    refused = manager.post(f"{url}/{letter.id}/send", data={"row_version": str(letter.row_version)}, htmx=True)
    assert refused.status_code == 409 and "(the support): draft it again" in refused.text
    redrafted = manager.post(f"{url}/{letter.id}/redraft", data={"row_version": str(letter.row_version)})
    assert redrafted.status_code == 303
    newest = letters()[-1]
    assert newest.version == 2 and "Weekly coaching with the deputy manager" in str(newest.content["support"])
    assert manager.post(f"{url}/{newest.id}/send", data={"row_version": str(newest.row_version)}).status_code == 303


def test_a_letter_for_a_plan_changed_since_it_was_drafted_is_refused_with_409(stage_1, world, sign_in):
    manager = sign_in(world["manager"])
    url = f"/plans/{stage_1.id}/letters"
    assert manager.post(url, data=draft_data()).status_code == 303
    [letter] = letters()
    stage_1.risk_statement = "A changed concern."
    db.session.commit()
    assert "The plan has changed since this was drafted (the concern)" in manager.get(url).text
    refused = manager.post(f"{url}/{letter.id}/send", data={"row_version": str(letter.row_version)}, htmx=True)
    assert refused.status_code == 409
    drafted = format_date(letter.drafted_at)
    assert f"The plan has changed since this letter was drafted on {drafted} (the concern): draft it again" in (
        refused.text
    )
    without_javascript = manager.post(f"{url}/{letter.id}/send", data={"row_version": str(letter.row_version)})
    assert without_javascript.status_code == 409 and "<html" in without_javascript.text
    assert "draft it again" in without_javascript.text
    db.session.refresh(letter)
    assert letter.sent_on is None

    assert manager.post(f"{url}/{letter.id}/redraft").status_code == 303
    newest = letters()[-1]
    assert newest.version == 2 and newest.content["concern"]["risk_statement"] == "A changed concern."
    assert manager.post(f"{url}/{newest.id}/send", data={"row_version": str(newest.row_version)}).status_code == 303
    twice = manager.post(f"{url}/{newest.id}/send", data={"row_version": str(newest.row_version)}, htmx=True)
    assert twice.status_code == 409 and "was sent on 23 Nov 2026" in twice.text
    deleted = manager.post(f"{url}/{newest.id}/delete", htmx=True)
    assert deleted.status_code == 409 and "a sent letter is kept" in deleted.text
    assert manager.post(f"{url}/{letter.id}/delete").status_code == 303
    assert [letter.version for letter in letters()] == [2]


def test_who_may_do_what_to_a_letter(stage_1, world, sign_in, make_plan):
    letter = letter_ops.draft_letter(world["manager"], stage_1, LetterKind.IMPROVEMENT_NOTE, letter_ops.LetterInputs())
    db.session.commit()
    url = f"/plans/{stage_1.id}/letters/{letter.id}"
    hr = sign_in(world["hr"])
    assert hr.get(f"{url}/letter.pdf").status_code == 200  # HR reads drafts too
    assert hr.post(f"{url}/send", data={"row_version": str(letter.row_version)}).status_code == 403
    refused = hr.post(f"/plans/{stage_1.id}/letters", data=draft_data(), htmx=True)
    assert refused.status_code == 422  # HR drafts appeal letters only: an improvement note is not offered
    assert sign_in(world["staff"]).post(f"{url}/send").status_code == 404  # an unsent draft is not theirs to see
    assert sign_in(world["other_senior"]).get(f"{url}/letter.pdf").status_code == 404
    letter_ops.send_letter(world["manager"], stage_1, letter, str(letter.row_version))
    db.session.commit()
    assert sign_in(world["manager"]).post(f"{url}/receipt").status_code == 403
    # Another staff member acknowledging this letter: the plan is not theirs to see.
    assert sign_in(world["other_staff"]).post(f"{url}/receipt").status_code == 404
    # A letter of another plan through this plan's address: not found.
    other = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    assert sign_in(world["staff"]).post(f"/plans/{other.id}/letters/{letter.id}/receipt").status_code == 404
    db.session.refresh(letter)
    assert letter.received_at is None


# --- HR's list of warnings -----------------------------------------------------------------------


def test_hr_lists_warnings_in_force_first_with_their_expiry(stage_1, world, sign_in, app):
    manager = world["manager"]
    expired = letter_ops.draft_letter(
        manager, stage_1, LetterKind.IMPROVEMENT_NOTE, letter_ops.LetterInputs(expires_on=TODAY + timedelta(days=1))
    )
    letter_ops.send_letter(manager, stage_1, expired, str(expired.row_version))
    db.session.commit()
    app.config["FROZEN_TODAY"] = (TODAY + timedelta(days=3)).isoformat()
    stage_1.stage = PlanStage.STAGE_2
    db.session.commit()
    warning = letter_ops.draft_letter(manager, stage_1, LetterKind.FINAL_WARNING, letter_ops.LetterInputs())
    letter_ops.send_letter(manager, stage_1, warning, str(warning.row_version))
    letter_ops.acknowledge_receipt(world["staff"], stage_1, warning)
    db.session.commit()

    page = sign_in(world["hr"]).get("/hr/warnings")
    assert page.status_code == 200 and 'href="/hr/warnings"' in page.text
    text = page.text
    assert text.index("Final written warning") < text.index("Improvement note")  # in force first
    assert "26 Nov 2027" in text and "In force" in text  # twelve months from sending
    assert "24 Nov 2026" in text and "Expired" in text
    db.session.refresh(warning)
    assert f"Confirmed {format_date(warning.received_at)}" in text and "Not yet confirmed" in text
    assert f"/plans/{stage_1.id}#letters" in text and world["staff"].name in text

    assert sign_in(world["senior"]).get("/hr/warnings").text.count("<tr>") == 3  # header + 2
    assert "No improvement notes or final written warnings" in sign_in(world["other_senior"]).get("/hr/warnings").text
    assert sign_in(world["manager"]).get("/hr/warnings").status_code == 403
    beyond = sign_in(world["hr"]).get("/hr/warnings?page=3")
    assert beyond.status_code == 200 and "There are no more warnings" in beyond.text
