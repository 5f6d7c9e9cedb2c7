"""How a notification names what it is about in the inbox ("Note from Marcus about Granite
Coast"). These titles and bodies are shown only after sign-in: a push carries its kind's
generic title instead (coachapp.nudges.kinds), since it may show on a lock screen."""

from __future__ import annotations

import datetime as dt

from coachapp.models import SESSION_TYPE_LABELS, CoachingSession


def day(value: dt.date) -> str:
    return f"{value.day} {value:%b}"


def note_topic(session: CoachingSession) -> str:
    """What a coaching note is about: its account, else the conversation and its day."""
    if session.account is not None:
        return session.account.name
    # A draft's kind may not be chosen yet.
    label = SESSION_TYPE_LABELS[session.type] if session.type else "coaching"
    return f"the {label.lower()} of {day(session.occurred_on)}"


EXCERPT_LENGTH = 160


def excerpt(text: str) -> str:
    """The start of what someone wrote, on one line, for an inbox row."""
    line = " ".join(text.split())
    return line if len(line) <= EXCERPT_LENGTH else line[: EXCERPT_LENGTH - 1] + "…"
