"""The plan and closure summary PDFs, read back with pypdf: sections, page furniture, metadata,
escaping, every script, long text, many reviews; and the PDF routes (access, headers, audit)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from pip_app.extensions import db
from pip_app.models import AuditEvent, Observation, PlanStatus, Role
from pip_app.pdf import (
    AckRow,
    ActionRow,
    ClosureSummary,
    ControlRow,
    MeasureRow,
    ObservationCounts,
    ObservationRow,
    PlanSummary,
    ReviewEntryRow,
    ReviewRow,
    render_plan_pdf,
)
from pip_app.pdf.blocks import markup, markup_each_character
from tests.factories import make_user
from tests.test_closure import TODAY, add_review, close_directly, ready_plan

LONDON = ZoneInfo("Europe/London")
START = date(2026, 9, 7)
WELSH_POLISH = "Dafydd ap Rhys ŵ ŷ, Agnieszka Łukasik ą ę ż ó"
MARKUP = "<b>bold</b> & <img src='/etc/passwd'/> &amp; </para> <font size=80>"
CJK = "王秀英"
EMOJI = "👍🏽😀"
EMOJI_PRINTED = "[thumbs up sign][grinning face]"  # no font here has them: their names, the skin tone dropped
HEADINGS = ("What changed", "How it was measured", "How the risk is now controlled", "Ongoing monitoring")


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def words_in_order(words: list[str], text: str) -> bool:
    """Whether every word appears in the text in order (page furniture and a repeated table
    header may come between the parts of a text that runs over a page break)."""
    position = 0
    for word in words:
        position = text.find(word, position)
        if position < 0:
            return False
        position += len(word)
    return True


def flat(text: str) -> str:
    """Text without any whitespace, so that words wrapped across lines still match."""
    return re.sub(r"\s+", "", text)


def summary(*, reviews: int = 3, note: str = "", closure: bool = True, **changes) -> PlanSummary:
    """A plain-data plan summary such as services.closure.plan_summary builds."""
    values = [(START + timedelta(days=7 * (i + 1)), float(70 + (i * 5) % 30)) for i in range(reviews)]
    data = dict(
        reference="PIP-2026-0007",
        staff="Sam Taylor",
        manager="Morgan Hughes",
        service="Larkfield House",
        status="Closed" if closure else "Active",
        version=3,
        start_date=START,
        planned_end_date=START + timedelta(weeks=4),
        risk_area="Medication",
        risk_statement="Doses may be given twice because the MAR is signed late.",
        evidence_sources=["Audit", "Incident"],
        evidence_detail="MAR audit 62%; near miss on 2 Nov." + note,
        key_questions=["Safe"],
        baseline_text="MAR audit 62%",
        baseline_figure=62.0,
        generated_at=datetime(2026, 11, 23, 14, 5, tzinfo=LONDON),
        generated_by="Helen Price",
        controls=[
            ControlRow(
                kind="Paired working",
                detail="Paired medication rounds with a senior.",
                responsible="Rachel Adeyemi",
                start_date=START,
                review_by_date=START + timedelta(days=14),
                status="Lifted",
                lifted_on=date(2026, 9, 28),
                lift_rationale="Two audits at 92% and 95%.",
                lifted_by="Rachel Adeyemi",
            )
        ],
        actions=[
            ActionRow(
                ref="A1",
                behaviour="Sign the MAR at the time of each administration",
                when="every round",
                check_method="Weekly MAR audit by the senior",
                success_criterion="At least 90% across two audits",
                status="Assured",
                owner="Sam Taylor",
                due_date=START + timedelta(weeks=4),
                assurance_evidence="Audits at 92% and 95%.",
                measure=MeasureRow(
                    name="MAR compliance",
                    unit="%",
                    baseline=62,
                    final=values[-1][1] if values else None,
                    target=90,
                    consecutive=2,
                    met=True,
                    values=values,
                ),
            ),
            ActionRow(
                ref="A2",
                behaviour="Complete the end-of-round check",
                when="every round",
                check_method="Checked in supervision",
                success_criterion="Done at 9 of 10 rounds",
                status="Completed",
                status_reason="Completed; audited monthly.",
            ),
        ],
        observations=[
            ObservationRow(
                scheduled_on=START + timedelta(days=3),
                shift="Early",
                observer="Rachel Adeyemi",
                focus="A1",
                status="Done",
                outcome="Met",
                notes="Signed at each dose.",
            )
        ],
        observation_counts=ObservationCounts(scheduled=2, done=1, met=1, cancelled=1),
        reviews=[
            ReviewRow(
                review_date=day,
                reviewer="Morgan Hughes",
                summary=f"Week {i + 1}: steady.",
                decision="Continue",
                entries=[ReviewEntryRow(ref="A1", progress="On track", value=f"{v:g}%", note="Audit")],
            )
            for i, (day, v) in enumerate(values)
        ],
        acknowledgements=[
            AckRow(
                at=datetime(2026, 9, 8, 9, 30, tzinfo=LONDON),
                who="Sam Taylor",
                subject="Plan version 1",
                response="Agree",
            )
        ],
        closure=ClosureSummary(
            outcome="Achieved and sustained",
            outcome_code="achieved",
            what_changed="Sam signs as each dose is given.",
            how_measured="Weekly audits: 62% at baseline, then 70%, 92% and 95%.",
            risk_now_controlled="Doses are signed at the time; the paired rounds were lifted.",
            ongoing_monitoring="Monthly MAR audit; sampled in supervision for three months.",
            closed_by="Morgan Hughes",
            closed_at=datetime(2026, 10, 6, 16, 0, tzinfo=LONDON),
            acknowledgement="Sam Taylor agreed with the closure on 7 Oct 2026, 09:00.",
        )
        if closure
        else None,
    )
    data.update(changes)
    return PlanSummary(**data)


# --- Reading the document back ---------------------------------------------------------------------


def test_closure_summary_has_every_section_in_order():
    data = render_plan_pdf(summary())
    assert data.startswith(b"%PDF-")
    text = "\n".join(pages_of(data))
    order = [
        "CLOSURE SUMMARY",
        "PIP-2026-0007",
        "Outcome",
        "Achieved and sustained",
        "1. Risk to people using the service",
        "Risk statement",
        "Evidence base",
        "Baseline: MAR audit 62%",
        "2. Closure: the evidence summary",
        *HEADINGS,
        "Final measures",
        "3. Versions and changes",
        "4. Interim controls",
        "5. Actions and measures",
        "6. Observed practice",
        "7. Weekly reviews",
        "8. Acknowledgements by the staff member",
        "9. Not acknowledged",
        "10. Evidence index",
        "11. Signatures",
    ]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions), order
    for expected in (
        "Sam signs as each dose is given.",
        "Monthly MAR audit; sampled in supervision for three months.",
        "Sam Taylor agreed with the closure on 7 Oct 2026, 09:00.",
        "Closed on 6 Oct 2026, 16:00 by Morgan Hughes",
    ):
        assert expected in text


def test_each_action_shows_its_four_parts_status_and_measure():
    text = "\n".join(pages_of(render_plan_pdf(summary())))
    for label, value in (
        ("What changes", "Sign the MAR at the time of each administration"),
        ("When", "every round"),
        ("How it is checked", "Weekly MAR audit by the senior"),
        ("What good looks like", "At least 90% across two audits"),
    ):
        assert label in flat_join(text) and value in flat_join(text)
    assert "A1 · Assured" in text and "A2 · Completed" in text
    assert "Baseline 62% → final 80%" in text
    assert "Target: at least 90% on 2 consecutive checks" in text and "(3 measured checks)" in text
    assert "target 90%" in text  # the chart's key
    assert "Reason for status" in text and "Completed; audited monthly." in text


def test_controls_observations_reviews_and_acknowledgements():
    text = "\n".join(pages_of(render_plan_pdf(summary())))
    assert (
        "Paired working" in text
        and "Lifted on 28 Sep 2026 by Rachel Adeyemi: Two audits at 92% and 95%." in flat_join(text)
    )
    assert (
        "2 observed shifts planned; 1 done (met 1, partly met 0, not met 0); missed 0; cancelled 1; still planned 0."
    ) in flat_join(text)
    assert "3 reviews from 14 Sep 2026 to 28 Sep 2026." in text
    assert "A1 On track, 80%: Audit" in text
    assert "Plan version 1" in text and "Agree" in text


def flat_join(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_page_has_its_header_footer_and_page_x_of_y():
    pages = pages_of(render_plan_pdf(summary(reviews=40)))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Confidential — HR record" in text and "PIP-2026-0007" in text
        assert "plan version 3" in text and "generated 23 Nov 2026, 14:05 (UK time) by Helen Price" in text


def test_pdf_metadata():
    meta = pypdf.PdfReader(io.BytesIO(render_plan_pdf(summary()))).metadata
    assert meta.title == "Closure summary PIP-2026-0007"
    assert meta.author == "Morgan Hughes"
    assert meta.subject == "Performance improvement plan closure summary: Sam Taylor, Larkfield House"
    plan_meta = pypdf.PdfReader(io.BytesIO(render_plan_pdf(summary(closure=False)))).metadata
    assert plan_meta.title == "Improvement plan PIP-2026-0007"


def test_a_plan_printed_without_closure_carries_no_closure_sections():
    text = "\n".join(pages_of(render_plan_pdf(summary(closure=False))))
    assert "IMPROVEMENT PLAN" in text and "Status" in text and "Active" in text
    for heading in (*HEADINGS, "Closure:", "Achieved"):
        assert heading not in text
    assert not re.search(r"^Outcome$", text, re.MULTILINE)
    assert "6. Acknowledgements by the staff member" in text


# --- Bad input: every script, markup, long text, many reviews ----------------------------------------------


# Text as people type it (any script, markup, line breaks, tabs) and what no font here draws.
TYPED = st.one_of(
    st.text(st.sampled_from([*WELSH_POLISH, *MARKUP, "\n", "\t", "\r"])),
    st.text(st.sampled_from([*WELSH_POLISH, *MARKUP, *CJK, "\n", "\r", "\u200d", "\ufe0f", "\x07", "👍", "☃"])),
    st.text(st.characters(codec="utf-8")),
)


@given(TYPED)
def test_markup_of_plain_text_is_what_the_rule_makes_of_each_character(text):
    """The short cut `markup` takes for text its fonts draw as it is gives the same markup as the
    character-by-character rule, for any text."""
    assert markup(text) == markup_each_character(unicodedata.normalize("NFC", text))


def test_markup_takes_its_short_cut_only_where_nothing_needs_another_font():
    assert markup("Agnieszka Łukasik <b> & co\nnext\tline") == "Agnieszka Łukasik &lt;b&gt; &amp; co<br/>next line"
    assert 'name="STSong-Light"' in markup(f"Ward {CJK}")
    assert markup("ok 👍") == "ok [thumbs up sign]"


def test_text_in_any_script_and_text_that_looks_like_markup_prints_exactly_as_typed():
    hostile = f"{WELSH_POLISH} — {MARKUP} — {CJK} — {EMOJI}"
    data = render_plan_pdf(
        summary(
            staff=f"{WELSH_POLISH} {CJK}",
            service="Brook <Lodge> & Co",
            risk_statement=hostile,
            reference="PIP-2026-0007",
        )
    )
    text = "\n".join(pages_of(data))
    assert flat(f"{WELSH_POLISH} — {MARKUP} — {CJK} — {EMOJI_PRINTED}") in flat(text)  # emoji: by name
    assert "Brook <Lodge> & Co" in text
    assert "etc/passwd" in text  # shown as text, never read as an image


def test_decomposed_accents_are_normalised():
    text = "\n".join(pages_of(render_plan_pdf(summary(risk_statement="Dafydd w\u0302 y\u0302 L\u0301"))))
    assert "Dafydd ŵ ŷ Ĺ" in text


def test_a_20000_character_note_builds_and_every_word_is_there():
    note = " ".join(f"w{n:05d}" for n in range(1, 3335))[:20_000]
    assert len(note) == 20_000
    data = render_plan_pdf(
        summary(
            note=" " + note,
            acknowledgements=[
                AckRow(
                    at=datetime(2026, 10, 7, 9, 0, tzinfo=LONDON),
                    who="Sam Taylor",
                    subject="Closure",
                    response="Disagree, with comment",
                    comment=note,
                )
            ],
        )
    )
    text = "".join(pages_of(data))
    words = note.split()
    assert words_in_order(words, text)  # in the evidence detail…
    assert words_in_order(words, text[text.index("8. Acknowledgements") :])  # …and, in a table cell, the comment


def test_a_row_taller_than_a_page_says_where_it_continues():
    """A comment longer than a page splits inside its row: the part on the first page says it
    continues, the rest starts the next page saying where it came from, under the header."""
    comment = " ".join(f"w{n:05d}" for n in range(1, 1200))
    ack = AckRow(
        at=datetime(2026, 10, 7, 9, 0, tzinfo=LONDON),
        who="Sam Taylor",
        subject="Closure",
        response="Disagree",
        comment=comment,
    )
    pages = pages_of(render_plan_pdf(summary(acknowledgements=[ack])))
    before = next(i for i, text in enumerate(pages) if "continues on the next page" in text)
    after = pages[before + 1]
    assert flat("7 Oct 2026, 09:00 continues on the next page") in flat(pages[before])
    assert flat("← 7 Oct 2026, 09:00 continued from the previous page") in flat(after)
    assert flat(after).index("continuedfromtheprevious") < flat(after).index("WhenWhoWhatResponseComment")
    assert words_in_order(comment.split(), "".join(pages[before:]))  # nothing lost at any split


def test_the_plan_pdf_fills_its_first_page():
    """The first action follows the controls on page 1 (it was once pushed to page 2, leaving
    page 1 half empty: the first action's keep-together took the second action in with it)."""
    pages = pages_of(render_plan_pdf(summary(closure=False, reviews=6)))
    assert "3. Actions and measures" in pages[0] and "A1 · Assured" in pages[0]


def test_a_note_with_no_spaces_at_all_still_wraps():
    data = render_plan_pdf(summary(risk_statement="x" * 5000))
    assert flat("".join(pages_of(data))).count("x" * 50) >= 1


def test_a_hundred_reviews_repeat_the_table_header_on_every_page():
    data = render_plan_pdf(summary(reviews=100))
    pages = pages_of(data)
    first = next(i for i, text in enumerate(pages) if "7. Weekly reviews" in text)
    last = next(i for i, text in enumerate(pages) if "Week 100: steady." in text)
    assert last > first + 1
    for text in pages[first : last + 1]:
        assert "Date Reviewer Progress by action Summary and decision" in flat_join(text)
    assert "100 reviews from 14 Sep 2026 to 7 Aug 2028." in pages[first]


@pytest.mark.parametrize("reviews,note", [(3, ""), (100, "A long comment. " * 400)])
def test_breaking_each_paragraph_once_changes_no_byte(monkeypatch, reviews, note):
    """WrapOnceParagraph reuses the lines a table measured when it draws the cell: the PDF is the
    same, byte for byte, as when every wrap breaks the lines again (multi-page tables included)."""
    from reportlab import rl_config
    from reportlab.platypus import Paragraph

    from pip_app.pdf.blocks import WrapOnceParagraph

    monkeypatch.setattr(rl_config, "invariant", 1)  # no creation time or random document id
    document = summary(reviews=reviews, note=note)
    reused = render_plan_pdf(document)
    monkeypatch.setattr(WrapOnceParagraph, "wrap", Paragraph.wrap)
    assert render_plan_pdf(document) == reused
    assert len(pages_of(reused)) > (5 if reviews == 100 else 1)


@pytest.mark.parametrize("reviews,note", [(3, ""), (100, "A long comment. " * 400)])
def test_reading_each_paragraphs_markup_once_changes_no_byte(monkeypatch, reviews, note):
    """WrapOnceParagraph reads the markup of a text in a style once and gives each paragraph its
    own copy of what was read: the PDF is the same, byte for byte, as when every paragraph reads
    its markup itself (a table split across pages included)."""
    from reportlab import rl_config

    from pip_app.pdf import blocks

    monkeypatch.setattr(rl_config, "invariant", 1)  # no creation time or random document id
    document = summary(reviews=reviews, note=note)
    read_once = render_plan_pdf(document)
    assert blocks._parsed.cache_info().hits > 0
    monkeypatch.setattr(blocks, "_parsed", lambda text, style: None)
    assert render_plan_pdf(document) == read_once


def test_a_measure_without_values_still_draws():
    empty = MeasureRow(
        name="Late notes",
        unit="per week",
        baseline=9,
        final=None,
        target=2,
        higher_is_better=False,
        consecutive=2,
        met=False,
        values=[],
    )
    action = ActionRow(
        ref="A1", behaviour="b", when="w", check_method="c", success_criterion="s", status="Open", measure=empty
    )
    text = "\n".join(pages_of(render_plan_pdf(summary(actions=[action], closure=False))))
    assert "No measured values recorded" in text and "Baseline 9 per week → final not recorded" in text
    assert "at most 2 per week" in text


# --- The routes ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def closed(world, make_plan):
    plan = ready_plan(world, make_plan)
    close_directly(plan, world["manager"])
    return plan


@pytest.mark.parametrize(
    "who,status",
    [
        ("hr", 200),
        ("senior", 200),
        ("manager", 200),
        ("staff", 200),
        ("other_senior", 404),
        ("other_manager", 404),
        ("other_staff", 404),
        ("admin", 404),
    ],
)
def test_who_may_download_the_closure_summary(world, sign_in, closed, who, status):
    assert sign_in(world[who]).get(f"/plans/{closed.id}/closure.pdf").status_code == status


def test_hr_downloads_the_closure_summary_and_it_is_in_the_plans_history(world, sign_in, closed):
    hr = sign_in(world["hr"])
    response = hr.get(f"/plans/{closed.id}/closure.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{closed.reference}-closure-summary.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    text = "\n".join(pages_of(response.data))
    for expected in (
        closed.reference,
        world["staff"].name,
        "Larkfield House",
        "Achieved and sustained",
        *HEADINGS,
        "Practice changed.",
        "Monthly audit.",
        "Baseline 62% → final 95%",
        f"Awaiting {world['staff'].name}'s acknowledgement until 7 Dec 2026",
        f"by {world['hr'].name}",
    ):
        assert expected in text, expected
    db.session.expire_all()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "downloaded")).all()
    assert (event.entity, event.entity_id, event.plan_id, event.actor_id) == (
        "closure_pdf",
        closed.closure.id,
        closed.id,
        world["hr"].id,
    )
    assert event.changes == {"file": f"{closed.reference}-closure-summary.pdf"}
    history = sign_in(world["manager"]).get(f"/plans/{closed.id}/history").text
    assert "Downloaded closure summary PDF" in history


