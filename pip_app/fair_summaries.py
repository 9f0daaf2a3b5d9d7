"""The fair-process part of a closure summary, as plain values (issue 19): the meetings (dates,
who attended, the companion, minutes shared and answered), the support given, the contributing factors
(without the health need), adjustments as a count — their detail only where a registered manager
chose to include it — and the closing manager's answer on a reasonable time after them. Filled by services/fair_process_summary.py, drawn by
pdf/fair_process.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class MeetingRow:
    held_on: date
    kind: str
    attended: str  # names, the companion among them with their kind
    companion: str  # "Dave Morgan (a trade-union representative)" or "Not accompanied"
    minutes: str  # "Shared 23 Nov 2026; agreed" / "Not shared"


@dataclass(frozen=True)
class SupportRow:
    kind: str
    description: str
    provided_by: str
    starts_on: date
    delivered_on: date | None


@dataclass(frozen=True)
class AdjustmentRow:
    """One adjustment, printed only when a registered manager chose to include the detail."""

    request: str
    decision: str
    implemented_on: date | None


@dataclass(frozen=True)
class FairProcessSummary:
    meetings: list[MeetingRow] = field(default_factory=list)
    support: list[SupportRow] = field(default_factory=list)
    adjustments_line: str | None = None  # adjustment_rules.considered_line
    # adjustment_rules.reasonable_time_line: the closing manager's answer, where adjustments were in place
    reasonable_time_line: str | None = None
    # Each adjustment, only when a registered manager chose to include the detail (who chose it)
    adjustments: list[AdjustmentRow] = field(default_factory=list)
    detail_chosen_by: str = ""
    # (heading, answer) for each contributing factor answered; never the health need (restricted)
    factors: list[tuple[str, str]] = field(default_factory=list)
