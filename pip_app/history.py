"""An audit event's details as lines a person reads, for the plan's history.

The audit trail stores what an operation recorded, as plain JSON: field names, ids, enum values,
ISO dates, `[before, after]` pairs. The plan's history (seen by the staff member too) shows
instead: people by name, services by name, enum values by their labels, dates as "23 Nov 2026",
lists as text, and of a change only the fields that changed, as "before → after". The raw event
stays in the administrator's audit log. Pure: the names and labels come in as a `Vocabulary`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .formatting import EMPTY, format_date, format_datetime

ARROW = "\u2192"

# Keys whose value names a person (a user id) or a service (a service id).
PERSON_KEYS = frozenset(
    {
        "owner_id",
        "responsible_id",
        "observer_id",
        "recipient_id",
        "staff_id",
        "manager_id",
        "lifted_by_id",
        "recorded_by_id",
        "reviewer_id",
        "closed_by_id",
        "decided_by_id",
    }
)
SERVICE_KEYS = frozenset({"service_id"})

# What a key is called in the history; any other reads as its words ("planned_end_date" →
# "Planned end date").
FIELD_NAMES = {
    "owner_id": "Owner",
    "responsible_id": "Responsible",
    "observer_id": "Observer",
    "recipient_id": "Recipient",
    "staff_id": "Staff member",
    "manager_id": "Line manager",
    "lifted_by_id": "Lifted by",
    "recorded_by_id": "Recorded by",
    "reviewer_id": "Reviewer",
    "closed_by_id": "Closed by",
    "decided_by_id": "Decided by",
    "service_id": "Service",
    "ref": "Action",
    "kind": "Type",
    "when": "When",
    "when_date": "On",
    "check_method": "How it is checked",
    "success_criterion": "What good looks like",
    "measure_name": "Measure",
    "measure_unit": "Unit",
    "measure_baseline": "Baseline",
    "measure_target": "Target",
    "measure_higher_is_better": "Higher is better",
    "measure_consecutive": "Checks in a row to meet the target",
    "due_date": "Due",
    "review_by_date": "Review by",
    "risk_statement": "Risk",
    "baseline_text": "Baseline",
    "baseline_figure": "Baseline figure",
    "review_weekday": "Weekly review day",
    "quality_override_reason": "Reason to issue with actions not yet measurable",
    "unmeasurable_actions": "Actions not yet measurable",
    "no_control_reason": "Why no interim control is needed",
    "summary": "Summary",
    "on": "On",
    "dates": "Dates",
    "entries": "Progress",
    "controls": "Controls",
    "final_measures": "Final measures",
    "late": "Late",
    "file": "File",
    "mine": "Only my shifts",
    "corrects": "Corrects an earlier review",
}

# Keys not shown: internal ids (any other key ending "_id" too), file fingerprints, and the
# amendment's full diff (the version page shows it in full, with the version's own wording).
HIDDEN_KEYS = frozenset({"diff", "closure_id", "sha256", "link", "created_on"})

# Keys whose stored value is always a `[before, after]` pair, whatever the verb, and verbs whose
# list values are all pairs (`audit.field_diff`: an update, a lift from the register).
PAIR_KEYS = frozenset({"status", "planned_end_date", "role", "digest_only"})
PAIR_VERBS = frozenset({"updated", "lifted"})
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class Vocabulary:
    """What ids and values mean: people, services and actions (their refs) by id; `labels` maps
    a key (or, where the same key means different things, "entity.key") to {stored value: label}."""

    people: Mapping[int, str] = field(default_factory=dict)
    actions: Mapping[int, str] = field(default_factory=dict)
    services: Mapping[int, str] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def hidden(key: str, entity: str) -> bool:
    """A key the history leaves out: an internal id or fingerprint, the amendment's diff, an
    action's ref (its title names the action)."""
    internal_id = key.endswith("_id") and key not in PERSON_KEYS and key not in SERVICE_KEYS
    return key in HIDDEN_KEYS or internal_id or (key == "ref" and entity == "action")


def field_name(key: str) -> str:
    """How a stored key reads: "owner_id" → "Owner", "planned_end_date" → "Planned end date"."""
    if key in FIELD_NAMES:
        return FIELD_NAMES[key]
    words = key.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def is_pair(verb: str, key: str, value: Any) -> bool:
    """The stored value is a `[before, after]` pair."""
    return isinstance(value, list) and len(value) == 2 and (verb in PAIR_VERBS or key in PAIR_KEYS)


