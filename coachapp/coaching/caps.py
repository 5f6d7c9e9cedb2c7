"""Hard caps that keep a coaching note readable: at most three strengths, one or two
development focus areas to share.

A note's strengths and development focus are text, one point per line (a chip or a line
typed or dictated). Every writer of a note (pages, API, offline replay, the ride-along day)
goes through coachapp.coaching.service, which applies these rules; notes written before the
caps keep their text, and a cap is only checked on a field that is being changed.
"""

from __future__ import annotations

from typing import Any

from coachapp.errors import InvalidInput

MAX_STRENGTHS = 3
MAX_FOCUS = 2
MIN_FOCUS_TO_SHARE = 1

TOO_MANY_STRENGTHS = (
    f"At most {MAX_STRENGTHS} strengths, one per line: keep the ones the rep should repeat."
)
TOO_MANY_FOCUS = (
    f"At most {MAX_FOCUS} development focus areas, one per line: pick what matters most."
)
FOCUS_TO_SHARE = "Add a development focus before sharing: one or two, one per line."


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


def check_changes(changes: dict[str, Any], *, shared: bool = False) -> None:
    """Refuses strengths or focus over the caps; a shared note keeps at least one focus."""
    problems = cap_problems(changes)
    if (
        shared
        and "development_focus" in changes
        and "development_focus" not in problems
        and len(points(changes["development_focus"])) < MIN_FOCUS_TO_SHARE
    ):
        problems["development_focus"] = ["A shared note keeps at least one development focus."]
    if problems:
        raise InvalidInput(next(iter(problems.values()))[0], problems)


def check_shareable(strengths: str, development_focus: str) -> None:
    """What a note needs before the rep sees it: 1-2 focus areas, at most 3 strengths."""
    problems = cap_problems({"strengths": strengths, "development_focus": development_focus})
    if len(points(development_focus)) < MIN_FOCUS_TO_SHARE:
        problems["development_focus"] = [FOCUS_TO_SHARE]
    if problems:
        message = " ".join(messages[0] for messages in problems.values())
        raise InvalidInput(message, problems)
