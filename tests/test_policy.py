"""The role × object rules of DESIGN.md, as a table; and the SQL scope agrees with the predicate."""

import pytest
from sqlalchemy import select

from pip_app import policy
from pip_app.extensions import db
from pip_app.models import AppealOutcome, Plan, PlanStatus

# who → (own draft, own active, other service's active, closed in own service)
VIEW_TABLE = {
    "staff": (False, True, False, True),
    "manager": (True, True, False, True),
    "senior": (True, True, False, True),
    "other_senior": (False, False, True, False),
    "other_manager": (False, False, True, False),
    "hr": (False, True, True, True),
    "admin": (False, False, False, False),
    "other_staff": (False, False, True, False),
}


@pytest.fixture
def plans(world, make_plan):
    w = world
    return {
        "draft": make_plan(staff=w["staff"], manager=w["manager"], service=w["home"], status=PlanStatus.DRAFT),
        "active": make_plan(staff=w["staff"], manager=w["manager"], service=w["home"]),
        "elsewhere": make_plan(staff=w["other_staff"], manager=w["other_manager"], service=w["other"]),
        "closed": make_plan(staff=w["staff"], manager=w["manager"], service=w["home"], status=PlanStatus.CLOSED),
    }


@pytest.mark.parametrize("who", VIEW_TABLE)
def test_who_may_view_which_plan(world, plans, who):
    user = world[who]
    seen = tuple(policy.can_view_plan(user, plans[k]) for k in ("draft", "active", "elsewhere", "closed"))
    assert seen == VIEW_TABLE[who]


@pytest.mark.parametrize("who", VIEW_TABLE)
def test_list_scope_matches_the_predicate(world, plans, who):
    user = world[who]
    listed = set(db.session.scalars(select(Plan.id).where(policy.visible_plans(user))))
    expected = {p.id for p in plans.values() if policy.can_view_plan(user, p)}
    assert listed == expected


@pytest.mark.parametrize(
    "who,expected",
    [
        ("manager", True),
        ("senior", True),
        ("other_senior", False),
        ("other_manager", False),
        ("hr", False),
        ("staff", False),
        ("admin", False),
    ],
)
def test_who_may_edit_an_active_plan(world, plans, who, expected):
    assert policy.can_edit_plan(world[who], plans["active"]) is expected


def test_nobody_edits_a_closed_plan(world, plans):
    for user in world.values():
        if hasattr(user, "role"):
            assert not policy.can_edit_plan(user, plans["closed"])


@pytest.mark.parametrize(
    "who,target,expected",
    [
        ("manager", "staff", True),  # their own report
        ("manager", "other_staff", False),  # not their report
        ("other_manager", "staff", False),
        ("senior", "staff", True),  # in their service
        ("senior", "other_staff", False),
        ("hr", "staff", False),
        ("staff", "staff", False),
        ("manager", "manager", False),  # plans are for staff
    ],
)
def test_who_may_open_a_plan_for_whom(world, who, target, expected):
    assert policy.can_create_plan_for(world[who], world[target]) is expected


def test_only_the_person_on_the_plan_acknowledges(world, plans):
    assert policy.can_acknowledge(world["staff"], plans["active"])
    assert not policy.can_acknowledge(world["staff"], plans["draft"])
    for who in ("manager", "senior", "hr", "other_staff", "admin"):
        assert not policy.can_acknowledge(world[who], plans["active"])


def test_register_and_closures_access(world):
    assert [w for w in ("staff", "manager", "senior", "hr", "admin") if policy.can_view_register(world[w])] == [
        "manager",
        "senior",
        "hr",
    ]
    assert [w for w in ("staff", "manager", "senior", "hr", "admin") if policy.can_view_hr_closures(world[w])] == [
        "senior",
        "hr",
    ]
    assert [w for w in ("staff", "manager", "senior", "hr", "admin") if policy.can_administer(world[w])] == ["admin"]


def test_inactive_and_anonymous_users_may_do_nothing(world, plans):
    manager = world["manager"]
    manager.active = False
    assert not policy.can_view_plan(manager, plans["active"])
    assert not policy.can_view_plan(None, plans["active"])
    assert not policy.can_view_register(None)


@pytest.mark.parametrize(
    "who,status",
    [
        ("staff", 200),
        ("manager", 200),
        ("senior", 200),
        ("hr", 200),
        ("other_staff", 404),
        ("other_manager", 404),
        ("other_senior", 404),
        ("admin", 404),
    ],
)
def test_plan_page_hides_plans_as_404(world, plans, sign_in, who, status):
    response = sign_in(world[who]).get(f"/plans/{plans['active'].id}")
    assert response.status_code == status


def test_staff_never_see_a_draft(world, plans, sign_in):
    assert sign_in(world["staff"]).get(f"/plans/{plans['draft'].id}").status_code == 404
    assert sign_in(world["hr"]).get(f"/plans/{plans['draft'].id}").status_code == 404


