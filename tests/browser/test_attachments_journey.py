"""Evidence files in a real browser (issue 21): a manager attaches an audit sheet to an action and
a fit note as restricted (with htmx, the panel swapped in place); the staff member sees the first
and not the second; HR downloads the closure summary, whose evidence index carries the SHA-256
of both files as stored, and then the case bundle from the closed-plans list, with the attached
PDFs appended after its own pages."""

import hashlib
import io
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import Attachment, AuditEvent, Plan
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in_quickly
from tests.factories import PASSWORD, pdf_file
from tests.test_closure import close_directly, ready_plan

pytestmark = pytest.mark.browser


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_manager_attaches_staff_sees_only_theirs_hr_downloads_the_summary(
    live_server, page, console_errors, world, tmp_path
):
    plan = ready_plan(world, factories.make_plan)
    plan_id, a1_ref = plan.id, plan.actions[0].ref
    audit_path, fit_path = tmp_path / "MAR audit week 3.pdf", tmp_path / "fit note.pdf"
    audit_path.write_bytes(pdf_file("MAR audit: 96%"))
    fit_path.write_bytes(pdf_file("Fit note"))

    # 1. The manager attaches the audit sheet to A1, then the fit note as restricted.
    sign_in_quickly(page, live_server, world["manager"].email, PASSWORD, then=f"/plans/{plan_id}#attachments-panel")
    panel = page.locator("#attachments-panel")
    # The upload form opens on demand (the plan page's first response leaves it out).
    panel.get_by_text("Attach a file", exact=True).click()
    expect(panel.get_by_label("File")).to_be_visible()
    panel.get_by_label("File").set_input_files(str(audit_path))
    panel.get_by_label("What is it?").fill("MAR audit, week 3")
    panel.get_by_label("Attach it to").select_option(label=f"{a1_ref}: Sign the MAR at the time of each administration")
    panel.get_by_role("button", name="Attach the file").click()
    expect(panel.get_by_text("“MAR audit week 3.pdf” attached to A1")).to_be_visible()
    panel.get_by_label("File").set_input_files(str(fit_path))
    panel.get_by_label("What is it?").fill("Fit note from the GP")
    panel.get_by_label("Restricted to registered managers and HR").check()
    panel.get_by_role("button", name="Attach the file").click()
    expect(panel.get_by_text("only the registered managers and HR can see or download it")).to_be_visible()
    expect(panel.get_by_text("1 restricted file is held for the registered managers and HR.")).to_be_visible()
    panel.screenshot(path=str(tmp_path / "manager-panel.png"))
    assert_accessible(page, "attachments panel (manager)")
    _sign_out(page)

    db.session.commit()
    audit_sheet, fit_note = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert audit_sheet.sha256 == hashlib.sha256(audit_path.read_bytes()).hexdigest()
    assert fit_note.is_restricted

    # 2. The staff member sees the audit sheet, and nothing of the fit note.
    sign_in_quickly(page, live_server, world["staff"].email, PASSWORD, then=f"/plans/{plan_id}#attachments-panel")
    panel = page.locator("#attachments-panel")
    expect(panel.get_by_text("MAR audit week 3.pdf")).to_be_visible()
    expect(page.get_by_text("fit note.pdf")).to_have_count(0)
    with page.expect_download() as download_info:
        panel.get_by_role("link", name="MAR audit week 3.pdf").click()
    download = download_info.value
    assert hashlib.sha256(Path(download.path()).read_bytes()).hexdigest() == audit_sheet.sha256
    status = page.request.get(f"{live_server}/plans/{plan_id}/attachments/{fit_note.id}/download").status
    assert status == 404
    _sign_out(page)

    # 3. HR downloads the closure summary: both files in the evidence index, hashes as stored.
    db.session.commit()  # end the test's read transaction: the server wrote meanwhile (the download's event)
    plan = db.session.get(Plan, plan_id)
    close_directly(plan, world["manager"])
    sign_in_quickly(page, live_server, world["hr"].email, PASSWORD, then=f"/plans/{plan_id}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download closure summary (PDF)").click()
    data = Path(download_info.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).replace("\n", "")
    for attachment in (audit_sheet, fit_note):
        assert attachment.sha256 in text
    db.session.commit()
    verbs = db.session.scalars(select(AuditEvent.verb).where(AuditEvent.entity == "attachment")).all()
    assert verbs.count("attached") == 2 and verbs.count("downloaded") == 1

    # 4. HR downloads the case bundle from the closed-plans list, then with the attached PDFs.
    page.goto(f"{live_server}/hr/closures")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Case bundle for {plan.reference}").click()
    assert download_info.value.suggested_filename == f"{plan.reference}-case-bundle.pdf"
    bundle = pypdf.PdfReader(download_info.value.path())
    pages = [p.extract_text() for p in bundle.pages]
    text = "".join(pages).replace("\n", "")
    for heading in ("Contents", "4. Chronology", "5. Versions and changes", "12. Evidence index", "13. Audit extract"):
        assert heading in text, heading
    for attachment in (audit_sheet, fit_note):
        assert attachment.sha256 in text
    assert all(f"Page {n} of {len(pages)}" in p for n, p in enumerate(pages, start=1))
    response = page.request.get(f"{live_server}/plans/{plan_id}/case-bundle.pdf?attachments=1")
    assert response.status == 200
    appended = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.body())).pages]
    # The two attached PDFs' pages at the end; the audit extract before them also lists the first
    # download, which may take it onto one more page.
    assert len(appended) - len(pages) in (2, 3) and all("Appendix" in p for p in appended[-2:])
    db.session.commit()
    bundles = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "case_bundle")).all()
    assert [e.changes["attached_pdfs"] for e in bundles] == [0, 2]
    assert console_errors == []
