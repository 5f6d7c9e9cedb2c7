"""Hard caps that keep a coaching note readable: at most three strengths, one or two
development focus areas to share (what else a note needs to be shared and count as coaching
is coachapp.coaching.counts).

A note's strengths and development focus are text, one point per line (a chip or a line
typed or dictated). Every writer of a note (pages, API, offline replay, the ride-along day)
goes through coachapp.coaching.service, which applies these rules; notes written before the
caps keep their text, and a cap is only checked on a field that is being changed.
"""

from __future__ import annotations

from typing import Any

from coachapp.errors import InvalidInput
from coachapp.languages import N_

MAX_STRENGTHS = 3
MAX_FOCUS = 2
MIN_FOCUS_TO_SHARE = 1

TOO_MANY_STRENGTHS = (
    f"At most {MAX_STRENGTHS} strengths, one per line: keep the ones the rep should repeat."
)
TOO_MANY_FOCUS = (
    f"At most {MAX_FOCUS} development focus areas, one per line: pick what matters most."
)
FOCUS_TO_SHARE = N_("Add a development focus before sharing: one or two, one per line.")


def points(text: str | None) -> list[str]:
    """The points of a strengths or focus text: its non-empty lines, trimmed."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def cap_problems(changes: dict[str, Any]) -> dict[str, list[str]]:
    """Per-field messages for strengths or focus given in `changes` that exceed the caps."""
    problems: dict[str, list[str]] = {}
    if "strengths" in changes and len(points(changes["strengths"])) > MAX_STRENGTHS:
        problems["strengths"] = [TOO_MANY_STRENGTHS]
    if "development_focus" in changes and len(points(changes["development_focus"])) > MAX_FOCUS:
        problems["development_focus"] = [TOO_MANY_FOCUS]
    return problems


def check_changes(changes: dict[str, Any]) -> None:
    """Refuses strengths or focus given in `changes` over the caps."""
    problems = cap_problems(changes)
    if problems:
        raise InvalidInput(next(iter(problems.values()))[0], problems)
