"""What makes a coaching note count as coaching: the one definition that sharing enforces and
every cadence and director figure counts (docs/what-counts.md says it for people).

A note counts once it is shared with the rep (shared, later acknowledged). To be shared it
needs:

- its kind of conversation (ride-along, virtual call, 1:1, plan review), chosen by the
  manager and never defaulted; a new note takes "ride-along" only from a ride-along planned
  with the rep on its day;
- at least one competency observed and rated 1 to 4: "not observed" on its own says nothing;
- a development focus: one or two points (the caps of coachapp.coaching.caps apply too).

A draft never counts, whatever it holds, and may lack all three while it is written. Sharing
refuses a note that misses one (422, a message per field: `type`, `ratings`,
`development_focus`), and an edit of a shared note cannot take one away (the database refuses
a shared note without a type as well), so every note the figures count meets them. The
figures (coachapp.coaching.cadence, coachapp.dashboard) select notes with `counted()` and
nothing else.

Strengths or a focus made only of the ready-made chips say nothing specific: they are flagged
like vague praise (coachapp.coaching.specificity): a prompt to the manager, and a note without
specific evidence in the coaching-quality figures, not a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement

from coachapp.coaching.caps import FOCUS_TO_SHARE, MIN_FOCUS_TO_SHARE, cap_problems, points
from coachapp.errors import InvalidInput
from coachapp.languages import N_
from coachapp.models import Note, NoteStatus, NoteType

# The statuses of a note that counts as coaching.
COUNTED = (NoteStatus.SHARED, NoteStatus.ACKNOWLEDGED)

CHOOSE_TYPE = N_("Choose the kind of conversation: ride-along, virtual call, 1:1 or plan review.")
TYPE_TO_SHARE = N_("Choose the kind of conversation before sharing.")
RATING_TO_SHARE = N_(
    "Rate at least one competency you observed, 1 to 4, before sharing: "
    "“not observed” alone says nothing."
)
SHARED_KEEPS_TYPE = "A shared note keeps its kind of conversation."
SHARED_KEEPS_RATING = "A shared note keeps at least one competency rated 1 to 4."
SHARED_KEEPS_FOCUS = "A shared note keeps at least one development focus."


def counted() -> ColumnElement[bool]:
    """The notes that count as coaching, as a condition of a query on Note."""
    return Note.status.in_(COUNTED)


def counts(note: Note) -> bool:
    return note.status in COUNTED


def observed(scores: Iterable[int | None]) -> bool:
    """Whether any competency was rated 1-4 (None is "not observed")."""
    return any(score is not None for score in scores)


def missing(
    kind: NoteType | None,
    scores: Iterable[int | None],
    strengths: str,
    development_focus: str,
) -> dict[str, list[str]]:
    """What a note lacks (or has too much of) to be shared, a message per field."""
    problems = cap_problems({"strengths": strengths, "development_focus": development_focus})
    if kind is None:
        problems["type"] = [TYPE_TO_SHARE]
    if not observed(scores):
        problems["ratings"] = [RATING_TO_SHARE]
    if len(points(development_focus)) < MIN_FOCUS_TO_SHARE:
        problems["development_focus"] = [FOCUS_TO_SHARE]
    return problems


def check_shareable(note: Note) -> None:
    """Refuses to share a note that would not count as coaching (InvalidInput, 422)."""
    problems = missing(
        note.type,
        (r.score for r in note.ratings),
        note.strengths,
        note.development_focus,
    )
    if problems:
        message = " ".join(messages[0] for messages in problems.values())
        raise InvalidInput(message, problems)


def check_shared_edit(changes: dict[str, Any]) -> None:
    """Refuses an edit that would take from a shared note what makes it count. Only what
    changes is checked: a note shared before these rules keeps what it has until edited."""
    problems: dict[str, list[str]] = {}
    if "type" in changes and changes["type"] is None:
        problems["type"] = [SHARED_KEEPS_TYPE]
    if "ratings" in changes and not observed(r.get("score") for r in changes["ratings"] or []):
        problems["ratings"] = [SHARED_KEEPS_RATING]
    if (
        "development_focus" in changes
        and len(points(changes["development_focus"])) < MIN_FOCUS_TO_SHARE
    ):
        problems["development_focus"] = [SHARED_KEEPS_FOCUS]
    if problems:
        raise InvalidInput(next(iter(problems.values()))[0], problems)
