"""PDF rendering: plain data in, bytes out. Nothing here touches the database or the request.

    render_plan_pdf(summary) -> bytes   the plan, or with a closure the closure summary

The data classes are defined in pip_app/summaries.py (services/summaries.py fills them) and
re-exported here. Inside: blocks.py (fonts, safe text, styles, tables, the measure chart),
plan_document.py (the document and its sections), closure_summary.py (the closure's parts).
"""

from ..summaries import (
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
)
from .plan_document import render_plan_pdf

__all__ = [
    "AckRow",
    "ActionRow",
    "ClosureSummary",
    "ControlRow",
    "MeasureRow",
    "ObservationCounts",
    "ObservationRow",
    "PlanSummary",
    "ReviewEntryRow",
    "ReviewRow",
    "render_plan_pdf",
]