def test_an_open_plan_has_no_closure_summary_but_prints_as_a_plan(world, sign_in, make_plan):
    plan = ready_plan(world, make_plan)
    hr = sign_in(world["hr"])
    missing = hr.get(f"/plans/{plan.id}/closure.pdf")
    assert missing.status_code == 404 and "has not been closed" in missing.text
    printed = hr.get(f"/plans/{plan.id}/plan.pdf")
    assert printed.status_code == 200
    assert printed.headers["Content-Disposition"] == f'inline; filename="{plan.reference}-plan.pdf"'
    assert printed.headers["Cache-Control"] == "no-store"
    text = "\n".join(pages_of(printed.data))
    assert "IMPROVEMENT PLAN" in text and "Active" in text
    assert not any(heading in text for heading in HEADINGS)
    db.session.expire_all()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "downloaded"))
    assert (event.entity, event.plan_id) == ("plan_pdf", plan.id)


def test_a_closed_plan_printed_as_a_plan_leaves_the_closure_out(world, sign_in, closed):
    text = "\n".join(pages_of(sign_in(world["hr"]).get(f"/plans/{closed.id}/plan.pdf").data))
    assert "IMPROVEMENT PLAN" in text and not any(heading in text for heading in HEADINGS)


@pytest.mark.parametrize("who,status", [("manager", 403), ("senior", 403), ("hr", 404), ("staff", 404)])
def test_a_draft_cannot_be_printed(world, sign_in, make_plan, who, status):
    draft = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], status=PlanStatus.DRAFT)
    assert sign_in(world[who]).get(f"/plans/{draft.id}/plan.pdf").status_code == status


