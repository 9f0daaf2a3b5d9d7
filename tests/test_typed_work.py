"""Typed work is not lost (issue 22, points 6 and 9), as the server renders it: the review form
has an address of its own and, once saved in place, hands the plan's address back; the forms
whose loss hurts are marked for the unsaved-changes warning and a kept draft; long text fields
say their limit, which static/js/forms.js turns into a live counter."""

import pytest

from tests.issued_plan import review_data

pytestmark = pytest.mark.usefixtures("frozen_today")  # the issued plan's day (tests/issued_plan.py)


def test_the_review_form_opens_at_its_own_address(manager, plan):
    page = manager.get(f"/plans/{plan.id}").text
    assert (
        f'hx-get="/plans/{plan.id}/reviews/new" hx-target="#reviews-panel" hx-swap="outerHTML" hx-push-url="true"'
        in page
    )
    form = manager.get(f"/plans/{plan.id}/reviews/new", headers={"HX-Request": "true"}).text
    assert "data-unsaved-warning" in form and f'data-draft-key="review-{plan.id}-by-{plan.manager_id}"' in form
    assert "data-draft-notice" in form


def test_a_review_saved_in_place_gives_back_the_plans_address(manager, plan):
    saved = manager.post(f"/plans/{plan.id}/reviews", data=review_data(plan), htmx=True)
    assert saved.status_code == 200 and saved.headers["HX-Replace-Url"] == f"/plans/{plan.id}"
    refused = manager.post(
        f"/plans/{plan.id}/reviews", data=review_data(plan, token="tok-2", **{"review-summary": ""}), htmx=True
    )
    assert refused.status_code == 422 and "HX-Replace-Url" not in refused.headers  # still on the form


def test_long_text_fields_say_their_limit_and_the_closure_form_keeps_a_draft(manager, plan):
    close = manager.get(f"/plans/{plan.id}/close").text
    assert "data-unsaved-warning" in close and f'data-draft-key="close-{plan.id}-by-{plan.manager_id}"' in close
    assert 'data-counter="close-what_changed-count"' in close
    assert (
        '<p class="hint counter" id="close-what_changed-count" aria-live="polite">Up to 20,000 characters.</p>' in close
    )
