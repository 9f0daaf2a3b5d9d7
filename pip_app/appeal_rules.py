"""The appeal's two rules, over plain values (issue 20, point 3; sources:
/work/shared/domain/fair-process.md — the Acas Code asks that an appeal be heard, where possible,
by someone not previously involved, and lodged without unreasonable delay):

- the deadline: an appeal lodged on or before the letter's `appeal_by` day is in time; after it
  the staff member is refused and told to ask HR, who may record it late only with the reason it
  is accepted. The deadline itself is APPEAL_WORKING_DAYS UK working days after the letter is sent
  (weekends and the nation's bank holidays skipped: notifications.due);
- the hearer: an active registered manager (role senior) or HR adviser who was not involved in
  any decision on the plan. The service collects who was involved and why
  (services/appeals.involvement); here that is only compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from .formatting import format_date
from .notifications.due import add_working_days

HEARER_ROLES = ("senior", "hr")
NOT_INVOLVED = "choose someone not previously involved"


def deadline(sent_on: date, working_days: int, nation: str = "ENG") -> date:
    """The last day to appeal a letter sent on `sent_on`: that many UK working days after it."""
    return add_working_days(sent_on, working_days, nation)


def in_time(lodged_on: date, appeal_by: date | None) -> bool:
    """Lodged on or before the last day (a letter without a deadline is always in time)."""
    return appeal_by is None or lodged_on <= appeal_by


def lateness_problem(lodged_on: date, appeal_by: date | None, *, by_hr: bool, late_reason: str) -> str | None:
    """Why this appeal may not be lodged as it stands, or None: a late appeal is refused to the
    staff member, and HR records one only with the reason it is accepted."""
    if in_time(lodged_on, appeal_by):
        return None
    assert appeal_by is not None
    if not by_hr:
        return (
            f"The deadline to appeal was {format_date(appeal_by)}. "
            "Ask HR: they can record a late appeal with the reason it is accepted."
        )
    if not late_reason.strip():
        return f"The deadline to appeal was {format_date(appeal_by)}: give the reason this late appeal is accepted."
    return None


def hearer_problem(
    candidate_id: int,
    candidate_name: str,
    candidate_role: str,
    candidate_active: bool,
    involvement: Mapping[int, str],
) -> str | None:
    """Why this person may not hear the appeal, or None. `involvement` maps each person previously
    involved in decisions on the plan to what they did ("approved the move to a formal stage on
    23 Nov 2026"); the staff member who appeals is among them."""
    if not candidate_active:
        return f"{candidate_name}'s account is no longer active: choose someone else."
    why = involvement.get(candidate_id)
    if why is not None:
        return f"{candidate_name} {why}: {NOT_INVOLVED}."
    if candidate_role not in HEARER_ROLES:
        return f"{candidate_name} is not a registered manager or HR adviser: choose one who is."
    return None
