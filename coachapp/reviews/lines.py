"""When a review is cross-functional, written once for the review's page, its JSON and the
director's figures: its participants come from several lines of the organisation
(coachapp.models.Line, the part of the organisation each function reports up)."""

from __future__ import annotations

from collections.abc import Iterable

from coachapp.models import LINE_LABELS, LINE_OF_FUNCTION, Function, Line

__all__ = ["LINE_LABELS", "LINE_OF_FUNCTION", "Line", "is_cross_functional", "lines_of"]


# A review is cross-functional when its participants come from at least this many lines.
CROSS_FUNCTIONAL_LINES = 2

# By the function's value (a Function is a StrEnum: the member finds its line too), so that
# the participants of hundreds of reviews need no Function made from each.
_LINE_OF_VALUE: dict[str, Line] = {
    function.value: line for function, line in LINE_OF_FUNCTION.items()
}


def lines_of(functions: Iterable[Function | str]) -> list[Line]:
    """The lines these functions belong to, each once, in a stable order."""
    found = {_LINE_OF_VALUE[function] for function in functions}
    return [line for line in Line if line in found]


def is_cross_functional(functions: Iterable[Function | str]) -> bool:
    """Participants of these functions make a cross-functional review."""
    return len(lines_of(functions)) >= CROSS_FUNCTIONAL_LINES
