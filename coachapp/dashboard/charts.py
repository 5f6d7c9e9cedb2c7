"""Small bar charts of weekly trends, laid out on the server and drawn as inline SVG.

No chart library and no script: the geometry is computed here and the template writes
<rect> elements with SVG presentation attributes (the CSP forbids inline style), coloured
by classes from app.css so both themes apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from coachapp.coaching.cadence import WeeklyTrend

WIDTH = 130
HEIGHT = 32
GAP = 2
# A week with nothing to measure gets a faint stub, so "no data" never looks like zero.
STUB = 2.0
POINTS_MAX = 3.0


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

    @property
    def description(self) -> str:
        """What a screen reader hears: every week's value, oldest first."""
        values = ", ".join(_format(b.value, self.unit) for b in self.bars)
        first, last = self.bars[0].label, self.bars[-1].label
        return f"{self.name}, weeks ending {first} to {last}: {values}"

    @property
    def latest(self) -> str:
        return _format(self.bars[-1].value, self.unit) if self.bars else "none"

    @property
    def average(self) -> str:
        values = [b.value for b in self.bars if b.value is not None]
        return _format(sum(values) / len(values) if values else None, self.unit)


def bar_chart(trend: WeeklyTrend, width: int = WIDTH, height: int = HEIGHT) -> BarChart:
    """Percentages on a 0-100 scale; rating points on 0-3 (the widest gap on a 1-4 scale);
    counts on a scale up to the largest week."""
    values = trend.values
    if trend.unit == "percent":
        scale_max = 100.0
    elif trend.unit == "points":
        scale_max = POINTS_MAX
    else:
        scale_max = max((v for v in values if v is not None), default=0.0) or 1.0
    count = max(len(values), 1)
    slot = width / count
    bars = []
    for n, (value, week_end) in enumerate(zip(values, trend.week_ends, strict=True)):
        size = STUB if value is None else height * min(value, scale_max) / scale_max
        bars.append(
            Bar(
                x=round(n * slot + GAP / 2, 2),
                y=round(height - size, 2),
                width=round(slot - GAP, 2),
                height=round(size, 2),
                value=value,
                label=week_end.strftime("%-d %b"),
            )
        )
    return BarChart(trend.name, tuple(bars), width, height, scale_max, trend.unit)


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "none"
    if unit == "percent":
        return f"{value:.0f}%"
    if unit == "points":
        return f"{value:.1f} points"
    return f"{value:.1f}".removesuffix(".0")
