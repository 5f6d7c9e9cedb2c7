"""Small bar charts of weekly trends, laid out on the server and drawn as inline SVG.

No chart library and no script: the geometry is computed here and the template writes
<rect> elements with SVG presentation attributes (the CSP forbids inline style), coloured
by classes from app.css so both themes apply. Names, dates and values are written in the
reader's language (charts are drawn for a page, never for the API).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import format_decimal, format_percent

from coachapp.coaching.cadence import WeeklyTrend
from coachapp.languages import N_, current_language, formatted, gettext

WIDTH = 130
HEIGHT = 32
GAP = 2
# A week with nothing to measure gets a faint stub, so "no data" never looks like zero.
STUB = 2.0
POINTS_MAX = 3.0
# Ratings run 1-4 (RATING_SCALE); a bar's height is the average on 0-4.
RATING_MAX = 4.0
# A quarter's chart on a phone: two side by side in 390 px.
PERIOD_WIDTH = 120
PERIOD_HEIGHT = 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float | None
    label: str

    @property
    def missing(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class BarChart:
    name: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    scale_max: float
    unit: str
    # How the description names the bars' span: "weeks ending 1 Mar to 24 May".
    span: str = N_("weeks ending")

    @property
    def description(self) -> str:
        """What a screen reader hears: every week's value, oldest first."""
        values = ", ".join(format_value(b.value, self.unit) for b in self.bars)
        first, last = self.bars[0].label, self.bars[-1].label
        return gettext(
            "%(name)s, %(span)s %(first)s to %(last)s: %(values)s",
            name=self.name,
            span=gettext(self.span),
            first=first,
            last=last,
            values=values,
        )

    def format(self, value: float | None) -> str:
        """A value as this chart's unit writes it."""
        return format_value(value, self.unit)

    @property
    def bars_path(self) -> str:
        """Every bar with a value as one SVG path (those of zero height draw nothing): a row's
        chart in few bytes."""
        return _path(b for b in self.bars if not b.missing and b.height > 0)

    @property
    def stubs_path(self) -> str:
        """The faint stubs of the weeks without a value, as one path."""
        return _path(b for b in self.bars if b.missing)

    @property
    def latest(self) -> str:
        return format_value(self.bars[-1].value, self.unit) if self.bars else gettext("none")

    @property
    def average(self) -> str:
        values = [b.value for b in self.bars if b.value is not None]
        return format_value(sum(values) / len(values) if values else None, self.unit)


def bar_chart(
    trend: WeeklyTrend, width: int = WIDTH, height: int = HEIGHT, name: str | None = None
) -> BarChart:
    """Percentages on a 0-100 scale; rating points on 0-3 (the widest gap on a 1-4 scale);
    counts on a scale up to the largest week. `name` names the chart instead of the trend
    (a row's: whose figure it is)."""
    labels = tuple(formatted(week_end, "%-d %b") for week_end in trend.week_ends)
    return _chart(name or gettext(trend.name), trend.unit, trend.values, labels, width, height)


def period_chart(
    name: str,
    unit: str,
    values: Sequence[float | None],
    labels: Sequence[str],
    scale_max: float | None = None,
) -> BarChart:
    """A figure over a few periods (quarters), labelled by them: `scale_max` keeps one scale
    across the small multiples of several groups; ratings ("rating") on their 1-4 scale."""
    return _chart(
        name, unit, tuple(values), tuple(labels), PERIOD_WIDTH, PERIOD_HEIGHT, scale_max, N_("over")
    )


def _chart(
    name: str,
    unit: str,
    values: tuple[float | None, ...],
    labels: tuple[str, ...],
    width: int,
    height: int,
    scale_max: float | None = None,
    span: str = N_("weeks ending"),
) -> BarChart:
    if scale_max is None:
        scale_max = _scale_max(unit, values)
    count = max(len(values), 1)
    slot = width / count
    bars = []
    for n, (value, label) in enumerate(zip(values, labels, strict=True)):
        size = STUB if value is None else height * min(value, scale_max) / scale_max
        bars.append(
            Bar(
                x=round(n * slot + GAP / 2, 2),
                y=round(height - size, 2),
                width=round(slot - GAP, 2),
                height=round(size, 2),
                value=value,
                label=label,
            )
        )
    return BarChart(name, tuple(bars), width, height, scale_max, unit, span)


def _path(bars: Iterable[Bar]) -> str:
    return "".join(
        f"M{_number(b.x)} {_number(b.y)}h{_number(b.width)}v{_number(b.height)}"
        f"h-{_number(b.width)}z"
        for b in bars
    )


def _number(value: float) -> str:
    return f"{value:g}"


def _scale_max(unit: str, values: Sequence[float | None]) -> float:
    if unit == "percent":
        return 100.0
    if unit == "points":
        return POINTS_MAX
    if unit == "rating":
        return RATING_MAX
    return max((v for v in values if v is not None), default=0.0) or 1.0


def format_value(value: float | None, unit: str) -> str:
    """A value as a chart of `unit` writes it, in the reader's language."""
    return _formatted(value, unit, current_language())


@lru_cache(maxsize=4096)
def _formatted(value: float | None, unit: str, language: str) -> str:
    # A dashboard writes hundreds of figures, most of them alike (Babel takes tens of
    # microseconds for each): each value once per unit and language.
    if value is None:
        return gettext("none")
    if unit == "percent":
        return format_percent(value / 100)
    if unit == "points":
        return gettext("%(value)s points", value=format_decimal(value, "0.0"))
    if unit == "rating":
        return gettext("%(value)s of 4", value=format_decimal(value, "0.0"))
    return format_decimal(value, "#,##0.#")
