"""Wording and presentation (issue 22, point 10): the baseline is shown once, an issued version
reads like the plan page (UK dates, labels), and a progress chart carries its dates."""

import re
from datetime import date
from itertools import pairwise

import pytest

from pip_app.extensions import db
from pip_app.formatting import format_baseline, format_date
from pip_app.lifecycle import diff_snapshots
from pip_app.measures import MAX_X_LABELS, Drawing, chart_geometry, label_extent, label_indices
from pip_app.models import PlanVersion
from pip_app.services.plans import snapshot
from tests.issued_plan import TODAY, review_data

pytestmark = pytest.mark.usefixtures("frozen_today")  # the issued plan's day (tests/issued_plan.py)


def test_the_baseline_figure_is_added_only_when_the_text_lacks_it():
    assert (
        format_baseline("Rationale recorded for 2 of 9 changes (22%)", 22)
        == "Rationale recorded for 2 of 9 changes (22%)"
    )
    assert format_baseline("MAR audit", 62) == "MAR audit (62)"
    assert format_baseline("MAR audit 62.5%", 62.5) == "MAR audit 62.5%"
    assert format_baseline(None, None) == "—"


def test_snapshot_dates_read_as_uk_dates():
    assert format_date("2026-11-05") == "5 Nov 2026"
    assert format_date(date(2026, 11, 5)) == "5 Nov 2026"
    assert format_date("") == "—"


def test_a_chart_has_dates_along_its_x_axis():
    chart = chart_geometry([50, 70, 90], target=90, baseline=40, unit="%", labels=["5 Nov", "12 Nov", "19 Nov"])
    assert [(label, anchor) for _, label, anchor in chart.x_labels] == [
        ("5 Nov", "start"),
        ("12 Nov", "middle"),
        ("19 Nov", "end"),
    ]
    assert [x for x, _, _ in chart.x_labels] == [x for x, _ in chart.points()]
    assert label_indices(12) == [0, 3, 6, 8, 11]  # at most five, the first and the last always
    assert chart_geometry([50], target=90, baseline=None, labels=["5 Nov"]).x_labels[0][2] == "middle"


def test_a_charts_date_labels_never_run_into_each_other():
    # Seen on the demo: six weekly reviews, the last two labelled "16 Nov" and "23 Nov", drawn as
    # "16 Nov23 Nov" (the last label ends on its point, the one before is centred on its own).
    days = ["19 Oct", "26 Oct", "2 Nov", "9 Nov", "16 Nov", "23 Nov"]
    chart = chart_geometry([60, 65, 70, 80, 90, 100], target=90, baseline=60, unit="%", labels=days)
    shown = [label for _, label, _ in chart.x_labels]
    assert shown[0] == "19 Oct" and shown[-1] == "23 Nov" and len(shown) == 4
    for count in range(1, 61):
        labels = ["30 Sep" if i % 2 else "1 Oct" for i in range(count)]  # the widest and a narrow one
        chart = chart_geometry(list(range(count)), target=None, baseline=None, labels=labels)
        extents = [label_extent(x, label, anchor) for x, label, anchor in chart.x_labels]
        assert all(right < left for (_, right), (left, _) in pairwise(extents)), count
        assert extents[0][0] >= 0 and extents[-1][1] <= chart.width, count  # inside the chart
        assert 1 <= len(extents) <= MAX_X_LABELS, count
        assert chart.x_labels[0][0] == chart.points()[0][0] and chart.x_labels[-1][0] == chart.points()[-1][0], count


def test_the_plan_page_and_its_versions_read_alike(manager, plan):
    plan.baseline_text, plan.baseline_figure = "MAR audit 62%", 62
    plan.evidence_sources, plan.key_questions = ["near_miss", "audit"], ["safe", "well_led"]

    version = db.session.query(PlanVersion).filter_by(plan_id=plan.id, version=1).one()
    version.snapshot = snapshot(plan)
    db.session.commit()
    for url in (f"/plans/{plan.id}", f"/plans/{plan.id}/versions/1"):
        page = manager.get(url).text
        assert "MAR audit 62%</dd>" in page and "(62)" not in page, url
        assert "Near miss, Audit" in page and "Safe, Well-led" in page, url
        assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r'(value|min|max|href|datetime)="[^"]*"', "", page)), url


