"""Property tests: arbitrary text posted into the plan forms never causes a 500, never comes back
as live markup, and a refused request changes nothing; and every POST form of the app, its fields
read from the page that shows it, filled with hostile values never causes a 500 either."""

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pip_app.extensions import db
from pip_app.models import AuditEvent, PlanStatus
from pip_app.services.plans import issue_plan
from tests.conftest import csrf_token_from
from tests.factories import approve_for_issue, make_action, make_control

TODAY = date(2026, 11, 23)
MARKUP = '<b id="injected">&amp;<img src=x onerror=alert(1)>'

# Any text, including control characters, right-to-left marks, emoji, Welsh and Polish letters,
# and the markup sentinel somewhere inside it.
texts = st.one_of(
    st.text(max_size=300),
    st.text(max_size=60).map(lambda t: t + MARKUP + t),
    st.sampled_from(["", " ", "Dafydd ŵ ŷ", "Łukasz ąę", "测试", "😀", "=1+1", "\u202eevil", "\x00", "a" * 5000]),
)
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def setting(app, world, make_plan, sign_in):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    draft = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=TODAY - timedelta(days=14),
        evidence_sources=["audit"],
    )
    active = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=TODAY - timedelta(days=14),
        evidence_sources=["audit"],
    )
    make_control(active, world["senior"])
    make_action(active, 1, measure_name="Compliance", measure_unit="%", measure_target=90, measure_consecutive=2)
    approve_for_issue(active)
    issue_plan(world["manager"], active)
    db.session.commit()
    return dict(draft=draft, active=active, manager=sign_in(world["manager"]), staff=sign_in(world["staff"]))


def fingerprint() -> tuple:
    """Enough of the database to notice any change: row counts of every table."""
    db.session.commit()
    return tuple(
        db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name != "audit_events"
    )


def check(response, before):
    assert response.status_code < 500, response.text[:500]
    assert MARKUP not in response.text
    assert 'id="injected"' not in response.text
    if 400 <= response.status_code < 500:
        assert fingerprint() == before


@FUZZ
@given(statement=texts, detail=texts, baseline=texts, figure=texts, weeks=texts)
def test_risk_form(setting, statement, detail, baseline, figure, weeks):
    plan = setting["draft"]
    before = fingerprint()
    response = setting["manager"].post(
        f"/plans/{plan.id}/risk",
        htmx=True,
        data={
            "staff_id": plan.staff_id,
            "service_id": plan.service_id,
            "risk_area": "records",
            "risk_statement": statement,
            "evidence_detail": detail,
            "baseline_text": baseline,
            "baseline_figure": figure,
            "start_date": plan.start_date.isoformat(),
            "weeks": weeks,
            "review_weekday": "0",
            "row_version": plan.row_version,
        },
    )
    check(response, before)


@FUZZ
@given(behaviour=texts, when=texts, check_method=texts, criterion=texts, target=texts, unit=texts)
def test_action_form_and_live_check(setting, behaviour, when, check_method, criterion, target, unit):
    plan = setting["draft"]
    data = {
        "action-behaviour": behaviour,
        "action-when": when,
        "action-check_method": check_method,
        "action-success_criterion": criterion,
        "action-measure_name": "m",
        "action-measure_unit": unit,
        "action-measure_target": target,
        "quality_slot": "new",
    }
    before = fingerprint()
    check(setting["manager"].post(f"/plans/{plan.id}/actions/check", data=data, htmx=True), before)
    check(setting["manager"].post(f"/plans/{plan.id}/actions", data=data, htmx=True), before)


@FUZZ
@given(detail=texts, start=texts, review_by=texts, kind=texts)
def test_control_form(setting, detail, start, review_by, kind):
    plan = setting["draft"]
    before = fingerprint()
    response = setting["manager"].post(
        f"/plans/{plan.id}/controls",
        htmx=True,
        data={
            "control-kind": kind,
            "control-detail": detail,
            "control-responsible_id": plan.manager_id,
            "control-start_date": start,
            "control-review_by_date": review_by,
        },
    )
    check(response, before)


@FUZZ
@given(summary=texts, value=texts, note=texts, review_date=texts, decision=texts)
def test_review_form(setting, summary, value, note, review_date, decision):
    plan = setting["active"]
    db.session.refresh(plan)
    action, control = plan.actions[0], plan.controls[0]
    before = fingerprint()
    response = setting["manager"].post(
        f"/plans/{plan.id}/reviews",
        htmx=True,
        data={
            "review-row_version": plan.row_version,
            "review-review_date": review_date,
            "review-next_review_date": (TODAY + timedelta(days=7)).isoformat(),
            "review-summary": summary,
            "review-decision": decision,
            f"review-progress_{action.id}": "on_track",
            f"review-value_{action.id}": value,
            f"review-note_{action.id}": note,
            f"review-control_{control.id}": "keep",
        },
    )
    check(response, before)


