"""One way in: every route says who may use it in one decorator, before its body runs.

- `requires(rule)`: signed in and `rule(user)` holds, else 403 (lists, the register, admin).
- `control_route`: a register role (else 403) and the route's `control_id`, a control on an
  issued plan the person may see (else 404), passed as `control`.
- `plan_route(rule, reads=…, parts=…)`: signed in; the route's `plan_id` loaded (locked for a
  write), 404 if it does not exist or the person may not see it (so its existence does not
  leak), 403 if they may see it but `rule` refuses; the view receives `plan`, with what `reads`
  names (`plan_reads.PlanReads`), and each `<name_id>` listed in `parts` as `name`, a part of
  that plan (else 404).

Where policy is checked: here, in views — always. Operations take an authorised actor and
enforce the domain's rules only (dates, states, lengths), raising `refusals.Refusal`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from . import policy
from .database import SAFE_METHODS
from .extensions import db
from .models import InterimControl, Plan, User
from .plain_rows import Rows
from .plan_reads import PLAN_ROW, PlanReads, read_collections, read_plan

Rule = Callable[[Any, Plan], bool]


def current_person() -> User:
    """The signed-in person themselves. Each use of Flask-Login's `current_user` proxy looks them
    up again (about 3 µs): code that asks the policy several questions takes them once."""
    person: User = current_user._get_current_object()
    return person


def requires(rule: Callable[[Any], bool]) -> Callable:
    """Decorate a view that only signed-in people whose role passes `rule` may use (else 403)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not rule(current_user):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def plan_route(
    rule: Rule = policy.can_view_plan,
    *,
    reads: PlanReads = PLAN_ROW,
    parts: Mapping[str, type] | None = None,
    seen_by: Rule = policy.can_view_plan,
    collections_later: bool = False,
    plain: Rows | None = None,
) -> Callable:
    """Decorate a view of one plan: it is called with `plan` (and its `parts`) already checked.
    `reads` is what the view reads with the plan; `seen_by` narrows who is told the page exists
    at all (restricted detail: 404 for anyone else, as for a plan they may not see). With
    `collections_later` the view reads the collections itself (`plan_reads.read_collections`),
    once it knows it needs them: a conditional GET answered 304 reads the plan's row alone. With
    `plain` (a page that only shows the plan, on GET), the plan is read as a plain row with what
    that joins to it (`plain_rows`)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(plan_id: int, **kwargs: Any) -> Any:
            plan = plan_or_404(
                plan_id, rule, reads=reads, seen_by=seen_by, collections=not collections_later, plain=plain
            )
            for argument, model in (parts or {}).items():
                kwargs[argument.removesuffix("_id")] = part_or_404(plan, model, kwargs.pop(argument))
            return view(plan, **kwargs)

        return guarded

    return decorate


def control_route(view: Callable) -> Callable:
    """Decorate a register view of one control: signed in with a role that sees the register
    (else 403); the route's `control_id` loaded, on an issued plan the person may see (else 404)."""

    @wraps(view)
    @requires(policy.can_view_register)
    def guarded(control_id: int, **kwargs: Any) -> Any:
        control = db.session.get(InterimControl, control_id, options=[joinedload(InterimControl.plan)])
        if control is None or control.plan.is_draft or not policy.can_view_plan(current_user, control.plan):
            abort(404)
        return view(control, **kwargs)

    return guarded


def plan_or_404(
    plan_id: int,
    allowed: Rule = policy.can_view_plan,
    *,
    reads: PlanReads = PLAN_ROW,
    seen_by: Rule = policy.can_view_plan,
    collections: bool = True,
    plain: Rows | None = None,
) -> Plan:
    """The plan if it exists and the current user passes `allowed`; a plan they may not
    see answers 404 rather than 403, so its existence does not leak.

    A request that may write locks the plan's row first (SELECT … FOR UPDATE OF plans on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), so two people saving on
    one plan at once are taken in turn and the second sees the first's change — its stale
    form is then refused with a 409 rather than overwriting anything.

    The plan's collections are read only once the person is allowed: a refused request reads
    the plan's own row and nothing more."""
    safe = request.method in SAFE_METHODS
    plan = read_plan(plan_id, reads, lock=not safe, plain=plain if safe else None)
    me = current_person()
    if plan is None or not policy.can_view_plan(me, plan) or not seen_by(me, plan):
        abort(404)
    if not allowed(me, plan):
        abort(403)
    if collections:
        read_collections(plan, reads)
    return plan


def part_or_404(plan: Plan, model: type, part_id: int) -> Any:
    """A control, action, observation or review of this (already checked) plan, or 404."""
    part = db.session.get(model, part_id)
    if part is None or part.plan_id != plan.id:
        abort(404)
    return part
