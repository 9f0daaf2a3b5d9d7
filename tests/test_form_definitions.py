"""How the forms are declared: every option is a WTForms SelectChoice (tuples are deprecated in
WTForms 3.3 and go in 3.4), and no module borrows another module's private names."""

import ast
import importlib
import warnings
from datetime import date
from pathlib import Path

import pytest
from wtforms.fields.choices import SelectChoice, SelectField, SelectMultipleField

import pip_app
from pip_app.extensions import db
from pip_app.models import Observation, PlanStatus, Shift
from tests.factories import make_action, make_control
from tests.syntax import parse_module

START = date(2026, 11, 2)
PACKAGE = Path(pip_app.__file__).parent


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = "2026-11-23"


@pytest.fixture
def tuple_options(monkeypatch):
    """Every select, radio or tick-box field rendered or validated while the test runs that was
    given an option other than a SelectChoice, as (form field name, option)."""
    found, seen = [], set()
    for cls in (SelectField, SelectMultipleField):
        original = cls.__dict__["iter_choices"]

        def iter_choices(self, _original=original):
            seen.add(self.name)
            found.extend((self.name, c) for c in (self.choices or []) if not isinstance(c, SelectChoice))
            return _original(self)

        monkeypatch.setattr(cls, "iter_choices", iter_choices)
    return found, seen


@pytest.fixture
def plans(world, make_plan):
    """A draft with a control, an action and a planned observation, and an active plan like it."""
    made = {}
    for status in (PlanStatus.DRAFT, PlanStatus.ACTIVE):
        plan = make_plan(
            staff=world["staff"],
            manager=world["manager"],
            service=world["home"],
            status=status,
            start=START,
            evidence_sources=["audit"],
        )
        make_control(plan, world["senior"])
        make_action(plan, 1)
        observation = Observation(plan=plan, scheduled_on=START, shift=Shift.LATE, observer=world["senior"])
        db.session.add(observation)
        db.session.commit()
        made[status] = (plan, observation)
    return made


def test_every_form_option_is_a_select_choice(world, sign_in, plans, tuple_options):
    draft, draft_observation = plans[PlanStatus.DRAFT]
    active, observation = plans[PlanStatus.ACTIVE]
    pages = {
        "manager": [
            "/plans/new",
            f"/plans/{draft.id}/edit",
            f"/plans/{draft.id}/observations/{draft_observation.id}/edit",
            f"/plans/{active.id}",
            f"/plans/{active.id}/edit",
            f"/plans/{active.id}/reviews/new",
            f"/plans/{active.id}/observations/{observation.id}/outcome",
            f"/plans/{active.id}/actions/{active.actions[0].id}/status",
        ],
        "senior": [f"/plans/{active.id}/reviews/new", f"/plans/{active.id}/close"],
        "staff": [f"/plans/{active.id}"],
        "hr": ["/hr/closures"],
        "admin": [f"/admin/users/{world['staff'].id}"],
    }
    for who, urls in pages.items():
        client = sign_in(world[who])
        for url in urls:
            assert client.get(url).status_code == 200, (who, url)
    found, seen = tuple_options
    assert {
        "staff_id",
        "risk_area",
        "control-responsible_id",
        "action-owner_id",
        "schedule-shift",
        "observation-focus",
        "review-decision",
        "close-outcome",
        "ack-response",
        "outcome",
        "role-role",
    } <= seen  # the pages did show the forms
    assert found == []


FORM_MODULES = (
    "pip_app.forms",
    "pip_app.admin.forms",
    "pip_app.auth.forms",
    "pip_app.closure.forms",
    "pip_app.hr.views",
    "pip_app.plans.forms",
    "pip_app.register.forms",
    "pip_app.reviews.forms",
)


def _forms_defined_in_the_app():
    from flask_wtf import FlaskForm

    for name in FORM_MODULES:
        importlib.import_module(name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted(
        {cls for cls in subclasses(FlaskForm) if cls.__module__ in FORM_MODULES}, key=lambda c: c.__qualname__
    )


def test_every_form_class_declares_its_options_as_select_choices(app, world, plans):
    """Including forms the page test does not open (e.g. the review and closure acknowledgements)."""
    from pip_app.closure.forms import close_form_for
    from pip_app.reviews.forms import review_form_class

    plan, _ = plans[PlanStatus.ACTIVE]
    with app.test_request_context(), warnings.catch_warnings():
        warnings.filterwarnings("error", category=DeprecationWarning, module="wtforms")
        forms = [cls() for cls in _forms_defined_in_the_app()]
        forms += [review_form_class(plan.actions, plan.controls, may_lift)() for may_lift in (True, False)]
        forms += [close_form_for(plan, world[who]) for who in ("senior", "manager")]
        options = [
            (form.__class__.__name__, field.name, option)
            for form in forms
            for field in form
            if hasattr(field, "choices")
            for option in (field.choices or [])
        ]
    assert len({(form, name) for form, name, _ in options}) >= 20
    assert [o for o in options if not isinstance(o[2], SelectChoice)] == []


def _private_imports(path: Path) -> list[str]:
    tree = parse_module(path)
    return [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("pip_app"))
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def test_no_module_imports_another_modules_private_names():
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if (found := _private_imports(path))
    }
    assert offenders == {}
