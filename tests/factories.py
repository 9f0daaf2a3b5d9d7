"""Builders for test data: make_user, make_service, make_plan and friends, with sensible defaults."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta

from flask import current_app
from reportlab.pdfgen import canvas
from sqlalchemy import select

from pip_app.credentials.passwords import hash_password
from pip_app.extensions import db
from pip_app.models import (
    Action,
    ContributingFactors,
    ControlKind,
    InterimControl,
    Letter,
    LetterKind,
    Plan,
    PlanStatus,
    RiskArea,
    Role,
    Service,
    User,
)
from pip_app.services import approvals
from pip_app.services.plans import allocate_reference, issue_plan

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)
_hashes: dict[tuple, str] = {}

# The builders flush, not commit: the test's own session sees the rows at once, IsolatedClient
# commits before each request, and nothing expires what a test still holds. Browser tests set
# this (tests/browser/conftest.py): their live server reads through connections of its own.
COMMIT = False


def _save(*rows) -> None:
    db.session.add_all(rows)
    if COMMIT:
        db.session.commit()
    else:
        db.session.flush()


def hashed(password: str) -> str:
    """An argon2 hash of `password`, computed once per process for each password and set of
    hashing parameters: the hash is salted, so one hash serves every user with that password.
    (Sign-in still verifies it for real; tests of hashing call hash_password themselves.)"""
    key = (password, current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    if key not in _hashes:
        _hashes[key] = hash_password(password)
    return _hashes[key]


def make_service(name: str | None = None) -> Service:
    service = Service(name=name or f"Service {next(_counter)}")
    _save(service)
    return service


def make_user(
    role: Role | str = Role.STAFF,
    *,
    email=None,
    name=None,
    services=None,
    line_manager=None,
    active=True,
    password=PASSWORD,
) -> User:
    role = Role(role)
    n = next(_counter)
    user = User(
        email=(email or f"{role.value}{n}@example.test").lower(),
        name=name or f"{role.label} {n}",
        role=role,
        password_hash=hashed(password),
        active=active,
        services=list(services or []),
        line_manager=line_manager,
    )
    _save(user)
    return user


def make_plan(
    *,
    staff: User,
    manager: User,
    service: Service,
    status=PlanStatus.ACTIVE,
    start: date | None = None,
    weeks: int = 4,
    factors: str | None = "None identified: workload, rota and induction checked in supervision.",
    **fields,
) -> Plan:
    """A plan; `factors` answers its contributing factors ("none identified, because …") so that
    it may be issued — None leaves them unanswered."""
    start = start or date(2026, 11, 2)
    plan = Plan(
        **allocate_reference(start.year),
        staff=staff,
        manager=manager,
        service=service,
        status=status,
        version=0 if status is PlanStatus.DRAFT else 1,
        start_date=start,
        planned_end_date=start + timedelta(weeks=weeks),
        review_weekday=start.weekday(),
        next_review_date=None if status is PlanStatus.DRAFT else start + timedelta(days=7),
        risk_area=fields.pop("risk_area", RiskArea.ESCALATION),
        risk_statement=fields.pop("risk_statement", "Deterioration is recorded but not escalated."),
        **fields,
    )
    if factors is not None:
        db.session.add(ContributingFactors(plan=plan, none_identified_reason=factors, updated_by=manager))
    _save(plan)
    return plan


def make_control(plan: Plan, responsible: User, **fields) -> InterimControl:
    control = InterimControl(
        plan=plan,
        kind=fields.pop("kind", ControlKind.ESCALATION_SIGN_OFF),
        detail=fields.pop("detail", "Senior confirms each escalation decision."),
        responsible=responsible,
        start_date=fields.pop("start_date", plan.start_date),
        review_by_date=fields.pop("review_by_date", plan.start_date + timedelta(weeks=2)),
        **fields,
    )
    _save(control)
    return control


def make_action(plan: Plan, number: int | None = None, **fields) -> Action:
    action = Action(
        plan=plan,
        number=number or len(plan.actions) + 1,
        behaviour=fields.pop("behaviour", "Record escalation rationale using the threshold tool"),
        when=fields.pop("when", "every shift"),
        check_method=fields.pop("check_method", "Weekly record review"),
        success_criterion=fields.pop("success_criterion", "100% of changes have a recorded rationale"),
        **fields,
    )
    _save(action)
    return action


def approver_for(plan: Plan) -> User:
    """Someone who may approve the plan's requests (issue 18): a registered manager of its service
    who does not manage it (one is made if there is none)."""
    seniors = db.session.scalars(select(User).where(User.role == Role.SENIOR, User.active.is_(True)))
    found = next((u for u in seniors if plan.service in u.services and u.id != plan.manager_id), None)
    return found or make_user(Role.SENIOR, services=[plan.service])


def approve_for_issue(plan: Plan, approver: User | None = None, override_reason: str | None = None) -> None:
    """Submit a ready draft for approval as its manager and approve it, so that the manager may
    issue it."""
    request = approvals.submit_for_issue(plan.manager, plan, override_reason=override_reason)
    approvals.approve(approver or approver_for(plan), request)
    db.session.commit()


def make_issued_plan(world: dict, start: date) -> Plan:
    """An issued plan of `world`'s staff member (conftest's `world`), managed by its manager, six
    weeks from `start`: one interim control, a measured action (A1, MAR compliance in %, target 90
    on two consecutive reviews) and one without a measure (A2)."""
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=start,
        weeks=6,
        evidence_sources=["audit"],
    )
    make_control(plan, world["senior"])
    make_action(
        plan,
        1,
        measure_name="MAR compliance",
        measure_unit="%",
        measure_baseline=62,
        measure_target=90,
        measure_consecutive=2,
    )
    make_action(plan, 2)
    approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


def make_sent_letter(plan: Plan, by: User, sent_on: date) -> Letter:
    """An improvement note `by` drafted and sent on `sent_on`, with no content: what an appeal is
    lodged against."""
    letter = Letter(
        plan=plan,
        kind=LetterKind.IMPROVEMENT_NOTE,
        content={},
        plan_row_version=1,
        drafted_by=by,
        sent_by=by,
        sent_on=sent_on,
    )
    _save(letter)
    return letter


def pdf_file(text: str) -> bytes:
    """A one-page PDF saying `text`: a file the attachments take."""
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()
