"""Profiling guides: the questions that turn what an account team learns into plan content."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import audit
from coachapp.errors import InvalidInput
from coachapp.forms import check_length
from coachapp.languages import N_, gettext
from coachapp.models import PROFILE_AREAS, ProfilingGuide, User
from coachapp.plain_text import line_problem

TITLE_MAX = 120  # characters of an area guide's title (the column's size)
# Each area's title until an admin names it otherwise; shown through gettext, so a default
# title reads in the reader's language and one an admin typed stays as typed.
AREA_TITLES = {
    "business": N_("Business insight"),
    "clinical": N_("Clinical insight"),
    "operational": N_("Operational insight"),
    "reimbursement": N_("Reimbursement insight"),
}

# Each area's questions until an admin writes others; shown through gettext like the titles
# (AreaGuide.shown_questions), so a default question reads in the reader's language.
DEFAULT_QUESTIONS: dict[str, tuple[str, ...]] = {
    "business": (
        N_("How is the system organised, and where are decisions on our therapy area made?"),
        N_("What are leadership's top financial and strategic priorities this year?"),
        N_("Which risk-based contracts or GPO agreements shape what they buy?"),
        N_("Who signs off above the formulary budget threshold?"),
    ),
    "clinical": (
        N_("Which service lines and clinical leaders drive practice in our therapy area?"),
        N_("What evidence do their P&T and value analysis committees ask for?"),
        N_("Which pathways or order sets decide whether our product is used?"),
        N_("Where does the MSL's scientific exchange fit with their clinical agenda?"),
    ),
    "operational": (
        N_("Where are their capacity bottlenecks (infusion chairs, clinic slots, staffing)?"),
        N_("How do patients flow between sites of care, and where do they drop out?"),
        N_("Which EHR build or workflow change would make adoption easier for staff?"),
        N_("Who runs in-service education, and how do nurse educators get time on units?"),
    ),
    "reimbursement": (
        N_("What is their payer mix, and which payers restrict our therapy?"),
        N_("How do they handle prior authorisation and denials today, and who owns it?"),
        N_("Which sites take part in 340B, and how does that change their economics?"),
        N_("Which coding or billing questions slow down the patients they already treat?"),
    ),
}


@dataclass(frozen=True)
class AreaGuide:
    area: str
    title: str
    questions: tuple[str, ...]

    @property
    def shown_title(self) -> str:
        """The title in the reader's language when it is a default one (AREA_TITLES); a title
        an admin wrote, as written."""
        return gettext(self.title)

    @property
    def shown_questions(self) -> tuple[str, ...]:
        """The questions, each default one (DEFAULT_QUESTIONS) in the reader's language; a
        question an admin wrote, as written."""
        defaults = DEFAULT_QUESTIONS.get(self.area, ())
        return tuple(gettext(q) if q in defaults else q for q in self.questions)


def profiling_guides(db: Session) -> dict[str, AreaGuide]:
    """The guide for every area: what enablement wrote, or the defaults."""
    stored = {row.area: row for row in db.scalars(select(ProfilingGuide)).all()}
    guides = {}
    for area in PROFILE_AREAS:
        row = stored.get(area)
        if row is not None:
            guides[area] = AreaGuide(area, row.title, tuple(row.questions))
        else:
            guides[area] = AreaGuide(area, AREA_TITLES[area], DEFAULT_QUESTIONS[area])
    return guides


def update_profiling_guide(
    db: Session, actor: User, area: str, title: str, questions: list[str]
) -> AreaGuide:
    if area not in PROFILE_AREAS:
        raise InvalidInput("Unknown profiling area.", {"area": [f"One of {PROFILE_AREAS}."]})
    cleaned = [_as_default(q.strip(), DEFAULT_QUESTIONS[area]) for q in questions if q.strip()]
    title = _as_default(title.strip(), (AREA_TITLES[area],))
    if problem := next(
        (line_problem(t) for t in (title.strip(), *cleaned) if line_problem(t)), None
    ):
        raise InvalidInput(problem, {"questions": [problem]})
    check_length(title.strip(), TITLE_MAX, "title")  # refused, never cut
    if not cleaned:
        raise InvalidInput("Write at least one question.", {"questions": ["Add a question."]})
    if len(cleaned) > 12 or any(len(q) > 300 for q in cleaned):
        raise InvalidInput(
            "Keep the guide short.", {"questions": ["At most 12 questions of 300 characters."]}
        )
    row = db.scalars(select(ProfilingGuide).where(ProfilingGuide.area == area)).first()
    if row is None:
        row = ProfilingGuide(area=area, title=title.strip() or AREA_TITLES[area], questions=[])
        db.add(row)
    row.title = title.strip() or AREA_TITLES[area]
    row.questions = cleaned
    row.updated_by_id = actor.id
    db.flush()
    audit.record(db, actor, "profiling_guide.update", "profiling_guide", row.id, area=area)
    db.commit()
    return AreaGuide(area, row.title, tuple(cleaned))


def _as_default(text: str, defaults: tuple[str, ...]) -> str:
    """A default text saved as the admin's page showed it (in their language) stays the
    default, so that it goes on reading in each reader's language."""
    return next((default for default in defaults if text == gettext(default)), text)
