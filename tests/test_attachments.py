"""Attachments (issue 21): evidence files on a plan, an action, a review or an observation — the
type read from the content, the size limit before the body is read, SHA-256, visibility, the
copy given to the staff member, streamed and audited downloads, and the bad input the issue lists."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.models import (
    Attachment,
    AttachmentVisibility,
    AuditEvent,
    Observation,
    Progress,
    Review,
    ReviewDecision,
    ReviewEntry,
)
from pip_app.requests import FORM_ALLOWANCE
from tests.factories import make_action

TODAY = date(2026, 11, 23)
MB = 1024 * 1024


def pdf_bytes(text: str = "MAR audit, week 3: 96%") -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


def office_bytes(main: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0"?><Types><Override PartName="/x" ContentType="{main}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


DOCX = office_bytes("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = office_bytes("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
DOCM = office_bytes("application/vnd.ms-word.document.macroEnabled.main+xml")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 32
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return out.getvalue()


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
    plan = make_plan(
        staff=world["staff"], manager=world["manager"], service=world["home"], start=TODAY - timedelta(days=21)
    )
    make_action(plan, 1, behaviour="Complete MAR entries at the time of administration")
    make_action(plan, 2)
    review = Review(
        plan=plan,
        review_date=TODAY - timedelta(days=7),
        reviewer=world["manager"],
        summary="s",
        decision=ReviewDecision.CONTINUE,
    )
    db.session.add(review)
    review.entries.append(ReviewEntry(action=plan.actions[0], progress=Progress.ON_TRACK))
    db.session.add_all([Observation(plan=plan, scheduled_on=TODAY - timedelta(days=3), observer=world["senior"])])
    db.session.commit()
    return plan


@pytest.fixture
def manager(world, sign_in):
    return sign_in(world["manager"])


def upload(client, plan, content, name="audit.pdf", *, to="plan", visibility="staff", htmx=False, **extra):
    data = {
        "attach-file": (io.BytesIO(content), name),
        "attach-description": extra.pop("description", "MAR audit, week 3"),
        "attach-attached_to": to,
        "attach-visibility": visibility,
        **extra,
    }
    return client.post(f"/plans/{plan.id}/attachments", data=data, content_type="multipart/form-data", htmx=htmx)


def stored():
    return db.session.scalars(select(Attachment).order_by(Attachment.id)).all()


def events(verb):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.verb == verb).order_by(AuditEvent.id)).all()


# --- Upload


def test_the_plan_page_opens_the_upload_form_on_demand(plan, manager, world, sign_in):
    """The plan page's first response leaves the upload form out (its choice of everything on the
    plan was a fifth of the page's cost): "Attach a file" loads it as a fragment with htmx, and
    without JavaScript the same link opens it as a page of its own. Staff may not open it."""
    page = manager.get(f"/plans/{plan.id}").text
    panel = page.split('id="attachments-panel"')[1].split("</section>")[0]
    assert 'name="attach-file"' not in panel
    assert f'hx-get="/plans/{plan.id}/attachments/new"' in panel and "<summary>Attach a file</summary>" in panel

    fragment = manager.get(f"/plans/{plan.id}/attachments/new", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'name="attach-file"' in fragment.text and 'hx-target="#attachments-panel"' in fragment.text
    assert ">A1: Complete MAR entries at the time of administration</option>" in fragment.text
    assert "Observed early shift" in fragment.text and "Weekly review of" in fragment.text

    whole = manager.get(f"/plans/{plan.id}/attachments/new")
    assert whole.status_code == 200 and "<h1>Attach a file</h1>" in whole.text and 'name="attach-file"' in whole.text
    assert "<h3>Attach a file</h3>" not in whole.text + fragment.text  # the summary or the page says it
    assert sign_in(world["staff"]).get(f"/plans/{plan.id}/attachments/new").status_code == 403


def test_a_manager_attaches_an_audit_sheet_without_javascript(plan, manager, world):
    content = pdf_bytes()
    response = upload(manager, plan, content, "MAR audit week 3.pdf", to=f"action-{plan.actions[0].id}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{plan.id}#attachments-panel")
    [attachment] = stored()
    assert attachment.kind == "pdf" and attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.action_id == plan.actions[0].id and attachment.subject_key == f"action-{plan.actions[0].id}"
    assert attachment.uploaded_by_id == world["manager"].id and attachment.visibility is AttachmentVisibility.STAFF
    [event] = events("attached")
    assert event.plan_id == plan.id and event.actor_id == world["manager"].id
    assert event.changes["sha256"] == attachment.sha256 and event.changes["attached_to"].startswith("A1:")
    page = manager.get(f"/plans/{plan.id}").text
    assert "MAR audit week 3.pdf" in page and attachment.sha256 in page and "A1: Complete MAR entries" in page


def test_with_htmx_the_panel_comes_back_with_the_file_and_a_fresh_form(plan, manager):
    response = upload(manager, plan, pdf_bytes(), "audit.pdf", htmx=True)
    assert response.status_code == 200
    assert 'id="attachments-panel"' in response.text and "“audit.pdf” attached to The plan as a whole." in response.text
    assert '<span class="attachment__name">audit.pdf</span>' in response.text  # listed, as well as announced
    assert 'hx-encoding="multipart/form-data"' in response.text and "data-upload-progress" in response.text
    assert 'value="MAR audit, week 3"' not in response.text  # the form is empty again


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("audit.pdf", pdf_bytes(), "pdf"),
        ("photo.png", PNG, "png"),
        ("scan.JPG", JPEG, "jpeg"),
        ("supervision record.docx", DOCX, "docx"),
        ("audit results.xlsx", XLSX, "xlsx"),
        ("results.csv", b"date,score\n2026-11-02,62%\n2026-11-09,81 %\n", "csv"),
        ("notes.txt", "Observed late shift — MAR complete ✓\n".encode(), "txt"),
        ("no extension", pdf_bytes(), "pdf"),
    ],
)
def test_every_accepted_type_is_read_from_its_content(plan, manager, name, content, kind):
    response = upload(manager, plan, content, name)
    assert response.status_code == 303, response.text
    [attachment] = stored()
    assert attachment.kind == kind
    if name == "no extension":
        assert attachment.filename == "no extension.pdf"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("audit.pdf", EXE, "holds a Windows program, which cannot be attached"),
        ("audit.pdf", ELF, "holds a program, which cannot be attached"),
        ("audit.pdf", HTML, "holds a web page (HTML) or markup, which cannot be attached"),
        ("notes.txt", b"  <html><body>hi</body></html>", "web page (HTML)"),
        ("record.docx", plain_zip(), "holds a ZIP archive, which cannot be attached"),
        ("record.docx", DOCM, "holds a macro-enabled Office document"),
        ("audit.pdf", PNG, "The file's name ends .pdf but it holds a PNG image"),
        ("audit.pdf", b"", "The file is empty (0 bytes)"),
        ("data.bin", b"\x00\x01\x02\x03binary", "cannot be attached"),
        ("latin1.txt", "caf\xe9".encode("latin-1"), "cannot be attached"),
    ],
)
def test_files_that_are_not_what_they_say_are_refused_with_a_clear_message(plan, manager, name, content, message):
    response = upload(manager, plan, content, name, htmx=True)
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    assert 'value="MAR audit, week 3"' in response.text  # what was typed is kept
    assert stored() == [] and events("attached") == []


def test_without_javascript_a_refusal_comes_back_as_a_page_with_the_form(plan, manager):
    response = upload(manager, plan, HTML, "audit.pdf")
    assert response.status_code == 422
    assert "<h1>Evidence files for" in response.text and "There is a problem" in response.text


def test_a_file_and_description_are_required(plan, manager):
    response = manager.post(
        f"/plans/{plan.id}/attachments",
        data={"attach-description": "", "attach-attached_to": "plan", "attach-visibility": "staff"},
        content_type="multipart/form-data",
        htmx=True,
    )
    assert response.status_code == 422
    assert "Choose a file to attach." in response.text and "Say what the file is" in response.text


def test_an_object_of_another_plan_cannot_be_chosen(plan, manager, world, make_plan):
    other = make_plan(staff=world["other_staff"], manager=world["other_manager"], service=world["other"])
    foreign = make_action(other, 1)
    response = upload(manager, plan, pdf_bytes(), to=f"action-{foreign.id}", htmx=True)
    assert response.status_code == 422 and "Choose one of the options in the list." in response.text
    assert stored() == []


# --- Size


def test_a_file_of_exactly_the_limit_is_taken_and_one_byte_more_is_refused(app, plan, manager):
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    assert limit == 10 * MB
    at_limit = b"a,b\n" * (limit // 4)
    assert len(at_limit) == limit
    assert upload(manager, plan, at_limit, "big.csv").status_code == 303
    over = at_limit + b"\n"
    response = upload(manager, plan, over, "bigger.csv", htmx=True)
    assert response.status_code == 413
    assert "The file is larger than 10 MB, so it was not attached." in response.text
    assert len(stored()) == 1


class CountingStream(io.BytesIO):
    """A request body that says how much of it was read."""

    read_bytes = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.read_bytes += len(line)
        return line


def multipart_body(token: str, content: bytes, name: str = "big.csv", **fields: str) -> tuple[bytes, str]:
    """A multipart body as a browser writes it: `"`, LF and CR in the file name as %22, %0A, %0D."""
    boundary = "----pipboundary"
    name = name.replace('"', "%22").replace("\n", "%0A").replace("\r", "%0D")
    fields = {"csrf_token": token, "attach-description": "Big", **fields}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="attach-file"; filename="{name}"\r\n'.encode()
        + b"Content-Type: application/octet-stream\r\n\r\n"
        + content
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_body(client, url, body, content_type):
    stream = CountingStream(body)
    response = client.client.post(
        url, input_stream=stream, content_type=content_type, headers={"Content-Length": str(len(body))}
    )
    return response, stream


def test_a_body_larger_than_the_limit_is_refused_before_any_of_it_is_read(app, plan, manager):
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    body, content_type = multipart_body(manager.token, b"x" * (limit + FORM_ALLOWANCE + 1))
    response, stream = post_body(manager, f"/plans/{plan.id}/attachments", body, content_type)
    assert response.status_code == 413
    assert stream.read_bytes == 0
    assert stored() == []


def test_a_file_passing_the_limit_is_refused_as_soon_as_it_passes(app, plan, manager):
    """10 MB + 1 byte fits the request's allowance for the form, so the body is read, but the
    file is refused the moment it passes the limit: the rest is never read."""
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    body, content_type = multipart_body(manager.token, b"x" * (limit + 1) + b"y" * (FORM_ALLOWANCE // 2))
    assert len(body) < limit + FORM_ALLOWANCE
    response, stream = post_body(manager, f"/plans/{plan.id}/attachments", body, content_type)
    assert response.status_code == 413
    assert "larger than 10 MB" in response.text
    assert stream.read_bytes < len(body)
    assert stored() == []


def test_the_limit_is_a_setting(app, plan, manager):
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    response = upload(manager, plan, b"a" * 1001, "notes.txt", htmx=True)
    assert response.status_code == 413 and "larger than 1,000 bytes" in response.text
    assert upload(manager, plan, b"a" * 1000, "notes.txt").status_code == 303


def test_every_other_route_still_refuses_a_file_part(plan, manager, world):
    upload(manager, plan, pdf_bytes())
    [attachment] = stored()
    response = manager.post(
        f"/plans/{plan.id}/attachments/{attachment.id}/copy-given",
        data={"copy-given_on": "2026-11-20", "extra": (io.BytesIO(b"x"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert db.session.get(Attachment, attachment.id).copy_given_on is None


# --- Names


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("C:/Users/manager/Desktop/audit.pdf", "audit.pdf"),
        ("audit \"final\" 'v2'.pdf", "audit \"final\" 'v2'.pdf"),
        ("audit\nweek\r\n3.pdf", "audit week 3.pdf"),
        ("report\u202etxt.pdf", "reporttxt.pdf"),
        ("\u2067\u200faudit\u2069.pdf", "audit.pdf"),
        ("\u0645\u0631\u0627\u062c\u0639\u0629.pdf", "\u0645\u0631\u0627\u062c\u0639\u0629.pdf"),
        ("...", "attachment.pdf"),
        (" . ", "attachment.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_names_are_cleaned_for_display_and_downloads_get_a_safe_server_chosen_name(plan, manager, name, shown):
    fields = {"attach-attached_to": "plan", "attach-visibility": "staff"}
    body, content_type = multipart_body(manager.token, pdf_bytes(), name, **fields)
    response, _ = post_body(manager, f"/plans/{plan.id}/attachments", body, content_type)
    assert response.status_code == 303, response.text
    [attachment] = stored()
    assert attachment.filename == shown
    download = manager.get(f"/plans/{plan.id}/attachments/{attachment.id}/download")
    disposition = download.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="PIP-\d{4}-\d{4}_[A-Za-z0-9_-]*\.pdf"', disposition), disposition
    assert ".." not in disposition.split("filename=")[1].strip('"').removesuffix(".pdf")


def test_a_name_whose_hidden_extension_disagrees_with_its_content_is_refused(plan, manager):
    # Shown as "invoiceexe.png" by a right-to-left override, it ends .exe and holds a PNG.
    response = upload(manager, plan, PNG, "invoice\u202egnp.exe", htmx=True)
    assert response.status_code == 422 and "ends .exe but it holds a PNG image" in response.text


# --- Many, and the same file twice


def test_fifty_attachments_on_one_plan(plan, manager, sign_in, world):
    for n in range(50):
        assert upload(manager, plan, f"Observation note {n}\n".encode(), f"note {n}.txt").status_code == 303
    assert len(stored()) == 50
    for who in ("manager", "senior", "hr", "staff"):
        page = sign_in(world[who]).get(f"/plans/{plan.id}")
        assert page.status_code == 200 and page.text.count('id="attachment-') == 50
        assert "50 files." in page.text


def test_the_same_file_twice_on_one_object_is_stored_once_and_elsewhere_is_flagged_a_duplicate(plan, manager):
    content = pdf_bytes()
    assert upload(manager, plan, content, "audit.pdf").status_code == 303
    again = upload(manager, plan, content, "audit copy.pdf", htmx=True)
    assert again.status_code == 422
    assert "This file is already attached here: “audit.pdf”" in again.text and "the same SHA-256" in again.text
    assert len(stored()) == 1
    action = plan.actions[0]
    assert upload(manager, plan, content, "audit.pdf", to=f"action-{action.id}").status_code == 303
    assert len(stored()) == 2
    panel = manager.get(f"/plans/{plan.id}/attachments", headers={"HX-Request": "true"}).text
    assert panel.count("Duplicate: the same file is attached to The plan as a whole") == 1


# --- Visibility


def test_a_restricted_fit_note_is_invisible_to_the_staff_member_page_and_download(plan, world, manager, sign_in):
    upload(manager, plan, pdf_bytes("Audit"), "audit sheet.pdf", to=f"action-{plan.actions[0].id}")
    response = upload(manager, plan, pdf_bytes("Fit note"), "fit note.pdf", visibility="restricted")
    assert response.status_code == 303
    audit_sheet, fit_note = stored()
    assert fit_note.visibility is AttachmentVisibility.RESTRICTED

    staff = sign_in(world["staff"])
    for url in (f"/plans/{plan.id}", f"/plans/{plan.id}/attachments"):
        page = staff.get(url).text
        assert "audit sheet.pdf" in page and "fit note.pdf" not in page and fit_note.sha256 not in page
        assert "restricted file" not in page  # not even that one exists
    assert staff.get(f"/plans/{plan.id}/attachments/{audit_sheet.id}/download").status_code == 200
    assert staff.get(f"/plans/{plan.id}/attachments/{fit_note.id}/download").status_code == 404

    # The line manager who attached it is told it is held, and cannot open it either.
    manager.get(f"/plans/{plan.id}")  # (the "attached" message shown once)
    page = manager.get(f"/plans/{plan.id}").text
    assert "fit note.pdf" not in page and "1 restricted file is held for the registered managers and HR." in page
    assert manager.get(f"/plans/{plan.id}/attachments/{fit_note.id}/download").status_code == 404

    for who in ("senior", "hr"):
        client = sign_in(world[who])
        page = client.get(f"/plans/{plan.id}").text
        assert "fit note.pdf" in page and "Restricted" in page and fit_note.sha256 in page
        got = client.get(f"/plans/{plan.id}/attachments/{fit_note.id}/download")
        assert got.status_code == 200 and hashlib.sha256(got.data).hexdigest() == fit_note.sha256

    # A senior of another service, and another manager, do not see the plan at all.
    for who in ("other_senior", "other_manager"):
        assert sign_in(world[who]).get(f"/plans/{plan.id}/attachments/{audit_sheet.id}/download").status_code == 404


def test_restricted_upload_tells_a_line_manager_they_will_not_see_it(plan, manager):
    response = upload(manager, plan, pdf_bytes(), "statement.pdf", visibility="restricted", htmx=True)
    assert "only the registered managers and HR can see or download it" in response.text


def test_an_attachment_of_another_plan_is_404(plan, manager, world, make_plan, sign_in):
    upload(manager, plan, pdf_bytes())
    [attachment] = stored()
    other = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"])
    assert manager.get(f"/plans/{other.id}/attachments/{attachment.id}/download").status_code == 404


# --- Download


def test_a_download_is_streamed_with_safe_headers_and_audited(plan, manager, world):
    content = pdf_bytes() + b"%" * (600 * 1024)  # several chunks
    upload(manager, plan, content, "audit.pdf")
    [attachment] = stored()
    response = manager.get(f"/plans/{plan.id}/attachments/{attachment.id}/download")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.data == content
    assert hashlib.sha256(response.data).hexdigest() == attachment.sha256
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Length"] == str(len(content))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert (
        response.headers["Content-Disposition"] == f'attachment; filename="{plan.reference}_{attachment.id}_audit.pdf"'
    )
    [event] = events("downloaded")
    assert event.actor_id == world["manager"].id and event.entity_id == attachment.id
    assert event.changes["sha256"] == attachment.sha256
    manager.client.head(f"/plans/{plan.id}/attachments/{attachment.id}/download")
    assert len(events("downloaded")) == 1  # a HEAD request downloads nothing


def test_text_is_sent_as_text_and_never_sniffed(plan, manager):
    upload(manager, plan, b"date,score\n", "scores.csv")
    [attachment] = stored()
    response = manager.get(f"/plans/{plan.id}/attachments/{attachment.id}/download")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")


# --- Copy given to the staff member


def test_copy_given_is_recorded_once_and_shown(plan, manager, world):
    upload(manager, plan, pdf_bytes(), "audit.pdf", **{"attach-copy_given_on": ""})
    [attachment] = stored()
    url = f"/plans/{plan.id}/attachments/{attachment.id}/copy-given"
    future = manager.post(url, data={"copy-given_on": (TODAY + timedelta(days=1)).isoformat()}, htmx=True)
    assert future.status_code == 422 and "cannot be in the future" in future.text
    response = manager.post(url, data={"copy-given_on": TODAY.isoformat()}, htmx=True)
    assert response.status_code == 200 and "was given a copy of “audit.pdf”" in response.text
    assert db.session.get(Attachment, attachment.id).copy_given_on == TODAY
    again = manager.post(url, data={"copy-given_on": TODAY.isoformat()}, htmx=True)
    assert again.status_code == 409 and "already recorded as given on 23 Nov 2026" in again.text
    assert [e.changes["copy_given_on"] for e in events("copy given")] == ["2026-11-23"]


def test_copy_given_can_be_recorded_at_upload(plan, manager):
    upload(manager, plan, pdf_bytes(), "audit.pdf", **{"attach-copy_given_on": "2026-11-20"})
    [attachment] = stored()
    assert attachment.copy_given_on == date(2026, 11, 20)
    assert "20 Nov 2026" in manager.get(f"/plans/{plan.id}").text


# --- Objects


def test_files_attach_to_a_review_and_an_observation(plan, manager):
    review, observation = plan.reviews[0], plan.observations[0]
    assert upload(manager, plan, pdf_bytes("r"), "review.pdf", to=f"review-{review.id}").status_code == 303
    assert upload(manager, plan, pdf_bytes("o"), "checklist.pdf", to=f"observation-{observation.id}").status_code == 303
    on_review, on_observation = stored()
    assert on_review.review_id == review.id and on_observation.observation_id == observation.id
    page = manager.get(f"/plans/{plan.id}").text
    assert "Weekly review of 16 Nov 2026" in page and "Observed early shift, 20 Nov 2026" in page


def test_a_closed_plan_takes_no_more_files(plan, manager):
    from pip_app.models import PlanStatus

    plan.status = PlanStatus.CLOSED
    db.session.commit()
    assert upload(manager, plan, pdf_bytes()).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_file_can_go_on_a_meeting_such_as_its_signed_minutes(plan, manager, world):
    from datetime import date

    from pip_app.models import Meeting, MeetingKind

    meeting = Meeting(
        plan=plan,
        kind=MeetingKind.SUPERVISION,
        held_on=date(2026, 11, 9),
        discussion="MAR gaps.",
        recorded_by=world["manager"],
    )
    db.session.add(meeting)
    db.session.commit()
    form = manager.get(f"/plans/{plan.id}/attachments").text
    assert f'value="meeting-{meeting.id}"' in form and "Supervision meeting, 9 Nov 2026" in form
    response = upload(manager, plan, pdf_bytes("Signed minutes"), "minutes.pdf", to=f"meeting-{meeting.id}")
    assert response.status_code == 303
    [kept] = stored()
    assert kept.meeting_id == meeting.id and kept.subject_key == f"meeting-{meeting.id}"
    download = manager.get(f"/plans/{plan.id}/attachments/{kept.id}/download")
    assert download.status_code == 200 and "meeting-20261109" in download.headers["Content-Disposition"]
    assert "Supervision meeting, 9 Nov 2026" in manager.get(f"/plans/{plan.id}/attachments").text
