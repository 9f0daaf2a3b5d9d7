"""The fair-process part of a closure summary, as plain values (issue 19): the meetings (dates,
who attended, the companion, minutes shared and answered), the support given, the contributing factors
(without the health need), and adjustments only as a count — never their detail. Filled by services/fair_process_summary.py, drawn by
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
class FairProcessSummary:
    meetings: list[MeetingRow] = field(default_factory=list)
    support: list[SupportRow] = field(default_factory=list)
    adjustments_line: str | None = None  # adjustment_rules.considered_line
    # (heading, answer) for each contributing factor answered; never the health need (restricted)
    factors: list[tuple[str, str]] = field(default_factory=list)
