"""The building blocks of the PDFs: fonts, safe text, styles, paragraphs that wrap once, tables,
the measure chart and date and value formatting.

Nothing here touches the database or Flask. Every user string goes through `markup` (or `plain`
for canvas text), which escapes it (ReportLab paragraphs are markup: an unescaped `<b>` breaks
the build and `<img src=…>` would read local files), normalises it and keeps only glyphs the
fonts can draw.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.doctemplate import FrameBreak
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags
from reportlab.platypus.paraparser import ParaParser

from ..formatting import format_date, format_measure
from ..summaries import MeasureRow

FONT_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "fonts")
BODY_FONT = "DejaVuSans"
BOLD_FONT = "DejaVuSans-Bold"
# ReportLab's built-in (not embedded) Asian fonts: the PDF carries the real characters, so they
# can be searched and copied, and viewers with CJK fonts draw them. DejaVu has no CJK glyphs.
SYMBOL_FONT = "Symbola"
HAN_FONT = "STSong-Light"
HANGUL_FONT = "HYSMyeongJo-Medium"
# What a character no font here can draw becomes: it looks like the missing-glyph box and,
# unlike a missing glyph, survives text extraction as a visible mark.
MISSING = "\u25a1"

INK = colors.HexColor("#1b1b1f")
MUTED = colors.HexColor("#4f5560")
BRAND = colors.HexColor("#0b4f6c")
LINE = colors.HexColor("#c9cdd3")
WASH = colors.HexColor("#f1f4f6")
OK = colors.HexColor("#1d6b35")
WARN = colors.HexColor("#7a4b00")
ALERT = colors.HexColor("#a4161a")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CONFIDENTIAL = "Confidential \u2014 HR record"

Styles = dict[str, ParagraphStyle]


# --- Fonts and text ---------------------------------------------------------------------------

_fonts: dict[str, frozenset[int]] = {}


def register_fonts() -> frozenset[int]:
    """Register DejaVu Sans (regular and bold) and the Asian fallbacks once; return the
    code points DejaVu Sans can draw."""
    if "covered" not in _fonts:
        regular = TTFont(BODY_FONT, os.path.join(FONT_DIR, "DejaVuSans.ttf"))
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(TTFont(BOLD_FONT, os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(
            BODY_FONT, normal=BODY_FONT, bold=BOLD_FONT, italic=BODY_FONT, boldItalic=BOLD_FONT
        )
        pdfmetrics.registerFont(UnicodeCIDFont(HAN_FONT))
        pdfmetrics.registerFont(UnicodeCIDFont(HANGUL_FONT))
        # ReportLab writes a broken ToUnicode entry for characters beyond U+FFFF, so those
        # are never drawn from DejaVu even where it has a glyph (e.g. some emoji).
        _fonts["covered"] = frozenset(c for c in regular.face.charToGlyph if c <= 0xFFFF)
        # The characters `markup` copies as they are (escaped): drawn by DejaVu, neither control
        # characters nor shapers. Most text is only these, and needs no look at each character.
        _fonts["as_is"] = frozenset(
            c for c in _fonts["covered"] if c >= 0x20 and not 0x7F <= c < 0xA0 and c not in _SHAPERS
        ).union(map(ord, "\n\t\r"))
    return _fonts["covered"]


def fallback_font(code: int) -> str | None:
    """The built-in Asian font for a character DejaVu lacks, if it is CJK."""
    if 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F or 0xAC00 <= code <= 0xD7AF:
        return HANGUL_FONT
    if (
        0x2E80 <= code <= 0x2FDF
        or 0x3000 <= code <= 0x30FF
        or 0x3100 <= code <= 0x312F
        or 0x31A0 <= code <= 0x31FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
    ):
        return HAN_FONT
    return None


# Characters that only shape their neighbours (emoji variation selectors, the zero-width joiner,
# skin-tone modifiers): dropped, since the character they modify is printed (or named) anyway.
_SHAPERS = frozenset([0x200D, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)])


def symbol_font(code: int) -> str | None:
    """Symbola for a symbol or emoji DejaVu lacks, if Symbola has it and ReportLab can map it
    back to text (the Basic Multilingual Plane); registered the first time it is needed."""
    if code > 0xFFFF:
        return None
    if "symbols" not in _fonts:
        font = TTFont(SYMBOL_FONT, os.path.join(FONT_DIR, "Symbola.ttf"))
        pdfmetrics.registerFont(font)
        _fonts["symbols"] = frozenset(c for c in font.face.charToGlyph if c <= 0xFFFF)
    return SYMBOL_FONT if code in _fonts["symbols"] else None


def named(char: str) -> str:
    """A symbol or emoji no font here has, by its Unicode name: "[thumbs up sign]"; any other
    character no font has (a script DejaVu lacks) as a box."""
    name = unicodedata.name(char, "")
    return f"[{name.lower()}]" if name and unicodedata.category(char) in ("So", "Sk", "Sm") else MISSING


def markup(text: object) -> str:
    """A user string as safe paragraph markup: NFC-normalised, escaped, line breaks kept,
    CJK in the Asian fonts, symbols DejaVu lacks in Symbola, and anything else (emoji beyond the
    Basic Multilingual Plane) by its Unicode name, so "👍" prints as "[thumbs up sign]"."""
    register_fonts()
    text = unicodedata.normalize("NFC", "" if text is None else str(text))
    if _fonts["as_is"].issuperset(map(ord, text)):  # what markup_each_character makes of it, at once
        return escape(text).replace("\n", "<br/>").replace("\t", " ").replace("\r", " ")
    return markup_each_character(text)


def markup_each_character(text: str) -> str:
    """`markup` of NFC text, one character at a time (the rule; `markup` takes a short cut for
    text of characters copied as they are)."""
    covered = register_fonts()
    out: list[str] = []
    run_font: str | None = None
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(f'<font name="{run_font}">{escape("".join(run))}</font>')
            run.clear()

    for char in text:
        code = ord(char)
        font = None
        if char == "\n":
            piece = "<br/>"
        elif char in "\t\r":
            piece = " "
        elif code < 0x20 or 0x7F <= code < 0xA0 or code in _SHAPERS:
            continue
        elif code in covered:
            piece = escape(char)
        else:
            font = fallback_font(code) or symbol_font(code)
            piece = escape(named(char)) if font is None else char
        if font is not None:
            if run_font != font:
                flush()
                run_font = font
            run.append(piece)
            continue
        flush()
        out.append(piece)
    flush()
    return "".join(out)


def plain(text: object) -> str:
    """A user string for canvas drawing and metadata (no markup): glyphs DejaVu lacks by name."""
    covered = register_fonts()
    text = unicodedata.normalize("NFC", "" if text is None else str(text))
    return "".join(
        c if ord(c) in covered else (" " if c in "\n\r\t" else "" if ord(c) in _SHAPERS else named(c)) for c in text
    )


def when(value: date | datetime | None) -> str:
    """23 Nov 2026; a datetime (the summary's times are already UK time) also shows its time:
    23 Nov 2026, 14:05."""
    if isinstance(value, datetime):
        return f"{format_date(value.date())}, {value:%H:%M}"
    return format_date(value)


def format_value(value: float | None, unit: str | None = None) -> str:
    """95%, 9 of 10, 3 per week (formatting.format_measure)."""
    return format_measure(value, unit)


# --- Styles -----------------------------------------------------------------------------------


def make_styles() -> Styles:
    """The paragraph styles of the PDFs, by name."""
    base = ParagraphStyle(
        "body", fontName=BODY_FONT, fontSize=9.5, leading=13, textColor=INK, splitLongWords=1, spaceAfter=4
    )
    return {
        "body": base,
        "kicker": ParagraphStyle("kicker", parent=base, fontName=BOLD_FONT, fontSize=9, textColor=BRAND, spaceAfter=2),
        "title": ParagraphStyle(
            "title", parent=base, fontName=BOLD_FONT, fontSize=20, leading=24, textColor=INK, spaceAfter=2
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, leading=16, textColor=MUTED, spaceAfter=10),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=BOLD_FONT,
            fontSize=13,
            leading=17,
            textColor=BRAND,
            spaceBefore=14,
            spaceAfter=6,
        ),
        "intro": ParagraphStyle("intro", parent=base, fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=2),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=BOLD_FONT,
            fontSize=10.5,
            leading=14,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=1,
        ),
        "label": ParagraphStyle(
            "label", parent=base, fontName=BOLD_FONT, fontSize=8, leading=11, textColor=MUTED, spaceAfter=0
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11.5, spaceAfter=0),
        "cellbold": ParagraphStyle(
            "cellbold", parent=base, fontName=BOLD_FONT, fontSize=8.5, leading=11.5, spaceAfter=0
        ),
        "head": ParagraphStyle(
            "head", parent=base, fontName=BOLD_FONT, fontSize=8, leading=10.5, textColor=INK, spaceAfter=0
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=2),
        "outcome": ParagraphStyle("outcome", parent=base, fontName=BOLD_FONT, fontSize=11.5, leading=15, spaceAfter=0),
    }


@lru_cache(maxsize=4096)
def _parsed(text: str, style: ParagraphStyle) -> tuple[Any, ...] | None:
    """ReportLab's reading of a paragraph's markup in a style (its fragments), or None where the
    markup changes the style itself (a <para> tag: left to ReportLab). A closure summary repeats
    two paragraphs in five (labels, names, "—", table headings on every page), and reading the
    markup was a fifth of the PDF's time."""
    read_style, frags, bullet = ParaParser().parse(cleanBlockQuotedText(text), style)
    if frags is None or bullet or read_style is not style:
        return None
    textTransformFrags(frags, style)
    return tuple(frags)


class WrapOnceParagraph(Paragraph):
    """A paragraph that reads its markup once per text and style, and breaks its lines once per
    width. A table wraps every cell to size its row and again to draw it (a repeated header on
    every page), and the lines depend only on the width: reusing them saves a quarter of the PDF's
    time. Each paragraph gets its own copy of the fragments read. Neither changes a byte of the
    PDF (tested)."""

    def __init__(self, text: Any, style: Any = None, bulletText: Any = None, frags: Any = None, **kwargs: Any):
        if frags is None and isinstance(text, str) and style is not None and bulletText is None:
            known = _parsed(text, style)
            frags = None if known is None else [f.clone() for f in known]
        super().__init__(text, style, bulletText, frags, **kwargs)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        # Splitting and drawing may drop blPara (the broken lines); break them again then.
        if self.__dict__.get("_wrapped_for") == availWidth and "blPara" in self.__dict__:
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_for = availWidth
        return size


def para(text: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of user text (escaped)."""
    return WrapOnceParagraph(markup(text), style)


def fixed(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of our own markup, with any user values already passed through `markup`."""
    return WrapOnceParagraph(text, style)


# The height of a page's frame (render_plan_pdf's margins): a table row taller than most of it
# cannot be kept whole on any page.
FRAME_HEIGHT = PAGE_HEIGHT - 2 * MARGIN - 4 * mm


# How a row split across pages says so: muted italics, under the part on the first page and
# above the rest on the next.
_CONTINUED = ParagraphStyle(
    "continued", fontName=BODY_FONT, fontSize=7.5, leading=10, textColor=MUTED, spaceBefore=1, spaceAfter=2
)


def _row_label(table: Table) -> str:
    """The first words of the split row's first cell ("14 Sep 2026", "A3"), to name it."""
    cell = table._cellvalues[-1][0] if table._cellvalues else ""
    for item in cell if isinstance(cell, list | tuple) else [cell]:
        text = item.getPlainText() if isinstance(item, Paragraph) else str(item or "")
        if text.strip():
            return text.strip()[:60]
    return ""


class RowKeepingTable(Table):
    """A table that splits across pages between rows, never inside one, so no page holds only
    a repeated header and the last words of a row. Only a row too tall for a whole page is
    split inside (from the top of a fresh page): the part on the first page is marked "continues
    on the next page", and the rest starts the next page under "… continued from the previous
    page" and the repeated header."""

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.splitInRow = 0
        parts = super().split(availWidth, availHeight)
        if parts or availHeight < FRAME_HEIGHT * 0.9:
            return parts  # [] moves the table to the next page, where the row fits whole
        self.splitInRow = 1
        marker_height = _CONTINUED.leading + _CONTINUED.spaceBefore + _CONTINUED.spaceAfter
        parts = super().split(availWidth, availHeight - marker_height)
        if len(parts) != 2:
            return parts
        first, rest = parts
        # A row split more than once keeps the name it had at the first split.
        rest._row_name = getattr(self, "_row_name", "") or _row_label(first)
        label = markup(rest._row_name)
        named = f"{label} " if label else ""
        return [
            first,
            WrapOnceParagraph(f"<i>{named}continues on the next page →</i>", _CONTINUED),
            FrameBreak(),
            WrapOnceParagraph(f"<i>← {named}continued from the previous page</i>", _CONTINUED),
            rest,
        ]


class KeepOnPage(KeepTogether):
    """Flowables kept on one page — unless they do not fit and more than `room` of this page is
    still free: then they flow on from here (tables splitting between rows), rather than leave
    half a page empty (as the plan PDF's first page once was)."""

    def __init__(self, flowables: list[Flowable], room: float = FRAME_HEIGHT / 3) -> None:
        super().__init__(flowables)
        self._room = room

    def split(self, aW: float, aH: float) -> list[Flowable]:
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        if aH < self._H and aH > self._room:
            return list(self._content)
        return super().split(aW, aH)


def grid_table(
    rows: Sequence[Sequence[Any]], widths: Sequence[float], *, header: bool = True, zebra: bool = False, pad: float = 4
) -> Table:
    """A table that splits cleanly across pages: its header repeats, its rows are kept whole."""
    table = RowKeepingTable(rows, colWidths=widths, repeatRows=1 if header else 0, splitInRow=1, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
    ]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), WASH), ("LINEBELOW", (0, 0), (-1, 0), 0.9, INK)]
    if zebra:
        for row in range(2 if header else 1, len(rows), 2):
            style.append(("BACKGROUND", (0, row), (-1, row), colors.HexColor("#fafbfc")))
    table.setStyle(TableStyle(style))
    return table


