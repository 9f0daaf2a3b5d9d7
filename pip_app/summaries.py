"""The plain data a plan's PDF shows: a PlanSummary and its rows, and the closure's sections.

services/summaries.py builds these from a loaded plan; pdf/ renders them. Plain values only
(dates as dates, times in UK time, labels as text), so neither side reaches into the other:
the PDF never touches the database, and the operations never import the PDF package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from .fair_summaries import FairProcessSummary

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
    continued: str | None = None  # "Reviewed on … by …: continues until …, because …" (issue 18)


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
    recorded_at: datetime | None = None  # when it was entered (UK time), for the bundle's order
    escalated: bool = False  # the decision was "Escalate"
    from_meeting: str | None = None  # "From the review meeting of 23 Nov 2026" (services.reviews.from_meeting)


@dataclass
class AckRow:
    at: datetime
    who: str
    subject: str
    response: str
    comment: str | None = None
    statement: str = ""
    answer: str | None = None  # a disagreement's response, and whether the staff member read it (issue 18)


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
class DecisionRow:
    """A decision that needed a second person (issue 18): what was asked, by whom and when, and
    what was decided, by whom and when, with the comment or rationale."""

    what: str
    asked: str
    decided: str
    detail: str


@dataclass
class RegulatoryRow:
    """A registered manager's decision on one regulatory referral (issue 20); `answer` is
    "Not yet decided" (and the rest empty) for a question still waiting."""

    question: str
    answer: str
    rationale: str = ""
    decided_by: str = ""
    decided_on: date | None = None
    reference: str = ""


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
    fair_process: FairProcessSummary | None = None  # closure summaries only (issue 19)
    decisions: list[DecisionRow] = field(default_factory=list)  # closure summaries only (issue 18)
    plan_type: str = "Performance"  # issue 20
    stage: str = "Informal"  # where the plan stands in the capability procedure (issue 20)
    regulatory: list[RegulatoryRow] = field(default_factory=list)  # closure summaries only (issue 20)
    regulatory_why: str = ""  # why the decisions were asked for, after "the plan …" (empty: they were not)

    @property
    def document_title(self) -> str:
        return "Closure summary" if self.closure else "Improvement plan"


# --- The case bundle ---------------------------------------------------------------------------

# What a case bundle would hold that this app does not record yet. Each arrives with its own
# issue and then becomes a section of the bundle (pdf/case_bundle.py) and leaves this list; until
# then the bundle's contents page says plainly that these are kept elsewhere, so nobody reads
# their absence as "there were none".
NOT_HELD = (
    "Letters",
    "Approvals",
)

Detail = VersionRow | ReviewRow | ObservationRow | AckRow | ControlRow | ClosureSummary | EvidenceRow


@dataclass
class ChronologyEntry:
    """One dated event of the case, in the order it happened."""

    at: datetime  # for ordering (UK time); an event known only by its date sorts at midday
    shown: date | datetime  # what the bundle prints
    title: str  # "Plan version 2 issued by Morgan Hughes"
    detail: Detail


@dataclass
class DisagreementRow:
    """The staff member disagreed: with what, what they said, and what followed."""

    at: datetime
    subject: str
    comment: str
    followed: str


@dataclass
class EscalationRow:
    """A weekly review decided to escalate: why, and what followed."""

    review_date: date
    reviewer: str
    summary: str
    followed: str


@dataclass
class AuditRow:
    """One event of the plan's audit trail, as the bundle lists it."""

    at: datetime
    who: str
    what: str
    detail: str


@dataclass
class AppendixFile:
    """An attached PDF to append to the bundle, as stored (its pages follow the bundle's own)."""

    filename: str
    attached_to: str
    sha256: str
    content: bytes


@dataclass
class CaseBundle:
    """Everything the case bundle shows: the plan's summary (the closure summary's data), the
    disagreements and escalations with what followed, the audit extract and attached PDFs."""

    summary: PlanSummary
    disagreements: list[DisagreementRow] = field(default_factory=list)
    escalations: list[EscalationRow] = field(default_factory=list)
    audit: list[AuditRow] = field(default_factory=list)
    appendices: list[AppendixFile] = field(default_factory=list)
    appendices_requested: bool = False
    not_held: tuple[str, ...] = NOT_HELD


def _midday(day: date, tz: object) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=tz)  # type: ignore[arg-type]


def chronology(summary: PlanSummary) -> list[ChronologyEntry]:
    """Every dated event of the plan, oldest first: versions issued, controls started and lifted,
    observed shifts, weekly reviews, the staff member's responses, files attached and the closure.
    Events known only by their date (a review's date, an observed shift) sort at midday, after
    what was issued that morning and before what answered them that afternoon; a review entered on
    its own date sorts at the time it was entered."""
    tz = summary.generated_at.tzinfo
    entries: list[ChronologyEntry] = []
    for v in summary.versions:
        title = f"Plan version {v.version} issued by {v.issued_by}"
        entries.append(ChronologyEntry(v.issued_at, v.issued_at, title, v))
    for c in summary.controls:
        entries.append(
            ChronologyEntry(_midday(c.start_date, tz), c.start_date, f"Interim control started: {c.kind}", c)
        )
        if c.lifted_on:
            entries.append(
                ChronologyEntry(_midday(c.lifted_on, tz), c.lifted_on, f"Interim control lifted: {c.kind}", c)
            )
    for o in summary.observations:
        title = f"Observed {o.shift.lower()} shift ({o.status.lower()}), observer {o.observer}"
        entries.append(ChronologyEntry(_midday(o.scheduled_on, tz), o.scheduled_on, title, o))
    for r in summary.reviews:
        recorded = r.recorded_at
        at = recorded if recorded is not None and recorded.date() == r.review_date else _midday(r.review_date, tz)
        title = f"Weekly review by {r.reviewer}: {r.decision}" + (" (escalated)" if r.escalated else "")
        if r.superseded:
            title += ", corrected later"
        entries.append(ChronologyEntry(at, r.review_date, title, r))
    for a in summary.acknowledgements:
        entries.append(ChronologyEntry(a.at, a.at, f"{a.who} responded to {a.subject}: {a.response}", a))
    for e in summary.evidence:
        entries.append(ChronologyEntry(e.uploaded_at, e.uploaded_at, f"File attached: {e.filename}", e))
    closure = summary.closure
    if closure:
        title = f"Plan closed by {closure.closed_by}: {closure.outcome}"
        entries.append(ChronologyEntry(closure.closed_at, closure.closed_at, title, closure))
    entries.sort(key=lambda e: e.at)  # stable: same-time events keep the order above
    return entries
