"""The issued plan the review tests share (the `plan`, `manager` and `frozen_today` fixtures in
conftest.py): its day, and the review form's fields for it."""

from datetime import date, timedelta

TODAY = date(2026, 11, 23)  # the day `frozen_today` fixes
START = TODAY - timedelta(days=21)  # the plan's start


def review_data(plan, *, day=TODAY, value="85", token="tok-1", **extra):
    a1, a2 = plan.actions
    control = plan.controls[0]
    data = {
        "review-row_version": plan.row_version,
        "review-submission_token": token,
        "review-review_date": day.isoformat(),
        "review-next_review_date": (day + timedelta(days=7)).isoformat(),
        "review-summary": "Good progress on MAR signing.",
        "review-decision": "continue",
        f"review-progress_{a1.id}": "on_track",
        f"review-value_{a1.id}": value,
        f"review-note_{a1.id}": "Audit of 20 entries",
        f"review-progress_{a2.id}": "at_risk",
        f"review-note_{a2.id}": "",
        f"review-control_{control.id}": "keep",
        f"review-rationale_{control.id}": "",
    }
    data.update(extra)
    return data