def fact_table(pairs: Iterable[tuple[str, object]], styles: Styles, columns: int = 2) -> Table:
    """Label/value pairs laid out in columns, as on the first page of a report."""
    cells = [
        [fixed(escape(label), styles["label"]), value if isinstance(value, Paragraph) else para(value, styles["cell"])]
        for label, value in pairs
    ]
    rows: list[list[Any]] = []
    per_row = columns
    for i in range(0, len(cells), per_row):
        row: list[Any] = []
        for cell in cells[i : i + per_row]:
            row.extend(cell)
        while len(row) < 2 * per_row:
            row.append("")
        rows.append(row)
    label_w, value_w = 26 * mm, CONTENT_WIDTH / per_row - 26 * mm
    table = Table(rows, colWidths=[label_w, value_w] * per_row, hAlign="LEFT", splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


# --- The measure chart -----------------------------------------------------------------------


def measure_chart(measure: MeasureRow, width: float = 78 * mm, height: float = 30 * mm) -> Drawing:
    """A small line chart: the baseline, each measured value in review order, and the target."""
    drawing = Drawing(width, height)
    left, right, bottom, top = 30, 4, 14, 6
    plot_w, plot_h = width - left - right, height - bottom - top
    inset = 6  # keeps the first and last points off the frame
    points = [v for _, v in measure.values]
    known = [v for v in (measure.baseline, measure.target, *points) if v is not None]
    if measure.unit == "%" and all(0 <= v <= 100 for v in known):
        low, high = 0.0, 100.0
    elif known:
        low, high = min(known), max(known)
        pad = (high - low) * 0.15 or max(abs(high) * 0.1, 1)
        low, high = low - pad, high + pad
        if min(known) >= 0 and low < 0:
            low = 0.0
    else:
        low, high = 0.0, 1.0

    def y(value: float) -> float:
        return bottom + 3 + (value - low) / (high - low) * (plot_h - 6)

    drawing.add(Rect(left, bottom, plot_w, plot_h, fillColor=colors.white, strokeColor=LINE, strokeWidth=0.5))
    for tick in (low, high):
        drawing.add(
            String(
                left - 3,
                y(tick) - 2.5,
                format_value(round(tick, 2), measure.unit),
                fontName=BODY_FONT,
                fontSize=6,
                fillColor=MUTED,
                textAnchor="end",
            )
        )
    series = ([measure.baseline] if measure.baseline is not None else []) + points
    if measure.target is not None:
        ty = y(measure.target)
        drawing.add(Line(left, ty, left + plot_w, ty, strokeColor=OK, strokeWidth=0.9, strokeDashArray=[3, 2]))
        # The key sits under the plot, where it cannot collide with the line.
        key = f"target {format_value(measure.target, measure.unit)}"
        key_w = pdfmetrics.stringWidth(key, BODY_FONT, 6) + 14
        kx = left + (plot_w - key_w) / 2
        drawing.add(Line(kx, 6, kx + 10, 6, strokeColor=OK, strokeWidth=0.9, strokeDashArray=[3, 2]))
        drawing.add(String(kx + 14, 4, key, fontName=BODY_FONT, fontSize=6, fillColor=OK))
    if series:
        span = plot_w - 2 * inset
        step = span / max(len(series) - 1, 1)
        xy = [(left + inset + (i * step if len(series) > 1 else span / 2), y(v)) for i, v in enumerate(series)]
        if len(xy) > 1:
            flat = [c for point in xy for c in point]
            drawing.add(PolyLine(flat, strokeColor=BRAND, strokeWidth=1.2))
        dots = len(xy) <= 30
        for i, (px, py) in enumerate(xy):
            is_baseline = i == 0 and measure.baseline is not None
            if dots or is_baseline or i == len(xy) - 1:
                drawing.add(
                    Circle(
                        px,
                        py,
                        1.9,
                        fillColor=colors.white if is_baseline else BRAND,
                        strokeColor=MUTED if is_baseline else BRAND,
                        strokeWidth=0.8,
                    )
                )
        if measure.baseline is not None:
            drawing.add(String(left, 4, "Baseline", fontName=BODY_FONT, fontSize=6, fillColor=MUTED))
        if points:
            last_date = measure.values[-1][0]
            drawing.add(
                String(
                    left + plot_w, 4, when(last_date), fontName=BODY_FONT, fontSize=6, fillColor=MUTED, textAnchor="end"
                )
            )
    if not points:
        drawing.add(
            String(
                left + plot_w / 2,
                bottom + plot_h / 2 - 3,
                "No measured values recorded",
                fontName=BODY_FONT,
                fontSize=6.5,
                fillColor=MUTED,
                textAnchor="middle",
            )
        )
    return drawing


def target_text(measure: MeasureRow) -> str:
    """At least 90% (on 2 consecutive checks): the target as a phrase."""
    if measure.target is None:
        return "\u2014"
    direction = "at least" if measure.higher_is_better else "at most"
    text = f"{direction} {format_value(measure.target, measure.unit)}"
    if measure.consecutive and measure.consecutive > 1:
        text += f" on {measure.consecutive} consecutive checks"
    return text


def met_text(met: bool | None) -> str:
    """Met / Not met in colour, as markup (a dash when there is nothing to judge against)."""
    if met is None:
        return "\u2014"
    return '<font color="#1d6b35"><b>Met</b></font>' if met else '<font color="#a4161a"><b>Not met</b></font>'


class Flowing(list[Flowable]):
    """Marks a block of flowables that may split across pages (unpacked into the story)."""


def clip(text: str, font: str, size: float, width: float) -> str:
    """Shorten one line of page furniture to fit, with an ellipsis."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text + "\u2026"


def unpack(story: Iterable[Flowable]) -> list[Flowable]:
    """The story with every Flowing block spread into it."""
    flat: list[Flowable] = []
    for item in story:
        if isinstance(item, Flowing):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


# --- Page furniture: header and footer on every page, "Page X of Y", contents page numbers ----


@dataclass
class Furniture:
    """What every page carries (the reference and who it is about at the top, a footer line and
    "Page X of Y" at the bottom), and what is only known once every page is laid out: where each
    `Anchor` landed (for the contents' page numbers, the PDF's bookmarks and its outline).

    `extra_pages` are pages added after the build (attached PDFs appended), counted in "of Y";
    `late_anchors` name where those start, as an offset from the last built page."""

    reference: str
    who: str
    footer: str
    extra_pages: int = 0
    late_anchors: dict[str, int] = field(default_factory=dict)
    anchors: dict[str, tuple[int, float, str, int]] = field(default_factory=dict)  # key: page, y, title, level
    page_refs: list[tuple[int, float, float, str]] = field(default_factory=list)  # page, right x, y, key
    built_pages: int = 0

    def page_of(self, key: str) -> int | None:
        if key in self.anchors:
            return self.anchors[key][0]
        if key in self.late_anchors:
            return self.built_pages + self.late_anchors[key]
        return None


class Anchor(Flowable):
    """An invisible mark where a section or entry starts: its page for the contents, and a
    bookmark and an outline entry (titled `title`, at `level`) for the PDF viewer."""

    _ZEROSIZE = 1

    def __init__(self, furniture: Furniture, key: str, title: str, level: int = 0) -> None:
        super().__init__()
        self.furniture, self.key, self.title, self.level = furniture, key, title, level

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        _, y = self.canv.absolutePosition(0, 0)
        self.furniture.anchors[self.key] = (self.canv.getPageNumber(), y, self.title, self.level)


class PageRef(Flowable):
    """The page an `Anchor` landed on, right-aligned in a contents line: drawn once every page
    is laid out (the canvas holds the pages until then), and linked to the anchor."""

    def __init__(self, furniture: Furniture, key: str, width: float = 14 * mm, height: float = 10) -> None:
        super().__init__()
        self.furniture, self.key, self.width, self.height = furniture, key, width, height

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(self.width, 1.5)
        self.furniture.page_refs.append((self.canv.getPageNumber(), x, y, self.key))


def numbered_canvas(furniture: Furniture) -> type[pdfcanvas.Canvas]:
    """A canvas that holds every page until the end, then draws each page's header and footer
    with the total page count (the two-pass "page X of Y" pattern), the contents' page numbers,
    and the bookmarks and outline of every `Anchor`."""
    reference, who, footer = plain(furniture.reference), plain(furniture.who), plain(furniture.footer)

    class NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            furniture.built_pages = len(self._pages)
            total = len(self._pages) + furniture.extra_pages
            anchors_on: dict[int, list[tuple[str, float, str, int]]] = {}
            for key, (page, y, title, level) in furniture.anchors.items():
                anchors_on.setdefault(page, []).append((key, y, title, level))
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._decorate(number, total)
                for key, y, title, level in anchors_on.get(number, []):
                    self.bookmarkHorizontalAbsolute(key, y + 14)
                    self.addOutlineEntry(plain(title), key, level)
                for page, x, y, key in furniture.page_refs:
                    target = furniture.page_of(key)
                    if page != number or target is None:
                        continue
                    self.setFont(BODY_FONT, 9)
                    self.setFillColor(INK)
                    self.drawRightString(x, y, str(target))
                    if key in furniture.anchors:
                        self.linkRect("", key, (MARGIN, y - 3, x, y + 10), relative=0)
                super().showPage()
            super().save()

        def _decorate(self, number: int, total: int) -> None:
            self.saveState()
            top = PAGE_HEIGHT - 11 * mm
            self.setFillColor(BRAND)
            self.setFont(BOLD_FONT, 9)
            self.drawString(MARGIN, top, reference)
            self.setFillColor(MUTED)
            self.setFont(BODY_FONT, 8)
            self.drawString(
                MARGIN + pdfmetrics.stringWidth(reference, BOLD_FONT, 9) + 6,
                top,
                clip(who, BODY_FONT, 8, CONTENT_WIDTH * 0.55),
            )
            self.setFillColor(ALERT)
            self.setFont(BOLD_FONT, 8.5)
            self.drawRightString(PAGE_WIDTH - MARGIN, top, CONFIDENTIAL)
            self.setStrokeColor(LINE)
            self.setLineWidth(0.6)
            self.line(MARGIN, top - 4, PAGE_WIDTH - MARGIN, top - 4)
            bottom = 10 * mm
            self.line(MARGIN, bottom + 9, PAGE_WIDTH - MARGIN, bottom + 9)
            self.setFillColor(MUTED)
            self.setFont(BODY_FONT, 7.5)
            self.drawString(MARGIN, bottom, clip(footer, BODY_FONT, 7.5, CONTENT_WIDTH - 30 * mm))
            self.setFillColor(INK)
            self.setFont(BOLD_FONT, 8)
            self.drawRightString(PAGE_WIDTH - MARGIN, bottom, f"Page {number} of {total}")
            self.restoreState()

    return NumberedCanvas


def document(buffer: Any, *, title: str, author: str, subject: str, reference: str) -> SimpleDocTemplate:
    """The A4 document every PDF here is built in (margins that leave room for the furniture)."""
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN,
        title=plain(title),
        author=plain(author),
        subject=plain(subject),
        creator="Improvement plans",
        keywords=plain(f"{reference}, {CONFIDENTIAL}"),
        lang="en-GB",
    )