def test_admin_pages_are_for_admins(world, sign_in):
    assert sign_in(world["admin"]).get("/admin/users").status_code == 200
    for who in ("staff", "manager", "senior", "hr"):
        assert sign_in(world[who]).get("/admin/users").status_code == 403


# Appeals (issue 20, point 3): who → (read, lodge, record, choose the hearer, decide) on the active plan
# of the service, whose open appeal HR hears; then on the draft, where nobody may do anything.
APPEAL_TABLE = {
    "staff": (True, True, False, False, False),
    "manager": (True, False, False, False, False),
    "senior": (True, False, False, True, False),
    "other_senior": (False, False, False, False, False),
    "hr": (True, False, True, True, True),
    "admin": (False, False, False, False, False),
    "other_staff": (False, False, False, False, False),
}


@pytest.mark.parametrize("who", APPEAL_TABLE)
def test_who_may_do_what_with_an_appeal(world, plans, who):
    from datetime import date

    from pip_app.models import Appeal
    from tests.factories import make_sent_letter

    plan = plans["active"]
    letter = make_sent_letter(plan, world["manager"], date(2026, 11, 2))
    appeal = Appeal(plan=plan, letter=letter, grounds="g", lodged_on=date(2026, 11, 3), lodged_by=world["staff"])
    db.session.add(appeal)
    db.session.commit()
    user = world[who]
    rules = (
        policy.can_read_appeal,
        policy.can_lodge_appeal,
        policy.can_record_appeal,
        policy.can_assign_hearer,
        policy.can_decide_appeal,
    )
    appeal.hearer = world["hr"]
    db.session.commit()
    assert tuple(rule(user, plan) for rule in rules) == APPEAL_TABLE[who]
    assert not any(rule(user, plans["draft"]) for rule in rules)
    assert policy.can_link_appeal_hearing(user, plan) == (APPEAL_TABLE[who][3] or APPEAL_TABLE[who][4])
    appeal.outcome, appeal.outcome_reasons, appeal.decided_on, appeal.decided_by = (
        AppealOutcome.NOT_UPHELD,
        "r",
        date(2026, 11, 20),
        world["hr"],
    )
    db.session.commit()
    assert not policy.can_decide_appeal(user, plan)  # decided: nobody records an outcome again


# --- Letters (issue 20): who drafts, sends and reads them, who confirms receipt ---------------

# who → (draft an improvement note on the open plan, an appeal letter on it, an appeal letter on the closed plan)
LETTER_DRAFT_TABLE = {
    "manager": (True, True, False),
    "senior": (True, True, False),
    "hr": (False, True, False),
    "staff": (False, False, False),
    "other_senior": (False, False, False),
    "other_manager": (False, False, False),
    "admin": (False, False, False),
}


@pytest.mark.parametrize("who", LETTER_DRAFT_TABLE)
def test_who_may_draft_letters(world, plans, who):
    from pip_app.models import LetterKind

    user = world[who]
    drafted = (
        policy.can_draft_letter(user, plans["active"], LetterKind.IMPROVEMENT_NOTE),
        policy.can_draft_letter(user, plans["active"], LetterKind.APPEAL_OUTCOME),
        policy.can_draft_letter(user, plans["closed"], LetterKind.APPEAL_OUTCOME),
    )
    assert drafted == LETTER_DRAFT_TABLE[who]
    assert policy.can_draft_letters(user, plans["active"]) == (who in ("manager", "senior", "hr"))
    assert not policy.can_draft_letter(user, plans["draft"], LetterKind.INVITATION)  # a draft plan has no letters


@pytest.mark.parametrize(
    "who,draft,sent,receipt",
    [
        ("staff", False, True, True),
        ("other_staff", False, False, False),
        ("manager", True, True, False),
        ("senior", True, True, False),
        ("hr", True, True, False),
        ("other_senior", False, False, False),
        ("admin", False, False, False),
    ],
)
def test_who_may_read_a_letter_and_confirm_receipt(world, plans, who, draft, sent, receipt):
    from datetime import date

    from pip_app.models import Letter, LetterKind

    plan, user = plans["active"], world[who]
    # Not added to the session: the rules read only the letter's own columns.
    unsent = Letter(plan_id=plan.id, kind=LetterKind.IMPROVEMENT_NOTE, version=1, plan_row_version=1)
    posted = Letter(plan_id=plan.id, kind=LetterKind.IMPROVEMENT_NOTE, version=2, plan_row_version=1)
    posted.sent_on = date(2026, 11, 23)
    assert policy.can_read_letter(user, plan, unsent) is draft
    assert policy.can_read_letter(user, plan, posted) is sent
    assert policy.can_acknowledge_letter(user, plan, posted) is receipt
    assert not policy.can_acknowledge_letter(user, plan, unsent)
    assert policy.can_send_letter(user, plan, unsent) is (who in ("manager", "senior"))


