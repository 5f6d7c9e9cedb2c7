"""The impact view's small multiples: for each team or account, one small chart per figure
over the quarters, every group's chart of a figure on the same scale, each bar with the
number of goals, owners or ratings it rests on (coachapp.plans.impact gives the figures), in
the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from coachapp.dashboard.charts import BarChart, format_value, period_chart
from coachapp.dashboard.service import HeatCell
from coachapp.languages import N_, gettext, ngettext
from coachapp.plans.impact import ImpactSeries, ImpactView, QuarterFigures


def _rating(cell: HeatCell) -> float | None:
    """An average on fewer than MIN_RATINGS ratings is not shown (as on the heatmap)."""
    return cell.average if cell.enough else None


def _ratings_basis(cell: HeatCell) -> str:
    if cell.count and not cell.enough:
        return ngettext("%(num)s rating: too few", "%(num)s ratings: too few", cell.count)
    return ngettext("%(num)s rating", "%(num)s ratings", cell.count)


@dataclass(frozen=True)
class Figure:
    name: str  # marked for the catalogues; `title` in the reader's language
    unit: str  # as charts.period_chart takes it
    value: Callable[[QuarterFigures], float | None]
    # What the quarter's value rests on, in words: "3 of 4 goals".
    basis: Callable[[QuarterFigures], str]

    @property
    def title(self) -> str:
        return gettext(self.name)


def _attainment(q: QuarterFigures) -> float | None:
    share = q.group.attainment
    return None if share is None else round(share * 100, 1)


def _owners_basis(q: QuarterFigures) -> str:
    coaching = q.group.coaching
    return ngettext(
        "%(part)s of %(num)s owner",
        "%(part)s of %(num)s owners",
        coaching["owners"],
        part=coaching["owners_with_figures"],
    )


def _goals_basis(q: QuarterFigures) -> str:
    return ngettext(
        "%(part)s of %(num)s goal", "%(part)s of %(num)s goals", q.group.goals,
        part=q.group.goals_with_data,
    )  # fmt: skip


FIGURES = (
    Figure(
        N_("Goal attainment"),
        "percent",
        _attainment,
        _goals_basis,
    ),
    Figure(
        N_("Conversations"),
        "count",
        lambda q: q.group.coaching["sessions_in_window"],
        _owners_basis,
    ),
    Figure(
        N_("Ride-alongs"),
        "count",
        lambda q: q.group.coaching["ride_alongs_in_window"],
        _owners_basis,
    ),
    Figure(
        N_("3C's rating"),
        "rating",
        lambda q: _rating(q.three_cs),
        lambda q: _ratings_basis(q.three_cs),
    ),
    Figure(
        N_("Focus rating"), "rating", lambda q: _rating(q.focus), lambda q: _ratings_basis(q.focus)
    ),
)


@dataclass(frozen=True)
class Cell:
    value: str  # as the chart writes it ("45%", "none")
    basis: str


@dataclass(frozen=True)
class Multiple:
    """A figure of one group over the quarters. The chart and the cells are made when first
    read: a row of the table reads only the latest quarter and the one before."""

    figure: Figure
    quarters: tuple[QuarterFigures, ...]  # oldest first
    labels: tuple[str, ...]
    scale: float | None  # shared by every group's chart of the figure (counts)

    @cached_property
    def values(self) -> tuple[float | None, ...]:
        return tuple(self.figure.value(q) for q in self.quarters)

    @cached_property
    def chart(self) -> BarChart:
        figure = self.figure
        return period_chart(figure.title, figure.unit, self.values, self.labels, self.scale)

    @cached_property
    def cells(self) -> tuple[Cell, ...]:
        """One per quarter, oldest first."""
        return tuple(self._cell(index) for index in range(len(self.quarters)))

    def _cell(self, index: int) -> Cell:
        value = self.figure.value(self.quarters[index])
        return Cell(format_value(value, self.figure.unit), self.figure.basis(self.quarters[index]))

    @cached_property
    def latest(self) -> Cell:
        return self._cell(-1)

    @cached_property
    def before(self) -> Cell | None:
        """The quarter before the latest, if shown."""
        return self._cell(-2) if len(self.quarters) > 1 else None


@dataclass(frozen=True)
class GroupCharts:
    series: ImpactSeries
    multiples: tuple[Multiple, ...]


def impact_charts(view: ImpactView) -> list[GroupCharts]:
    """Each group's small multiples, in the view's order; counts share the largest value of
    any group as their scale, so a taller bar means more in every group."""
    labels = tuple(quarter.short for quarter in view.quarters)
    scales: dict[str, float | None] = {}
    for figure in FIGURES:
        if figure.unit == "count":
            values = [figure.value(q) for s in view.series for q in s.quarters]
            scales[figure.name] = max((v for v in values if v is not None), default=0) or 1.0
        else:
            scales[figure.name] = None
    return [
        GroupCharts(
            series,
            tuple(
                Multiple(figure, tuple(series.quarters), labels, scales[figure.name])
                for figure in FIGURES
            ),
        )
        for series in view.series
    ]
