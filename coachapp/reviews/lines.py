"""The lines of the organisation an account team mixes, and when a review is cross-functional:
written once, for the review's page, its JSON and the director's figures.

A line is the part of the organisation a function reports up: sales (sales reps and key
account managers), market access (market access and reimbursement), medical affairs (MSLs),
patient services (nurse educators). Two key account managers of two sales teams are one line;
an MSL and a reimbursement specialist are two.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from coachapp.models import Function


class Line(enum.StrEnum):
    SALES = "sales"
    MARKET_ACCESS = "market_access"
    MEDICAL = "medical"
    PATIENT_SERVICES = "patient_services"
    OTHER = "other"


LINE_OF_FUNCTION: dict[Function, Line] = {
    Function.SALES: Line.SALES,
    Function.KEY_ACCOUNT: Line.SALES,
    Function.MARKET_ACCESS: Line.MARKET_ACCESS,
    Function.REIMBURSEMENT: Line.MARKET_ACCESS,
    Function.MSL: Line.MEDICAL,
    Function.NURSE_EDUCATOR: Line.PATIENT_SERVICES,
    Function.OTHER: Line.OTHER,
}

LINE_LABELS = {
    Line.SALES: "Sales",
    Line.MARKET_ACCESS: "Market access",
    Line.MEDICAL: "Medical affairs",
    Line.PATIENT_SERVICES: "Patient services",
    Line.OTHER: "Other",
}

# A review is cross-functional when its participants come from at least this many lines.
CROSS_FUNCTIONAL_LINES = 2


def lines_of(functions: Iterable[Function | str]) -> list[Line]:
    """The lines these functions belong to, each once, in a stable order."""
    found = {LINE_OF_FUNCTION[Function(function)] for function in functions}
    return [line for line in Line if line in found]


def is_cross_functional(functions: Iterable[Function | str]) -> bool:
    """Participants of these functions make a cross-functional review."""
    return len(lines_of(functions)) >= CROSS_FUNCTIONAL_LINES
