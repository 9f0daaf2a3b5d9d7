"""Controls that continue (issue 18, point 5): the responsible senior reviews a control whose
review is due and records "reviewed: continue until <date>, because …". That sets the day its
next review is due (flags.review_due) and so clears the "review date passed" flag, without
touching the review-by date the plan was issued with: continuing is governance, not an
amendment, and the plan does not look changed.

The new date is after today and at most CONTINUE_MAX_WEEKS ahead (a control continues for a
stated while, then is reviewed again); the reason is required. Who may continue a control is
the caller's question (policy.can_continue_control)."""

from __future__ import annotations

from datetime import date, timedelta

from ..clock import today
from ..extensions import db
from ..flags import review_due
from ..formatting import format_date
from ..models import InterimControl, User
from ..refusals import Conflict
from . import audit
from .controls import ControlError, ensure_active

CONTINUE_MAX_WEEKS = 12
REASON_MAX = 2000


def continue_problems(until: date | None, reason: str | None, day: date) -> list[tuple[str, str]]:
    """The rules of a continuation, as (form field, message): empty when it may be saved."""
    problems: list[tuple[str, str]] = []
    latest = day + timedelta(weeks=CONTINUE_MAX_WEEKS)
    if until is None:
        problems.append(("continued_until", "Enter the date the control continues until."))
    elif until <= day:
        problems.append(("continued_until", "The control continues until a day after today: choose a later date."))
    elif until > latest:
        problems.append(
            (
                "continued_until",
                f"Continue a control for at most {CONTINUE_MAX_WEEKS} weeks at a time (until {format_date(latest)} "
                "at the latest), then review it again.",
            )
        )
    text = (reason or "").strip()
    if not text:
        problems.append(("reason", "Say why the control continues: what the review found."))
    elif len(text) > REASON_MAX:
        problems.append(("reason", f"Keep this to {REASON_MAX:,} characters or fewer."))
    return problems


def continue_control(actor: User, control: InterimControl, until: date | None, reason: str | None) -> None:
    """Record that the control was reviewed and continues until `until`, and why."""
    ensure_active(control)
    if control.plan.is_closed:
        raise Conflict("This plan is closed: its controls can no longer be continued.")
    day = today()
    problems = continue_problems(until, reason, day)
    if problems:
        name, message = problems[0]
        raise ControlError(message, name)
    assert until is not None  # checked above
    due_before = review_due(control.review_by_date, control.continued_until)
    values = {
        "continued_until": until,
        "continue_reason": (reason or "").strip(),
        "continued_by_id": actor.id,
        "continued_on": day,
    }
    changes = audit.field_diff(control, values)
    for name, value in values.items():
        setattr(control, name, value)
    db.session.flush()
    audit.record(
        actor,
        "continued",
        "control",
        control.id,
        plan_id=control.plan_id,
        changes={"control": control.kind.label, "review_was_due": due_before, **changes},
    )
