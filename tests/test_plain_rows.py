"""The plan page read as plain rows (pip_app/plain_rows.py) is the page read through the ORM.

A GET of the plan page reads the plan and the collections it shows as plain rows; every part
that answers a change renders the same templates from the ORM's. The first test renders every
plan of the demo data, as each person who may see it, both ways and compares the HTML; a row or
relationship the plain read leaves out raises rather than loading it, so it fails there too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm.exc import UnmappedInstanceError

from pip_app import access
from pip_app.extensions import db
from pip_app.models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    Action,
    Approval,
    ApprovalComment,
    ApprovalStatus,
    Attachment,
    AttachmentVisibility,
    InterimControl,
    Plan,
    PlanStatus,
    Review,
    User,
)
from pip_app.plain_rows import Rows, is_plain, loaded, plain, rows_where
from pip_app.plan_reads import collection_of
from pip_app.plans import views as plan_views
from pip_app.services import attachments as attachment_ops
from pip_app.services.approvals import add_comment
from pip_app.tools.demo import load_demo_data
from tests.factories import pdf_file

PASSWORD = "demo-password-for-plain-rows"
CSRF = re.compile(r'((?:name|id)="[\w-]*csrf_token"[^>]*value="|"X-CSRFToken": ")[^"]+')


@contextmanager
def orm_loads(*models: type) -> Iterator[list[object]]:
    """The rows of `models` the ORM loads meanwhile."""
    loaded: list[object] = []

    def note(target, context):
        loaded.append(target)

    for model in models:
        event.listen(model, "load", note)
    try:
        yield loaded
    finally:
        for model in models:
            event.remove(model, "load", note)


def through_the_orm(monkeypatch) -> None:
    """Make the plan page read the plan as the parts that change it do (the ORM's rows)."""
    read_plan = access.read_plan
    monkeypatch.setattr(access, "read_plan", lambda plan_id, reads, lock, plain: read_plan(plan_id, reads, lock=lock))
    monkeypatch.setattr(plan_views, "PLAN_PAGE_SHOWN", {})


def with_evidence_and_comments() -> None:
    """What the demo data has none of: a file on everything of each open plan that takes one (the
    plan, its actions, reviews, observed shifts and meetings), and a comment on each request for
    approval still waiting."""
    for plan in db.session.scalars(select(Plan).where(Plan.status != PlanStatus.CLOSED)):
        for n, subject in enumerate(attachment_ops.subjects(plan)):
            attachment_ops.attach_file(
                plan.manager,
                plan,
                subject=subject,
                filename=f"evidence {n}.pdf",
                content=pdf_file(f"{plan.reference} {n}"),
                description=f"Evidence {n}",
                visibility=AttachmentVisibility.STAFF if n % 2 else AttachmentVisibility.RESTRICTED,
                max_bytes=10 * 1024 * 1024,
            )
    for approval in db.session.scalars(select(Approval).where(Approval.status == ApprovalStatus.PENDING)):
        add_comment(approval.plan.manager, approval, "Please look at A2 again.")
    db.session.commit()


def test_every_demo_plan_page_is_the_same_read_either_way(app, sign_in, monkeypatch):
    load_demo_data(PASSWORD)
    db.session.commit()
    with_evidence_and_comments()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) > 10
    assert db.session.scalar(select(func.count()).select_from(ApprovalComment)) > 0
    people = db.session.scalars(select(User).where(User.email.like("%@demo.test")).order_by(User.id)).all()
    plan_ids = db.session.scalars(select(Plan.id).order_by(Plan.id)).all()
    clients = [sign_in(person, PASSWORD) for person in people if person.active]
    with orm_loads(Plan) as loaded:
        plain_pages = {(c.user.email, i): c.get(f"/plans/{i}") for c in clients for i in plan_ids}
    assert loaded == []
    seen = [key for key, page in plain_pages.items() if page.status_code == 200]
    assert len(seen) > len(plan_ids)  # each plan by several people
    through_the_orm(monkeypatch)
    compared = 0
    with orm_loads(Plan) as loaded:
        assert clients[0].get(f"/plans/{plan_ids[0]}").status_code in (200, 404)
    assert loaded  # read through the ORM now
    for client in clients:
        for plan_id in plan_ids:
            first = plain_pages[(client.user.email, plan_id)]
            again = client.get(f"/plans/{plan_id}")
            assert again.status_code == first.status_code, (client.user.email, plan_id)
            if first.status_code == 200:
                assert CSRF.sub(r"\1", again.text) == CSRF.sub(r"\1", first.text), (client.user.email, plan_id)
                compared += 1
    assert compared == len(seen)


