"""Pure plan-lifecycle rules: the status moves a plan and an action may make, what stops a plan
being issued, which reviews count, review dates, version diffs.

Plain functions over a plan's attributes (or plain dicts); no database, no Flask. Statuses are
their stored values ("draft", "active", ...), so this module needs no model import; the
operations in services/ call `plan_move` / `action_move` before they change a status, so every
status change obeys the one table below.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol, TypeVar

from .formatting import format_date, format_measure
from .quality import Finding, assess_action

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- Status moves ---------------------------------------------------------------------------------


class MoveRefused(ValueError):
    """A status move the table does not allow from the current status; the message says why."""


@dataclass(frozen=True)
class Move:
    """One named status move: the statuses it may start from, where it leads (None: the status
    stays, e.g. an amendment re-issues an active plan as it is) and the refusal otherwise, which
    may name `{ref}` and `{current}` (the action's ref and current status label)."""

    sources: frozenset[str]
    target: str | None
    refusal: str


PLAN_MOVES: Mapping[str, Move] = {
    "issue": Move(frozenset({"draft"}), "active", "Only a draft plan can be issued."),
    "amend": Move(frozenset({"active", "paused"}), None, "Only an active or paused plan can be amended."),
    "review": Move(frozenset({"active"}), None, "Reviews are recorded on an active plan. Resume the plan first."),
    "extend": Move(frozenset({"active"}), None, "Only an active plan can be extended."),
    "pause": Move(frozenset({"active"}), "paused", "Only an active plan can be paused."),
    "resume": Move(frozenset({"paused"}), "active", "Only a paused plan can be resumed."),
    "close": Move(frozenset({"active", "paused"}), "closed", "Only an issued (active or paused) plan can be closed."),
}

ACTION_MOVES: Mapping[str, Move] = {
    "completed": Move(frozenset({"open"}), "completed", "{ref} is already {current}."),
    "assured": Move(frozenset({"completed"}), "assured", "{ref} must be completed before it can be assured."),
    "not_met": Move(frozenset({"open", "completed", "not_met"}), "not_met", "{ref} is already {current}."),
}


def _move(table: Mapping[str, Move], current: str, move: str, words: Mapping[str, str], unknown: str) -> str:
    rule = table.get(move)
    if rule is None:
        raise MoveRefused(unknown)
    if current not in rule.sources:
        raise MoveRefused(rule.refusal.format(**words))
    return rule.target or current


def plan_move(current: str, move: str) -> str:
    """The plan status after `move` from `current`, or MoveRefused saying why it is not allowed."""
    return _move(PLAN_MOVES, current, move, {}, f"A plan cannot {move.replace('_', ' ')}.")


def may_move(current: str, move: str) -> bool:
    """Whether a plan in `current` may make `move` (for gates that list problems rather than raise)."""
    rule = PLAN_MOVES.get(move)
    return rule is not None and current in rule.sources


def action_move(current: str, move: str, *, ref: str, current_label: str) -> str:
    """An action's status after `move` (completed, assured, not met), or MoveRefused."""
    return _move(
        ACTION_MOVES, current, move, {"ref": ref, "current": current_label}, "Choose completed, assured or not met."
    )


# --- Decisions that need a second person -------------------------------------------------------

# Closure outcomes that end a plan against the staff member, or without it running its course
# (the staff member leaving ends it early too, and calls for the regulatory decisions: a second
# person confirms that is what happened).
HARD_OUTCOMES = {
    "not_achieved": "the outcome is “not achieved”",
    "withdrawn": "the plan is withdrawn",
    "left": "the staff member left during the procedure",
}


@dataclass(frozen=True)
class PlanRun:
    """How much of a plan's planned length has run by a day: the closure form shows it."""

    days_run: int
    days_planned: int

    @property
    def before_end(self) -> bool:
        return self.days_run < self.days_planned

    def sentence(self) -> str:
        weeks_run, weeks_planned = self.days_run // 7, -(-self.days_planned // 7)
        return (
            f"The plan has run {self.days_run} of its {self.days_planned} planned days "
            f"({weeks_run} of {weeks_planned} week{'s' if weeks_planned != 1 else ''})."
        )


def plan_run(start: date, planned_end: date, day: date) -> PlanRun:
    """Days run from the start to `day` (never fewer than 0, never more than planned)."""
    planned = max((planned_end - start).days, 1)
    return PlanRun(min(max((day - start).days, 0), planned), planned)


def closure_approval_reasons(outcome: str, start: date, planned_end: date, day: date) -> list[str]:
    """Why closing with `outcome` on `day` needs the approver's decision (empty: it does not):
    "not achieved", "withdrawn" or "left", or before the planned end date."""
    reasons = [HARD_OUTCOMES[outcome]] if outcome in HARD_OUTCOMES else []
    if day < planned_end:
        reasons.append(f"it closes before the planned end date ({plan_run(start, planned_end, day).sentence()})")
    return reasons


# --- Which reviews count -------------------------------------------------------------------------


class _Review(Protocol):
    """What current_reviews reads of a review."""

    @property
    def id(self) -> int: ...

    @property
    def review_date(self) -> date: ...

    @property
    def corrects_review_id(self) -> int | None: ...


R = TypeVar("R", bound=_Review)


def current_reviews(reviews: Sequence[R]) -> list[R]:
    """Reviews in date order without any a later review corrected: a correction replaces the
    review it corrects, everywhere (flags, measures, drafts, the PDF)."""
    corrected = {r.corrects_review_id for r in reviews if r.corrects_review_id}
    return [r for r in sorted(reviews, key=lambda r: (r.review_date, r.id)) if r.id not in corrected]


# --- Issue rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something that stops a plan being issued, and where on the builder to fix it."""

    message: str
    anchor: str


def live_actions(plan: Any) -> list[Any]:
    """The plan's actions that count: all but those withdrawn from it while amending (kept for
    the record, never reviewed, flagged, measured or asked about at closure). An action given as
    plain values without a status (a draft being checked) counts."""
    return [a for a in plan.actions if getattr(getattr(a, "status", None), "value", None) != "withdrawn"]


def issue_problems(plan: Any, factors_answered: bool | None = None) -> list[Problem]:
    """Everything DESIGN.md requires before a draft may be issued (or an amendment re-issued).
    `factors_answered`: whether the contributing factors are answered — asked of a draft being
    issued (None: not asked, as for an amendment of a plan issued before they were recorded)."""
    problems = []
    if not (plan.risk_statement or "").strip():
        problems.append(Problem("Write the risk statement: what could go wrong, and for whom.", "risk"))
    if not plan.evidence_sources:
        problems.append(Problem("Tick at least one source of evidence that showed the risk.", "risk"))
    active_controls = [c for c in plan.controls if c.status.value == "active"]
    if not active_controls and not (plan.no_control_reason or "").strip():
        problems.append(
            Problem("Add at least one interim control, or record why no interim control is needed.", "controls")
        )
    live = live_actions(plan)
    if not live:
        problems.append(Problem("Add at least one action.", "actions"))
    for action in live:
        missing = [
            label
            for label, value in (
                ("what the person does differently", action.behaviour),
                ("when", action.when),
                ("how it is checked", action.check_method),
                ("what good looks like", action.success_criterion),
            )
            if not (value or "").strip()
        ]
        if missing:
            problems.append(Problem(f"{action.ref} is missing {', '.join(missing)}.", f"action-{action.id}"))
    if plan.review_weekday is None or not plan.review_interval_days:
        problems.append(Problem("Choose the weekly review day.", "risk"))
    if plan.planned_end_date is None or plan.start_date is None or plan.planned_end_date < plan.start_date:
        problems.append(Problem("Set a start date and a planned end date after it.", "risk"))
    if factors_answered is False:
        problems.append(
            Problem(
                "Answer the contributing factors: what may be getting in the way, or “none identified” and why.",
                "factors",
            )
        )
    return problems


def quality_findings(plan: Any) -> dict[str, list[Finding]]:
    """The measurability findings for each action that has any (not withdrawn), keyed by its ref."""
    found = {}
    for action in live_actions(plan):
        findings = assess_action(
            action.behaviour, action.when, action.check_method, action.success_criterion, plan.risk_area
        )
        if findings:
            found[action.ref] = findings
    return found


def first_review_date(start: date, weekday: int, after: date | None = None) -> date:
    """The first review-weekday strictly after `after` (default: the plan start)."""
    after = after or start
    days_ahead = (weekday - after.weekday()) % 7 or 7
    return after + timedelta(days=days_ahead)


def following_review_date(review_date: date, weekday: int, interval_days: int = 7) -> date:
    """The next review after one held on `review_date`: the plan's review weekday nearest to
    `interval_days` later. A Wednesday plan's review held late on Friday is followed by the next
    Wednesday, not the Friday after; one held early on Monday by the Wednesday of next week."""
    target = review_date + timedelta(days=interval_days)
    offset = (weekday - target.weekday()) % 7
    return target + timedelta(days=offset - 7 if offset > 3 else offset)


def ready_to_close_by(review_date: date, proposed_next: date, planned_end: date) -> date:
    """The next date for a plan a review found ready to close: never after its planned end (it is
    closed, not reviewed again), and always after the review itself, so a plan already past its
    end is due the next day."""
    return max(min(proposed_next, planned_end), review_date + timedelta(days=1))


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _readable(key: str, value: Any) -> Any:
    """A snapshot's stored value as the plan page shows it: "5 Nov 2026", not "2026-11-05";
    "Wednesday", not 2; "Near miss, Audit", not a list of stored values."""
    if value is None or value == "":
        return value
    if key == "review_weekday" and isinstance(value, int) and 0 <= value < len(WEEKDAYS):
        return WEEKDAYS[value]
    if key.endswith(("_date", "_on")) and isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if key in ("evidence_sources", "key_questions") and isinstance(value, list):
        joiner = "-" if key == "key_questions" else " "  # "Well-led"
        return ", ".join(str(v).replace("_", joiner).capitalize() for v in value)
    if key == "measure" and isinstance(value, Mapping):
        unit = value.get("unit")
        text = (
            f"{value.get('name') or 'Measure'}: baseline {format_measure(value.get('baseline'), unit)}, "
            f"target {format_measure(value.get('target'), unit)}"
        )
        return text + (f" on {value['consecutive']} consecutive checks" if value.get("consecutive") else "")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _changes(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str) -> list[tuple[str, object, object]]:
    rows = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before != after:
            rows.append((f"{prefix}{_label(key)}", _readable(key, before), _readable(key, after)))
    return rows


# Live governance that versions issued before it left the snapshot may still carry: never a change.
CONTROL_GOVERNANCE_KEYS = frozenset({"status", "lifted_on", "lift_rationale", "lifted_by", "last_checked_on"})


def _control_content(control: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in control.items() if k not in CONTROL_GOVERNANCE_KEYS}


def snapshot_digest(snapshot: Mapping[str, Any]) -> str:
    """A digest of a version's snapshot, kept with the version (`PlanVersion.snapshot_digest`):
    the live plan's snapshot with the same digest has nothing unissued, and the issued snapshot
    need not be read and compared. Of its JSON with sorted keys, as the snapshot is stored, and
    with a whole number the same whether it was written 90 or 90.0, as the diff compares them (a
    target typed as 90 is read back from its column as 90.0)."""
    text = json.dumps(_whole_numbers_as_int(snapshot), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _whole_numbers_as_int(value: Any) -> Any:
    # Each value is looked at where it stands, and only lists and mappings are gone into: a call
    # for every value was 330 calls for a plan of 20 actions, on every plan page its editor opens.
    if isinstance(value, Mapping):
        return {
            key: _as_int(item) if type(item) in _LEAVES else _whole_numbers_as_int(item) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_as_int(item) if type(item) in _LEAVES else _whole_numbers_as_int(item) for item in value]
    return _as_int(value)


_LEAVES = frozenset({str, int, float, bool, type(None)})


def _as_int(value: Any) -> Any:
    return int(value) if type(value) is float and value.is_integer() else value


def diff_snapshots(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, object, object]]:
    """What changed between two issued versions, as readable (what, before, after) rows."""
    skip = {"controls", "actions", "version"}
    rows = _changes(
        {k: v for k, v in old.items() if k not in skip}, {k: v for k, v in new.items() if k not in skip}, ""
    )
    old_actions = {a["ref"]: a for a in old.get("actions", [])}
    new_actions = {a["ref"]: a for a in new.get("actions", [])}
    for ref in sorted(set(old_actions) | set(new_actions), key=lambda r: int(r[1:])):
        if ref not in old_actions:
            rows.append((f"{ref} added", None, new_actions[ref]["behaviour"]))
        elif ref not in new_actions:
            rows.append((f"{ref} removed", old_actions[ref]["behaviour"], None))
        else:
            rows.extend(_changes(old_actions[ref], new_actions[ref], f"{ref}: "))
    old_controls = [_control_content(c) for c in old.get("controls", [])]
    new_controls = [_control_content(c) for c in new.get("controls", [])]
    for i in range(max(len(old_controls), len(new_controls))):
        name = f"Control {i + 1}"
        if i >= len(old_controls):
            rows.append((f"{name} added", None, new_controls[i]["kind"]))
        elif i >= len(new_controls):
            rows.append((f"{name} removed", old_controls[i]["kind"], None))
        else:
            rows.extend(_changes(old_controls[i], new_controls[i], f"{name}: "))
    return rows
