"""Plans as lists show them: a few columns each, read as plain rows, not ORM objects.

A dashboard or a list of fifty plans needs a reference, a name, a service, some dates, and (for
the flags) a handful of small facts about each plan's controls, observations, actions, reviews,
acknowledgements and versions. Read as rows, those cost a fraction of hydrating the same plans as
ORM objects with their collections. The flags themselves are still decided by the pure rules in
`flags.py`, which read these rows exactly as they read a loaded plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, select
from sqlalchemy.orm import aliased

from ..database import fixed, read_rows
from ..flags import last_reviews
from ..models import (
    Acknowledgement,
    Action,
    ActionStatus,
    Approval,
    ApprovalStatus,
    Closure,
    ClosureOutcome,
    ControlStatus,
    Escalation,
    InterimControl,
    Meeting,
    Nation,
    Observation,
    ObservationStatus,
    Plan,
    PlanStage,
    PlanStatus,
    PlanType,
    PlanVersion,
    ProfessionalRegister,
    RegulatoryDecision,
    Review,
    ReviewEntry,
    RiskArea,
    Service,
    User,
    awaiting_appeal_outcome,
)
from ..regulatory_rules import triggered


class ActionRow(NamedTuple):
    id: int
    plan_id: int
    number: int
    status: ActionStatus

    @property
    def ref(self) -> str:
        return f"A{self.number}"


@dataclass
class ReviewRow:
    id: int
    plan_id: int
    review_date: date
    created_at: datetime
    corrects_review_id: int | None
    entries: list[Any] = field(default_factory=list)  # (action_id, progress) rows of the last two


@dataclass
class PlanRow:
    """What a list shows of a plan, and (after `load_flag_inputs`) what its flags read."""

    id: int
    reference: str
    status: PlanStatus
    risk_area: RiskArea
    version: int
    staff_id: int
    staff_name: str
    service_name: str
    next_review_date: date | None
    planned_end_date: date
    stage: PlanStage
    plan_type: PlanType
    # What the regulatory flag reads (issue 20): the staff member's nation and register, the
    # closure's outcome (a closed plan only), and the decisions recorded (only once triggered).
    staff_nation: Nation | None = None
    staff_register: ProfessionalRegister | None = None
    closure_outcome: ClosureOutcome | None = None
    under_appeal: bool = False  # an appeal waits for its outcome (issue 20, point 3)
    controls: list[Any] = field(default_factory=list)
    observations: list[Any] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    reviews: list[ReviewRow] = field(default_factory=list)
    acknowledgements: list[Any] = field(default_factory=list)
    versions: list[Any] = field(default_factory=list)
    approvals: list[Any] = field(default_factory=list)  # those waiting for a decision
    escalations: list[Any] = field(default_factory=list)  # those without a decision
    meetings: list[Any] = field(default_factory=list)  # those whose minutes are not shared yet
    regulatory_decisions: list[Any] = field(default_factory=list)  # read only where the flag needs them


_staff, _service, _closure = aliased(User), aliased(Service), aliased(Closure)
PLAN_COLUMNS = (
    Plan.id,
    Plan.reference,
    Plan.status,
    Plan.risk_area,
    Plan.version,
    Plan.staff_id,
    _staff.name,
    _service.name,
    Plan.next_review_date,
    Plan.planned_end_date,
    Plan.stage,
    Plan.plan_type,
    _staff.nation,
    _staff.professional_register,
    _closure.outcome,
    awaiting_appeal_outcome().label("under_appeal"),
)


def plan_rows_query(*conditions: ColumnElement[bool]) -> Select[Any]:
    """SELECT the listed columns of the plans meeting `conditions`, with the staff member's and
    the service's names joined in (and a closed plan's outcome: one closure per plan at most);
    the caller orders and limits it."""
    return (
        select(*PLAN_COLUMNS)
        .join(_staff, _staff.id == Plan.staff_id)
        .join(_service, _service.id == Plan.service_id)
        .outerjoin(_closure, _closure.plan_id == Plan.id)
        .where(*conditions)
    )


def plan_rows(statement: Select[Any], parameters: Mapping[str, Any] | None = None) -> list[PlanRow]:
    """Run a `plan_rows_query` statement (with the values of its bound `parameters`, if any)."""
    return [PlanRow(*row) for row in read_rows(statement, parameters).all()]


def first_plan_rows(
    conditions: Sequence[ColumnElement[bool]], order: Sequence[Any], limit: int, offset: int = 0
) -> list[PlanRow]:
    """The plans meeting `conditions`, `limit` of them from `offset` on in `order`: chosen by their
    ids alone, then read with their names and columns, so that only those few are joined and have
    their appeal looked up (not every plan that matches, before the sort)."""
    return plan_rows(first_plan_rows_query(conditions, order, fixed(limit), offset))


def first_plan_rows_query(
    conditions: Sequence[ColumnElement[bool]], order: Sequence[Any], limit: BindParameter[int], offset: int = 0
) -> Select[Any]:
    """The statement `first_plan_rows` runs, for a caller that builds it once (its limit `fixed`)."""
    chosen = select(Plan.id).where(*conditions).order_by(*order).limit(limit).offset(fixed(offset))
    return plan_rows_query(Plan.id.in_(chosen)).order_by(*order)


@cache
def flag_input_statements() -> dict[str, Select[Any]]:
    """What `load_flag_inputs` reads, a statement per attribute of `PlanRow`, each run with the
    plans' `ids`. Built once: building ten statements took longer than running them."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    return {
        "controls": select(
            InterimControl.plan_id,
            InterimControl.id,
            InterimControl.kind,
            InterimControl.status,
            InterimControl.review_by_date,
            InterimControl.last_checked_on,
            InterimControl.start_date,
            InterimControl.continued_until,
        )
        .where(InterimControl.plan_id.in_(ids), InterimControl.status == ControlStatus.ACTIVE)
        .order_by(InterimControl.plan_id, InterimControl.id),
        "observations": select(Observation.plan_id, Observation.status, Observation.scheduled_on)
        .where(Observation.plan_id.in_(ids), Observation.status == ObservationStatus.PLANNED)
        .order_by(Observation.plan_id, Observation.scheduled_on, Observation.id),
        "actions": select(Action.id, Action.plan_id, Action.number, Action.status)
        .where(Action.plan_id.in_(ids))
        .order_by(Action.plan_id, Action.number),
        "reviews": select(Review.id, Review.plan_id, Review.review_date, Review.created_at, Review.corrects_review_id)
        .where(Review.plan_id.in_(ids))
        .order_by(Review.plan_id, Review.review_date, Review.id),
        "acknowledgements": select(
            Acknowledgement.plan_id,
            Acknowledgement.user_id,
            Acknowledgement.subject,
            Acknowledgement.plan_version,
            Acknowledgement.review_id,
            Acknowledgement.id,
            Acknowledgement.response,
            Acknowledgement.acknowledged_at,
            Acknowledgement.answered.label("answered"),
        )
        .where(Acknowledgement.plan_id.in_(ids))
        .order_by(Acknowledgement.plan_id, Acknowledgement.acknowledged_at, Acknowledgement.id),
        "versions": select(PlanVersion.plan_id, PlanVersion.version, PlanVersion.created_at)
        .where(PlanVersion.plan_id.in_(ids))
        .order_by(PlanVersion.plan_id, PlanVersion.version),
        "approvals": select(Approval.plan_id, Approval.kind, Approval.status, Approval.requested_at)
        .where(Approval.plan_id.in_(ids), Approval.status == ApprovalStatus.PENDING)
        .order_by(Approval.plan_id, Approval.id),
        "escalations": select(Escalation.plan_id, Escalation.raised_at, Escalation.decision)
        .where(Escalation.plan_id.in_(ids), Escalation.decision.is_(None))
        .order_by(Escalation.plan_id, Escalation.id),
        "meetings": select(Meeting.plan_id, Meeting.held_on, Meeting.minutes_shared_on)
        .where(Meeting.plan_id.in_(ids), Meeting.minutes_shared_on.is_(None))
        .order_by(Meeting.plan_id, Meeting.held_on, Meeting.id),
        "regulatory_decisions": select(RegulatoryDecision.plan_id, RegulatoryDecision.question).where(
            RegulatoryDecision.plan_id.in_(ids)
        ),
        "entries": select(ReviewEntry.review_id, ReviewEntry.action_id, ReviewEntry.progress).where(
            ReviewEntry.review_id.in_(ids)
        ),
    }


