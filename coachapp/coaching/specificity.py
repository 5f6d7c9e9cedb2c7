"""The vague-praise check: does a strength or focus say what was observed?

Clear coaching in the car turns into vague written praise ("great job", "good call"). This
is a plain rule, so a manager can see why a point was flagged. A point (one line of the
strengths or the development focus) is vague when all three hold:

- no competency is tied to it: it names no competency rated on the note;
- it has no example: no number, no quoted words, no account or person named, no
  "when / after / during ..." clause;
- its words are only general praise and filler ("great", "job", "rapport", "needs to
  improve", the rep's own name).

The ready-made chips of the debrief (STRENGTH_CHIPS, FOCUS_CHIPS) are flagged the same way
when a field has nothing else that is specific: a chip names a habit, not what was observed,
so chips alone say as little as "great job".

The debrief shows a prompt beside a flagged point; nothing is refused. The coaching-quality
figures count notes with specific evidence through specific_evidence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import has_app_context
from flask_babel import force_locale

from coachapp.coaching.caps import points
from coachapp.languages import LANGUAGES, N_, gettext
from coachapp.models import first_name_of

if TYPE_CHECKING:
    from coachapp.models import Note


# The debrief's ready-made points, one tap each. They read well but say nothing about the
# conversation on their own. A tap writes the chip as the manager reads it, in their language.
STRENGTH_CHIPS = (
    N_("Clear pre-call plan"),
    N_("Linked the call to the account plan"),
    N_("Strong open questions"),
    N_("Listened and summarised"),
    N_("Brought in the right teammate"),
    N_("Handled objections with evidence"),
    N_("Agreed clear next steps"),
)
FOCUS_CHIPS = (
    N_("Plan the call with the account team"),
    N_("Ask deeper business questions"),
    N_("Use the profiling guide"),
    N_("Coordinate earlier with the MSL"),
    N_("Confirm next steps in writing within 24 h"),
    N_("Align the team without authority"),
    N_("Update the plan after each call"),
)


def chips_as_read(chips: tuple[str, ...]) -> tuple[str, ...]:
    """The ready-made chips as the reader reads them, and as a tap writes them in a note."""
    return tuple(gettext(chip) for chip in chips)


def chips_in_every_language(chips: tuple[str, ...]) -> frozenset[str]:
    """The chips as any language writes them: a note keeps a chip as its writer read it,
    and is judged the same whoever reads it (the worker reads in English)."""
    if not has_app_context():
        return frozenset(chips)  # no catalogue to read them from
    return _chips_in_every_language(chips)


@functools.cache
def _chips_in_every_language(chips: tuple[str, ...]) -> frozenset[str]:
    # Read once a process: the catalogues are compiled before the app starts.
    found = set(chips)
    for language in LANGUAGES:
        with force_locale(language):
            found.update(chips_as_read(chips))
    return frozenset(found)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Praise, intensifiers and words that name no behaviour. Words that describe what someone
# did (asked, summarised, objection, next steps, formulary, plan) are deliberately absent.
GENERAL_WORDS = _word_set(
    """
    great good very really so excellent nice strong solid awesome fantastic amazing
    outstanding superb brilliant wonderful terrific impressive fine ok okay decent better best
    well super positive professional professionally confident engaging effective polished
    proactive passionate enthusiastic energetic personable friendly knowledgeable prepared
    organised organized overall generally always quite pretty much more most lot lots bit
    little real true truly clear clearly natural smooth keep keeps kept continue continues
    perfect perfectly incredible incredibly exceptional exceptionally lovely cool top notch
    job jobs work working worked call calls visit visits meeting meetings day days today
    week time performance performances effort efforts energy attitude rapport relationship
    relationships presence communication communications skill skills style approach manner
    engagement professionalism confidence customer customers client clients hcp hcps doctor
    doctors physician physicians account accounts team everyone people stuff thing things
    area areas improvement improvements progress knowledge selling sales presentation
    presentations delivery execution listening questioning follow through detail details
    focus planning preparation energy interaction interactions conversation conversations
    is was be been being are were has had have do did does done doing get gets got need
    needs needed improve improves improving improved show showed shown shows demonstrate
    demonstrated demonstrates display displayed displays make made makes try trying tried
    grow growing develop developing developed build building keep up continue
    """
)
FILLER_WORDS = _word_set(
    """
    a an the and or but with of to in on at for by from as it its it's this that these those
    he she they them his her their him you your i we our us me my all some any there here
    again too also just off out over about around s re ll ve d t
    when whenever after during while before once until soon
    """
)
NUMBER_WORDS = _word_set("two three four five six seven eight nine ten eleven twelve")

# Curly quotes and apostrophes are written as escapes: they look like their plain cousins.
WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
DIGIT = re.compile(r"\d")
QUOTED = re.compile(
    r"[\"\u201c\u201d\u201e\u00ab\u00bb]\s*[^\"\u201c\u201d\u201e\u00ab\u00bb\s]"
    r"|(?:^|\s)['\u2018][^'\u2019]{2,}['\u2019]"
)
CLAUSE = re.compile(r"\b(?:when|whenever|after|during|while|before|once|until|as soon as)\s+\w+")
TITLED_PERSON = re.compile(r"\b(?:Dr|Prof|Mr|Mrs|Ms|Mx|Nurse|Sister)\.?\s+[A-Z]")

# Shown in the reader's language (gettext where flagged).
STRENGTH_PROMPT = N_(
    "Reads as general praise. Add what you saw: which call, what %(first)s said or did, "
    "a number or their words."
)
FOCUS_PROMPT = N_(
    "Reads as general advice. Say what %(first)s should do differently, and where you saw it."
)
CHIP_PROMPT = N_(
    "A ready-made chip on its own. Add a line in your words: which call, what %(first)s said "
    "or did."
)


@dataclass(frozen=True)
class Flag:
    """A point flagged as vague praise, with the prompt shown beside it."""

    field: str  # "strengths" or "development_focus"
    text: str
    prompt: str


def _words(text: str) -> list[str]:
    return [w.replace("\u2019", "'").removesuffix("'s") for w in WORD.findall(text.lower())]


def _names_competency(text: str, competencies: Iterable[str]) -> bool:
    lowered = text.lower()
    return any(name and name.lower() in lowered for name in competencies)


@functools.lru_cache(maxsize=4096)
def _read_point(text: str) -> tuple[tuple[str, ...], bool]:
    """A point's words, and whether the text alone gives an example (a number, quoted
    words, a titled person, a concrete clause). It depends on the text only, and the same
    points (chips above all) come back note after note, so it is kept per process."""
    words = _words(text)
    example = bool(
        DIGIT.search(text)
        or QUOTED.search(text)
        or TITLED_PERSON.search(text)
        or any(w in NUMBER_WORDS for w in words)
        or _concrete_clause(text)
    )
    return tuple(words), example


def _names_any(text: str, names: Iterable[str]) -> bool:
    lowered = text.lower()
    return any(name and name.lower() in lowered for name in names)


def _concrete_clause(text: str) -> bool:
    """A "when/after/during ..." clause that says something ("during the day" does not)."""
    for match in CLAUSE.finditer(text.lower()):
        rest = _words(text[match.start() :])[1:]
        if any(w not in GENERAL_WORDS and w not in FILLER_WORDS for w in rest[:6]):
            return True
    return False


def is_vague(
    text: str,
    *,
    competencies: Iterable[str] = (),
    names: Iterable[str] = (),
    people: Iterable[str] = (),
) -> bool:
    """Whether one point is vague praise.

    competencies: names of the competencies rated on the note (naming one ties the point
    to what was rated and its evidence); names: accounts or people that make an example
    when named; people: names that add nothing (the rep's own), read as filler.
    """
    if not text.strip():
        return False
    if _names_competency(text, competencies):
        return False
    words, example = _read_point(text)
    if example or _names_any(text, names):
        return False
    own_names = {part for name in people for part in _words(name)}
    return all(w in GENERAL_WORDS or w in FILLER_WORDS or w in own_names for w in words)


def flags(
    strengths: str,
    development_focus: str,
    *,
    competencies: Iterable[str] = (),
    names: Iterable[str] = (),
    rep_name: str = "",
) -> list[Flag]:
    """Every point of a note's strengths and focus that reads as vague praise."""
    competencies, names = list(competencies), list(names)
    first = first_name_of(rep_name) or gettext("the rep")
    found = []
    for field, text, prompt, chips in (
        ("strengths", strengths, STRENGTH_PROMPT, chips_in_every_language(STRENGTH_CHIPS)),
        (
            "development_focus",
            development_focus,
            FOCUS_PROMPT,
            chips_in_every_language(FOCUS_CHIPS),
        ),
    ):
        vague = {
            point: is_vague(point, competencies=competencies, names=names, people=[rep_name])
            for point in points(text)
            if point not in chips
        }
        # Chips pass when the field says something specific beside them.
        chips_alone = all(vague.values())
        for point in points(text):
            if point in chips:
                if chips_alone:
                    found.append(Flag(field, point, gettext(CHIP_PROMPT, first=first)))
            elif vague[point]:
                found.append(Flag(field, point, gettext(prompt, first=first)))
    return found


def rated_competency_names(note: Note) -> list[str]:
    """Names of the competencies rated (observed) on a note."""
    return [r.competency.name for r in note.ratings if r.score is not None]


def note_flags(note: Note) -> list[Flag]:
    """The vague points of a note (its ratings, rep and account loaded)."""
    return flags(
        note.strengths,
        note.development_focus,
        competencies=rated_competency_names(note),
        names=[note.account.name] if note.account else [],
        rep_name=note.rep.name,
    )


def specific_evidence(
    strengths: str,
    development_focus: str,
    *,
    competencies: Iterable[str] = (),
    names: Iterable[str] = (),
    rep_name: str = "",
) -> bool:
    """A note with specific evidence: it has strengths or focus, and no point of them is
    vague praise. The one definition the coaching-quality figures count."""
    if not points(strengths) and not points(development_focus):
        return False
    return not flags(
        strengths, development_focus, competencies=competencies, names=names, rep_name=rep_name
    )
