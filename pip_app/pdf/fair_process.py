"""The fair process in the closure summary (issue 19): meetings (dates, who attended, the
companion, minutes shared and answered), the support given, the contributing factors (not the
health need), and reasonable adjustments as one counted line — their detail is restricted and
printed only where a registered manager chose to include it — with the closing manager's answer on
a reasonable time after them."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from ..fair_summaries import FairProcessSummary
from .blocks import CONTENT_WIDTH, Styles, fixed, grid_table, markup, para, when


def fair_process_parts(fair: FairProcessSummary | None, st: Styles) -> list[Flowable]:
    """The closure section's fair-process parts; nothing when the summary carries none."""
    if fair is None:
        return []
    story: list[Flowable] = [fixed("Meetings", st["h2"])]
    if fair.meetings:
        rows = [[fixed(h, st["head"]) for h in ("Meeting", "Attended", "Companion", "Minutes")]]
        for m in fair.meetings:
            rows.append(
                [
                    para(f"{when(m.held_on)}\n{m.kind}", st["cell"]),
                    para(m.attended or "\u2014", st["cell"]),
                    para(m.companion, st["cell"]),
                    para(m.minutes, st["cell"]),
                ]
            )
        story.append(grid_table(rows, [28 * mm, 50 * mm, 42 * mm, CONTENT_WIDTH - 120 * mm], zebra=True))
    else:
        story.append(fixed("No meetings are on record.", st["body"]))
    story.append(fixed("Support given", st["h2"]))
    if fair.support:
        rows = [[fixed(h, st["head"]) for h in ("Support", "Provided by", "From", "Delivered")]]
        for s in fair.support:
            rows.append(
                [
                    para(f"{s.kind}: {s.description}", st["cell"]),
                    para(s.provided_by, st["cell"]),
                    fixed(when(s.starts_on), st["cell"]),
                    fixed(when(s.delivered_on) if s.delivered_on else "Not yet", st["cell"]),
                ]
            )
        story.append(grid_table(rows, [70 * mm, 45 * mm, 25 * mm, CONTENT_WIDTH - 140 * mm], zebra=True))
    else:
        story.append(fixed("No support is on record.", st["body"]))
    story.append(fixed("Contributing factors", st["h2"]))
    if fair.factors:
        for heading, answer in fair.factors:
            story.append(fixed(f"<b>{markup(heading)}</b>", st["body"]))
            story.append(para(answer, st["body"]))
    else:
        story.append(fixed("No contributing factors are on record.", st["body"]))
    if fair.adjustments_line or fair.reasonable_time_line:
        story.append(fixed("Reasonable adjustments", st["h2"]))
    if fair.adjustments_line:
        story.append(fixed(markup(fair.adjustments_line) + ".", st["body"]))
    if fair.adjustments:
        story.append(
            fixed(f"Adjustment detail, included by {markup(fair.detail_chosen_by)}, registered manager:", st["body"])
        )
        rows = [[fixed(h, st["head"]) for h in ("Adjustment", "Decision", "In place from")]]
        for a in fair.adjustments:
            rows.append(
                [
                    para(a.request, st["cell"]),
                    para(a.decision, st["cell"]),
                    fixed(when(a.implemented_on) if a.implemented_on else "\u2014", st["cell"]),
                ]
            )
        story += [grid_table(rows, [CONTENT_WIDTH - 75 * mm, 45 * mm, 30 * mm], zebra=True), Spacer(1, 6)]
    if fair.reasonable_time_line:
        story.append(para(fair.reasonable_time_line, st["body"]))
    return story