@FUZZ
@given(response_value=texts, comment=texts)
def test_acknowledgement_form(setting, response_value, comment):
    plan = setting["active"]
    before = fingerprint()
    response = setting["staff"].post(
        f"/plans/{plan.id}/acknowledge",
        htmx=True,
        data={"ack-version": str(plan.version), "ack-response": response_value, "ack-comment": comment},
    )
    check(response, before)


def test_refused_requests_write_no_audit_event(setting):
    """A refused request leaves no trace but the refusal (the fuzz fingerprint skips the audit table)."""
    plan = setting["draft"]
    count = db.session.scalar(select(func.count(AuditEvent.id)))
    response = setting["manager"].post(f"/plans/{plan.id}/actions", data={"action-behaviour": ""}, htmx=True)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(AuditEvent.id))) == count


# --- Every POST form of the app: its fields read from the page that shows it, each filled with hostile
# values (the corpus of tests/test_bad_input_fuzz.py), arbitrary text or one of the form's own options.

HUGE = "99999999999999999999"
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "²",
    "١",
    HUGE,
    str(2**63),
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "1e308",
    "%",
    "\x00",
    "a" * 5000,
]
FORM = re.compile(r'<form\b[^>]*\bmethod="post"[^>]*\baction="([^"]+)"[^>]*>(.*?)</form>', re.S)
CONTROL = re.compile(r"<(input|select|textarea|option)\b([^>]*)>", re.S)


def form_fields(html: str, action: str) -> dict[str, list[str]]:
    """The fields of the form posting to `action` on this page, each with the values the page offers."""
    fields: dict[str, list[str]] = {}
    for found_action, body in FORM.findall(html):
        if found_action.replace("&amp;", "&").split("?")[0] != action:
            continue
        name = None
        for tag, attributes in CONTROL.findall(body):
            named = re.search(r'\bname="([^"]+)"', attributes)
            value = re.search(r'\bvalue="([^"]*)"', attributes)
            if tag != "option":
                name = named.group(1) if named else None
                if name and name != "csrf_token":
                    fields.setdefault(name, [])
            if name and name != "csrf_token" and value:
                fields[name].append(value.group(1).replace("&amp;", "&"))
    return fields


@pytest.fixture
def every_form(app, world, make_plan, sign_in):
    """A draft with a control, an action and an observation; an issued plan with the same, a weekly review
    awaiting the staff member and a paused twin; a closed plan awaiting the closure acknowledgement."""
    from pip_app.models import Closure, ClosureOutcome, Observation, Progress, Review, ReviewDecision, ReviewEntry

    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    w = world

    def plan(status=PlanStatus.DRAFT):
        made = make_plan(
            staff=w["staff"],
            manager=w["manager"],
            service=w["home"],
            status=PlanStatus.DRAFT,
            start=TODAY - timedelta(days=14),
            evidence_sources=["audit"],
        )
        make_control(made, w["senior"])
        action = make_action(
            made, 1, measure_name="Compliance", measure_unit="%", measure_target=90, measure_consecutive=2
        )
        db.session.add(Observation(plan=made, scheduled_on=TODAY - timedelta(days=1), observer=w["senior"]))
        if status is not PlanStatus.DRAFT:
            approve_for_issue(made)
            issue_plan(w["manager"], made)
            review = Review(
                plan=made,
                review_date=TODAY - timedelta(days=7),
                reviewer=w["manager"],
                summary="s",
                decision=ReviewDecision.CONTINUE,
            )
            review.entries.append(ReviewEntry(action=action, progress=Progress.ON_TRACK))
            db.session.add(review)
        if status is PlanStatus.PAUSED:
            made.status = PlanStatus.PAUSED
        if status is PlanStatus.CLOSED:
            made.status = PlanStatus.CLOSED
            db.session.add(
                Closure(
                    plan=made,
                    outcome=ClosureOutcome.ACHIEVED,
                    closed_by=w["manager"],
                    what_changed="a",
                    how_measured="b",
                    risk_now_controlled="c",
                    ongoing_monitoring="d",
                )
            )
        db.session.commit()
        return made

    plans = {
        "draft": plan(),
        "active": plan(PlanStatus.ACTIVE),
        "paused": plan(PlanStatus.PAUSED),
        "closed": plan(PlanStatus.CLOSED),
    }
    clients = {}

    def client_for(role):
        if role not in clients:
            clients[role] = sign_in(w[role])
        return clients[role]

    return dict(plans=plans, world=w, client_for=client_for, app=app, fields={})


def ids(plans) -> dict[str, int]:
    found = {}
    for name, p in plans.items():
        found[name] = p.id
        found[f"{name}_control"], found[f"{name}_action"] = p.controls[0].id, p.actions[0].id
        found[f"{name}_observation"] = p.observations[0].id
        found[f"{name}_review"] = p.reviews[0].id if p.reviews else 0
    return found


