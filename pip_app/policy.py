"""Who may do what to which object: the role rules of DESIGN.md, in one place, deny by default.

Each predicate is a pure function of the user and the object. `visible_plans` expresses the
same "may see" rule as a SQL condition so that every list is scoped exactly as the pages are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeGuard

from sqlalchemy import ColumnElement, Integer, and_, bindparam, false, or_, select, true

from .database import constant
from .models import (
    Approval,
    ApprovalKind,
    ApprovalStatus,
    ApproverRole,
    Attachment,
    AttachmentVisibility,
    AuditEvent,
    ControlStatus,
    InterimControl,
    Letter,
    LetterKind,
    Plan,
    PlanStatus,
    Role,
    User,
)
from .plan_reads import collection_of
from .regulatory_rules import triggered

PLAN_ROLES = {Role.STAFF, Role.MANAGER, Role.SENIOR, Role.HR}


def _live(user: User | None) -> TypeGuard[User]:
    """A signed-in, active person (an anonymous visitor or a deactivated account may do nothing)."""
    return user is not None and bool(getattr(user, "is_authenticated", False)) and user.active


def _senior_for(user: User, plan: Plan) -> bool:
    return user.role is Role.SENIOR and plan.service_id in user.service_ids


def _manages(user: User, plan: Plan) -> bool:
    return user.role in (Role.MANAGER, Role.SENIOR) and plan.manager_id == user.id


def can_view_plan(user: User | None, plan: Plan) -> bool:
    """Staff see their own issued plans; managers theirs; seniors their services'; HR all issued."""
    if not _live(user):
        return False
    if user.role is Role.STAFF:
        return plan.staff_id == user.id and not plan.is_draft
    if user.role is Role.HR:
        return not plan.is_draft or _awaits_hr(plan)
    return _manages(user, plan) or _senior_for(user, plan)


def _awaits_hr(plan: Plan) -> bool:
    """A draft submitted for approval by HR (the service's approver role), which HR may read."""
    return plan.service.approver_role is ApproverRole.HR and any(
        a.kind is ApprovalKind.ISSUE and a.is_pending for a in collection_of(plan, "approvals")
    )


def can_approve(user: User | None, plan: Plan) -> bool:
    """Approve (or return) a draft before issue, or a hard closure: the service's approver role —
    its registered managers, or HR — never the plan's own manager, while the plan is open."""
    if not _live(user) or plan.is_closed or user.id == plan.manager_id:
        return False
    if plan.service.approver_role is ApproverRole.HR:
        return user.role is Role.HR
    return _senior_for(user, plan)


def can_read_approvals(user: User | None, plan: Plan) -> bool:
    """Read requests for approval (a closure or a stage waiting, its thread between the manager and
    the approver): those who may discuss them, and HR. Not the staff member: what is decided
    reaches them as a closure, a stage or a letter, not as the deliberation."""
    return can_discuss_approval(user, plan) or (can_view_plan(user, plan) and user is not None and user.role is Role.HR)


def can_discuss_approval(user: User | None, plan: Plan) -> bool:
    """Comment on a request for approval: whoever may edit the plan, and whoever may approve it."""
    return can_edit_plan(user, plan) or can_approve(user, plan)


def can_escalate(user: User | None, plan: Plan) -> bool:
    """Escalate an issued, open plan to the registered managers: whoever may edit it."""
    return can_edit_plan(user, plan) and plan.status in (PlanStatus.ACTIVE, PlanStatus.PAUSED)


def can_propose_stage(user: User | None, plan: Plan) -> bool:
    """Propose moving an issued, open plan to a formal stage (issue 20): whoever may edit it — its
    manager, or a registered manager of its service; the approver decides."""
    return can_edit_plan(user, plan) and plan.status in (PlanStatus.ACTIVE, PlanStatus.PAUSED)


def can_decide_escalation(user: User | None, plan: Plan) -> bool:
    """Decide what happens after an escalation: the registered managers of the plan's service."""
    return _live(user) and not plan.is_closed and _senior_for(user, plan)


def can_edit_plan(user: User | None, plan: Plan) -> bool:
    """Edit a draft, amend, pause, record reviews and observations: the plan's manager or a senior."""
    if not _live(user) or plan.is_closed:
        return False
    return _manages(user, plan) or _senior_for(user, plan)


def can_create_plan_for(user: User | None, staff: User) -> bool:
    """A manager for the staff they line-manage; a senior for staff in their services."""
    if not _live(user) or staff.role is not Role.STAFF or not staff.active or staff.id == user.id:
        return False
    if user.role is Role.MANAGER:
        return staff.line_manager_id == user.id
    if user.role is Role.SENIOR:
        return staff.line_manager_id == user.id or bool(staff.service_ids & user.service_ids)
    return False