def test_the_plan_page_loads_no_row_of_the_plan_through_the_orm(app, plan, manager):
    """The page's plan, actions and reviews are plain rows: the ORM loads none of them."""
    with orm_loads(Plan, Action, Review) as loaded:
        assert manager.get(f"/plans/{plan.id}").status_code == 200
    assert loaded == []


def test_the_register_reads_its_rows_as_plain_rows(app, plan, world, sign_in):
    """A register page's controls and their plans are plain rows too (register.queries._page_row),
    and the row shows what the control and its plan say."""
    senior = sign_in(world["senior"])
    with orm_loads(Plan, InterimControl) as loaded:
        page = senior.get("/register")
    assert page.status_code == 200 and loaded == []
    [control] = plan.controls
    assert f'#control-{control.id}"' in page.text and plan.reference in page.text


def test_the_dashboard_lists_disagreements_waiting_from_plain_rows(app, plan, manager):
    """The line manager's board lists a disagreement waiting for a response, read as a plain row
    (services.dashboard._disagreement), linking to it on the plan page."""
    disagreement = Acknowledgement(
        plan=plan,
        user=plan.staff,
        subject=AckSubject.PLAN,
        plan_version=1,
        statement="I have read version 1.",
        response=AckResponse.DISAGREE,
        comment="A2 is not something I can show",
    )
    db.session.add(disagreement)
    db.session.commit()
    with orm_loads(Acknowledgement) as loaded:
        board = manager.get("/")
    assert board.status_code == 200 and loaded == []
    assert f"/plans/{plan.id}#disagreement-{disagreement.id}" in board.text and "disagreed on" in board.text


def test_a_plain_row_reads_what_was_read_and_refuses_the_rest(app, plan):
    [action] = rows_where(Rows(Action, names=("owner",)), Action.plan_id, plan.id, order_by=(Action.number,))[:1]
    assert is_plain(action) and action.plan_id == plan.id
    assert action.owner is None or action.owner.name
    with pytest.raises(UnmappedInstanceError):
        _ = action.plan  # not read: never loaded behind the page's back
    with pytest.raises(AttributeError):
        action.behaviour = "changed"  # a plain row cannot be changed
    assert not is_plain(db.session.get(Action, action.id))


def test_plain_rows_hold_their_query_expressions_as_none_unless_read(app, plan):
    [action] = rows_where(Rows(Action), Action.plan_id, plan.id)[:1]
    assert action.kept_drawing is None
    assert plain(Action, {"id": 1}).id == 1


def test_a_rows_spec_names_only_what_its_model_has(app):
    with pytest.raises(TypeError, match="no columns"):
        rows_where(Rows(Action, only=("nonsense",)), Action.plan_id, 1)
    with pytest.raises(TypeError, match="is a collection"):
        rows_where(Rows(Plan, whole={"actions": Rows(Action)}), Plan.id, 1)


def test_a_collection_the_policy_needs_first_is_read_on_demand(app, plan):
    """`collection_of` reads a collection of a plain plan not read yet (the policy's questions
    before the page reads them), and gives an ORM plan's as the ORM loads it."""
    orm_plan = db.session.get(Plan, plan.id)
    [plain_plan] = rows_where(Rows(Plan), Plan.id, plan.id)
    assert not loaded(plain_plan, "controls")
    controls = collection_of(plain_plan, "controls")
    assert [c.id for c in controls] == [c.id for c in orm_plan.controls] and all(is_plain(c) for c in controls)
    assert collection_of(plain_plan, "controls") is controls  # read once
    assert collection_of(orm_plan, "appeals") == []
