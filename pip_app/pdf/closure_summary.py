"""The closure's parts of the closure summary PDF: the outcome box on the first page, and the
closure section (the four evidence sections and the final measures)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table, TableStyle

from ..summaries import CLOSURE_SECTIONS, ClosureSummary, PlanSummary
from .blocks import (
    ALERT,
    BRAND,
    CONTENT_WIDTH,
    OK,
    WARN,
    WASH,
    Styles,
    fixed,
    format_value,
    grid_table,
    markup,
    met_text,
    para,
    target_text,
    when,
)


def outcome_box(closure: ClosureSummary, st: Styles) -> Table:
    """The outcome, coloured by how it went, with the staff member's acknowledgement under it."""
    colour = {"achieved": OK, "partly": WARN, "not_achieved": ALERT}.get(closure.outcome_code, BRAND)
    box = Table(
        [
            [fixed("Outcome", st["label"])],
            [fixed(markup(closure.outcome), st["outcome"])],
            [fixed(markup(closure.acknowledgement), st["small"])],
        ],
        colWidths=[CONTENT_WIDTH],
        hAlign="LEFT",
    )
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), WASH),
                ("LINEBEFORE", (0, 0), (0, -1), 4, colour),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
            ]
        )
    )
    return box


def closure_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    """The closure: its outcome, who closed it and when, the four sections and the final measures."""
    closure = summary.closure
    assert closure is not None
    story: list[Flowable] = [
        fixed(f"{number}. Closure: the evidence summary", st["h1"]),
        fixed(
            f"Outcome: <b>{markup(closure.outcome)}</b>. Closed on {when(closure.closed_at)} by "
            f"{markup(closure.closed_by)}.",
            st["body"],
        ),
    ]
    for key, heading in CLOSURE_SECTIONS:
        story.append(fixed(escape(heading), st["h2"]))
        story.append(para(getattr(closure, key), st["body"]))
    measured = [a for a in summary.actions if a.measure]
    if measured:
        story.append(fixed("Final measures", st["h2"]))
        rows = [[fixed(h, st["head"]) for h in ("Action", "Measure", "Baseline", "Final", "Target", "Met")]]
        for action in measured:
            m = action.measure
            assert m is not None  # `measured` holds only actions with a measure
            rows.append(
                [
                    fixed(markup(action.ref), st["cellbold"]),
                    para(m.name, st["cell"]),
                    para(format_value(m.baseline, m.unit), st["cell"]),
                    para(format_value(m.final, m.unit), st["cell"]),
                    para(target_text(m), st["cell"]),
                    fixed(met_text(m.met), st["cell"]),
                ]
            )
        story.append(grid_table(rows, [14 * mm, 52 * mm, 22 * mm, 22 * mm, 40 * mm, CONTENT_WIDTH - 150 * mm]))
    return story