def test_the_chart_on_the_plan_page_shows_the_review_dates(manager, plan):
    assert manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan, day=TODAY), htmx=True).status_code == 200
    page = manager.get(f"/plans/{plan.id}").text
    assert re.search(r'<text x="[\d.]+" y="\d+" text-anchor="middle" font-size="10" fill="#4f5560">23 Nov</text>', page)
    assert "MAR compliance over the weekly reviews on 23 Nov 2026; target 90%" in page


def test_what_changed_between_versions_reads_like_the_plan():
    old = {"planned_end_date": "2026-12-03", "review_weekday": 3, "evidence_sources": ["near_miss"], "actions": []}
    new = {
        "planned_end_date": "2026-12-17",
        "review_weekday": 2,
        "evidence_sources": ["near_miss", "audit"],
        "key_questions": ["well_led"],
        "actions": [],
    }
    assert set(diff_snapshots(old, new)) == {
        ("Planned end date", "3 Dec 2026", "17 Dec 2026"),
        ("Review weekday", "Thursday", "Wednesday"),
        ("Evidence sources", "Near miss", "Near miss, Audit"),
        ("Key questions", None, "Well-led"),
    }
    measure = {"name": "MAR compliance", "unit": "%", "baseline": 62.0, "target": 90.0, "consecutive": 2}
    [(what, before, after)] = diff_snapshots(
        {"actions": [{"ref": "A1", "measure": None}]}, {"actions": [{"ref": "A1", "measure": measure}]}
    )
    assert (what, before, after) == (
        "A1: Measure",
        None,
        "MAR compliance: baseline 62%, target 90% on 2 consecutive checks",
    )


def test_a_chart_escapes_what_people_typed_and_writes_the_numbers_as_they_are():
    """pip_app/charts.py writes the chart in Python: the measure's name and unit are the only text
    people typed, and they come out escaped in the title, the summary, the table and the values."""
    from types import SimpleNamespace

    from pip_app.charts import progress_chart, values_table

    action = SimpleNamespace(
        id=4,
        measure_name='<script>alert("x")</script> MAR',
        measure_target=90.0,
        measure_unit="<b>",
        measure_baseline=60.0,
    )
    chart = chart_geometry([70.0, 95.0], target=90, baseline=60, labels=["5 Nov", "12 Nov"])
    html = str(progress_chart(action, Drawing(chart, "5 Nov 2026", "12 Nov 2026", met=True)))
    table = str(values_table(action, [("5 Nov 2026", "70 <b>", False), ("12 Nov 2026", "95 <b>", True)]))
    assert "<script>" not in html + table and "<b>" not in html + table
    name = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; MAR"
    assert (
        f'<title id="chart-4-t">{name} over the weekly reviews from 5 Nov 2026 to 12 Nov 2026; target 90 &lt;b&gt;</title>'
        in html
    )
    assert f'<caption class="visually-hidden">{name}: the values as a table</caption>' in table
    assert '<tr><th scope="row">Baseline</th><td>60 &lt;b&gt;</td><td>—</td></tr>' in table
    assert '<tr><th scope="row">12 Nov 2026</th><td>95 &lt;b&gt;</td><td>Yes</td></tr>' in table
    assert f'points="{chart.polyline}"' in html and 'marker-mid="url(#chart-4-dot)"' in html
    assert html.count("<text") == 6  # two axis values, target, baseline, two dates
    assert "on 5 Nov 2026; target" in str(progress_chart(action, Drawing(chart, "5 Nov 2026", "5 Nov 2026", met=True)))


def test_option_tags_escape_values_and_labels_and_mark_the_chosen_one_compared_as_text():
    from pip_app.templating import option_tags

    html = str(option_tags([(5, "Ann <b>"), (12, 'Bo "Q" & Co'), ("x'y", "X")], "12"))
    assert html == (
        '<option value="5">Ann &lt;b&gt;</option>'
        '<option value="12" selected>Bo &quot;Q&quot; &amp; Co</option>'
        '<option value="x&#x27;y">X</option>'
    )
    assert "selected" not in str(option_tags([(1, "One")], None))
    assert str(option_tags([(1, "One")], 1)) == '<option value="1" selected>One</option>'


