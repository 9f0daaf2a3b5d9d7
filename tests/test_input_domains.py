"""Input with a sane domain (issue 16): the bounded id converter, the query-parameter parsers, the
date window and finite, bounded numbers in forms, and file parts refused — each case the issue
found as a 500 (or as a silent save), now a 404, an ignored filter or a 4xx with a message beside
the field and the input kept."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from pip_app import params
from pip_app.extensions import db
from pip_app.models import Action, InterimControl, Plan, PlanStatus, Review
from pip_app.services.plans import issue_plan
from tests.factories import approve_for_issue, make_action, make_control

TODAY = date(2026, 11, 23)
HUGE = "99999999999999999999"  # past int64


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def manager(world, sign_in):
    return sign_in(world["manager"])


@pytest.fixture
def plan(world, make_plan):
    """An issued plan with a control, a % measure and a plain action."""
    plan = make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=TODAY - timedelta(days=21),
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
    make_action(
        plan,
        2,
        measure_name="Late entries",
        measure_unit="entries",
        measure_baseline=9,
        measure_target=2,
        measure_higher_is_better=False,
        measure_consecutive=2,
    )
    approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


@pytest.fixture
def draft(world, make_plan):
    return make_plan(
        staff=world["staff"],
        manager=world["manager"],
        service=world["home"],
        status=PlanStatus.DRAFT,
        start=TODAY,
        evidence_sources=["audit"],
    )


def error_beside(html: str, field_id: str) -> str:
    """The error shown beside a field (empty when there is none)."""
    found = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("Error:", "").strip() if found else ""


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


WINDOW = "The date must be between 1 Jan 2000 and 31 Dec 2100."


# --- The parsers, as plain functions


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        ("007", 7),
        (str(params.MAX_ID), params.MAX_ID),
        (str(2**63), None),
        (HUGE, None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("²", None),
        ("١", None),
        ("1.5", None),
        ("", None),
        (None, None),
        ("9" * 5000, None),
        ("1e3", None),
    ],
)
def test_ids_are_ascii_digits_within_bigint(raw, expected):
    assert params.parse_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3", 3),
        ("0", 1),
        ("-2", 1),
        ("²", 1),
        ("", 1),
        (None, 1),
        ("500", 100),
        (HUGE, 100),
        ("9" * 5000, 1),
    ],
)
def test_pages_are_clamped_to_one_and_the_maximum(raw, expected):
    assert params.parse_page(raw, maximum=100) == expected


def test_dates_are_iso_within_the_window():
    assert params.parse_date("2026-11-23") == date(2026, 11, 23)
    assert params.parse_date("") is None and params.parse_date(None) is None
    for raw in ("9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"):
        with pytest.raises(params.BadParameter, match="between 1 Jan 2000 and 31 Dec 2100"):
            params.parse_date(raw)
    for raw in ("2026-02-30", "20261123", "2026-W48", "２０２６-11-23", "23/11/2026", "NaN"):
        with pytest.raises(params.BadParameter, match="like 2026-11-23"):
            params.parse_date(raw)


def test_choices_and_enums_are_listed_values_only_and_readers_take_the_first_of_repeats():
    assert params.parse_enum("active", PlanStatus) is PlanStatus.ACTIVE
    assert params.parse_enum("ACTIVE", PlanStatus) is None and params.parse_enum(None, PlanStatus) is None
    assert params.parse_choice("desc", ("asc", "desc")) == "desc" and params.parse_choice("x", ("asc",)) is None
    args = MultiDict([("page", "2"), ("page", "²"), ("staff", "١"), ("q", "  a \t b  "), ("from", "2026-11-01")])
    assert params.page_arg(args) == 2 and params.id_arg(args, "staff") is None
    assert params.text_arg(args, "q", 100) == "a b" and params.date_arg(args, "from") == date(2026, 11, 1)


# --- Ids in the URL: one converter for every route


@pytest.mark.parametrize(
    "path",
    [
        "/plans/{}",
        "/plans/{}/close",
        "/plans/{}/closure.pdf",
        "/plans/{}/plan.pdf",
        "/plans/{}/edit",
        "/plans/{}/versions/1",
        "/admin/users/{}",
    ],
)
@pytest.mark.parametrize("bad", [HUGE, str(2**63), "0", "-1", "١", "²"])
def test_ids_out_of_range_in_the_url_are_404(world, sign_in, path, bad):
    admin = sign_in(world["admin"])
    assert admin.get(path.format(bad)).status_code == 404


def test_a_version_past_int64_is_404(manager, plan):
    assert manager.get(f"/plans/{plan.id}/versions/{HUGE}").status_code == 404
    assert manager.get(f"/plans/{plan.id}/versions/{params.MAX_ID}").status_code == 404
    assert manager.get(f"/plans/{plan.id}/versions/1").status_code == 200


def test_the_converter_still_reads_an_ordinary_id(app, manager, plan):
    assert manager.get(f"/plans/{plan.id}").status_code == 200
    assert app.url_map.bind("localhost").match(f"/plans/{plan.id}")[1] == {"plan_id": plan.id}


# --- Ids, pages and dates in query strings


@pytest.mark.parametrize(
    "query",
    [
        f"service={HUGE}",
        f"staff={HUGE}",
        "page=²",
        "service=²",
        "staff=١",
        "page=0",
        "page=-1",
        "page=1&page=²",
        "status=²",
        "risk_area=%00",
    ],
)
def test_plan_list_ignores_unusable_filters(manager, plan, query):
    response = manager.get(f"/plans/?{query}")
    assert response.status_code == 200 and plan.reference in response.text


@pytest.mark.parametrize(
    "query", [f"service={HUGE}", f"responsible={HUGE}", f"page={HUGE}", "page=²", "service=١", "type=²", "sort=²"]
)
def test_register_and_its_csv_ignore_unusable_filters(world, sign_in, plan, query):
    senior = sign_in(world["senior"])
    page = senior.get(f"/register?{query}")
    assert page.status_code == 200 and plan.reference in page.text
    export = senior.get(f"/register.csv?{query}")
    assert export.status_code == 200 and plan.reference in export.text


def test_a_plan_list_page_far_past_the_end_is_empty_not_a_crash(manager, plan):
    response = manager.get(f"/plans/?page={HUGE}")
    assert response.status_code == 200 and plan.reference not in response.text


def test_new_plan_ignores_an_unusable_staff_member(manager, world):
    for raw in (HUGE, "²", "0"):
        assert manager.get(f"/plans/new?staff={raw}").status_code == 200
    page = manager.get(f"/plans/new?staff={world['staff'].id}")
    assert re.search(
        rf'<option selected value="{world["staff"].id}"|<option value="{world["staff"].id}" selected', page.text
    )


def test_correcting_an_unusable_review_id_opens_a_new_review(manager, plan):
    for raw in (HUGE, "²", "١", "0"):
        response = manager.get(f"/plans/{plan.id}/reviews/new?corrects={raw}")
        assert response.status_code == 200 and "Correcting the review" not in response.text
    assert manager.get(f"/plans/{plan.id}/reviews/new?corrects={params.MAX_ID}").status_code == 404


@pytest.mark.parametrize("query", ["page=²", f"page={HUGE}", f"service={HUGE}", "service=²", "outcome=²"])
def test_hr_closures_ignore_unusable_filters(world, sign_in, query):
    response = sign_in(world["hr"]).get(f"/hr/closures?{query}")
    assert response.status_code in (200, 422)


@pytest.mark.parametrize("name", ["closed_from", "closed_to"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_hr_closure_dates_at_the_ends_of_the_calendar_are_refused_beside_the_field(world, sign_in, name, day):
    response = sign_in(world["hr"]).get(f"/hr/closures?{name}={day}")
    assert response.status_code == 422
    assert error_beside(response.text, name) == WINDOW
    assert f'value="{day}"' in response.text  # kept as typed


@pytest.mark.parametrize("query", [f"actor={HUGE}", "actor=²", "page=²", f"page={HUGE}", "plan=" + "x" * 500])
def test_audit_trail_ignores_unusable_filters(world, sign_in, query):
    assert sign_in(world["admin"]).get(f"/admin/audit?{query}").status_code == 200


@pytest.mark.parametrize(("name", "what"), [("to", "The “to” date"), ("from", "The “from” date")])
def test_audit_dates_at_the_ends_of_the_calendar_are_refused_with_a_message(world, sign_in, name, what):
    for day in ("9999-12-31", "0001-01-01"):
        response = sign_in(world["admin"]).get(f"/admin/audit?{name}={day}")
        assert response.status_code == 422
        assert f"{what} must be between 1 Jan 2000 and 31 Dec 2100." in response.text


# --- Dates in forms: the window, beside the field, with the input kept


def risk_data(world, **overrides):
    data = {
        "staff_id": world["staff"].id,
        "service_id": world["home"].id,
        "risk_area": "escalation",
        "risk_statement": "Early signs of deterioration are recorded but not escalated.",
        "evidence_sources": ["audit"],
        "key_questions": ["safe"],
        "baseline_figure": "22",
        "start_date": TODAY.isoformat(),
        "weeks": "4",
        "review_weekday": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_a_new_plan_starting_outside_the_window_is_refused(world, manager, day):
    before = count(Plan)
    response = manager.post("/plans/new", data=risk_data(world, start_date=day))
    assert response.status_code == 422
    assert error_beside(response.text, "start_date") == WINDOW
    assert f'value="{day}"' in response.text
    assert count(Plan) == before


def test_a_new_plan_must_end_within_the_window(world, manager):
    response = manager.post("/plans/new", data=risk_data(world, start_date="2100-12-01", weeks="8"))
    assert response.status_code == 422
    assert error_beside(response.text, "start_date") == "Start the plan early enough for it to end by 31 Dec 2100."
    assert manager.post("/plans/new", data=risk_data(world, start_date="2100-11-01", weeks="4")).status_code == 303


def test_the_date_pickers_offer_the_window(manager):
    page = manager.get("/plans/new").text
    assert re.search(r'<input[^>]*id="start_date"[^>]*>', page)
    tag = re.search(r'<input[^>]*id="start_date"[^>]*>', page).group(0)
    assert 'min="2000-01-01"' in tag and 'max="2100-12-31"' in tag


def review_data(plan, **extra):
    a1, a2 = plan.actions
    data = {
        "review-row_version": plan.row_version,
        "review-submission_token": "tok",
        "review-review_date": TODAY.isoformat(),
        "review-next_review_date": (TODAY + timedelta(days=7)).isoformat(),
        "review-summary": "Steady progress.",
        "review-decision": "continue",
        f"review-progress_{a1.id}": "on_track",
        f"review-value_{a1.id}": "85",
        f"review-progress_{a2.id}": "on_track",
        f"review-value_{a2.id}": "4",
        f"review-control_{plan.controls[0].id}": "keep",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("field", "extra"),
    [
        (
            "review-extend_to",
            {"review-decision": "extend", "review-extend_to": "9999-12-31", "review-extend_reason": "Sickness"},
        ),
        ("review-next_review_date", {"review-next_review_date": "9999-12-31"}),
        ("review-review_date", {"review-review_date": "0001-01-01"}),
    ],
)
def test_review_dates_outside_the_window_are_refused(manager, plan, field, extra):
    before = count(Review)
    response = manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan, **extra), htmx=True)
    assert response.status_code == 422
    assert error_beside(response.text, field) == WINDOW
    assert 'value="9999-12-31"' in response.text or 'value="0001-01-01"' in response.text
    assert count(Review) == before
    db.session.refresh(plan)
    assert plan.planned_end_date < date(2100, 1, 1)


def test_a_control_reviewed_by_9999_is_refused(world, manager, draft):
    data = {
        "control-kind": "paired_working",
        "control-detail": "Paired",
        "control-responsible_id": world["senior"].id,
        "control-start_date": TODAY.isoformat(),
        "control-review_by_date": "9999-12-31",
    }
    response = manager.post(f"/plans/{draft.id}/controls", data=data, htmx=True)
    assert response.status_code == 422
    assert error_beside(response.text, "control-review_by_date") == WINDOW
    assert count(InterimControl) == 0


def test_a_control_check_dated_year_1_is_refused(world, sign_in, plan):
    control = plan.controls[0]
    senior = sign_in(world["senior"])
    response = senior.post(
        f"/register/controls/{control.id}/check",
        htmx=True,
        data={f"check-{control.id}-checked_on": "0001-01-01", f"check-{control.id}-note": "Seen"},
    )
    assert response.status_code == 422
    assert error_beside(response.text, f"check-{control.id}-checked_on") == WINDOW


# --- Numbers in forms: finite, bounded


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("sNaN", "Enter a number, like 62 or 62.5."),
        ("NaN", "Enter a number, like 62 or 62.5."),
        ("Infinity", "Enter a number, like 62 or 62.5."),
        ("-inf", "Enter a number, like 62 or 62.5."),
        ("1e308", "Enter a number between -1,000,000 and 1,000,000."),
        ("1e999", "Enter a number between -1,000,000 and 1,000,000."),
        ("-1000001", "Enter a number between -1,000,000 and 1,000,000."),
        ("1,000", "Enter a number, like 62 or 62.5."),
    ],
)
def test_a_baseline_figure_must_be_a_finite_number_in_range(world, manager, value, message):
    before = count(Plan)
    response = manager.post("/plans/new", data=risk_data(world, baseline_figure=value))
    assert response.status_code == 422
    assert error_beside(response.text, "baseline_figure") == message
    assert f'value="{value}"' in response.text
    assert count(Plan) == before


def test_an_ordinary_baseline_figure_is_saved(world, manager):
    assert manager.post("/plans/new", data=risk_data(world, baseline_figure=" 62.5 ")).status_code == 303
    assert db.session.scalar(select(Plan.baseline_figure)) == 62.5


ACTION = {
    "action-behaviour": "Sign the MAR at the time of each administration",
    "action-when": "at every medication round",
    "action-check_method": "Weekly MAR audit by the senior",
    "action-success_criterion": "At least 90% MAR compliance across two consecutive audits",
    "action-measure_name": "MAR compliance",
    "action-measure_unit": "%",
    "action-measure_baseline": "62",
    "action-measure_target": "90",
    "action-measure_consecutive": "2",
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"action-measure_target": "sNaN"}, "action-measure_target", "Enter a number, like 62 or 62.5."),
        ({"action-measure_baseline": "sNaN"}, "action-measure_baseline", "Enter a number, like 62 or 62.5."),
        ({"action-measure_target": "Infinity"}, "action-measure_target", "Enter a number, like 62 or 62.5."),
        ({"action-measure_baseline": "120"}, "action-measure_baseline", "A percentage baseline is between 0 and 100."),
        ({"action-measure_target": "-1"}, "action-measure_target", "A percentage target is between 0 and 100."),
        (
            {"action-measure_unit": "entries", "action-measure_target": "1e308"},
            "action-measure_target",
            "Enter a number between -1,000,000 and 1,000,000.",
        ),
    ],
)
def test_action_measures_are_finite_and_in_range(manager, draft, changes, field, message):
    response = manager.post(f"/plans/{draft.id}/actions", data={**ACTION, **changes}, htmx=True)
    assert response.status_code == 422
    assert error_beside(response.text, field) == message
    assert count(Action) == 0


def test_a_measure_in_other_units_may_exceed_100(manager, draft):
    data = {**ACTION, "action-measure_unit": "minutes", "action-measure_baseline": "240", "action-measure_target": "30"}
    assert manager.post(f"/plans/{draft.id}/actions", data=data, htmx=True).status_code == 200
    assert db.session.scalar(select(Action.measure_baseline)) == 240


@pytest.mark.parametrize(
    ("which", "value", "message"),
    [
        (0, "sNaN", "Enter a number, like 62 or 62.5."),
        (0, "NaN", "Enter a number, like 62 or 62.5."),
        (0, "101", "A percentage is between 0 and 100."),
        (1, "1e308", "Enter a number between -1,000,000 and 1,000,000."),
        (1, "Infinity", "Enter a number, like 62 or 62.5."),
    ],
)
def test_review_values_are_finite_and_in_range(manager, plan, which, value, message):
    action = plan.actions[which]
    response = manager.post(
        f"/plans/{plan.id}/reviews", htmx=True, data=review_data(plan, **{f"review-value_{action.id}": value})
    )
    assert response.status_code == 422
    assert error_beside(response.text, f"review-value_{action.id}") == message
    assert count(Review) == 0


def test_number_field_parses_only_plain_decimals():
    from pip_app.forms import _NUMBER

    for text in ("62", "-3", "+4.5", ".5", "5.", "1e3", "1E-2"):
        assert _NUMBER.fullmatch(text) and Decimal(text).is_finite()
    for text in ("NaN", "sNaN", "Infinity", "inf", "1_000", "1,000", "١٢", "0x10", "1e99999", ""):
        assert not _NUMBER.fullmatch(text)


# --- Hidden ids


@pytest.mark.parametrize("version", ["²", HUGE, "abc", "-1"])
def test_an_unusable_version_in_an_acknowledgement_is_refused_not_a_crash(world, sign_in, plan, version):
    staff = sign_in(world["staff"])
    response = staff.post(
        f"/plans/{plan.id}/acknowledge", data={"ack-version": version, "ack-response": "agree"}, htmx=True
    )
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("raw", ["²", HUGE, "abc"])
def test_an_unusable_correction_id_in_a_review_is_a_plain_review(manager, plan, raw):
    response = manager.post(
        f"/plans/{plan.id}/reviews", htmx=True, data=review_data(plan, **{"review-corrects_review_id": raw})
    )
    assert response.status_code == 200
    assert db.session.scalar(select(Review.corrects_review_id)) is None


# --- File parts


def test_a_file_in_a_text_field_is_refused_with_415_and_nothing_saved(world, manager, draft):
    before = count(Plan)
    data = risk_data(world)
    data["risk_statement"] = (io.BytesIO(b"Early signs are not escalated."), "statement.txt")
    response = manager.post("/plans/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 415
    assert "This form does not take files" in response.text
    assert count(Plan) == before
    data = {"row_version": draft.row_version, **risk_data(world), "evidence_detail": (io.BytesIO(b"x"), "evidence.pdf")}
    response = manager.post(f"/plans/{draft.id}/risk", data=data, content_type="multipart/form-data", htmx=True)
    assert response.status_code == 415 and "This form does not take files" in response.text


def test_a_multipart_form_without_files_is_still_accepted(world, manager):
    response = manager.post("/plans/new", data=risk_data(world), content_type="multipart/form-data")
    assert response.status_code == 303