def test_a_hostile_plan_with_a_hundred_reviews_downloads_intact(app, world, sign_in, make_plan):
    staff = make_user(
        Role.STAFF,
        name=f"Łukasz ŵ <b>O'Brien</b> & {CJK} {EMOJI}",
        services=[world["home"]],
        line_manager=world["manager"],
    )
    plan = ready_plan(
        world, make_plan, staff=staff, reviews=(), risk_statement=f"Residents at risk {MARKUP} {WELSH_POLISH} {CJK}"
    )
    long_note = " ".join(f"n{n:05d}" for n in range(3400))[:20_000]
    a1, a2 = plan.actions
    for week in range(100):
        add_review(
            plan,
            world["manager"],
            plan.start_date + timedelta(days=week + 1),
            {a1: 60 + week % 40, a2: None},
            summary=long_note if week == 50 else f"Review {week + 1} {MARKUP}",
        )
    plan.planned_end_date = plan.start_date + timedelta(weeks=20)
    db.session.commit()
    close_directly(plan, world["manager"])
    response = sign_in(world["hr"]).get(f"/plans/{plan.id}/closure.pdf")
    assert response.status_code == 200
    pages = pages_of(response.data)
    text = "\n".join(pages)
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert flat(f"Łukasz ŵ <b>O'Brien</b> & {CJK} {EMOJI_PRINTED}") in flat(text)
    assert flat(f"Residents at risk {MARKUP} {WELSH_POLISH} {CJK}") in flat(text)
    assert words_in_order(long_note.split(), text)
    assert "100 reviews from" in text and "Review 100" in text
    assert response.headers["Content-Disposition"] == f'attachment; filename="{plan.reference}-closure-summary.pdf"'