def test_a_part_loaded_on_demand_escapes_what_it_is_given(app):
    """`lazy` and `more` are written in Python (templating.py): what they put in the page is
    escaped there, as a template would."""
    from pip_app.templating import lazy, more

    part = str(lazy("values-3", 'Falls <b>"A&B"</b>: the values as a table', "/plans/1/x?a=1&b=2"))
    assert part.startswith('<details class="lazy" id="values-3" hx-get="/plans/1/x?a=1&amp;b=2"')
    assert "<summary>Falls &lt;b&gt;&#34;A&amp;B&#34;&lt;/b&gt;: the values as a table</summary>" in part
    assert '<a href="/plans/1/x?a=1&amp;b=2">Show falls &lt;b&gt;&#34;a&amp;b&#34;&lt;/b&gt;: the values' in part
    assert "<b>" not in part
    link = str(more("/plans/1/history?page=2&x=<", "Show <older> changes"))
    assert 'href="/plans/1/history?page=2&amp;x=&lt;"' in link
    assert ">Show &lt;older&gt; changes</a>" in link


def test_a_link_built_with_url_with_id_is_the_link_url_for_builds(app):
    from flask import url_for

    from pip_app.templating import ID_STAND_IN, url_with_id

    for root in ("", "/care-home"):  # at the site's root, and mounted under a path
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": root}):
            for plan_id, anchor in [(1, None), (7, "reviews-panel"), (10_000, "control-12"), (3, "a b/ü"), (5, "")]:
                expected = url_for("plans.show", plan_id=plan_id, _anchor=anchor or None)
                assert url_with_id("plans.show", plan_id=plan_id, _anchor=anchor) == expected
            assert url_with_id("register.control", control_id=42) == url_for("register.control", control_id=42)
            assert str(ID_STAND_IN) not in url_with_id("plans.show", plan_id=ID_STAND_IN + 1)
            assert url_with_id("plans.show", plan_id=12).startswith(f"{root}/plans/")
            for plan_id, action_id in [(1, 2), (5, 5), (10_000, 7), (ID_STAND_IN, ID_STAND_IN + 1)]:
                expected = url_for("reviews.measured_values", plan_id=plan_id, action_id=action_id)
                assert url_with_id("reviews.measured_values", plan_id=plan_id, action_id=action_id) == expected
                assert url_with_id("reviews.measured_values", action_id=action_id, plan_id=plan_id) == expected


def test_templates_url_for_builds_what_flasks_url_for_builds(app, monkeypatch):
    """Templates' `url_for` (templating.page_url_for) makes a link of ids, with a query string of
    ids and texts, by its route's shape and hands every other to Flask's: either way, the link
    Flask's `url_for` builds."""
    from flask import url_for

    from pip_app.templating import page_url_for

    links = [
        ("main.dashboard", {}),
        ("plans.show", {"plan_id": 7}),
        ("plans.show", {"plan_id": -1}),  # as Flask's builds it (no route would answer it)
        ("plans.show", {"plan_id": 7, "_anchor": "review-3"}),
        ("reviews.new_review", {"plan_id": 4, "corrects": 9}),  # an id in the query string
        ("register.index", {"flagged": 1, "service": 3}),
        ("register.index", {"q": "Łukasik & co", "page": 2}),  # text in the query string
        ("register.index", {"page": 2, "q": "a+b=c?d/e#f %g", "service": None, "sort": "staff"}),
        ("register.index", {"q": "", "dir": "desc", "type": "paired_working"}),
        ("register.index", {"q": "!$'()*,/:;?@[]{}<>\"\\|^`~"}),  # Werkzeug's safe characters
        ("register.index", {"status": "all", "_anchor": "register-results"}),
        ("register.control", {"control_id": 12, "next": "/register?q=x&page=2", "form": "check"}),
        ("register.index", {"flagged": True}),  # not an id: Flask's ("True")
        ("register.index", {"service": [1, 2]}),  # a list: Flask's
        ("plans.show", {"plan_id": "7"}),  # a route's argument as text: Flask's
        ("plans.index", {"_external": True}),
        ("plans.index", {"_scheme": "https", "_external": True}),
        ("plans.index", {"_method": "GET", "status": "active"}),
        ("static", {"filename": "app.css"}),
    ]
    for root in ("", "/care-home"):
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": root}):
            for endpoint, values in links:
                assert page_url_for(endpoint, **values) == url_for(endpoint, **values), (endpoint, values)
    # Ids and texts in the query string are made by the route's shape, without Flask's url_for
    # once the shape is known.
    from pip_app import templating

    with app.test_request_context("/"):
        page_url_for("register.index", q="x")
        page_url_for("register.control", control_id=1, next="/register")
        flasks = []
        monkeypatch.setattr(templating, "url_for", lambda *args, **kwargs: flasks.append(args))
        page_url_for("register.index", q="Łukasik", page=3, _anchor="register-results")
        page_url_for("register.control", control_id=5, next="/register?q=y", form="lift")
        assert flasks == []
        monkeypatch.undo()
    app.config["SERVER_NAME"] = "care.example"  # outside a request, Flask's builds from it
    try:
        with app.app_context():
            assert (
                page_url_for("plans.show", plan_id=7)
                == url_for("plans.show", plan_id=7)
                == "http://care.example/plans/7"
            )
    finally:
        app.config["SERVER_NAME"] = None


