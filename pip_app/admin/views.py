"""Users and services, for the system administrator: roles, deactivation, reset links."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..database import fixed
from ..extensions import db
from ..models import ApproverRole, AuditEvent, Nation, ProfessionalRegister, Role, Service, User
from ..params import BadParameter, date_arg, id_arg, page_arg, text_arg
from ..services import two_factor
from ..services import users as accounts
from ..services.regulatory import registration_in_words
from ..services.two_factor import TwoFactorError
from ..services.users import UserError
from . import bp
from .forms import ApproverForm, ConfirmForm, RegistrationForm, RoleForm

# What each account event means, for the activity list on a person's page.
EVENT_LABELS = {
    "created": "Account created",
    "signed_in": "Signed in",
    "signed_out": "Signed out",
    "sign_in_failed": "Sign-in failed",
    "throttled": "Sign-in paused after too many failures",
    "password_changed": "Password changed",
    "password_check_failed": "Wrong current password typed",
    "session_revoked": "Signed out everywhere",
    "two_factor_enrolled": "Two-factor sign-in set up",
    "two_factor_disabled": "Two-factor sign-in turned off",
    "two_factor_reset": "Two-factor sign-in reset by an administrator",
    "recovery_code_used": "Recovery code used",
    "recovery_codes_replaced": "New recovery codes made",
    "reset_link_created": "Password reset link created",
    "role_changed": "Role changed",
    "deactivated": "Account deactivated",
    "reactivated": "Account reactivated",
    "registration_changed": "Nation and professional register recorded",
}


@bp.before_request
@login_required
def require_admin():
    """Every admin page is for administrators only."""
    if not policy.can_administer(current_user):
        abort(403)


def _person(user_id: int) -> User:
    person = db.session.get(User, user_id, options=[selectinload(User.services), joinedload(User.line_manager)])
    if person is None:
        abort(404)
    return person


def _forms(person: User, **given) -> dict:
    forms = {
        "role": RoleForm(prefix="role", role=person.role.value),
        "active": ConfirmForm(prefix="active"),
        "reset": ConfirmForm(prefix="reset"),
        "two_factor": ConfirmForm(prefix="two_factor"),
        "registration": RegistrationForm(
            formdata=None,
            prefix="registration",
            nation=person.nation.value if person.nation else "",
            professional_register=person.professional_register.value if person.professional_register else "",
            registration_number=person.registration_number or "",
        ),
    }
    forms.update(given)
    return forms


def _user_page(person: User, status: int = 200, refusal: str | None = None, **forms):
    """The person's page with every action form (one of them possibly showing its errors)."""
    events = db.session.scalars(
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.entity == "user", AuditEvent.entity_id == person.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(fixed(15))
    ).all()
    return render_template(
        "admin/user.html",
        person=person,
        forms=_forms(person, **forms),
        events=events,
        labels=EVENT_LABELS,
        roles=Role,
        two_factor_required=two_factor.required_for(person),
        registration=registration_in_words(person),
        refusal=refusal,
    ), status


def _done(person: User, message: str):
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=person.id), code=303)


def _refused(person: User, message: str):
    """The operation said no: nothing is saved and the page says why."""
    db.session.rollback()
    return _user_page(_person(person.id), 422, refusal=message)


@bp.get("/users")
def users():
    """Everyone with an account, their role, services and line manager."""
    people = db.session.scalars(
        select(User).options(selectinload(User.services), joinedload(User.line_manager)).order_by(User.name)
    ).all()
    return _users_page(people)


def _users_page(people=None, status: int = 200, forms: dict | None = None, refusal: str | None = None):
    if people is None:
        people = db.session.scalars(
            select(User).options(selectinload(User.services), joinedload(User.line_manager)).order_by(User.name)
        ).all()
    services = db.session.scalars(select(Service).order_by(Service.name)).all()
    approver_forms = {
        s.id: ApproverForm(formdata=None, prefix=f"approver{s.id}", approver_role=s.approver_role.value)
        for s in services
    } | (forms or {})
    return (
        render_template(
            "admin/users.html", people=people, services=services, approver_forms=approver_forms, refusal=refusal
        ),
        status,
    )


@bp.post("/services/<int:service_id>/approver")
def set_approver(service_id: int):
    """Choose who approves a service's plans: its registered managers (the default) or HR."""
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    form = ApproverForm(prefix=f"approver{service.id}")
    if not form.validate():
        return _users_page(status=422, forms={service.id: form})
    try:
        accounts.set_approver_role(current_user, service, ApproverRole(form.approver_role.data))
    except UserError as error:
        db.session.rollback()
        return _users_page(status=422, forms={service.id: form}, refusal=str(error))
    flash(f"{service.name}: plans are now approved by {service.approver_role.label.lower()}.", "success")
    return redirect(url_for("admin.users", _anchor="services-h"), 303)


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    """One person's account: details, recent sign-in activity and the changes an admin may make."""
    return _user_page(_person(user_id))


@bp.post("/users/<int:user_id>/role")
def change_role(user_id: int):
    """Give someone another role; their sessions end."""
    person = _person(user_id)
    form = RoleForm(prefix="role")
    if not form.validate():
        return _user_page(person, 422, role=form)
    try:
        accounts.change_role(current_user, person, Role(form.role.data))
    except UserError as error:
        return _refused(person, str(error))
    return _done(person, f"{person.name} is now a {person.role.label.lower()}. Their sessions have been ended.")


