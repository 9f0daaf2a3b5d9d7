"""Disagreements answered (issue 18): a staff member's "disagree" on a plan version, a weekly
review or the closure waits until the plan's manager or a registered manager records the
response — discussed on, with whom, the outcome, whether the plan changed — which the staff
member then reads and acknowledges.

The discussion happens on a real day: not one still to come, nor before the disagreement.
Who may respond or read is the caller's question (policy.can_respond_to_disagreement,
policy.can_acknowledge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import joinedload

from ..clock import now_utc, to_london, today
from ..extensions import db
from ..flags import disagreement_subject
from ..formatting import format_date
from ..models import Acknowledgement, AckResponse, DisagreementResponse, Plan, User
from ..plan_reads import PlanReads
from ..refusals import Conflict, Refusal
from . import audit, notifications

WITH_MAX = 500
OUTCOME_MAX = 4000


@dataclass
class ResponseValues:
    """The response as the form gives it (text already stripped)."""

    discussed_on: date | None
    discussed_with: str
    outcome: str
    plan_changed: bool | None


@dataclass
class Disagreement:
    """One disagreement as the plan page shows it: what it was with, and its response if any."""

    ack: Acknowledgement
    subject: str  # "version 2 of the plan", "the weekly review of 23 Nov 2026", "the closure"
    response: DisagreementResponse | None

    @property
    def disagreed_on(self) -> date:
        return to_london(self.ack.acknowledged_at).date()


# What a page loads with the plan so that its disagreements cost no statement of their own: each
# acknowledgement's response, and who recorded it, joined into the acknowledgements' SELECT.
RESPONSE_READS = PlanReads(
    collections={
        "acknowledgements": (
            joinedload(Acknowledgement.disagreement_response)
            .joinedload(DisagreementResponse.responded_by)
            .load_only(User.name),  # as plan_reads.name_of
        )
    }
)


def plan_disagreements(plan: Plan) -> list[Disagreement]:
    """Every disagreement on the plan, oldest first, each with its response (read with the plan's
    acknowledgements: load the plan with RESPONSE_READS)."""
    return [
        Disagreement(ack, disagreement_subject(ack, plan), ack.disagreement_response)
        for ack in plan.acknowledgements
        if ack.response is AckResponse.DISAGREE
    ]


def disagreement_of(plan: Plan, ack_id: int) -> Disagreement | None:
    """One disagreement of this plan (None if the acknowledgement is not a disagreement on it)."""
    return next((d for d in plan_disagreements(plan) if d.ack.id == ack_id), None)


def response_problems(disagreed_on: date, values: ResponseValues) -> list[tuple[str, str]]:
    """The response's rules, as (form field, message): empty when it may be saved."""
    problems: list[tuple[str, str]] = []
    if values.discussed_on is None:
        problems.append(("discussed_on", "Enter the day you discussed the disagreement."))
    elif values.discussed_on > today():
        problems.append(("discussed_on", "The discussion cannot be on a day still to come."))
    elif values.discussed_on < disagreed_on:
        problems.append(
            (
                "discussed_on",
                f"The disagreement was made on {format_date(disagreed_on)}: "
                "the discussion cannot be earlier than that.",
            )
        )
    if not values.discussed_with:
        problems.append(("discussed_with", "Say who was there, e.g. “Sam Patel and me”."))
    elif len(values.discussed_with) > WITH_MAX:
        problems.append(("discussed_with", f"Keep this to {WITH_MAX:,} characters or fewer."))
    if not values.outcome:
        problems.append(("outcome", "Say what the outcome was: what you agreed or decided, and why."))
    elif len(values.outcome) > OUTCOME_MAX:
        problems.append(("outcome", f"Keep this to {OUTCOME_MAX:,} characters or fewer."))
    if values.plan_changed is None:
        problems.append(("plan_changed", "Say whether the plan changed: yes or no."))
    return problems


def respond(actor: User, disagreement: Disagreement, values: ResponseValues) -> DisagreementResponse:
    """Record the response to a disagreement, and tell the staff member it is there to read."""
    ack = disagreement.ack
    if ack.response is not AckResponse.DISAGREE:
        raise Refusal("Only a disagreement needs a response.")
    if disagreement.response is not None:
        earlier = disagreement.response
        raise Conflict(
            f"This disagreement was answered by {earlier.responded_by.name} on "
            f"{format_date(to_london(earlier.responded_at).date())} while you were writing: read their response."
        )
    problems = response_problems(disagreement.disagreed_on, values)
    if problems:
        name, message = problems[0]
        raise Refusal(message, field=name)
    assert values.discussed_on is not None and values.plan_changed is not None  # checked above
    response = DisagreementResponse(
        acknowledgement=ack,
        plan_id=ack.plan_id,
        discussed_on=values.discussed_on,
        discussed_with=values.discussed_with,
        outcome=values.outcome,
        plan_changed=values.plan_changed,
        responded_by_id=actor.id,
    )
    db.session.add(response)
    db.session.flush()
    db.session.expire(ack, ["answered"])
    audit.record(
        actor,
        "recorded",
        "disagreement_response",
        response.id,
        plan_id=ack.plan_id,
        changes={
            "disagreement": disagreement.subject,
            "discussed_on": values.discussed_on,
            "discussed_with": values.discussed_with,
            "outcome": values.outcome,
            "plan_changed": values.plan_changed,
        },
    )
    notifications.disagreement_answered(response)
    return response


def mark_read(actor: User, disagreement: Disagreement) -> DisagreementResponse:
    """The staff member confirms they have read the response to their disagreement."""
    response = disagreement.response
    if response is None:
        raise Conflict("Your disagreement has not been answered yet.")
    if response.staff_read_at is not None:
        raise Conflict(
            f"You confirmed you had read this response on {format_date(to_london(response.staff_read_at).date())}."
        )
    response.staff_read_at = now_utc()
    db.session.flush()
    audit.record(
        actor,
        "read",
        "disagreement_response",
        response.id,
        plan_id=disagreement.ack.plan_id,
        changes={"disagreement": disagreement.subject, "staff_read_at": response.staff_read_at},
    )
    return response