def test_the_summary_records_that_no_acknowledgement_was_given(app, world, sign_in, closed):
    app.config["FROZEN_TODAY"] = (TODAY + timedelta(days=30)).isoformat()
    text = "\n".join(pages_of(sign_in(world["hr"]).get(f"/plans/{closed.id}/closure.pdf").data))
    assert (
        f"No acknowledgement was given by {world['staff'].name} within 7 days of closure (by 7 Dec 2026). "
        "The closure stands."
    ) in flat_join(text)


def test_the_pdf_renders_with_poppler(world, sign_in, closed, tmp_path):
    if not shutil.which("pdftoppm"):
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm is missing: run `make test`, which installs poppler-utils.")
        pytest.skip("poppler-utils is not installed (make test installs it)")
    path = tmp_path / "summary.pdf"
    path.write_bytes(sign_in(world["hr"]).get(f"/plans/{closed.id}/closure.pdf").data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert list(tmp_path.glob("page*.png"))


def test_the_plan_page_links_to_both_pdfs_once_closed(world, sign_in, closed):
    page = sign_in(world["hr"]).get(f"/plans/{closed.id}").text
    assert f'href="/plans/{closed.id}/closure.pdf" download>Download closure summary (PDF)</a>' in page
    assert f'href="/plans/{closed.id}/plan.pdf">Print as PDF</a>' in page


def test_observations_still_planned_are_counted_in_the_print(world, sign_in, make_plan):
    plan = ready_plan(world, make_plan)
    db.session.add(Observation(plan=plan, scheduled_on=TODAY + timedelta(days=1), observer=world["senior"]))
    db.session.commit()
    text = "\n".join(pages_of(sign_in(world["manager"]).get(f"/plans/{plan.id}/plan.pdf").data))
    assert (
        "3 observed shifts planned; 2 done (met 1, partly met 1, not met 0); missed 0; cancelled 0; still planned 1."
        in flat_join(text)
    )


def test_a_head_request_is_not_recorded_as_a_download(world, sign_in, closed):
    response = sign_in(world["hr"]).client.head(f"/plans/{closed.id}/closure.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    db.session.expire_all()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "downloaded")) is None


def test_reportlab_runs_with_its_c_accelerators():
    """rl-accel is a pinned dependency: without it ReportLab measures and writes in pure Python."""
    from reportlab.lib import rl_accel

    assert type(rl_accel.instanceStringWidthTTF).__name__ == "builtin_function_or_method"
