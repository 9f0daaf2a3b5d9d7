"""The case bundle (issue 21, part 3): one chronological PDF for HR, a tribunal or a regulator —
read back with pypdf (contents with page numbers that match, sections in order, the chronology
oldest first, "Page X of Y" on every page, appended PDFs numbered in the same run, restricted
files only for those who may see them, the download audited) and rendered with pdftoppm."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime, timedelta

import pypdf
import pytest
from sqlalchemy import select

from pip_app import policy
from pip_app.extensions import db
from pip_app.models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    AuditEvent,
    ReviewDecision,
    User,
)
from pip_app.pdf import render_case_bundle
from pip_app.services import case_bundle as bundle_ops
from pip_app.services.summaries import SUMMARY_READS
from pip_app.summaries import AppendixFile
from tests.test_closure import START, TODAY, add_review
from tests.test_closure_evidence import flat, pages_of
from tests.test_closure_evidence import (
    story as _story,  # noqa: F401 (the closure-evidence `story` fixture, used by `case`)
)

SECTIONS = [
    "Risk to people using the service",
    "Interim controls",
    "Actions and measures",
    "Chronology",
    "Versions and changes",
    "Observed practice",
    "Weekly reviews",
    "Acknowledgements by the staff member",
    "Disagreements and what followed",
    "Escalations",
    "Closure: the evidence summary",
    "Evidence index",
    "Audit extract",
]


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def case(world, request):
    """The closure-evidence story, plus a weekly review that escalated and the staff member's
    disagreement with a review."""
    plan, audit_sheet, fit_note = request.getfixturevalue("_story")
    escalated = add_review(plan, world["manager"], START + timedelta(days=35), {}, summary="Two late entries again.")
    escalated.decision = ReviewDecision.ESCALATE
    db.session.add(
        Acknowledgement(
            plan=plan,
            user=world["staff"],
            subject=AckSubject.REVIEW,
            plan_version=plan.version,
            review=plan.reviews[0],
            statement="I have read the review.",
            response=AckResponse.DISAGREE,
            comment="The audit missed two night rounds.",
        )
    )
    db.session.commit()
    return plan, audit_sheet, fit_note


def contents_of(data: bytes) -> dict[str, int]:
    """{entry: page} from the contents: "3. Actions and measures      5" (read by position, as the
    page numbers are drawn once every page is laid out)."""
    entries = {}
    for page in pypdf.PdfReader(io.BytesIO(data)).pages[:3]:
        for line in page.extract_text(extraction_mode="layout").splitlines():
            found = re.match(r"^(\d+\. .+?|Appendix [A-Z]+: .+?)\s{2,}(\d+)$", line.strip())
            if found:
                entries[found.group(1)] = int(found.group(2))
    return entries


@pytest.mark.parametrize(
    "who,status",
    [
        ("hr", 200),
        ("senior", 200),
        ("manager", 403),
        ("staff", 403),
        ("other_senior", 404),
        ("other_manager", 404),
        ("other_staff", 404),
        ("admin", 404),
    ],
)
def test_who_may_download_the_case_bundle(world, sign_in, case, who, status):
    plan, *_ = case
    assert sign_in(world[who]).get(f"/plans/{plan.id}/case-bundle.pdf").status_code == status


def test_hr_reads_the_whole_case_in_order_with_contents_and_page_x_of_y(world, sign_in, case):
    plan, audit_sheet, fit_note = case
    response = sign_in(world["hr"]).get(f"/plans/{plan.id}/case-bundle.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{plan.reference}-case-bundle.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    pages = pages_of(response.data)
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page, number
        assert plan.reference in page and "Confidential" in page

    # The contents: every section, each with the page its heading is on, in order.
    contents = contents_of(response.data)
    titles = [f"{n}. {title}" for n, title in enumerate(SECTIONS, start=1)]
    assert list(contents) == titles
    assert list(contents.values()) == sorted(contents.values())
    for title, page in contents.items():
        assert flat(title) in flat(pages[page - 1]), f"{title} is not on page {page}"
    text = "\n".join(pages)
    body = "\n".join(pages[contents[titles[0]] - 1 :])  # after the contents
    positions = [body.index(title) for title in titles]
    assert positions == sorted(positions)

    # The chronology is oldest first (each row starts with its date), and names each kind of event.
    chronology = body[body.index("4. Chronology") : body.index("5. Versions and changes")]
    for event in (
        "Plan version 1 issued by",
        "Plan version 2 issued by",
        "responded to Plan version 1: Disagree",
        "(escalated)",
        "File attached: MAR audit week 3.pdf",
        "Plan closed by",
        "Interim control started",
        "Observed early shift",
    ):
        assert flat(event) in flat(chronology), event
    dates = re.findall(r"^(\d{1,2} [A-Z][a-z]{2} \d{4})(?:,|$)", chronology, re.MULTILINE)
    parsed = [datetime.strptime(d, "%d %b %Y") for d in dates]
    assert len(parsed) > 10 and parsed == sorted(parsed)

    # Disagreements with what followed; escalations; both restricted and staff-visible files for HR.
    disagreements = flat(body[body.index("9. Disagreements and what followed") : body.index("10. Escalations")])
    assert flat("A2 is not something I can show") in disagreements
    assert flat("Version 2 issued on") in disagreements and flat("A2 rewritten") in disagreements
    assert flat("The audit missed two night rounds.") in disagreements
    assert "Notacknowledged" in disagreements
    escalations = flat(body[body.index("10. Escalations") : body.index("11. Closure")])
    assert flat("Two late entries again.") in escalations
    index = flat(body[body.index("12. Evidence index") : body.index("13. Audit extract")])
    assert audit_sheet.sha256 in index and fit_note.sha256 in index
    audit = flat(body[body.index("13. Audit extract") :])
    assert flat(audit_sheet.filename) in audit and flat(fit_note.filename) in audit  # HR sees both uploads
    assert flat("Not held in this app, so not in this bundle: Letters") in flat(text)
    assert "Meetings and minutes" not in text and "Meetings" in text  # held since issue 19: in the closure section

    # The download is audited, in the plan's history.
    db.session.expire_all()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "case_bundle")).all()
    assert (event.verb, event.entity_id, event.plan_id, event.actor_id) == (
        "downloaded",
        plan.id,
        plan.id,
        world["hr"].id,
    )
    assert event.changes == {"file": f"{plan.reference}-case-bundle.pdf", "attached_pdfs": 0}
    assert "Downloaded case bundle" in sign_in(world["senior"]).get(f"/plans/{plan.id}/history").text


def test_attached_pdfs_are_appended_and_numbered_in_the_same_run(world, sign_in, case):
    plan, *_ = case
    data = sign_in(world["senior"]).get(f"/plans/{plan.id}/case-bundle.pdf?attachments=1").data
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    contents = contents_of(data)
    assert "14. Appendices: attached PDFs" in contents
    first, second = contents["Appendix A: MAR audit week 3.pdf"], contents["Appendix B: fit note.pdf"]
    assert (first, second) == (total - 1, total)
    assert "MAR audit 96%" in pages[first - 1] and "Fit note" in pages[second - 1]
    for number in (first, second):
        assert f"Page {number} of {total}" in pages[number - 1]
        assert "Appendix" in pages[number - 1] and plan.reference in pages[number - 1]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "1. Risk to people using the service" in outline and "Appendix B: fit note.pdf" in outline
    db.session.expire_all()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "case_bundle")).all()
    assert event.changes["attached_pdfs"] == 2 and event.actor_id == world["senior"].id


def test_a_pdf_that_cannot_be_read_is_listed_not_appended(world, case):
    plan, *_ = case
    bundle = bundle_ops.case_bundle(plan, viewer=world["hr"], append_pdfs=True)
    bundle.appendices.insert(
        0,
        AppendixFile("broken.pdf", "The plan as a whole", "0" * 64, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage"),
    )
    data = render_case_bundle(bundle)
    text = flat("\n".join(pages_of(data)))
    assert flat("broken.pdf Not appended: it could not be read as a PDF") in text or flat("Not appended") in text
    contents = contents_of(data)
    assert "Appendix A: broken.pdf" not in contents and "Appendix B: MAR audit week 3.pdf" in contents


def test_restricted_files_are_left_out_for_anyone_who_may_not_see_them(app, world, case):
    """Every role that may download the bundle may see restricted files, so the route never
    makes a copy without them; the data behind it still leaves them out for anyone else."""
    plan, audit_sheet, fit_note = case
    for user in world.values():
        if isinstance(user, User) and policy.can_download_case_bundle(user, plan):
            assert policy.can_see_restricted(user, plan)
    bundle = bundle_ops.case_bundle(plan, viewer=world["staff"], append_pdfs=True)
    text = flat("\n".join(pages_of(render_case_bundle(bundle))))
    assert audit_sheet.sha256 in text and fit_note.sha256 not in text and flat(fit_note.filename) not in text
    assert [a.filename for a in bundle.appendices] == [audit_sheet.filename]
    assert flat("1 restricted file is held for the registered managers and HR") in text
    assert all("fit note" not in row.detail for row in bundle.audit)


def test_a_head_request_is_not_recorded_as_a_download(world, sign_in, case):
    plan, *_ = case
    assert sign_in(world["hr"]).client.head(f"/plans/{plan.id}/case-bundle.pdf").status_code == 200
    db.session.expire_all()
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "case_bundle")).all() == []


def test_an_open_plan_has_a_bundle_too(world, sign_in, make_plan):
    from tests.test_closure import ready_plan

    plan = ready_plan(world, make_plan)
    response = sign_in(world["hr"]).get(f"/plans/{plan.id}/case-bundle.pdf")
    assert response.status_code == 200
    contents = contents_of(response.data)
    assert "11. Fair process" in contents and "12. Evidence index" in contents
    assert not any("Closure" in title for title in contents)


def test_the_hr_closures_list_links_to_the_bundle(world, sign_in, case):
    plan, *_ = case
    page = sign_in(world["hr"]).get("/hr/closures").text
    assert f"/plans/{plan.id}/case-bundle.pdf" in page


def test_a_hundred_reviews_and_twenty_versions_build(world, make_plan, case):
    """The bad-input case of the issue: it builds, with every review; the time is measured in
    bench/case_bundle.py, not asserted here."""
    from pip_app.models import PlanVersion
    from pip_app.services.plans import snapshot

    plan, *_ = case
    for week in range(6, 106):
        add_review(plan, world["manager"], START + timedelta(days=7 * week), {}, summary=f"Week {week}: steady.")
    for number in range(3, 21):
        plan.version = number
        db.session.add(
            PlanVersion(
                plan=plan,
                version=number,
                snapshot=snapshot(plan),
                created_by=world["manager"],
                change_summary=f"v{number}",
            )
        )
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(type(plan), plan.id, options=SUMMARY_READS.as_options())
    bundle = bundle_ops.case_bundle(loaded, viewer=world["hr"], append_pdfs=True)
    assert len(bundle.summary.reviews) == 105 and len(bundle.summary.versions) == 20
    text = flat("\n".join(pages_of(render_case_bundle(bundle))))
    assert "Week105:steady." in text and "v20" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
def test_every_page_renders_and_no_page_holds_only_a_table_header(world, sign_in, case, tmp_path):
    plan, *_ = case
    for week in range(6, 30):
        add_review(plan, world["manager"], START + timedelta(days=7 * week), {}, summary="Steady. " * 60 + "ends.")
    data = sign_in(world["hr"]).get(f"/plans/{plan.id}/case-bundle.pdf?attachments=1").data
    (tmp_path / "bundle.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "bundle.pdf"), str(tmp_path / "p")], check=True)
    pages = pages_of(data)
    assert len(list(tmp_path.glob("p-*.png"))) == len(pages)
    furniture = re.compile(r"Page \d+ of \d+|Confidential|^Case bundle ·|^" + re.escape(plan.reference))
    header = re.compile(r"^(When|Who|What|Details|Date|Reviewer|Version|Issued|#|File|Attached|Added|Copy|Review|With)")
    for number, page in enumerate(pages[:-2], start=1):  # the bundle's own (the last two are appended)
        body = [line for line in page.splitlines() if line.strip() and not furniture.search(line)]
        headers = [line for line in body if header.match(line)]
        assert len(body) > len(headers) + 1, f"page {number} holds only a table header: {body}"


def test_the_plan_pages_closure_panel_links_the_bundle_for_those_who_may_download_it(world, sign_in, case):
    plan, *_ = case
    link = f'href="/plans/{plan.id}/case-bundle.pdf"'
    assert link in sign_in(world["hr"]).get(f"/plans/{plan.id}").text
    assert link in sign_in(world["senior"]).get(f"/plans/{plan.id}").text
    assert link not in sign_in(world["manager"]).get(f"/plans/{plan.id}").text