def readable_value(entity: str, key: str, value: Any, words: Vocabulary) -> str:
    """One stored value as text: a name, a label, a date, a list joined with commas."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in PERSON_KEYS and isinstance(value, int):
        return words.people.get(value, "someone no longer listed")
    if key in SERVICE_KEYS and isinstance(value, int):
        return words.services.get(value, "a service no longer listed")
    if key == "review_weekday" and isinstance(value, int) and 0 <= value < len(WEEKDAYS):
        return WEEKDAYS[value]
    if key == "corrects" and isinstance(value, int):  # the id of the review it corrects
        return "yes"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(readable_value(entity, key, item, words) for item in value)
    if isinstance(value, dict):
        return _readable_mapping(entity, key, value, words)
    if isinstance(value, str):
        labels = words.labels.get(f"{entity}.{key}") or words.labels.get(key) or {}
        if value in labels:
            return labels[value]
        if ISO_DATE.match(value):
            return format_date(date.fromisoformat(value))
        if ISO_DATETIME.match(value):
            try:
                return format_datetime(datetime.fromisoformat(value))
            except ValueError:
                return value
    return str(value)


def _readable_mapping(entity: str, key: str, value: Mapping[str, Any], words: Vocabulary) -> str:
    """A stored mapping: a review's progress by action ("A1 On track, 85"), a closure's final
    measures, anything else as "name: value" pairs."""
    if key == "entries":
        parts = []
        for ref, entry in value.items():
            progress, *measured = entry if isinstance(entry, list) else [entry]
            text = f"{ref} {readable_value(entity, 'progress', progress, words)}"
            if measured and measured[0] is not None:
                text += f" ({readable_value(entity, 'measured_value', measured[0], words)})"
            parts.append(text)
        return "; ".join(parts)
    return "; ".join(
        f"{field_name(k)} {readable_value(entity, k, v, words)}"
        if key in ("final_measures",)
        else f"{field_name(k)}: {readable_value(entity, k, v, words)}"
        for k, v in value.items()
        if not hidden(k, entity)
    )


def describe_changes(verb: str, entity: str, changes: Mapping[str, Any] | None, words: Vocabulary) -> list[str]:
    """The event's details as lines: "Owner: Ann Carter → Mei Chen" for a field that changed (a
    pair whose two sides are the same is left out), "Measure: MAR compliance" for a value given,
    nothing for an empty one or a hidden key."""
    lines = []
    for key, value in (changes or {}).items():
        if hidden(key, entity):
            continue
        name = field_name(key)
        if is_pair(verb, key, value):
            before, after = (readable_value(entity, key, side, words) for side in value)
            if before != after:
                lines.append(f"{name}: {before} {ARROW} {after}")
            continue
        if value is None or value == "" or value == [] or value == {}:
            continue
        if key == "final_measures" and isinstance(value, list):
            text = "; ".join(_final_measure(item, words) for item in value if isinstance(item, dict))
        elif key == "controls" and isinstance(value, dict):
            text = ", ".join(readable_value(entity, "control_decision", v, words) for v in value.values())
        else:
            text = readable_value(entity, key, value, words)
        lines.append(f"{name}: {text}")
    return lines


def _final_measure(item: Mapping[str, Any], words: Vocabulary) -> str:
    """One action's final measure at closure: "A1 baseline 62, final 92, target 90, met"."""
    met = item.get("met")
    figures = ", ".join(
        f"{k} {readable_value('closure', k, item[k], words)}"
        for k in ("baseline", "final", "target")
        if item.get(k) is not None
    )
    verdict = "" if met is None else (", met" if met else ", not met")
    return f"{item.get('ref', '')} {figures}{verdict}".strip()


def event_title(
    verb: str, entity: str, changes: Mapping[str, Any] | None, names: Mapping[str, str], ref: str | None = None
) -> str:
    """What happened, in words: "Updated action A1", "Checked control", "Downloaded closure
    summary PDF". An action is named by its ref (`ref`, else the one its details recorded)."""
    what = names.get(entity) or entity.replace("_", " ")
    recorded = (changes or {}).get("ref")
    ref = ref or (recorded if isinstance(recorded, str) else None)
    suffix = f" {ref}" if entity == "action" and ref else ""
    return f"{verb.replace('_', ' ').capitalize()} {what}{suffix}"


def history_lines(events: Sequence[Any], words: Vocabulary, names: Mapping[str, str]) -> dict[int, tuple[str, list]]:
    """{event id: (title, lines)} for a page of events (with id, verb, entity, entity_id, changes)."""
    return {
        e.id: (
            event_title(
                e.verb, e.entity, e.changes, names, words.actions.get(e.entity_id) if e.entity == "action" else None
            ),
            describe_changes(e.verb, e.entity, e.changes, words),
        )
        for e in events
    }