def can_acknowledge(user: User | None, plan: Plan) -> bool:
    """Only the person on the plan acknowledges it, its reviews and its closure."""
    return _live(user) and user.role is Role.STAFF and plan.staff_id == user.id and not plan.is_draft


def can_close_plan(user: User | None, plan: Plan) -> bool:
    """Propose and record closure: the plan's manager or a senior for its service, if issued."""
    return can_edit_plan(user, plan) and plan.status in (PlanStatus.ACTIVE, PlanStatus.PAUSED)


def can_download_closure(user: User | None, plan: Plan) -> bool:
    """Anyone who may read an issued plan may print it; HR's closure summaries included."""
    return can_view_plan(user, plan) and not plan.is_draft


def can_see_restricted(user: User | None, plan: Plan) -> bool:
    """Restricted files on a plan (a witness statement, a fit note): the registered managers of
    its service and HR, never the staff member, nor a line manager as such."""
    return can_view_plan(user, plan) and user is not None and (user.role is Role.HR or _senior_for(user, plan))


def can_see_health_detail(user: User | None, plan: Plan) -> bool:
    """Health, disability, occupational-health and adjustment detail (issue 19): the staff member
    it is about, the registered managers of the plan's service and HR — never another manager,
    the plan's own line manager included. Anyone else is told nothing is there (404)."""
    if not can_view_plan(user, plan) or user is None:
        return False
    return user.role is Role.HR or _senior_for(user, plan) or (user.role is Role.STAFF and plan.staff_id == user.id)


def can_record_adjustments(user: User | None, plan: Plan) -> bool:
    """Record adjustments and referrals, and accept the extension they propose: the service's
    registered managers, while the plan is open."""
    return can_edit_plan(user, plan) and user is not None and _senior_for(user, plan)


def can_choose_adjustment_detail(user: User | None, plan: Plan) -> bool:
    """Choose whether the closure summary prints the adjustments' detail or only their count: the
    registered managers of the plan's service alone (HR reads the summary; the line manager may
    not see the detail), while the plan is open — a closed plan is read-only on every route."""
    return can_edit_plan(user, plan) and user is not None and not plan.is_draft and _senior_for(user, plan)


# Audit entities whose events carry restricted detail: left out of the plan's history for anyone
# who may not see that detail.
HEALTH_ENTITIES = ("adjustment", "health_referral", "restricted_panel", "health_need", "adjustment_disclosure")
# Audit entities about a letter (their entity_id is the letter's).
LETTER_ENTITIES = ("letter", "letter_pdf")


def can_view_attachment(user: User | None, plan: Plan, attachment: Attachment) -> bool:
    """A file anyone who may see the plan may see, unless it is restricted (`can_see_restricted`)."""
    if attachment.visibility is AttachmentVisibility.STAFF:
        return can_view_plan(user, plan)
    return can_see_restricted(user, plan)


def visible_history(user: User | None, plan: Plan) -> ColumnElement[bool]:
    """The SQL condition on AuditEvent for the plan's history a person sees: every event of the
    plan, except those about restricted files for anyone who may not see them (their names and
    fingerprints are in the events), those about adjustments and occupational health for
    anyone who may not see that detail, and for the staff member those about letters not sent to
    them (drafts, deleted drafts: the letter reaches them when it is sent, not as it is written)."""
    if not can_view_plan(user, plan):
        return false()
    health: ColumnElement[bool] = (
        true() if can_see_health_detail(user, plan) else AuditEvent.entity.not_in(HEALTH_ENTITIES)
    )
    if user is not None and user.role is Role.STAFF:
        sent = select(Letter.id).where(Letter.plan_id == plan.id, Letter.sent_on.is_not(None))
        health = and_(
            health,
            or_(AuditEvent.entity.not_in(LETTER_ENTITIES), AuditEvent.entity_id.in_(sent)),
        )
    if can_see_restricted(user, plan):
        return and_(AuditEvent.plan_id == plan.id, health)
    restricted = select(Attachment.id).where(
        Attachment.plan_id == plan.id, Attachment.visibility == AttachmentVisibility.RESTRICTED
    )
    return and_(
        AuditEvent.plan_id == plan.id,
        health,
        or_(AuditEvent.entity != "attachment", AuditEvent.entity_id.is_(None), AuditEvent.entity_id.not_in(restricted)),
    )