# (role, the page that shows the form, the form's action); "{other_staff}" is a user the admin may change.
POST_FORMS = [
    ("manager", "/plans/new", "/plans/new"),
    ("manager", "/plans/{draft}/edit", "/plans/{draft}/risk"),
    ("manager", "/plans/{draft}/edit", "/plans/{draft}/controls"),
    ("manager", "/plans/{draft}/controls/{draft_control}/edit", "/plans/{draft}/controls/{draft_control}"),
    ("manager", "/plans/{draft}/edit", "/plans/{draft}/actions"),
    ("manager", "/plans/{draft}/actions/{draft_action}/edit", "/plans/{draft}/actions/{draft_action}"),
    ("manager", "/plans/{draft}/edit", "/plans/{draft}/observations/schedule"),
    (
        "manager",
        "/plans/{draft}/observations/{draft_observation}/edit",
        "/plans/{draft}/observations/{draft_observation}",
    ),
    ("manager", "/plans/{draft}/edit", "/plans/{draft}/submit"),
    ("manager", "/plans/{active}/escalations/new", "/plans/{active}/escalations"),
    ("staff", "/plans/{active}", "/plans/{active}/acknowledge"),
    ("manager", "/plans/{active}/reviews/new", "/plans/{active}/reviews"),
    (
        "manager",
        "/plans/{active}/observations/{active_observation}/outcome",
        "/plans/{active}/observations/{active_observation}/outcome",
    ),
    ("manager", "/plans/{active}/actions/{active_action}/status", "/plans/{active}/actions/{active_action}/status"),
    ("manager", "/plans/{active}", "/plans/{active}/pause"),
    ("manager", "/plans/{paused}", "/plans/{paused}/resume"),
    ("senior", "/register/controls/{active_control}", "/register/controls/{active_control}/check"),
    ("senior", "/register/controls/{active_control}", "/register/controls/{active_control}/lift"),
    ("senior", "/plans/{active}/close", "/plans/{active}/close"),
    ("admin", "/admin/users/{other_staff}", "/admin/users/{other_staff}/role"),
    ("admin", "/admin/users/{other_staff}", "/admin/users/{other_staff}/deactivate"),
    ("admin", "/admin/users/{other_staff}", "/admin/users/{other_staff}/reset-link"),
    ("other_manager", "/account/password", "/account/password"),
    ("other_manager", "/account/two-factor", "/account/two-factor"),
]
# Forms no page shows in the starting state above (the fields as their forms declare them).
DECLARED = {
    "/plans/{active}/amend": ("manager", ["amend-change_summary", "amend-override_reason", "amend-row_version"]),
    "/plans/{active}/reviews/{active_review}/acknowledge": (
        "staff",
        ["rack{active_review}-response", "rack{active_review}-comment"],
    ),
    "/plans/{closed}/closure/acknowledge": ("staff", ["closure-ack-response", "closure-ack-comment"]),
    "/admin/users/{other_staff}/two-factor/reset": ("admin", ["two_factor-confirm"]),
    "/plans/{draft}/no-control": ("manager", ["nocontrol-no_control_reason", "nocontrol-row_version"]),
    "/admin/users/{other_staff}/reactivate": ("admin", ["active-confirm"]),
    "/login": (None, ["email", "password", "next"]),
    "/reset/not-a-real-token": (None, ["new_password", "confirm_password"]),
}
EVERY_FORM = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
values = st.one_of(texts, st.sampled_from(HOSTILE))


@pytest.mark.parametrize(
    "case",
    [(role, page, action) for role, page, action in POST_FORMS]
    + [(role, None, action) for action, (role, _) in DECLARED.items()],
    ids=lambda case: case[2],
)
@EVERY_FORM
@given(data=st.data())
def test_every_post_form_never_answers_5xx(every_form, case, data):
    role, page, action = case
    names = ids(every_form["plans"]) | {"other_staff": every_form["world"]["other_staff"].id}
    htmx = data.draw(st.booleans())
    if role is None:  # signed out: a fresh client with the sign-in page's CSRF token
        client = every_form["app"].test_client()
        token = csrf_token_from(client.get("/login").text)
        post = lambda url, form: client.post(url, data={**form, "csrf_token": token})  # noqa: E731
    else:
        client = every_form["client_for"](role)
        post = lambda url, form: client.post(url, data=form, htmx=htmx)  # noqa: E731
    url = action.format(**names)
    if url not in every_form["fields"]:  # read once, from the starting state (a saved form may go away)
        if page is not None:
            found = form_fields(client.get(page.format(**names)).text, url)
            assert found, f"no form posting to {url} on {page}"
        else:
            found = {name.format(**names): [] for name in DECLARED[action][1]}
        every_form["fields"][url] = found
    fields = every_form["fields"][url]
    form = {}
    for name, offered in fields.items():
        choices = [values] + ([st.sampled_from(offered)] * 2 if offered else [])
        if data.draw(st.integers(0, 5)):  # now and then a field is left out altogether
            form[name] = data.draw(st.one_of(*choices))
    before = fingerprint()
    check(post(url, form), before)