# What is read for every plan; the regulatory decisions only for the plans that need them, and
# the entries only of each plan's last two reviews.
EVERY_PLANS_INPUTS = (
    "controls",
    "observations",
    "actions",
    "reviews",
    "acknowledgements",
    "versions",
    "approvals",
    "escalations",
    "meetings",
)
# The rows of these attributes, as the flags read them (the others are read as they come).
ROW_TYPES: dict[str, Callable[..., Any]] = {"actions": ActionRow, "reviews": ReviewRow}


def load_flag_inputs(plans: Sequence[PlanRow], read: Callable[..., Any] = read_rows) -> None:
    """Attach to each plan what `flags.plan_flags` reads of it, in ten statements (and one more
    where a plan needs regulatory decisions) of a few
    columns each, however many plans (the caller bounds them): only controls in force, planned
    observations, meetings whose minutes are not shared, requests waiting for a decision and open
    escalations can carry a flag, so only those are read. `read` runs each statement (by default
    in the request's session; `services.attention` gives its own connection)."""
    if not plans:
        return
    by_id = {plan.id: plan for plan in plans}
    statements = flag_input_statements()

    def fill(attribute: str, ids: list[int]) -> None:
        make = ROW_TYPES.get(attribute)
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in read(statements[attribute], {"ids": ids}):
            grouped[row.plan_id].append(make(*row) if make else row)
        for plan_id, items in grouped.items():
            setattr(by_id[plan_id], attribute, items)

    every = list(by_id)
    for attribute in EVERY_PLANS_INPUTS:
        fill(attribute, every)
    # The regulatory decisions of the plans that need them (issue 20): only those at a formal stage,
    # closed "not achieved" or "left", or with restricted duties or removal from regulated activity
    # in force; no statement at all when none does.
    needing = [p.id for p in plans if triggered(p.closure_outcome, [c.kind for c in p.controls], stage=p.stage)]
    if needing:
        fill("regulatory_decisions", needing)
    # The entries of each plan's last two reviews: the only ones the flags read.
    latest = {review.id: review for plan in plans for review in last_reviews(plan, 2)}
    if latest:
        for entry in read(statements["entries"], {"ids": list(latest)}):
            latest[entry.review_id].entries.append(entry)