def can_attach(user: User | None, plan: Plan) -> bool:
    """Attach files and record that a copy was given: whoever may edit the plan (not once closed)."""
    return can_edit_plan(user, plan)


def can_download_case_bundle(user: User | None, plan: Plan) -> bool:
    """The case bundle (everything on the record, for HR, a tribunal or a regulator): HR and the
    service's registered managers, for an issued plan."""
    return not plan.is_draft and can_see_restricted(user, plan)


def can_view_register(user: User | None) -> bool:
    """The interim-control register: seniors, managers and HR (read-only)."""
    return _live(user) and user.role in (Role.SENIOR, Role.MANAGER, Role.HR)


# The control questions below take the control's plan as `plan` where the caller holds it (a
# plan's own page or form); read from the control instead, the plan stays on it (`control.plan`),
# and with the plan holding its controls, that cycle left the whole plan the page read (some 1,240
# objects) to Python's cyclic garbage collector rather than freed as the request ended: 0.4 ms of
# each plan page's CPU spent collecting, and 7 % in all (session 20).


def can_check_control(user: User | None, control: InterimControl, plan: Plan | None = None) -> bool:
    """Record that an active control operated: its responsible person, the plan's manager, a senior."""
    plan = control.plan if plan is None else plan
    if not _live(user) or control.status is not ControlStatus.ACTIVE or plan.is_closed:
        return False
    if user.role not in (Role.MANAGER, Role.SENIOR):
        return False
    return control.responsible_id == user.id or can_edit_plan(user, plan)


def can_lift_control(user: User | None, control: InterimControl, plan: Plan | None = None) -> bool:
    """Lifting a control is the registered manager's (senior's) decision for their service."""
    plan = control.plan if plan is None else plan
    return _live(user) and user.role is Role.SENIOR and plan.service_id in user.service_ids


def can_continue_control(user: User | None, control: InterimControl, plan: Plan | None = None) -> bool:
    """Record "reviewed: continue until …" (issue 18): the registered managers of the service —
    the control's responsible person among them when they are one — while it is in force on an
    open plan."""
    plan = control.plan if plan is None else plan
    if control.status is not ControlStatus.ACTIVE or plan.is_closed or plan.is_draft:
        return False
    return can_lift_control(user, control, plan)


def can_respond_to_disagreement(user: User | None, plan: Plan) -> bool:
    """Record the response to a staff member's disagreement (issue 18): the plan's manager or a
    registered manager of its service, on an issued plan (a closed one too: the closure may be
    what they disagreed with)."""
    return _live(user) and not plan.is_draft and (_manages(user, plan) or _senior_for(user, plan))


def can_view_regulatory(user: User | None, plan: Plan) -> bool:
    """Read a plan's regulatory decisions (issue 20): whoever may read the issued plan — HR, its
    managers, and the staff member too: the decisions are about them, a subject access request
    would disclose them anyway, and reading them is fairer than learning of a referral later."""
    return can_view_plan(user, plan) and not plan.is_draft


def can_record_regulatory(user: User | None, plan: Plan) -> bool:
    """Record the regulatory decisions: the registered managers of the plan's service, on an issued
    plan. A closed plan is read-only, except this for one whose closure ("not achieved", or the staff
    member left) or formal stage calls for the decisions (regulatory_rules.triggered)."""
    if not _live(user) or plan.is_draft or not _senior_for(user, plan):
        return False
    if not plan.is_closed:
        return True
    return triggered(plan.closure.outcome if plan.closure is not None else None, [], stage=plan.stage)


def can_read_appeal(user: User | None, plan: Plan) -> bool:
    """Read a plan's appeals (issue 20, point 3): whoever may read the issued plan — the staff
    member who appeals, their managers, HR, and the hearer (a registered manager of the service or
    HR, so already among them)."""
    return can_view_plan(user, plan) and not plan.is_draft


# An appeal is lodged, heard and decided while the plan is open: a plan under appeal does not
# close (services/closure_gate.py), and a closed plan is read-only on every route.


def _open_issued(plan: Plan) -> bool:
    return not plan.is_draft and not plan.is_closed


def can_lodge_appeal(user: User | None, plan: Plan) -> bool:
    """Appeal against an outcome letter: the staff member on their own open plan, and no one else."""
    return _live(user) and user.role is Role.STAFF and plan.staff_id == user.id and _open_issued(plan)


def can_record_appeal(user: User | None, plan: Plan) -> bool:
    """Record an appeal made another way, late ones with the reason accepted: HR, on an open plan."""
    return _live(user) and user.role is Role.HR and _open_issued(plan)


