"""The closure summary tells the whole story (issue 21, part 2): versions and their changes, the
override reason and flagged actions, what was not acknowledged, the evidence index with each
file's SHA-256 (restricted files only for those who may see them), signature lines, emoji —
read back with pypdf and rendered page by page with pdftoppm."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from datetime import timedelta

import pypdf
import pytest

from pip_app.extensions import db
from pip_app.models import Acknowledgement, AckResponse, AckSubject, AttachmentVisibility, PlanVersion
from pip_app.services import attachments as attachment_ops
from pip_app.services.plans import snapshot
from tests.factories import pdf_file
from tests.test_closure import START, TODAY, add_review, close_directly, ready_plan


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def story(world, make_plan):
    """A closed plan with two issued versions (the second rewrote A2 after the staff member
    disagreed), an override reason for a vague action, a review never acknowledged, an emoji
    in a comment, and two files: an audit sheet on A1 and a restricted fit note."""
    plan = ready_plan(world, make_plan, quality_override_reason="Agreed with Sam to refine A2 at the first review.")
    a1, a2 = plan.actions
    a2.behaviour = "Complete training"
    db.session.add(PlanVersion(plan=plan, version=1, snapshot=snapshot(plan), created_by=world["manager"]))
    db.session.flush()
    first = plan.versions[0]
    first.created_at = first.created_at.replace(year=2026, month=11, day=2)
    a2.success_criterion = "Every handover note signed by the end of the shift, checked weekly"
    plan.version = 2
    db.session.add(
        PlanVersion(
            plan=plan,
            version=2,
            snapshot=snapshot(plan),
            created_by=world["manager"],
            change_summary="A2 rewritten after the staff member's comment",
        )
    )
    db.session.add(
        Acknowledgement(
            plan=plan,
            user=world["staff"],
            subject=AckSubject.PLAN,
            plan_version=1,
            statement="I have read version 1.",
            response=AckResponse.DISAGREE,
            comment="A2 is not something I can show 👍",
        )
    )
    db.session.commit()
    add_review(plan, world["manager"], START + timedelta(days=28), {a1: 96}, summary="Held at 96% ✅ ⭐")
    audit_sheet = attachment_ops.attach_file(
        world["manager"],
        plan,
        subject=attachment_ops.subjects(plan)[1],
        filename="MAR audit week 3.pdf",
        content=pdf_file("MAR audit 96%"),
        description="MAR audit, week 3",
        visibility=AttachmentVisibility.STAFF,
        copy_given_on=TODAY - timedelta(days=2),
        max_bytes=10 * 1024 * 1024,
    )
    fit_note = attachment_ops.attach_file(
        world["manager"],
        plan,
        subject=attachment_ops.subjects(plan)[0],
        filename="fit note.pdf",
        content=pdf_file("Fit note"),
        description="Fit note from the GP",
        visibility=AttachmentVisibility.RESTRICTED,
        max_bytes=10 * 1024 * 1024,
    )
    db.session.commit()
    close_directly(plan, world["manager"])
    return plan, audit_sheet, fit_note


def test_hr_reads_the_whole_story_in_the_closure_summary(world, sign_in, story):
    plan, audit_sheet, fit_note = story
    response = sign_in(world["hr"]).get(f"/plans/{plan.id}/closure.pdf")
    assert response.status_code == 200
    pages = pages_of(response.data)
    text = "\n".join(pages)
    # Versions and changes, in plain words, with the response to each
    assert "3. Versions and changes" in text
    assert flat("A2 rewritten after the staff member's comment") in flat(text)
    assert flat("A2: Success criterion changed from") in flat(text)
    assert flat("Disagreed on") in flat(text) and "Not acknowledged" in text
    # The override reason and the flagged action
    assert flat("Agreed with Sam to refine A2 at the first review.") in flat(text)
    assert flat("flagged: not fully measurable") in flat(text)
    # What was not acknowledged, and for how long
    section = text[text.index("9. Not acknowledged") :]
    assert "Plan version 2" in section and flat("Weekly review of 30 Nov 2026") in flat(section)
    assert "Closure" in section and re.search(r"\d+ days?", section)
    # The evidence index: both files for HR, each with the SHA-256 of the stored bytes
    index = flat(text[text.index("10. Evidence index") :])
    for attachment in (audit_sheet, fit_note):
        assert flat(attachment.filename) in index
        stored = db.session.get(type(attachment), attachment.id)
        assert stored.sha256 == hashlib.sha256(stored.content).hexdigest()
        assert stored.sha256 in index
    assert "(restricted)" in index
    # Signatures, emoji and symbols
    assert "11. Signatures" in text and "Closing manager" in text and "Registered manager" in text
    assert world["senior"].name in text[text.index("11. Signatures") :]
    assert flat("A2 is not something I can show [thumbs up sign]") in flat(text)
    assert "✅" in text and "⭐" in text  # Symbola draws these (and they copy back as text)
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_the_staff_member_s_copy_lists_only_what_they_may_see(world, sign_in, story):
    plan, audit_sheet, fit_note = story
    text = "\n".join(pages_of(sign_in(world["staff"]).get(f"/plans/{plan.id}/closure.pdf").data))
    index = flat(text[text.index("10. Evidence index") :])
    assert flat(audit_sheet.filename) in index and audit_sheet.sha256 in index
    assert flat(fit_note.filename) not in flat(text) and fit_note.sha256 not in flat(text)
    assert flat("1 restricted file is held for the registered managers and HR") in index


HEADER_ONLY = re.compile(r"^(What|When|Date|Reviewer|Summary|Decision|Version|Issued|#|File|Attached|Added|Copy)")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
def test_every_page_renders_and_no_page_holds_only_a_table_header(world, sign_in, story, tmp_path):
    plan, *_ = story
    # A control whose rationale would straddle a page, and many long reviews.
    for week in range(5, 25):
        add_review(plan, world["manager"], START + timedelta(days=7 * week), {}, summary="Steady. " * 60 + "ends.")
    data = sign_in(world["hr"]).get(f"/plans/{plan.id}/closure.pdf").data
    (tmp_path / "summary.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "summary.pdf"), str(tmp_path / "p")], check=True)
    pages = pages_of(data)
    assert len(list(tmp_path.glob("p-*.png"))) == len(pages)
    for number, page in enumerate(pages, start=1):
        body = [
            line
            for line in page.splitlines()
            if line.strip()
            and "Confidential" not in line
            and not line.startswith(plan.reference)
            and not re.search(r"Page \d+ of \d+", line)
            and not line.startswith("Closure summary ·")
        ]
        header_lines = [line for line in body if HEADER_ONLY.match(line)]
        assert len(body) > len(header_lines) + 1, f"page {number} holds only a table header: {body}"
