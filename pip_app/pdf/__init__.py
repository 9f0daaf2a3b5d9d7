"""PDF rendering: plain data in, bytes out. Nothing here touches the database or the request.

    render_plan_pdf(summary) -> bytes     the plan, or with a closure the closure summary
    render_case_bundle(bundle) -> bytes   the case bundle (summaries.CaseBundle)
    render_letter(facts) -> bytes         a formal letter (letter_rules.LetterFacts)

The data classes are defined in pip_app/summaries.py (services/summaries.py fills them) and
re-exported here. Inside: blocks.py (fonts, safe text, styles, tables, the measure chart),
plan_document.py (the document and its sections), closure_summary.py (the closure's parts),
case_bundle.py (the bundle: those sections and its own, contents, appended PDFs).
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
from .case_bundle import render_case_bundle
from .letter import render_letter
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
    "render_case_bundle",
    "render_letter",
    "render_plan_pdf",
]
