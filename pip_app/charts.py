"""A measured action's progress chart: inline SVG, and its data table (the accessible alternative,
opened from the chart on demand), written here rather than in a template.

The drawing is numbers (`measures.Chart`). As template expressions, twenty charts of a dozen values
were some 2,400 escaped outputs, more than half of all the escaping on the plan page, and the
page's most expensive part to render. Here the numbers are written as they are, and the only
text that comes from people (the measure's name and unit, in its formatted values) is escaped.
"""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

from .formatting import format_date, format_measure
from .measures import Chart, Drawing, reaches
from .models import Action

AXIS, TARGET, BASELINE, LINE = "#4f5560", "#1d6b35", "#a4161a", "#0b4f6c"

# A table row: the review's date, its value with the unit, and whether it reaches the target.
ChartRow = tuple[str, str, bool]


def progress_chart(action: Action, drawing: Drawing) -> Markup:
    """The chart of `action`, titled for screen readers with the dates of its first and last values
    (the template puts it in a figure, with its values as a table on demand: `values_table`)."""
    return Markup(_svg(action, drawing.chart, drawing.first_day, drawing.last_day, escape(action.measure_name)))


def value_rows(action: Action, values: list[tuple[date, float]]) -> list[ChartRow]:
    """The table's rows for the action's measured values (from services.reviews.measured_values)."""
    target, unit, higher = action.measure_target, action.measure_unit, action.measure_higher_is_better
    return [
        (format_date(day), format_measure(value, unit), target is not None and reaches(value, target, higher))
        for day, value in values
    ]


def values_table(action: Action, rows: list[ChartRow]) -> Markup:
    """The chart's values as a table: the baseline, then each review's value and whether it reaches
    the target."""
    name = escape(action.measure_name)
    return Markup(
        f'<table class="table">\n'
        f'  <caption class="visually-hidden">{name}: the values as a table</caption>\n'
        f'  <thead><tr><th scope="col">Review</th><th scope="col">{name}</th>'
        f'<th scope="col">Reaches target?</th></tr></thead>\n'
        f"  <tbody>\n"
        f'    <tr><th scope="row">Baseline</th>'
        f"<td>{escape(format_measure(action.measure_baseline, action.measure_unit))}</td><td>—</td></tr>\n"
        f"    {''.join(_table_row(row) for row in rows)}\n"
        f"  </tbody>\n"
        f"</table>"
    )


def _table_row(row: ChartRow) -> str:
    day, value, reached = row
    return f'<tr><th scope="row">{escape(day)}</th><td>{escape(value)}</td><td>{"Yes" if reached else "No"}</td></tr>'


def _svg(action: Action, chart: Chart, first_day: str | None, last_day: str | None, name: Markup) -> str:
    w, h, left, bottom, n = chart.width, chart.height, chart.left, chart.bottom, action.id
    if first_day and last_day and first_day != last_day:
        span = f" from {escape(first_day)} to {escape(last_day)}"
    else:
        span = f" on {escape(first_day)}" if first_day else ""
    target = escape(format_measure(action.measure_target, action.measure_unit))
    parts = [
        f'  <svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="chart-{n}-t"'
        ' focusable="false">',
        f'    <title id="chart-{n}-t">{name} over the weekly reviews{span}; target {target}</title>',
        f'    <line x1="{left}" y1="{bottom}" x2="{w - 8}" y2="{bottom}" stroke="{AXIS}" stroke-width="1"/>',
        f'    <line x1="{left}" y1="8" x2="{left}" y2="{bottom}" stroke="{AXIS}" stroke-width="1"/>',
        f'    <text x="{left - 4}" y="{bottom}" text-anchor="end" font-size="10" fill="{AXIS}">'
        f"{escape(format_measure(chart.y_min))}</text>",
        f'    <text x="{left - 4}" y="14" text-anchor="end" font-size="10" fill="{AXIS}">'
        f"{escape(format_measure(chart.y_max))}</text>",
    ]
    if chart.target_y is not None:
        y = chart.target_y
        parts.append(
            f'    <line x1="{left}" y1="{y}" x2="{w - 8}" y2="{y}" stroke="{TARGET}" stroke-width="1.5"'
            ' stroke-dasharray="5 3"/>'
            f'<text x="{w - 10}" y="{y - 3}" text-anchor="end" font-size="10" fill="{TARGET}">target</text>'
        )
    if chart.baseline_y is not None:
        y = chart.baseline_y
        parts.append(
            f'    <line x1="{left}" y1="{y}" x2="{w - 8}" y2="{y}" stroke="{BASELINE}" stroke-width="1"'
            ' stroke-dasharray="2 3"/>'
            f'<text x="{left + 4}" y="{y - 3}" font-size="10" fill="{BASELINE}">baseline</text>'
        )
    # Each value a dot: drawn by the line's markers at its vertices (one definition, however many
    # reviews: a 100-review plan's six charts were 32 KB of circles), or one circle alone.
    if chart.dots > 1:
        dot = f"url(#chart-{n}-dot)"
        parts.append(
            f'    <defs><marker id="chart-{n}-dot" viewBox="0 0 8 8" refX="4" refY="4" markerWidth="8"'
            f' markerHeight="8" markerUnits="userSpaceOnUse"><circle cx="4" cy="4" r="3.5" fill="{LINE}"/>'
            f"</marker></defs>"
            f'<polyline points="{chart.polyline}" fill="none" stroke="{LINE}" stroke-width="2"'
            f' marker-start="{dot}" marker-mid="{dot}" marker-end="{dot}"/>'
        )
    elif chart.dots:
        [(x, y)] = chart.points()
        parts.append(f'    <circle cx="{x}" cy="{y}" r="3.5" fill="{LINE}"/>')
    for x, label, anchor in chart.x_labels:
        parts.append(
            f'    <line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 4}" stroke="{AXIS}" stroke-width="1"/>'
            f'<text x="{x}" y="{bottom + 15}" text-anchor="{anchor}" font-size="10" fill="{AXIS}">'
            f"{escape(label)}</text>"
        )
    if not chart.dots:
        parts.append(f'    <text x="{left}" y="{h - 6}" font-size="10" fill="{AXIS}">No values recorded yet</text>')
    parts.append("  </svg>")
    return "\n".join(parts)
