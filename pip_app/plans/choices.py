"""Who may be picked in the plan forms: staff for a new plan, responsible seniors, observers, owners."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from .. import policy
from ..extensions import db
from ..models import Plan, Role, User, user_services


def staff_choices(actor: User) -> list[SelectChoice]:
    """The staff this actor may open a plan for."""
    candidates = db.session.scalars(
        select(User)
        .where(User.role == Role.STAFF, User.active.is_(True))
        .options(selectinload(User.services))
        .order_by(User.name)
    )
    return [SelectChoice(u.id, u.name) for u in candidates if policy.can_create_plan_for(actor, u)]


def service_choices(actor: User) -> list[SelectChoice]:
    """The services this actor works in."""
    return [SelectChoice(s.id, s.name) for s in actor.services]


def _people_in_service(service_id: int, roles) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(user_services)
            .where(user_services.c.service_id == service_id, User.role.in_(roles), User.active.is_(True))
            .order_by(User.name)
        )
    )


def responsible_choices(plan: Plan) -> list[SelectChoice]:
    """Seniors and managers of the plan's service, who can operate an interim control."""
    people = _people_in_service(plan.service_id, (Role.SENIOR, Role.MANAGER))
    if plan.manager not in people:
        people.append(plan.manager)
    return [SelectChoice(u.id, f"{u.name} ({u.role.label.lower()})") for u in people]


observer_choices = responsible_choices


def owner_choices(plan: Plan) -> list[SelectChoice]:
    """The staff member first (most actions are theirs), then the people who support them."""
    return [SelectChoice(plan.staff_id, f"{plan.staff.name} (staff member)")] + responsible_choices(plan)
