"""How a notification names what it is about in the inbox ("Note from Marcus about Granite
Coast"). These titles and bodies are shown only after sign-in: a push carries its kind's
generic title instead (coachapp.nudges.kinds), since it may show on a lock screen. They are
written in the recipient's language: the callers write them within languages.writing_for."""

from __future__ import annotations

import datetime as dt

from coachapp.languages import formatted, gettext
from coachapp.models import NOTE_TYPE_LABELS, Note


def day(value: dt.date) -> str:
    """7 Dec, 7 dic: in the current language."""
    return formatted(value, "%-d %b")


def note_topic(note: Note) -> str:
    """What a coaching note is about: its account, else the conversation and its day."""
    if note.account is not None:
        return note.account.name
    # A draft's kind may not be chosen yet.
    label = gettext(NOTE_TYPE_LABELS[note.type]) if note.type else gettext("coaching")
    return gettext("the %(kind)s of %(day)s", kind=label.lower(), day=day(note.occurred_on))


EXCERPT_LENGTH = 160


def excerpt(text: str) -> str:
    """The start of what someone wrote, on one line, for an inbox row."""
    line = " ".join(text.split())
    return line if len(line) <= EXCERPT_LENGTH else line[: EXCERPT_LENGTH - 1] + "…"
