"""Measures over time: when a measure is met, and the geometry of its progress chart. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any, Protocol

from .formatting import format_date, format_day_month


def reaches(value: float, target: float, higher_is_better: bool = True) -> bool:
    """Whether one value reaches the target."""
    return value >= target if higher_is_better else value <= target


def measure_met(
    values: list[float], target: float | None, consecutive: int | None, higher_is_better: bool = True
) -> bool:
    """A measure is met when its last N recorded values all reach the target."""
    if target is None or not values:
        return False
    needed = max(consecutive or 1, 1)
    last = values[-needed:]
    return len(last) == needed and all(reaches(v, target, higher_is_better) for v in last)


@dataclass(frozen=True)
class Chart:
    """Coordinates for a small inline SVG: the values' points, target and baseline lines, axis labels.

    The points are the polyline's "x,y x,y ...", one per value, and `dots` says how many: kept
    drawn (services.charts_kept), each chart is read back on every plan page, and the points as
    numbers ([x, y, value] each) were two thirds of the JSON to decode there (0.28 -> 0.10 ms for
    the typical plan's twenty charts)."""

    width: int
    height: int
    dots: int  # how many values are drawn (the polyline's points)
    polyline: str
    target_y: float | None
    baseline_y: float | None
    y_min: float
    y_max: float
    left: int
    bottom: int
    # Dates along the x-axis, (x, label, text-anchor): at most MAX_X_LABELS, first and last always.
    x_labels: tuple[tuple[float, str, str], ...] = ()

    def points(self) -> list[tuple[float, float]]:
        """The values' points as numbers, (x, y) each: the polyline's, read."""
        return [(float(x), float(y)) for x, y in (point.split(",") for point in self.polyline.split())]


MAX_X_LABELS = 5  # "19 Nov" is about 36 px wide at 10 px: five fit a 320 px chart
LABEL_CHAR_WIDTH = 6  # px per character of a 10 px label, rounded up ("16 Nov" is about 32 px)
LABEL_GAP = 4  # px between two labels, at the least


def label_indices(count: int, most: int = MAX_X_LABELS) -> list[int]:
    """Which of `count` points carry a date label: all of them when few, else evenly spaced
    ones including the first and the last."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def label_anchor(index: int, count: int) -> str:
    """How a date label sits on its point: the first starts there, the last ends there (so neither
    runs off the chart), the others are centred."""
    if count > 1 and index == 0:
        return "start"
    return "end" if count > 1 and index == count - 1 else "middle"


def label_extent(x: float, label: str, anchor: str) -> tuple[float, float]:
    """Where a label is drawn along the x-axis, from its left to its right edge (estimated)."""
    width = len(label) * LABEL_CHAR_WIDTH
    left = {"start": x, "end": x - width}.get(anchor, x - width / 2)
    return left, left + width


def readable_labels(xs: list[float], labels: list[str]) -> list[int]:
    """The points that carry a date label: the most evenly spaced set of at most MAX_X_LABELS,
    the first and the last always, whose labels do not run into each other. With the first and
    last anchored at the ends, a label beside either could touch it ("16 Nov23 Nov")."""
    count = len(xs)
    for most in range(min(count, MAX_X_LABELS), 1, -1):
        chosen = label_indices(count, most)
        extents = [label_extent(xs[i], labels[i], label_anchor(i, count)) for i in chosen]
        if all(right + LABEL_GAP <= left for (_, right), (left, _) in pairwise(extents)):
            return chosen
    return label_indices(count, min(count, 2))


def chart_geometry(
    values: list[float],
    *,
    target: float | None,
    baseline: float | None,
    unit: str | None = None,
    labels: list[str] | None = None,
    width: int = 320,
    height: int = 140,
) -> Chart:
    """Scale values (in review order) into an SVG box with room for axis labels; `labels` (one
    per value, the review's date) go along the x-axis."""
    left, right, top, bottom = 40, 12, 12, height - 24
    known = [v for v in values] + [x for x in (target, baseline) if x is not None]
    if unit == "%":
        y_min, y_max = 0.0, 100.0
    else:
        y_min = min(known + [0.0]) if known else 0.0
        y_max = max(known) if known else 1.0
    if y_max == y_min:
        y_max = y_min + 1.0

    def y(value: float) -> float:
        return round(bottom - (value - y_min) / (y_max - y_min) * (bottom - top), 1)

    span = width - left - right
    count = len(values)
    points = [
        (round(left + (span * (i / (count - 1)) if count > 1 else span / 2), 1), y(v)) for i, v in enumerate(values)
    ]
    return Chart(
        width=width,
        height=height,
        dots=count,
        polyline=" ".join(f"{px},{py}" for px, py in points),
        target_y=y(target) if target is not None else None,
        baseline_y=y(baseline) if baseline is not None else None,
        y_min=y_min,
        y_max=y_max,
        left=left,
        bottom=bottom,
        x_labels=tuple(
            (points[i][0], labels[i], label_anchor(i, count)) for i in readable_labels([x for x, _ in points], labels)
        )
        if labels and len(labels) == count
        else (),
    )


# The version of the drawing below (`chart_geometry`, `draw`): raise it when either changes what it
# gives, and every chart kept drawn (`services.charts_kept`) is drawn again when next shown.
DRAWING = 2  # 2: the points as the polyline alone (`Chart.dots`)


class Measured(Protocol):
    """What a chart is drawn from of a measured action (an `Action`, or a row with these columns)."""

    @property
    def measure_baseline(self) -> float | None: ...
    @property
    def measure_target(self) -> float | None: ...
    @property
    def measure_unit(self) -> str | None: ...
    @property
    def measure_higher_is_better(self) -> bool: ...
    @property
    def measure_consecutive(self) -> int | None: ...


@dataclass(frozen=True)
class Drawing:
    """A measured action's progress chart as the plan page shows it: its geometry, the dates of its
    first and last values (for its title), and whether its measure is met."""

    chart: Chart
    first_day: str | None
    last_day: str | None
    met: bool

    def as_json(self) -> dict[str, Any]:
        """Its fields as JSON writes them. (The chart's own fields as they are: `dataclasses.asdict`
        copied every number of every point, and was half the time of drawing every chart again.)"""
        return {
            "chart": dict(vars(self.chart)),
            "first_day": self.first_day,
            "last_day": self.last_day,
            "met": self.met,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Drawing:
        chart = dict(data["chart"])
        chart["x_labels"] = tuple(tuple(label) for label in chart["x_labels"])
        return cls(Chart(**chart), data["first_day"], data["last_day"], data["met"])


def draw(action: Measured, values: list[tuple[date, float]]) -> Drawing:
    """The chart of a measured action's values (each review's date and value, in review order)."""
    series = [value for _, value in values]
    chart = chart_geometry(
        series,
        target=action.measure_target,
        baseline=action.measure_baseline,
        unit=action.measure_unit,
        labels=[format_day_month(day) for day, _ in values],
    )
    first, last = (format_date(values[0][0]), format_date(values[-1][0])) if values else (None, None)
    met = measure_met(series, action.measure_target, action.measure_consecutive, action.measure_higher_is_better)
    return Drawing(chart, first, last, met)
