"""The case bundle: a CaseBundle in, PDF bytes out. One document for HR, a tribunal or a
regulator: a cover and contents page, the plan, a chronology of every dated event, then each part
of the record in the order it happened — versions and their changes, observed shifts, weekly
reviews, the staff member's responses and disagreements with what followed, escalations, the
closure, the evidence index and the audit extract — with "Page X of Y" on every page (appended
PDFs included), and the attached PDFs appended if asked for.

Built from the same blocks and sections as the closure summary (blocks.py, plan_document.py,
closure_summary.py). Parts the app does not record yet (summaries.NOT_HELD) are named on the
contents page as kept elsewhere; each becomes a section in SECTIONS when it lands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

import pypdf
from pypdf.errors import PdfReadError
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Spacer

from ..summaries import (
    AckRow,
    CaseBundle,
    ClosureSummary,
    ControlRow,
    EvidenceRow,
    ObservationRow,
    PlanSummary,
    ReviewRow,
    VersionRow,
    chronology,
)
from .blocks import (
    BODY_FONT,
    BOLD_FONT,
    CONFIDENTIAL,
    CONTENT_WIDTH,
    INK,
    MUTED,
    Anchor,
    Furniture,
    PageRef,
    Styles,
    clip,
    document,
    fact_table,
    fixed,
    grid_table,
    make_styles,
    markup,
    numbered_canvas,
    para,
    plain,
    register_fonts,
    unpack,
    when,
)
from .closure_summary import closure_section, evidence_section, outcome_box, outstanding_section, versions_section
from .fair_process import fair_process_parts
from .plan_document import (
    acks_section,
    actions_section,
    controls_section,
    furniture,
    observations_section,
    reviews_section,
    risk_section,
)

TITLE = "Case bundle"
Section = Callable[[CaseBundle, Styles, int], list[Flowable]]


# --- Sections of its own (the rest are the closure summary's) ---------------------------------


def _chronology_section(bundle: CaseBundle, st: Styles, number: int) -> list[Flowable]:
    """Every dated event, oldest first, one line each: the spine the later sections fill in."""
    entries = chronology(bundle.summary)
    story: list[Flowable] = [
        fixed(f"{number}. Chronology", st["h1"]),
        fixed(
            "Every dated event on the record, oldest first. Events known only by their date (a weekly "
            "review, an observed shift, a control) are shown by date; the sections that follow give each in full.",
            st["intro"],
        ),
    ]
    rows = [[fixed(h, st["head"]) for h in ("When", "What happened", "In brief")]]
    for entry in entries:
        rows.append(
            [
                fixed(when(entry.shown), st["cell"]),
                para(entry.title, st["cell"]),
                para(_brief(entry.detail), st["cell"]),
            ]
        )
    story.append(grid_table(rows, [30 * mm, 62 * mm, CONTENT_WIDTH - 92 * mm], zebra=True))
    return story


def _brief(detail: object) -> str:
    """One line about an event for the chronology."""

    def short(text: str | None, limit: int = 140) -> str:
        text = " ".join((text or "").split())
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    if isinstance(detail, VersionRow):
        return short(detail.change_summary or "; ".join(detail.changes)) or "\u2014"
    if isinstance(detail, ReviewRow):
        return short(detail.summary) or "\u2014"
    if isinstance(detail, ObservationRow):
        return short(", ".join(filter(None, [detail.outcome, detail.notes]))) or f"Focus {detail.focus or '—'}"
    if isinstance(detail, AckRow):
        return short(detail.comment) or "\u2014"
    if isinstance(detail, ControlRow):
        return short(detail.lift_rationale if detail.lifted_on else detail.detail) or "\u2014"
    if isinstance(detail, EvidenceRow):
        return short(f"{detail.description} ({detail.attached_to})" + (" — restricted" if detail.restricted else ""))
    if isinstance(detail, ClosureSummary):
        return short(detail.acknowledgement) or "\u2014"
    return "\u2014"


def _disagreements_section(bundle: CaseBundle, st: Styles, number: int) -> list[Flowable]:
    """Each time the staff member disagreed, what they said and what followed; then what they
    were asked to acknowledge and did not (the closure summary's list)."""
    summary = bundle.summary
    story: list[Flowable] = [fixed(f"{number}. Disagreements and what followed", st["h1"])]
    if not bundle.disagreements:
        story.append(fixed(f"{markup(summary.staff)} did not disagree with anything they were shown.", st["body"]))
    else:
        rows = [[fixed(h, st["head"]) for h in ("When", "With", "What they said", "What followed")]]
        for d in bundle.disagreements:
            rows.append(
                [
                    fixed(when(d.at), st["cell"]),
                    para(d.subject, st["cell"]),
                    para(d.comment, st["cell"]),
                    para(d.followed, st["cell"]),
                ]
            )
        story.append(grid_table(rows, [28 * mm, 30 * mm, 56 * mm, CONTENT_WIDTH - 114 * mm], zebra=True))
    # The closure summary's "Not acknowledged", as a part of this section.
    outstanding = outstanding_section(summary, st, number)
    outstanding[0] = fixed("Not acknowledged", st["h2"])
    return story + outstanding


def _escalations_section(bundle: CaseBundle, st: Styles, number: int) -> list[Flowable]:
    """The weekly reviews that decided to escalate, and what came next."""
    story: list[Flowable] = [fixed(f"{number}. Escalations", st["h1"])]
    if not bundle.escalations:
        story.append(fixed("No weekly review decided to escalate.", st["body"]))
        return story
    rows = [[fixed(h, st["head"]) for h in ("Review", "Reviewer", "Why", "What followed")]]
    for e in bundle.escalations:
        rows.append(
            [
                fixed(when(e.review_date), st["cell"]),
                para(e.reviewer, st["cell"]),
                para(e.summary or "\u2014", st["cell"]),
                para(e.followed, st["cell"]),
            ]
        )
    story.append(grid_table(rows, [24 * mm, 28 * mm, 64 * mm, CONTENT_WIDTH - 116 * mm], zebra=True))
    return story


def _audit_section(bundle: CaseBundle, st: Styles, number: int) -> list[Flowable]:
    """The plan's audit trail, oldest first: who did what, when (downloads included)."""
    story: list[Flowable] = [
        fixed(f"{number}. Audit extract", st["h1"]),
        fixed(
            "Every recorded change and download of this plan, oldest first, as held in the app's append-only "
            "audit trail (times are UK time). Long details are shortened here; the record keeps them whole.",
            st["intro"],
        ),
    ]
    if not bundle.audit:
        story.append(fixed("No events are recorded.", st["body"]))
        return story
    rows = [[fixed(h, st["head"]) for h in ("When", "Who", "What", "Details")]]
    for e in bundle.audit:
        rows.append(
            [
                fixed(when(e.at), st["cell"]),
                para(e.who, st["cell"]),
                para(e.what, st["cell"]),
                para(e.detail or "\u2014", st["cell"]),
            ]
        )
    story.append(grid_table(rows, [30 * mm, 30 * mm, 34 * mm, CONTENT_WIDTH - 94 * mm], zebra=True))
    return story


def _fair_process_section(bundle: CaseBundle, st: Styles, number: int) -> list[Flowable]:
    """An open plan's meetings, support, contributing factors and adjustments (counted only)."""
    return [fixed(f"{number}. Fair process", st["h1"]), *fair_process_parts(bundle.summary.fair_process, st)]


def _summary_section(section: Callable[[PlanSummary, Styles, int], list[Flowable]]) -> Section:
    """A section of the closure summary, given the bundle."""
    return lambda bundle, st, number: section(bundle.summary, st, number)


# The bundle's sections, in order: (title as in its heading, builder). The plan as it stands,
# then the record in the order it happened. Letters and approvals (summaries.NOT_HELD) join here
# when the app records them; the fair process is in the closure section once a plan is closed.
SECTIONS: list[tuple[str, Section, Callable[[CaseBundle], bool]]] = [
    ("Risk to people using the service", lambda b, st, n: risk_section(b.summary, st), lambda b: True),
    ("Interim controls", _summary_section(controls_section), lambda b: True),
    ("Actions and measures", _summary_section(actions_section), lambda b: True),
    ("Chronology", _chronology_section, lambda b: True),
    ("Versions and changes", _summary_section(versions_section), lambda b: True),
    ("Observed practice", _summary_section(observations_section), lambda b: True),
    ("Weekly reviews", _summary_section(reviews_section), lambda b: True),
    ("Acknowledgements by the staff member", _summary_section(acks_section), lambda b: True),
    ("Disagreements and what followed", _disagreements_section, lambda b: True),
    ("Escalations", _escalations_section, lambda b: True),
    ("Fair process", _fair_process_section, lambda b: b.summary.closure is None),
    ("Closure: the evidence summary", _summary_section(closure_section), lambda b: b.summary.closure is not None),
    ("Evidence index", _summary_section(evidence_section), lambda b: True),
    ("Audit extract", _audit_section, lambda b: True),
]


# --- Appended PDFs ----------------------------------------------------------------------------


@dataclass
class _Appendix:
    letter: str
    filename: str
    attached_to: str
    sha256: str
    reader: pypdf.PdfReader | None
    problem: str = ""

    @property
    def pages(self) -> int:
        return len(self.reader.pages) if self.reader is not None else 0


def _letter(index: int) -> str:
    """A, B, … Z, AA, AB, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _open_appendices(bundle: CaseBundle) -> list[_Appendix]:
    """Each attached PDF read (with pypdf), or why it could not be appended."""
    found = []
    for i, file in enumerate(bundle.appendices):
        appendix = _Appendix(_letter(i), file.filename, file.attached_to, file.sha256, None)
        try:
            reader = pypdf.PdfReader(BytesIO(file.content))
            if reader.is_encrypted and not reader.decrypt(""):
                appendix.problem = "it is protected by a password"
            elif len(reader.pages) == 0:
                appendix.problem = "it has no pages"
            else:
                appendix.reader = reader
        except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError):
            appendix.problem = "it could not be read as a PDF"
        found.append(appendix)
    return found


def _appendices_section(appendices: list[_Appendix], st: Styles, number: int) -> list[Flowable]:
    story: list[Flowable] = [
        fixed(f"{number}. Appendices: attached PDFs", st["h1"]),
        fixed(
            "Each attached PDF follows, as stored, after this bundle's own pages; each of its pages carries the "
            "appendix letter and this bundle's page number at its foot. Files in other formats are listed in the "
            "evidence index and can be downloaded from the plan.",
            st["intro"],
        ),
    ]
    if not appendices:
        story.append(fixed("No PDFs the bundle may include are attached to this plan.", st["body"]))
        return story
    rows = [[fixed(h, st["head"]) for h in ("", "File and SHA-256", "Attached to", "Pages")]]
    for a in appendices:
        pages = f"{a.pages}" if a.reader else f"Not appended: {escape(a.problem)}"
        rows.append(
            [
                fixed(f"<b>{a.letter}</b>", st["cell"]),
                fixed(f"<b>{markup(a.filename)}</b><br/><font name='Courier' size='6.5'>{a.sha256}</font>", st["cell"]),
                para(a.attached_to, st["cell"]),
                fixed(pages, st["cell"]),
            ]
        )
    story.append(grid_table(rows, [10 * mm, 96 * mm, 40 * mm, CONTENT_WIDTH - 146 * mm], zebra=True))
    return story


def _stamps(pages: list[tuple[float, float, str, str]]) -> list[pypdf.PageObject]:
    """One overlay page per appended page (its size, its line): the appendix at the left, the
    bundle's "Page X of Y" at the right, on a white band at the foot. Drawn as one PDF and read
    once, as reading a PDF per page would cost more than the pages themselves."""
    overlay = BytesIO()
    c = pdfcanvas.Canvas(overlay)
    for width, height, left, right in pages:
        c.setPageSize((width, height))
        c.setFillColorRGB(1, 1, 1)
        c.rect(0, 0, width, 20, stroke=0, fill=1)
        c.setFillColor(INK)
        c.setFont(BOLD_FONT, 7.5)
        c.drawRightString(width - 20, 7, right)
        c.setFillColor(MUTED)
        c.setFont(BODY_FONT, 7)
        c.drawString(20, 7, clip(plain(left), BODY_FONT, 7, width - 120))
        c.showPage()
    c.save()
    return list(pypdf.PdfReader(BytesIO(overlay.getvalue())).pages)


def _append(built: bytes, appendices: list[_Appendix], reference: str) -> bytes:
    """The bundle with each readable attached PDF after it, every page numbered in one run."""
    main = pypdf.PdfReader(BytesIO(built))
    total = len(main.pages) + sum(a.pages for a in appendices)
    writer = pypdf.PdfWriter(clone_from=main)
    added: list[tuple[pypdf.PageObject, str, str]] = []
    number = len(main.pages)
    for a in appendices:
        if a.reader is None:
            continue
        writer.add_outline_item(title=f"Appendix {a.letter}: {plain(a.filename)}", page_number=number)
        for page in a.reader.pages:
            number += 1
            page.pop("/AA", None)  # no actions run from an appended page
            copy = writer.add_page(page)
            copy.transfer_rotation_to_content()
            added.append((copy, f"{reference} \u00b7 Appendix {a.letter}: {a.filename}", f"Page {number} of {total}"))
    stamps = _stamps([(float(p.mediabox.width), float(p.mediabox.height), left, right) for p, left, right in added])
    for (page, _, _), stamp in zip(added, stamps, strict=True):
        box = page.mediabox
        page.merge_transformed_page(stamp, pypdf.Transformation().translate(float(box.left), float(box.bottom)))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


# --- The document -----------------------------------------------------------------------------


def _cover(bundle: CaseBundle, st: Styles) -> list[Flowable]:
    summary = bundle.summary
    story: list[Flowable] = [
        fixed(escape(TITLE.upper()) + " \u00b7 " + escape(CONFIDENTIAL), st["kicker"]),
        fixed(markup(summary.reference), st["title"]),
        fixed(markup(f"{summary.staff}, {summary.service}"), st["subtitle"]),
    ]
    facts = [
        ("Staff member", summary.staff),
        ("Service", summary.service),
        ("Line manager", summary.manager),
        ("Plan dates", f"{when(summary.start_date)} to {when(summary.planned_end_date)}"),
        ("Risk area", summary.risk_area),
        ("Stage", f"{summary.stage} ({summary.plan_type.lower()} plan)"),
        ("Status", f"{summary.status}, version {summary.version}"),
        ("Prepared for", summary.generated_by),
        ("Prepared", f"{when(summary.generated_at)} (UK time)"),
    ]
    story += [fact_table(facts, st), Spacer(1, 6)]
    if summary.closure:
        story += [outcome_box(summary.closure, st), Spacer(1, 6)]
    story.append(
        fixed(
            "The whole record of this improvement plan, for HR, a tribunal or a regulator: the plan as it stands, "
            "then everything in the order it happened, the evidence index and the audit extract. It is made from "
            "the same record as the closure summary, at the moment shown above.",
            st["body"],
        )
    )
    return story


def _contents(bundle: CaseBundle, st: Styles, furn: Furniture, titled: list[tuple[str, str]]) -> list[Flowable]:
    story: list[Flowable] = [fixed("Contents", st["h1"])]
    rows = [[para(title, st["cell"]), PageRef(furn, key)] for key, title in titled]
    table = grid_table(rows, [CONTENT_WIDTH - 20 * mm, 20 * mm], header=False)
    story.append(table)
    not_held = ", ".join(bundle.not_held)
    story.append(Spacer(1, 8))
    story.append(
        fixed(
            f"<b>Not held in this app, so not in this bundle:</b> {markup(not_held)}. Any that exist are kept "
            "elsewhere; their absence here does not mean there were none.",
            st["small"],
        )
    )
    withheld = bundle.summary.evidence_withheld
    if withheld:
        story.append(
            fixed(
                f"{withheld} restricted file{'s are' if withheld != 1 else ' is'} held for the registered managers "
                "and HR and not listed in this copy.",
                st["small"],
            )
        )
    return story


def render_case_bundle(bundle: CaseBundle) -> bytes:
    """Build the case bundle; with attached PDFs appended if the bundle carries them."""
    register_fonts()
    st = make_styles()
    summary = bundle.summary
    appendices = _open_appendices(bundle)
    furn = furniture(summary, TITLE)
    furn.extra_pages = sum(a.pages for a in appendices)
    offset = 1
    for a in appendices:
        if a.reader is not None:
            furn.late_anchors[f"appendix-{a.letter}"] = offset
            offset += a.pages

    sections = [(title, build) for title, build, wanted in SECTIONS if wanted(bundle)]
    titled = [(f"section-{n}", f"{n}. {title}") for n, (title, _) in enumerate(sections, start=1)]
    if bundle.appendices_requested:
        titled.append((f"section-{len(sections) + 1}", f"{len(sections) + 1}. Appendices: attached PDFs"))
        titled += [
            (f"appendix-{a.letter}", f"Appendix {a.letter}: {a.filename}") for a in appendices if a.reader is not None
        ]

    story: list[Flowable] = _cover(bundle, st)
    story += _contents(bundle, st, furn, titled)
    story.append(PageBreak())
    for number, (title, build) in enumerate(sections, start=1):
        if number > 1:
            story.append(CondPageBreak(45 * mm))
        story.append(_anchor(furn, f"section-{number}", f"{number}. {title}"))
        story += build(bundle, st, number)
    if bundle.appendices_requested:
        number = len(sections) + 1
        story += [CondPageBreak(45 * mm), _anchor(furn, f"section-{number}", f"{number}. Appendices: attached PDFs")]
        story += _appendices_section(appendices, st, number)
    story.append(Spacer(1, 10))
    story.append(
        fixed(
            f"End of the case bundle for {markup(summary.reference)}"
            + (", followed by the appended PDFs." if furn.extra_pages else ".")
            + f" {escape(CONFIDENTIAL)}: share only with people who need it.",
            st["small"],
        )
    )
    buffer = BytesIO()
    doc = document(
        buffer,
        title=f"{TITLE} {summary.reference}",
        author=summary.generated_by,
        subject=f"Performance improvement plan case bundle: {summary.staff}, {summary.service}",
        reference=summary.reference,
    )
    doc.build(unpack(story), canvasmaker=numbered_canvas(furn))
    built = buffer.getvalue()
    if not furn.extra_pages:
        return built
    return _append(built, appendices, summary.reference)


def _anchor(furn: Furniture, key: str, title: str) -> Anchor:
    anchor = Anchor(furn, key, title)
    anchor.keepWithNext = 1  # lands on the page of the heading after it
    return anchor