def can_assign_hearer(user: User | None, plan: Plan) -> bool:
    """Choose who hears the appeal, and link the hearing: HR, or a registered manager of the
    plan's service (whether the chosen person was involved is the operation's rule)."""
    if not _live(user) or not _open_issued(plan):
        return False
    return user.role is Role.HR or _senior_for(user, plan)


def can_decide_appeal(user: User | None, plan: Plan) -> bool:
    """Record the appeal's outcome: the person chosen to hear the appeal waiting for its outcome, only."""
    return (
        _live(user)
        and _open_issued(plan)
        and can_view_plan(user, plan)
        and any(a.outcome is None and a.hearer_id == user.id for a in collection_of(plan, "appeals"))
    )


def can_link_appeal_hearing(user: User | None, plan: Plan) -> bool:
    """Link the appeal hearing: whoever chooses the hearer, or the hearer."""
    return can_assign_hearer(user, plan) or can_decide_appeal(user, plan)


# Letters an appeal brings (issue 20): HR may draft and send these as well as the plan's managers.
APPEAL_LETTER_KINDS = frozenset({LetterKind.APPEAL_INVITATION, LetterKind.APPEAL_OUTCOME})


def can_view_letters(user: User | None, plan: Plan) -> bool:
    """See a plan's letters (issue 20): whoever may read the issued plan. The staff member sees
    only the letters sent to them (`can_read_letter`); HR and the managers see drafts too."""
    return can_view_plan(user, plan) and not plan.is_draft


def can_read_letter(user: User | None, plan: Plan, letter: Letter) -> bool:
    """Read one letter (its PDF): the staff member once it is sent to them; HR, the plan's manager
    and the service's registered managers, drafts too."""
    if not can_view_letters(user, plan) or letter.plan_id != plan.id:
        return False
    return letter.is_sent or (user is not None and user.role is not Role.STAFF)


def can_draft_letter(user: User | None, plan: Plan, kind: LetterKind) -> bool:
    """Draft (and send, draft again or delete) a letter of this kind: the plan's manager and the
    service's registered managers; appeal letters HR too. Only while the plan is issued and open:
    a closed plan is read-only, and the procedure's letters (the appeal's too) come before closure."""
    if not _live(user) or plan.is_draft or plan.is_closed:
        return False
    if kind in APPEAL_LETTER_KINDS and user.role is Role.HR:
        return can_view_plan(user, plan)
    return _manages(user, plan) or _senior_for(user, plan)


def can_draft_letters(user: User | None, plan: Plan) -> bool:
    """Draft at least one kind of letter on this plan (whether the drafting form is offered)."""
    return any(can_draft_letter(user, plan, kind) for kind in LetterKind)


def can_send_letter(user: User | None, plan: Plan, letter: Letter) -> bool:
    """Send, draft again or delete this letter: whoever may draft its kind."""
    return letter.plan_id == plan.id and can_draft_letter(user, plan, letter.kind)


def can_acknowledge_letter(user: User | None, plan: Plan, letter: Letter) -> bool:
    """Confirm receipt of a letter: only the staff member it was sent to."""
    return can_acknowledge(user, plan) and letter.plan_id == plan.id and letter.is_sent


def can_view_warnings(user: User | None) -> bool:
    """The list of improvement notes and final warnings with their expiry: HR for all, registered
    managers for their services (scoped by `visible_plans`)."""
    return _live(user) and user.role in (Role.HR, Role.SENIOR)


def can_view_hr_closures(user: User | None) -> bool:
    """The closed-plans list: HR for all, seniors for their services."""
    return _live(user) and user.role in (Role.HR, Role.SENIOR)


def can_administer(user: User | None) -> bool:
    """Users, services and roles; no plan content unless also another role."""
    return _live(user) and user.role is Role.ADMIN


def can_create_plans(user: User | None) -> bool:
    """Whether the "New plan" entry point is offered at all."""
    return _live(user) and user.role in (Role.MANAGER, Role.SENIOR)


def visible_plans(user: User | None) -> ColumnElement[bool]:
    """The SQL condition on Plan matching can_view_plan, for scoping lists."""
    if not _live(user) or user.role not in PLAN_ROLES:
        return false()
    return visible_plans_to(user.role).params(viewer_parameters(user))