def test_an_actions_details_escape_what_people_typed_and_say_each_optional_line(app):
    """pip_app/action_details.py writes an action's details in Python: everything people typed comes
    out escaped, and each optional line (the measure, the due date, completion, assurance, the
    reason, the chart and the prompt when its measure is met) is there only when it applies."""
    from types import SimpleNamespace

    from pip_app.action_details import action_details
    from pip_app.models import ActionStatus

    typed = '<script>alert("x")</script>'
    action = SimpleNamespace(
        id=7,
        plan_id=3,
        ref="A2",
        behaviour=typed + " behaviour",
        when=typed + " when",
        when_date=date(2026, 12, 4),
        check_method=typed + " check",
        success_criterion=typed + " good",
        measure_name=typed + " MAR",
        measure_unit="%",
        measure_baseline=60.0,
        measure_target=90.0,
        measure_consecutive=1,
        has_measure=True,
        owner=SimpleNamespace(name=typed + " Owner"),
        due_date=date(2026, 12, 25),
        completion_evidence=typed + " done",
        completed_on=date(2026, 11, 20),
        assurance_evidence=None,
        assured_on=None,
        status_reason=None,
        is_withdrawn=False,
        status=ActionStatus.COMPLETED,
    )
    chart = chart_geometry([95.0], target=90, baseline=60, labels=["20 Nov"])
    with app.test_request_context():
        html = str(action_details(action, Drawing(chart, "20 Nov 2026", "20 Nov 2026", met=True)))
        # seven lines of details, the chart's title, and its values' summary and link
        assert "<script>" not in html and html.count("&lt;script&gt;") == 10
        assert "<dt>When</dt><dd>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; when (by 4 Dec 2026)</dd>" in html
        assert "target 90% on 1 consecutive check</dd>" in html
        assert "&lt;/script&gt; Owner · due 25 Dec 2026</dd>" in html
        assert '<dt>Completed</dt><dd>20 Nov 2026: <span class="prose">' in html
        assert "<dt>Assured</dt>" not in html and "<dt>Reason</dt>" not in html
        assert 'hx-get="/plans/3/actions/7/values"' in html and '<figure class="chart">' in html
        assert "The measure is met: the last 1 value reached the target. Consider recording A2 as assured" in html

        action.status, action.is_withdrawn, action.status_reason = ActionStatus.WITHDRAWN, True, typed
        withdrawn = str(action_details(action, Drawing(chart, "20 Nov 2026", "20 Nov 2026", met=True)))
        assert "<dt>Why it was withdrawn</dt>" in withdrawn and "The measure is met" not in withdrawn

        action.has_measure, action.owner, action.due_date, action.when_date = False, None, None, None
        plain = str(action_details(action, None))
        assert "<dt>Measure</dt>" not in plain and "<figure" not in plain
        assert "<dt>Owner</dt><dd>—</dd>" in plain and "(by " not in plain
