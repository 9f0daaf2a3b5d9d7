"""PDF rendering: plain data in, bytes out. Nothing here touches the database or the request."""
from .closure import (
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

__all__ = [
    "AckRow", "ActionRow", "ClosureSummary", "ControlRow", "MeasureRow", "ObservationCounts", "ObservationRow",
    "PlanSummary", "ReviewEntryRow", "ReviewRow", "render_plan_pdf",
]