@bp.post("/users/<int:user_id>/registration")
def set_registration(user_id: int):
    """Record the nation someone works in and their professional register (and number)."""
    person = _person(user_id)
    form = RegistrationForm(prefix="registration")
    if not form.validate():
        return _user_page(person, 422, registration=form)
    try:
        accounts.set_registration(
            current_user,
            person,
            Nation(form.nation.data),
            ProfessionalRegister(form.professional_register.data),
            form.registration_number.data,
        )
    except UserError as error:
        db.session.rollback()
        return _user_page(_person(user_id), 422, refusal=str(error), registration=form)
    return _done(person, f"{person.name}'s nation and professional register are recorded.")


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int):
    """Stop someone signing in; their sessions and reset links end at once."""
    person = _person(user_id)
    form = ConfirmForm(prefix="active")
    if not form.validate():
        return _user_page(person, 422, active=form)
    try:
        accounts.deactivate_user(current_user, person)
    except UserError as error:
        return _refused(person, str(error))
    return _done(person, f"{person.name}'s account is deactivated and every session of theirs has ended.")


@bp.post("/users/<int:user_id>/reactivate")
def reactivate(user_id: int):
    """Let a deactivated person sign in again."""
    person = _person(user_id)
    form = ConfirmForm(prefix="active")
    if not form.validate():
        return _user_page(person, 422, active=form)
    try:
        accounts.reactivate_user(current_user, person)
    except UserError as error:
        return _refused(person, str(error))
    return _done(person, f"{person.name}'s account is active again.")


@bp.post("/users/<int:user_id>/reset-link")
def create_reset_link(user_id: int):
    """Make a single-use reset link and show it once, for the admin to pass on."""
    person = _person(user_id)
    form = ConfirmForm(prefix="reset")
    if not form.validate():
        return _user_page(person, 422, reset=form)
    try:
        token = accounts.create_reset_link(current_user, person)
    except UserError as error:
        return _refused(person, str(error))
    link = url_for("auth.reset_password", token=token, _external=True)
    return render_template("admin/reset_link.html", person=person, link=link)


@bp.post("/users/<int:user_id>/two-factor/reset")
def reset_two_factor(user_id: int):
    """Remove someone's two-factor sign-in (lost phone and codes); they set it up again."""
    person = _person(user_id)
    form = ConfirmForm(prefix="two_factor")
    if not form.validate():
        return _user_page(person, 422, two_factor=form)
    try:
        two_factor.turn_off(current_user, person)
    except TwoFactorError as error:
        return _refused(person, str(error))
    return _done(person, f"Two-factor sign-in is reset for {person.name}. They set it up again at their next sign-in.")


AUDIT_PAGE_SIZE = 50
AUDIT_MAX_PAGE = 100_000  # keeps OFFSET within BIGINT


@bp.get("/audit")
def audit():
    """The whole audit trail, newest first, filtered by person, record type, action and dates."""
    from datetime import datetime, time, timedelta

    from sqlalchemy import func

    from ..models import Plan

    args = request.args
    query = select(AuditEvent)
    errors = []
    actor_id = id_arg(args, "actor")
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    for name in ("entity", "verb"):
        value = text_arg(args, name, 40)
        if value:
            query = query.where(getattr(AuditEvent, name) == value)
    reference = text_arg(args, "plan", 40)
    if reference:
        plan_id = db.session.scalar(select(Plan.id).where(func.lower(Plan.reference) == reference.lower()))
        query = query.where(AuditEvent.plan_id == (plan_id or -1))
    for name, what, compare in (
        ("from", "The “from” date", lambda d: AuditEvent.at >= datetime.combine(d, time.min)),
        ("to", "The “to” date", lambda d: AuditEvent.at < datetime.combine(d + timedelta(days=1), time.min)),
    ):
        try:
            day = date_arg(args, name, what)
        except BadParameter as error:
            errors.append(str(error))
            continue
        if day is not None:
            query = query.where(compare(day))
    page = page_arg(args, maximum=AUDIT_MAX_PAGE)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(
        query.options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(fixed(AUDIT_PAGE_SIZE))
        .offset(fixed((page - 1) * AUDIT_PAGE_SIZE))
    ).all()
    plan_ids = sorted({e.plan_id for e in events if e.plan_id})
    references = {
        row.id: row.reference
        for row in db.session.execute(select(Plan.id, Plan.reference).where(Plan.id.in_(plan_ids))).all()
    }
    people = db.session.scalars(select(User).order_by(User.name)).all()
    entities = db.session.scalars(select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)).all()
    verbs = db.session.scalars(select(AuditEvent.verb).distinct().order_by(AuditEvent.verb)).all()
    return render_template(
        "admin/audit.html",
        events=events,
        total=total,
        page=page,
        args=args,
        errors=errors,
        pages=max((total + AUDIT_PAGE_SIZE - 1) // AUDIT_PAGE_SIZE, 1),
        references=references,
        people=people,
        entities=entities,
        verbs=verbs,
    ), 422 if errors else 200
