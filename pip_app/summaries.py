"""The plain data a plan's PDF shows: a PlanSummary and its rows, and the closure's sections.

services/summaries.py builds these from a loaded plan; pdf/ renders them. Plain values only
(dates as dates, times in UK time, labels as text), so neither side reaches into the other:
the PDF never touches the database, and the operations never import the PDF package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# The four evidence sections of a closure, in order: (Closure column, heading).
CLOSURE_SECTIONS = (
    ("what_changed", "What changed"),
    ("how_measured", "How it was measured"),
    ("risk_now_controlled", "How the risk is now controlled"),
    ("ongoing_monitoring", "Ongoing monitoring"),
)


@dataclass
class ControlRow:
    kind: str
    detail: str
    responsible: str
    start_date: date
    review_by_date: date
    status: str
    lifted_on: date | None = None
    lift_rationale: str | None = None
    lifted_by: str | None = None
    last_checked_on: date | None = None


@dataclass
class MeasureRow:
    name: str
    unit: str | None
    baseline: float | None
    final: float | None
    target: float | None
    higher_is_better: bool = True
    consecutive: int | None = None
    met: bool | None = None
    values: list[tuple[date, float]] = field(default_factory=list)


@dataclass
class ActionRow:
    ref: str
    behaviour: str
    when: str
    check_method: str
    success_criterion: str
    status: str
    owner: str | None = None
    due_date: date | None = None
    completion_evidence: str | None = None
    assurance_evidence: str | None = None
    status_reason: str | None = None
    measure: MeasureRow | None = None
    # What the measurable-action check found when it was issued ("'Complete training' is generic …").
    findings: list[str] = field(default_factory=list)


@dataclass
class ObservationRow:
    scheduled_on: date
    shift: str
    observer: str
    focus: str
    status: str
    outcome: str | None = None
    notes: str | None = None


@dataclass
class ObservationCounts:
    scheduled: int = 0
    done: int = 0
    met: int = 0
    partly_met: int = 0
    not_met: int = 0
    missed: int = 0
    cancelled: int = 0
    still_planned: int = 0


@dataclass
class ReviewEntryRow:
    ref: str
    progress: str
    value: str | None = None
    note: str = ""


@dataclass
class ReviewRow:
    review_date: date
    reviewer: str
    summary: str
    decision: str
    entries: list[ReviewEntryRow] = field(default_factory=list)
    next_review_date: date | None = None
    staff_comment: str | None = None
    superseded: bool = False


@dataclass
class AckRow:
    at: datetime
    who: str
    subject: str
    response: str
    comment: str | None = None
    statement: str = ""


@dataclass
class VersionRow:
    """One issued version: who issued it and when, the changes in plain words, the response."""

    version: int
    issued_by: str
    issued_at: datetime
    change_summary: str
    changes: list[str] = field(default_factory=list)  # "A3: success criterion changed from “…” to “…”"
    response: str = ""  # "Agreed on 3 Nov 2026" / "Disagreed on …: <comment>" / "Not acknowledged"


@dataclass
class OutstandingRow:
    """Something the staff member was asked to acknowledge and did not."""

    subject: str
    since: date
    days: int


@dataclass
class EvidenceRow:
    """One attached file in the evidence index."""

    filename: str
    description: str
    attached_to: str
    kind: str
    size: str
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    restricted: bool
    copy_given_on: date | None = None


@dataclass
class ClosureSummary:
    outcome: str
    outcome_code: str
    what_changed: str
    how_measured: str
    risk_now_controlled: str
    ongoing_monitoring: str
    closed_by: str
    closed_at: datetime
    acknowledgement: str  # one sentence: who responded and how, or that no response was given


@dataclass
class PlanSummary:
    """Everything one PDF shows, as plain values (dates as dates, times in UK time)."""

    reference: str
    staff: str
    manager: str
    service: str
    status: str
    version: int
    start_date: date
    planned_end_date: date
    risk_area: str
    risk_statement: str
    evidence_sources: list[str]
    evidence_detail: str
    key_questions: list[str]
    baseline_text: str
    baseline_figure: float | None
    generated_at: datetime
    generated_by: str
    no_control_reason: str | None = None
    controls: list[ControlRow] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    observations: list[ObservationRow] = field(default_factory=list)
    observation_counts: ObservationCounts = field(default_factory=ObservationCounts)
    reviews: list[ReviewRow] = field(default_factory=list)
    acknowledgements: list[AckRow] = field(default_factory=list)
    closure: ClosureSummary | None = None
    quality_override_reason: str | None = None
    versions: list[VersionRow] = field(default_factory=list)
    outstanding: list[OutstandingRow] = field(default_factory=list)
    evidence: list[EvidenceRow] = field(default_factory=list)
    evidence_withheld: int = 0  # restricted files left out for the person it was made for
    registered_manager: str = ""  # who signs second: the service's registered manager(s)

    @property
    def document_title(self) -> str:
        return "Closure summary" if self.closure else "Improvement plan"