@cache
def visible_plans_to(role: Role) -> ColumnElement[bool]:
    """`visible_plans` for anyone with this role, with who they are left as bound parameters (run
    it with `viewer_parameters(user)`): built once per role, for statements that are built once."""
    me = bindparam(VIEWER_ID, type_=Integer)
    not_draft = Plan.status != constant(Plan.status, PlanStatus.DRAFT)
    if role is Role.STAFF:
        return and_(Plan.staff_id == me, not_draft)
    if role is Role.HR:
        awaiting = select(Approval.plan_id).where(
            Approval.kind == ApprovalKind.ISSUE, Approval.status == ApprovalStatus.PENDING
        )
        return or_(not_draft, and_(Plan.id.in_(awaiting), Plan.service.has(approver_role=ApproverRole.HR)))
    if role is Role.MANAGER:
        return Plan.manager_id == me
    if role is Role.SENIOR:
        return or_(Plan.manager_id == me, in_viewer_services(Plan.service_id))
    return false()


VIEWER_ID, VIEWER_SERVICES = "viewer_id", "viewer_services"


def in_viewer_services(column: Any) -> ColumnElement[bool]:
    """`column IN` the viewer's services (VIEWER_SERVICES), their ids written into the statement
    as numbers when it runs (the statement is still built once). As parameters, PostgreSQL's
    generic plans built the list again for every row they tested: a group senior's open plans
    counted in 0.77 ms, 0.34 with numbers."""
    condition: ColumnElement[bool] = column.in_(bindparam(VIEWER_SERVICES, expanding=True, literal_execute=True))
    return condition


# Beyond this many services, a registered manager's lists choose their filter choices person by
# person (`sees_many_plans`): at 10,000 plans in 20 services, reading the people off every visible
# control took 60 ms for the whole group and 1.4 ms for one service; probing each person, 0.4 and 30.
FEW_SERVICES = 3


def sees_many_plans(user: User) -> bool:
    """Whether `visible_plans(user)` spans many services (HR; a registered manager of more than
    FEW_SERVICES): the lists then find the people and services on them by probing each one for a
    visible row, rather than by reading every visible row."""
    return user.role is Role.HR or (user.role is Role.SENIOR and len(user.service_ids) > FEW_SERVICES)


def viewer_parameters(user: User) -> dict[str, Any]:
    """The values `visible_plans_to(user.role)` is run with."""
    return {VIEWER_ID: user.id, VIEWER_SERVICES: sorted(user.service_ids)}


def visible_controls(user: User | None) -> ColumnElement[bool]:
    """The SQL condition on Plan for the register: issued plans the user may see."""
    if user is None or not can_view_register(user):
        return false()
    return visible_controls_to(user.role).params(viewer_parameters(user))


@cache
def visible_controls_to(role: Role) -> ColumnElement[bool]:
    """`visible_controls` for anyone with this role who may view the register, with who they are
    left as bound parameters (`viewer_parameters`), as `visible_plans_to`."""
    return and_(visible_plans_to(role), Plan.status != constant(Plan.status, PlanStatus.DRAFT))


@cache
def visible_controls_by_copy(role: Role) -> ColumnElement[bool]:
    """`visible_controls_to(role)` on InterimControl alone, through its copies of its plan's status,
    service and manager (kept by the database, migration 0032): the register's summary, and a
    filtered count that does not search, count them from one index. A test holds the two equal for
    every person of a seeded group."""
    me = bindparam(VIEWER_ID, type_=Integer)
    issued = InterimControl.plan_status != constant(InterimControl.plan_status, PlanStatus.DRAFT)
    if role is Role.HR:  # every issued plan (what HR may see of a draft waiting for approval is a draft)
        return issued
    if role is Role.MANAGER:
        return and_(InterimControl.plan_manager_id == me, issued)
    if role is Role.SENIOR:
        services = in_viewer_services(InterimControl.plan_service_id)
        # The services first: most controls a senior sees are in them, and the test stops there.
        return and_(or_(services, InterimControl.plan_manager_id == me), issued)
    return false()


def can_list_plans(user: User | None) -> bool:
    """Whether the plans list is offered (it is always scoped by visible_plans)."""
    return _live(user) and user.role in PLAN_ROLES


@dataclass(frozen=True)
class ControlRights:
    """What one person may do to one control now: record a check, lift it or continue it (only while active)."""

    check: bool
    lift: bool
    keep: bool = False  # record "reviewed: continue until …"


def control_rights(
    user: User | None, controls: Iterable[InterimControl], plan: Plan | None = None
) -> dict[int, ControlRights]:
    """Each control's rights for this person, for pages and rows to show the right buttons; `plan`:
    the plan all of them belong to, where the caller holds it (see `can_check_control`)."""
    return {
        c.id: ControlRights(
            check=can_check_control(user, c, plan),
            lift=c.status is ControlStatus.ACTIVE and can_lift_control(user, c, plan),
            keep=can_continue_control(user, c, plan),
        )
        for c in controls
    }
