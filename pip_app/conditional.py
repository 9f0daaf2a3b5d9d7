"""Conditional GET for the plan page and the plan's PDFs (issue 15, point 4): a client that kept
its copy sends its ETag back (If-None-Match) and gets 304 Not Modified — no loading of the
plan's rows, no rendering, no PDF built, no download recorded — while the copy is still the one
this person would be given now.

The ETag is weak (the same meaning, not byte for byte: a PDF names when it was made) and is a
digest of everything the response depends on:
- the plan's last change: every change to a plan writes an audit event for it in the same
  transaction (services/audit.py), so the newest such event, reads left out, marks the plan's
  state with its controls, actions, reviews, meetings and decisions (`audit.latest_change`);
  the plan's own row_version besides;
- the names shown for its staff member, manager and service, and the service's approver;
- the person asking and their role (each sees their own page: their forms, what they may do),
  and their session's CSRF token (forms on a kept page must still post);
- the day in Europe/London (flags fall due by the day);
- the code and templates that built it (`build`).

Pages stay `Cache-Control: no-store` (security.py): browsers keep no copy of a care record, so
it is a client that keeps its own copy — a records system fetching closure summaries — that
revalidates. A page rendered with flashed messages has no ETag (a kept copy must never bring an
old message back)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from flask import Response, make_response, request, session
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import joinedload

from .access import current_person
from .clock import today
from .models import Plan
from .plan_reads import PlanReads, read_with_plan
from .services import audit

# What the ETag reads of the plan (and policy, to let the person in): a route loads only these
# first, and the rest once it knows the client's copy will not do.
# Its last change is read in the plan's own SELECT: a statement of its own was a round trip more.
ETAG_READS = PlanReads(
    joined=(joinedload(Plan.staff), joinedload(Plan.manager), joinedload(Plan.service)),
    columns={"latest_change": audit.LATEST_CHANGE_OF_PLAN},
)


@cache
def build() -> str:
    """A digest of the app's code and templates: a deployment that changes them changes every ETag."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(p for p in root.rglob("*") if p.suffix in {".py", ".html", ".txt"}):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _csrf_token() -> str:
    """The session's CSRF secret, made now if this is the session's first form (as rendering the
    page would make it): the forms on a kept copy post with it."""
    generate_csrf()
    return str(session.get("csrf_token", ""))


def _latest_change(plan: Plan) -> int:
    """The plan's last change (`audit.latest_change`), as read with the plan (ETAG_READS) if it was."""
    read = read_with_plan(plan)
    return (read["latest_change"] or 0) if "latest_change" in read else audit.latest_change(plan.id)


def plan_etag(plan: Plan, variant: str) -> str:
    """This person's `variant` ("page", "closure", "plan") of the plan as it is now, as an ETag value."""
    me = current_person()
    material = (
        build(),
        variant,
        plan.id,
        plan.row_version,
        _latest_change(plan),
        plan.staff.name,
        plan.manager.name,
        plan.service.name,
        plan.service.approver_role.value,
        me.id,
        me.role.value,
        _csrf_token(),
        today().isoformat(),
    )
    return hashlib.sha256(repr(material).encode()).hexdigest()[:32]


def unless_unchanged(plan: Plan, variant: str, respond: Callable[[], ResponseReturnValue]) -> Response:
    """304 if the client's copy is the one `respond` would give now; else `respond`'s response
    with its ETag. `plan` needs only what ETAG_READS reads (its staff member, manager and service,
    and its last change): `respond` loads the rest, so that a 304 costs one statement after the
    person's own."""
    if session.get("_flashes"):
        return make_response(respond())
    etag = plan_etag(plan, variant)
    if request.if_none_match.contains_weak(etag):
        unchanged = Response(status=304)
        unchanged.set_etag(etag, weak=True)
        return unchanged
    response = make_response(respond())
    if response.status_code == 200:
        response.set_etag(etag, weak=True)
    return response
