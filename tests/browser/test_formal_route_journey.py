"""Issue 20, "Done when", in one real-browser journey through the UI: an informal plan fails and is
escalated; the registered manager decides "Move to the formal procedure"; the manager records a
formal meeting with written notice and sends the invitation (PDF read back); on the meeting day the
minutes are recorded with a union representative, the move to formal stage 1 is proposed and
approved; the improvement note is sent (PDF read back) and its receipt confirmed; the staff member
appeals on the last day allowed; a registered manager not involved (the approver is not offered)
hears it and decides "not upheld"; the appeal outcome letter is sent (PDF read back); the plan
closes "not achieved" with approval, and the registered manager answers the regulatory checklist,
which the closure summary then carries. The date moves with the app's clock, every date relative
to the day the test runs."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import expect

from pip_app import letter_rules, regulatory_rules
from pip_app.clock import today
from pip_app.extensions import db
from pip_app.formatting import format_date
from pip_app.models import (
    Appeal,
    AppealOutcome,
    ClosureOutcome,
    CompanionKind,
    Letter,
    LetterKind,
    Nation,
    Plan,
    PlanStage,
    PlanStatus,
    ProfessionalRegister,
    RegulatoryQuestion,
    Role,
)
from pip_app.notifications.due import add_working_days
from pip_app.services.plans import issue_plan
from tests import factories
from tests.browser.conftest import sign_in_quickly
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

RISK = "Medicines are signed for before they are given, so MAR charts do not show what was given."
CRITERION = "At least 95% of MAR entries complete on two weekly audits running"
MINUTES = "The MAR audits of the last four weeks and the support given; Sam's account of the late shift."
GROUNDS = "The note ignores the rota change that left me alone on the medication round."
REASONS = "Both MAR audits were after the rota change was put right; the note stands."
RATIONALE = {
    "dbs": "Not removed from regulated activity for harm or a risk of harm: the referral test is not met.",
    "professional": "A capability concern about record keeping, not fitness to practise: the NMC need not be told.",
    "safeguarding": "No adult with care and support needs was harmed or put at risk of harm.",
}


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _open(page, base_url: str, plan_id: int, part: str):
    """One of the plan page's parts opened on demand (Letters, Meetings, Appeal, …): on the page
    already shown, or on the plan page loaded afresh."""
    if not re.fullmatch(rf"{re.escape(base_url)}/plans/{plan_id}(#.*)?", page.url):
        page.goto(f"{base_url}/plans/{plan_id}")
    if page.locator(f"#{part}").get_attribute("open") is None:
        page.locator(f"#{part} > summary").click()
    panel = page.locator(f"#{part}-panel")
    expect(panel.locator("h2")).to_be_visible()
    return panel


def _pdf_text(page, base_url: str, link) -> str:
    """Follow the page's link to a PDF and read its text back, whitespace collapsed."""
    response = page.request.get(f"{base_url}{link.get_attribute('href')}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def _draft_and_send(page, kind: str, label: str, *, meeting: bool = False):
    """Draft the letter of this kind from the Letters part, then send it; the part, after."""
    part = page.locator("#letters-panel")
    part.get_by_text("Draft a letter").click()
    part.get_by_label("Letter", exact=True).select_option(kind)
    if meeting:
        part.get_by_label("Formal meeting (for an invitation)").select_option(index=1)
    part.get_by_role("button", name="Draft the letter").click()
    expect(part).to_contain_text("Letter drafted.")
    part.locator("tr", has_text=label).get_by_role("button", name=re.compile("^Send")).click()
    expect(part).to_contain_text(f"{label} sent.")
    return part


def _read_link(part, label: str):
    return part.locator("tr", has_text=label).get_by_role("link", name=re.compile(r"^Read \(PDF\)"))


@pytest.fixture
def failing_plan(world):
    """An informal plan issued four weeks ago (approved by the registered manager) that has not
    worked: one interim control, one action with its success criterion."""
    staff = world["staff"]
    staff.nation, staff.professional_register = Nation.ENGLAND, ProfessionalRegister.NMC
    plan = factories.make_plan(
        staff=staff,
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=today() - timedelta(weeks=4),
        weeks=10,
        evidence_sources=["audit"],
        risk_statement=RISK,
    )
    factories.make_control(plan, world["senior"], review_by_date=today() + timedelta(days=30))
    factories.make_action(plan, 1, success_criterion=CRITERION)
    factories.approve_for_issue(plan, world["senior"])
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def test_informal_plan_fails_formal_stage_one_appeal_heard_by_someone_else_closed_with_regulatory_checklist(
    app, live_server, page, console_errors, world, failing_plan
):
    start_day = today()
    app.config["FROZEN_TODAY"] = start_day.isoformat()  # the journey's "today", moved below
    plan_id, reference = failing_plan.id, failing_plan.reference
    manager, senior, staff, hr = world["manager"], world["senior"], world["staff"], world["hr"]
    rita = factories.make_user(Role.SENIOR, name="Rita Newton", email="rita@example.test", services=[world["home"]])
    header = page.locator("#plan-header")

    # 1. The manager escalates the failing plan; the registered manager decides to go formal.
    sign_in_quickly(page, live_server, manager.email, PASSWORD, then=f"/plans/{plan_id}")
    decisions = page.locator("#decisions")
    decisions.get_by_text("Escalate to the registered managers", exact=True).click()
    decisions.get_by_label("Why escalate").fill("Not met in four reviews running despite paired rounds.")
    decisions.get_by_role("button", name="Escalate").click()
    expect(page.locator("#plan-flags")).to_contain_text("waiting for a registered manager's decision")
    _sign_out(page)

    sign_in_quickly(page, live_server, senior.email, PASSWORD, then=f"/plans/{plan_id}#decisions")
    decisions = page.locator("#decisions")
    expect(decisions).to_contain_text("Not met in four reviews running despite paired rounds.")
    decisions.get_by_label("Decision", exact=True).select_option(label="Move to the formal procedure")
    decisions.get_by_label("Rationale").fill("Support and paired rounds have not changed practice.")
    decisions.get_by_label("Decided on").fill(start_day.isoformat())
    decisions.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded. Next, propose the move to formal stage 1")).to_be_visible()
    _sign_out(page)

    # 2. The manager records the formal meeting, notice given today, and sends the invitation.
    notice_days = app.config["FORMAL_NOTICE_WORKING_DAYS"]
    meeting_day = add_working_days(start_day, notice_days, "ENG")
    sign_in_quickly(page, live_server, manager.email, PASSWORD, then=f"/plans/{plan_id}")
    panel = _open(page, live_server, plan_id, "meetings")
    panel.get_by_role("link", name="Record a meeting").click()
    form = page.locator("#meetings-panel form")
    form.get_by_label("Formal meeting").check()
    form.get_by_label("Date", exact=True).fill(meeting_day.isoformat())
    form.get_by_label("Place (optional)").fill("Manager's office, Larkfield House")
    form.get_by_label("Told in writing beforehand on (optional)").fill(start_day.isoformat())
    form.get_by_role("button", name="Save the meeting").click()
    expect(page.locator("#meetings-panel").get_by_text("Meeting recorded.")).to_be_visible()

    _open(page, live_server, plan_id, "letters")
    part = _draft_and_send(page, "invitation", "Invitation to a formal meeting", meeting=True)
    text = _pdf_text(page, live_server, _read_link(part, "Invitation to a formal meeting"))
    assert format_date(meeting_day) in text
    assert "Your right to be accompanied" in text and "a colleague or a trade-union representative" in text
    assert "Who to contact" in text and f"contact {manager.name} ({manager.email})" in text
    _sign_out(page)

    # 3. The meeting day: minutes with the union representative; the move is proposed and approved.
    app.config["FROZEN_TODAY"] = meeting_day.isoformat()
    sign_in_quickly(page, live_server, manager.email, PASSWORD, then=f"/plans/{plan_id}")
    panel = _open(page, live_server, plan_id, "meetings")
    panel.get_by_role("link", name="Edit this meeting").click()
    form = page.locator("#meetings-panel form")
    form.get_by_label("A trade-union representative").check()
    form.get_by_label("Companion's name").fill("Dave Morgan (UNISON)")
    form.get_by_label("What was discussed").fill(MINUTES)
    form.get_by_label("Decisions").fill("Formal stage 1: an improvement note, with the paired rounds continuing.")
    form.get_by_role("button", name="Save the meeting").click()
    panel = page.locator("#meetings-panel")
    expect(panel.get_by_text("Meeting saved.")).to_be_visible()
    expect(panel.get_by_text("Dave Morgan (UNISON) (a trade-union representative)")).to_be_visible()

    page.locator("#stage-prompt").get_by_role(
        "link", name="Propose the move to formal stage 1 (improvement note)"
    ).click()
    form = page.locator("#propose-stage")
    chosen = form.get_by_label("The formal meeting it follows")
    chosen.select_option(index=1)
    expect(chosen.locator("option:checked")).to_contain_text(format_date(meeting_day))
    form.get_by_label("Why the plan moves to this stage").fill("As decided on the escalation and at the meeting.")
    form.get_by_role("button", name="Ask for approval").click()
    expect(page.get_by_text("Sent for approval")).to_be_visible()
    expect(header).not_to_contain_text("Formal stage 1")
    _sign_out(page)

    sign_in_quickly(page, live_server, senior.email, PASSWORD, then=f"/plans/{plan_id}#decisions")
    page.get_by_role("button", name="Approve the move to formal stage 1 (improvement note)").click()
    expect(page.get_by_text("Approved: the plan has moved to the formal stage.")).to_be_visible()
    expect(header).to_contain_text("Formal stage 1 (improvement note)")
    expect(page.locator("#plan-flags")).to_contain_text("Regulatory decisions needed")
    _sign_out(page)

    # 4. The improvement note: sent, read back, its receipt (not agreement) confirmed.
    appeal_by = add_working_days(meeting_day, app.config["APPEAL_WORKING_DAYS"], "ENG")
    expires = letter_rules.default_expiry("improvement_note", meeting_day)
    assert expires is not None
    sign_in_quickly(page, live_server, manager.email, PASSWORD, then=f"/plans/{plan_id}")
    _open(page, live_server, plan_id, "letters")
    part = _draft_and_send(page, "improvement_note", "Improvement note")
    row = part.locator("tr", has_text="Improvement note")
    expect(row).to_contain_text(format_date(appeal_by))
    expect(row).to_contain_text("Not yet confirmed")
    text = _pdf_text(page, live_server, _read_link(part, "Improvement note"))
    for expected in (RISK, CRITERION, format_date(expires), "appeal", f"by {format_date(appeal_by)}"):
        assert expected in text, expected
    _sign_out(page)

    sign_in_quickly(page, live_server, staff.email, PASSWORD, then=f"/plans/{plan_id}")
    part = _open(page, live_server, plan_id, "letters")
    expect(part).to_contain_text("Confirming receipt does not mean you agree with the letter.")
    part.locator("tr", has_text="Improvement note").get_by_role(
        "button", name=re.compile("^I have received this letter")
    ).click()
    expect(part).to_contain_text("your receipt of this letter is recorded")
    expect(part.locator("tr", has_text="Improvement note")).to_contain_text("Received, confirmed")

    # 5. On the last day allowed, the staff member appeals; the header says "Under appeal".
    app.config["FROZEN_TODAY"] = appeal_by.isoformat()
    page.goto(f"{live_server}/plans/{plan_id}")  # a later day: the page afresh
    panel = _open(page, live_server, plan_id, "appeal")
    expect(header).not_to_contain_text("Under appeal")
    panel.get_by_label("The decision").select_option(index=1)
    panel.get_by_label("Your grounds for appeal").fill(GROUNDS)
    panel.get_by_role("button", name="Lodge my appeal").click()
    expect(page.locator("#appeal-panel")).to_contain_text("Your appeal has been lodged.")
    expect(header).to_contain_text("Under appeal")
    _sign_out(page)

    # 6. HR chooses a registered manager not involved: the one who approved the stage is not offered.
    sign_in_quickly(page, live_server, hr.email, PASSWORD, then=f"/plans/{plan_id}")
    panel = _open(page, live_server, plan_id, "appeal")
    hearer = panel.get_by_label("Hearer")
    offered = hearer.locator("option").all_inner_texts()
    assert any(o.startswith(f"{rita.name} (") for o in offered), offered
    assert not any(o.startswith(f"{senior.name} (") for o in offered), offered
    assert not any(o.startswith(f"{manager.name} (") for o in offered), offered
    hearer.select_option(label=f"{rita.name} (Registered manager / deputy)")
    panel.get_by_role("button", name="Choose the hearer").click()
    expect(page.locator("#appeal-panel")).to_contain_text("Hearer chosen")
    _sign_out(page)

    sign_in_quickly(page, live_server, rita.email, PASSWORD, then="/")
    expect(page.get_by_text("Appeal to hear")).to_be_visible()
    panel = _open(page, live_server, plan_id, "meetings")
    panel.get_by_role("link", name="Record a meeting").click()
    form = page.locator("#meetings-panel form")
    form.get_by_label("Appeal hearing").check()
    form.get_by_label("Date", exact=True).fill(appeal_by.isoformat())
    form.get_by_label("A trade-union representative").check()
    form.get_by_label("Companion's name").fill("Dave Morgan (UNISON)")
    form.get_by_label("What was discussed").fill("The grounds of appeal and the two MAR audits.")
    form.get_by_role("button", name="Save the meeting").click()
    expect(page.locator("#meetings-panel").get_by_text("Meeting recorded.")).to_be_visible()

    panel = _open(page, live_server, plan_id, "appeal")
    panel.get_by_label("Appeal hearing").select_option(index=1)
    panel.get_by_role("button", name="Link the hearing").click()
    panel = page.locator("#appeal-panel")
    expect(panel).to_contain_text("Hearing linked.")
    expect(panel).to_contain_text("accompanied by Dave Morgan (UNISON)")
    panel.get_by_label("Outcome", exact=True).select_option("not_upheld")
    panel.get_by_label("Reasons", exact=True).fill(REASONS)
    panel.get_by_role("button", name="Record the outcome").click()
    expect(page.locator("#appeal-panel")).to_contain_text("Outcome recorded")
    expect(header).not_to_contain_text("Under appeal")

    # 7. The appeal outcome letter, sent by the hearer and read back.
    _open(page, live_server, plan_id, "letters")
    part = _draft_and_send(page, "appeal_outcome", "Appeal outcome")
    text = _pdf_text(page, live_server, _read_link(part, "Appeal outcome"))
    assert "Not upheld" in text and REASONS in text, text
    _sign_out(page)

    # 8. The manager closes "not achieved"; it waits for the approver, who approves.
    sign_in_quickly(page, live_server, manager.email, PASSWORD, then=f"/plans/{plan_id}")
    page.locator("#closure-panel").get_by_role("link", name="Close this plan").click()
    page.get_by_label("Not achieved: formal capability procedure").check()
    control = page.locator(f"#close-control-{failing_plan.controls[0].id}")
    control.get_by_label("Carry it into ongoing monitoring").check()
    control.get_by_label("Rationale").fill("Paired rounds continue while the procedure runs.")
    page.locator(f"#close-reason-{failing_plan.actions[0].id}").get_by_role("textbox").fill(
        "Not met: MAR entries stayed below the target in every audit."
    )
    page.get_by_label("How the risk is now controlled", exact=True).fill("Paired medication rounds continue.")
    page.get_by_label("Ongoing monitoring", exact=True).fill("Formal stage 2 of the capability procedure.")
    page.get_by_role("button", name="Close the plan").click()
    expect(page.get_by_text("The closure needs approval")).to_be_visible()
    _sign_out(page)

    sign_in_quickly(page, live_server, senior.email, PASSWORD, then=f"/plans/{plan_id}#decisions")
    decisions = page.locator("#decisions")
    expect(decisions).to_contain_text("the outcome is “not achieved”")
    decisions.get_by_role("button", name="Approve and close the plan").click()
    expect(page.get_by_text("Approved: the plan is closed.")).to_be_visible()
    expect(page.locator(".plan-header .status")).to_have_text("Closed")

    expect(page.locator("#plan-flags")).to_contain_text("Regulatory decisions needed")

    # … and the registered manager, from their dashboard, answers every question the checklist
    # asks about this staff member (the part opens by itself from the link).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    waiting = page.locator("#decide-h + ul li", has_text="Record the regulatory decisions")
    waiting.get_by_role("link", name=reference).click()
    part = page.locator("#regulatory-panel")
    expect(part).to_contain_text("closed “not achieved”")
    asked = regulatory_rules.questions(Nation.ENGLAND, ProfessionalRegister.NMC)
    assert asked == ["dbs", "professional", "safeguarding"]
    for code in asked:
        expect(part).to_contain_text(RegulatoryQuestion(code).label)
    expect(part.locator("#regulatory-workforce")).to_have_count(0)
    for code in asked:
        section = page.locator(f"#regulatory-{code}")
        section.get_by_label("Decision").select_option("not_referred")
        section.get_by_label("Rationale").fill(RATIONALE[code])
        section.get_by_role("button", name=re.compile("^Record the decision")).click()
        expect(page.locator("#regulatory-panel")).to_contain_text("Decision recorded.")
        expect(page.locator("#regulatory-panel")).to_contain_text(RATIONALE[code])
    expect(header).not_to_contain_text("Regulatory decisions needed")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    expect(page.locator("#decide-h + ul li", has_text=reference)).to_have_count(0)
    page.goto(f"{live_server}/plans/{plan_id}")
    expect(page.locator("#plan-flags")).not_to_contain_text("Regulatory decisions needed")

    with page.expect_download() as download_info:
        page.locator("#closure-panel").get_by_role("link", name="Download closure summary (PDF)").click()
    data = Path(download_info.value.path()).read_bytes()
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Regulatory considerations" in text
    for code in asked:
        assert RATIONALE[code] in text, code
    assert "Not referred" in text

    db.session.commit()  # see what the server wrote
    plan = db.session.get(Plan, plan_id)
    assert plan is not None and plan.reference == reference
    assert plan.stage is PlanStage.STAGE_1 and plan.closure.outcome is ClosureOutcome.NOT_ACHIEVED
    [appeal] = db.session.query(Appeal).all()
    assert appeal.outcome is AppealOutcome.NOT_UPHELD and appeal.hearer_id == rita.id
    assert appeal.meeting.companion_kind is CompanionKind.UNION_REP
    sent = {letter.kind for letter in db.session.query(Letter).filter(Letter.sent_on.is_not(None))}
    assert sent == {LetterKind.INVITATION, LetterKind.IMPROVEMENT_NOTE, LetterKind.APPEAL_OUTCOME}
    assert console_errors == []
