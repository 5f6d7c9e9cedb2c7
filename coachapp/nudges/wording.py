"""How a notification names what it is about in the inbox ("Note from Marcus about Granite
Coast"). These titles and bodies are shown only after sign-in: a push carries its kind's
generic title instead (coachapp.nudges.kinds), since it may show on a lock screen."""

from __future__ import annotations

import datetime as dt

from coachapp.models import NOTE_TYPE_LABELS, Note


def day(value: dt.date) -> str:
    return f"{value.day} {value:%b}"


def note_topic(note: Note) -> str:
    """What a coaching note is about: its account, else the conversation and its day."""
    if note.account is not None:
        return note.account.name
    # A draft's kind may not be chosen yet.
    label = NOTE_TYPE_LABELS[note.type] if note.type else "coaching"
    return f"the {label.lower()} of {day(note.occurred_on)}"


EXCERPT_LENGTH = 160


def excerpt(text: str) -> str:
    """The start of what someone wrote, on one line, for an inbox row."""
    line = " ".join(text.split())
    return line if len(line) <= EXCERPT_LENGTH else line[: EXCERPT_LENGTH - 1] + "…"