def test_the_warnings_list_is_for_hr_and_registered_managers(world):
    assert [w for w in world if isinstance(world[w], type(world["hr"])) and policy.can_view_warnings(world[w])] == [
        "senior",
        "hr",
        "other_senior",
    ]


def test_the_lists_filter_choices_are_the_people_and_services_on_what_each_person_sees(app):
    """The plans list and the register offer, as filter choices, the people and services on the
    rows the person may see: read off those rows for a narrow scope, probed one by one for a wide
    one (`policy.sees_many_plans`). Both ways must give exactly the same choices."""
    from pip_app.models import Role, User
    from pip_app.plans.queries import _filter_choices
    from pip_app.register.queries import filter_options
    from pip_app.tools.seed import seed_scale

    seed_scale(plans=120, services=5, staff=40, password="seeded-password-2026", seed=11)
    people = list(db.session.scalars(select(User).where(User.role.in_([Role.MANAGER, Role.SENIOR, Role.HR]))))
    assert {policy.sees_many_plans(p) for p in people} == {True, False}  # both ways are exercised
    for person in people:
        plans = list(db.session.scalars(select(Plan).where(policy.visible_plans(person))))
        staff, services = _filter_choices(person)
        assert sorted(staff) == sorted({(p.staff.id, p.staff.name) for p in plans}), person.email
        assert sorted(services) == sorted({(p.service.id, p.service.name) for p in plans}), person.email
        controls = [c for p in plans if not p.is_draft for c in p.controls]
        options = filter_options(person)
        assert sorted(options.responsible) == sorted({(c.responsible.id, c.responsible.name) for c in controls})
        assert sorted(options.services) == sorted({(c.plan.service.id, c.plan.service.name) for c in controls})


def test_the_registers_summary_and_first_page_are_the_controls_each_person_sees(app):
    """The register counts and lists the controls in force on the issued plans each person sees,
    flagged by the pure rule: by joining each control to its plan for a wide scope, by listing the
    person's plans first for a narrow one (`policy.sees_many_plans`). Both give exactly this."""
    from collections import Counter

    from pip_app.clock import today
    from pip_app.flags import control_flags, review_due
    from pip_app.models import ControlStatus, InterimControl, PlanStatus, Role, User
    from pip_app.register.queries import FLAG_LABELS, PAGE_SIZE, RegisterFilters, register_page, summary
    from pip_app.tools.seed import seed_scale

    seed_scale(plans=120, services=5, staff=40, password="seeded-password-2026", seed=11)
    # A control still in force on a closed plan: the "plan closed" flag, counted both ways.
    left = db.session.scalars(
        select(InterimControl).join(Plan).where(Plan.status == PlanStatus.CLOSED).order_by(InterimControl.id)
    ).first()
    left.status, left.lifted_on, left.lift_rationale, left.lifted_by_id = ControlStatus.ACTIVE, None, None, None
    db.session.commit()
    day = today()
    people = list(db.session.scalars(select(User).where(User.role.in_([Role.MANAGER, Role.SENIOR, Role.HR]))))
    assert {policy.sees_many_plans(p) for p in people} == {True, False}  # both ways are exercised
    for person in people:
        plans = db.session.scalars(select(Plan).where(policy.visible_controls(person)))
        in_force = [c for p in plans for c in p.controls if c.status is ControlStatus.ACTIVE]
        flags = {
            c.id: control_flags(
                c.status,
                review_due(c.review_by_date, c.continued_until),
                c.last_checked_on,
                c.start_date,
                c.plan.status,
                day,
            )
            for c in in_force
        }
        counted = summary(person, day)
        assert counted.total == len(in_force), person.email
        assert dict(counted.by_kind) == dict(Counter(c.kind for c in in_force)), person.email
        assert counted.flagged == sum(1 for f in flags.values() if f), person.email
        assert counted.by_flag == {flag: sum(flag in f for f in flags.values()) for flag in FLAG_LABELS}, person.email
        first = sorted(in_force, key=lambda c: (review_due(c.review_by_date, c.continued_until), c.id))[:PAGE_SIZE]
        page = register_page(person, RegisterFilters.from_args({}), day)
        assert [r.control.id for r in page.rows] == [c.id for c in first], person.email
        assert page.total == len(in_force), person.email
        # What the summary counted stands in for the table's own count (register.views.index).
        kinds = [None, *{c.kind.value for c in in_force}]
        for args in [{"type": k, **flagged} for k in kinds for flagged in ({}, {"flagged": "1"})]:
            filters = RegisterFilters.from_args(args)
            assert counted.count_of(filters) == register_page(person, filters, day).total, (person.email, args)
        assert counted.count_of(RegisterFilters.from_args({"q": "a"})) is None
    assert any(summary(p, day).by_flag.get("plan_closed") for p in people)
