"""Issue #15: the plan page's observed shifts. The shifts still planned are on the page (each
outcome is recorded from there); those recorded open on demand, as a part with its own URL that
also works as a plain link, and are in view at once when the panel answers one of its own forms."""

from datetime import date, timedelta

import pytest

from pip_app.extensions import db
from pip_app.models import Observation, ObservationStatus, Outcome, PlanStatus
from pip_app.services import reviews as review_ops
from pip_app.services.plans import issue_plan
from tests import factories
from tests.factories import make_action, make_control
from tests.html_checker import assert_valid_html

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()


@pytest.fixture
def plan(world, make_plan):
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
    make_action(plan, 1)
    make_action(plan, 2)
    factories.approve_for_issue(plan)
    issue_plan(world["manager"], plan)
    db.session.commit()
    return plan


@pytest.fixture
def shifts(plan, world):
    """Two recorded (done and met; cancelled), two still planned (one passed, one to come)."""
    made = [
        Observation(plan=plan, scheduled_on=TODAY - timedelta(days=14), observer=world["senior"], focus=plan.actions),
        Observation(plan=plan, scheduled_on=TODAY - timedelta(days=7), observer=world["senior"]),
        Observation(plan=plan, scheduled_on=TODAY - timedelta(days=1), observer=world["senior"]),
        Observation(plan=plan, scheduled_on=TODAY + timedelta(days=3), observer=world["manager"]),
    ]
    db.session.add_all(made)
    db.session.flush()
    manager = world["manager"]
    review_ops.record_observation(manager, made[0], status=ObservationStatus.DONE, outcome=Outcome.MET, notes=None)
    review_ops.record_observation(
        manager, made[1], status=ObservationStatus.CANCELLED, outcome=None, notes="Short-staffed <b>that</b> night"
    )
    db.session.commit()
    return made


def _panel(html: str) -> str:
    start = html.index('<section id="observations-panel"')
    return html[start : html.index("</section>", start)]


def test_the_plan_page_shows_the_planned_shifts_and_opens_the_recorded_on_demand(world, sign_in, plan, shifts):
    panel = _panel(sign_in(world["manager"]).get(f"/plans/{plan.id}").text)
    assert "4 planned · 1 done · 1 met." in panel
    for planned in shifts[2:]:
        assert f'id="observation-{planned.id}"' in panel
        assert f"/plans/{plan.id}/observations/{planned.id}/outcome" in panel  # recorded from here
    for recorded in shifts[:2]:
        assert f'id="observation-{recorded.id}"' not in panel
    assert "Short-staffed" not in panel
    assert f'hx-get="/plans/{plan.id}/observations/recorded"' in panel
    assert "Recorded shifts (2)" in panel


@pytest.mark.parametrize("who", ["manager", "staff", "senior", "hr"])
def test_the_recorded_shifts_open_as_a_part_and_as_a_page_of_their_own(world, sign_in, plan, shifts, who):
    client = sign_in(world[who])
    part = client.get(f"/plans/{plan.id}/observations/recorded", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert "<html" not in part.text
    for recorded in shifts[:2]:
        assert f'id="observation-{recorded.id}"' in part.text
    for planned in shifts[2:]:
        assert f'id="observation-{planned.id}"' not in part.text
    assert "Short-staffed &lt;b&gt;that&lt;/b&gt; night" in part.text  # escaped
    assert "A1, A2" in part.text  # what the first observed
    assert "<form" not in part.text  # nothing recorded is recorded again
    page = client.get(f"/plans/{plan.id}/observations/recorded")
    assert page.status_code == 200
    assert "<h1>Recorded observed shifts</h1>" in page.text
    assert f'href="/plans/{plan.id}#observations-panel"' in page.text  # back to the plan
    assert_valid_html({"recorded shifts": page.text})


def test_a_plan_with_nothing_recorded_says_so(world, sign_in, plan):
    db.session.add(Observation(plan=plan, scheduled_on=TODAY + timedelta(days=3), observer=world["senior"]))
    db.session.commit()
    client = sign_in(world["manager"])
    assert "Recorded shifts" not in _panel(client.get(f"/plans/{plan.id}").text)
    part = client.get(f"/plans/{plan.id}/observations/recorded", headers={"HX-Request": "true"})
    assert "No observed shifts recorded yet." in part.text


def test_the_recorded_shifts_of_a_plan_one_may_not_see_are_not_found(
    world, sign_in, make_plan, make_user, plan, shifts
):
    stranger = make_user(email="not.on.this.plan@example.test", name="Other Staff")
    db.session.commit()
    assert sign_in(stranger).get(f"/plans/{plan.id}/observations/recorded").status_code == 404


def test_after_recording_an_outcome_the_panel_shows_every_shift(world, sign_in, plan, shifts):
    client = sign_in(world["manager"])
    passed = shifts[2]
    opened = client.get(f"/plans/{plan.id}/observations/{passed.id}/outcome", headers={"HX-Request": "true"})
    assert opened.status_code == 200
    assert f'id="observation-{shifts[0].id}"' in opened.text  # the form's answer shows the recorded too
    form = client.client.get(f"/plans/{plan.id}/observations/{passed.id}/outcome").text
    version = form.split(f'name="outcome{passed.id}-row_version"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    saved = client.post(
        f"/plans/{plan.id}/observations/{passed.id}/outcome",
        data={
            f"outcome{passed.id}-status": "done",
            f"outcome{passed.id}-outcome": "met",
            f"outcome{passed.id}-row_version": version,
        },
        htmx=True,
    )
    assert saved.status_code == 200, saved.text
    panel = _panel(saved.text)
    assert "Observation recorded." in panel
    assert "4 planned · 2 done · 2 met." in panel
    for shift in shifts:  # the one just recorded among the recorded, in view
        assert f'id="observation-{shift.id}"' in panel
    assert 'id="observations-recorded"' not in panel  # shown, not offered on demand
    # A later first load of the page opens them on demand again.
    assert "Recorded shifts (3)" in _panel(client.get(f"/plans/{plan.id}").text)


def test_the_staff_member_reads_their_planned_shifts_folded(world, sign_in, plan, shifts):
    panel = _panel(sign_in(world["staff"]).get(f"/plans/{plan.id}").text)
    assert "4 planned · 1 done · 1 met." in panel
    folded = panel.split('<details class="observations-more">', 1)[1].split("</details>", 1)[0]
    assert "2 shifts without an outcome yet" in folded
    for planned in shifts[2:]:
        assert f'id="observation-{planned.id}"' in folded
    assert "/outcome" not in folded  # theirs to read, not to record
    assert "Recorded shifts (2)" in panel
