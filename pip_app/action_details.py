"""An action's details on the plan page, with its progress chart's figure, written in Python
rather than in a template.

A typical plan page shows twenty actions. As template expressions, their details were about an
eighth of the page's CPU (some thirty outputs each, each escaped and joined by Jinja, and each
attribute looked up through it); written here, only the text that comes from people (what
changes, when, how it is checked, what good looks like, the measure, names, evidence) is escaped,
and the rest is written as it is. `plans/_actions_panel.html` keeps the article, its heading and
the forms that change an action's status.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from .charts import progress_chart
from .formatting import format_date, format_measure
from .measures import Drawing
from .models import Action, ActionStatus
from .templating import lazy, url_with_id

SETTLED = (ActionStatus.ASSURED, ActionStatus.WITHDRAWN)  # a met measure needs no prompt


def action_details(action: Action, drawing: Drawing | None) -> Markup:
    """The action's `<dl>` of details, and for a measured action its chart (`drawing`, written by
    pip_app/charts.py) in a figure with its values on demand, and a prompt when its measure is met
    and it is not yet assured."""
    parts = [
        '<dl class="details">',
        f'  <dt>What changes</dt><dd class="prose">{escape(action.behaviour)}</dd>',
        f"  <dt>When</dt><dd>{escape(action.when)}{_by(action)}</dd>",
        f'  <dt>How it is checked</dt><dd class="prose">{escape(action.check_method)}</dd>',
        f'  <dt>What good looks like</dt><dd class="prose">{escape(action.success_criterion)}</dd>',
    ]
    if action.has_measure:
        unit, consecutive = action.measure_unit, action.measure_consecutive
        parts.append(
            f"  <dt>Measure</dt><dd>{escape(action.measure_name)}:"
            f" baseline {escape(format_measure(action.measure_baseline, unit))},"
            f" target {escape(format_measure(action.measure_target, unit))}"
            f" on {consecutive} consecutive check{_s(consecutive)}</dd>"
        )
    owner = escape(action.owner.name) if action.owner else "—"
    due = f" · due {format_date(action.due_date)}" if action.due_date else ""
    parts.append(f"  <dt>Owner</dt><dd>{owner}{due}</dd>")
    if action.completion_evidence:
        parts.append(
            f"  <dt>Completed</dt><dd>{format_date(action.completed_on)}:"
            f' <span class="prose">{escape(action.completion_evidence)}</span></dd>'
        )
    if action.assurance_evidence:
        parts.append(
            f"  <dt>Assured</dt><dd>{format_date(action.assured_on)}:"
            f' <span class="prose">{escape(action.assurance_evidence)}</span></dd>'
        )
    if action.status_reason:
        term = "Why it was withdrawn" if action.is_withdrawn else "Reason"
        parts.append(f'  <dt>{term}</dt><dd class="prose">{escape(action.status_reason)}</dd>')
    parts.append("</dl>")
    if action.has_measure and drawing is not None:
        parts.append(_figure(action, progress_chart(action, drawing)))
        if drawing.met and action.status not in SETTLED:
            parts.append(_ready(action))
    return Markup("\n".join(parts))


def _by(action: Action) -> str:
    return f" (by {format_date(action.when_date)})" if action.when_date else ""


def _s(count: int | None) -> str:
    return "s" if count != 1 else ""


def _figure(action: Action, chart: Markup) -> str:
    values = lazy(
        f"values-{action.id}",
        f"{action.measure_name}: the values as a table",
        url_with_id("reviews.measured_values", plan_id=action.plan_id, action_id=action.id),
    )
    return f'<figure class="chart">\n{chart}\n<figcaption>{values}</figcaption>\n</figure>'


def _ready(action: Action) -> str:
    consecutive, ref = action.measure_consecutive, action.ref
    if action.status is ActionStatus.COMPLETED:
        next_step = f"Consider recording {ref} as assured, with the evidence."
    else:
        next_step = f"Consider recording {ref} as completed, then assured."
    return (
        f'<p class="ready">The measure is met: the last {consecutive} value{_s(consecutive)} reached the'
        f" target. {next_step}</p>"
    )
