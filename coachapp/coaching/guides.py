"""Editing coaching guides: a draft version, changed freely, published as a new immutable one."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from coachapp import audit
from coachapp.coaching.service import guide_version_or_404
from coachapp.db import utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.field_messages import filled_in
from coachapp.languages import N_
from coachapp.models import (
    FUNCTION_LABELS,
    CoachingGuide,
    Competency,
    GuideSection,
    GuideStatus,
    GuideVersion,
    User,
)
from coachapp.plain_text import line_problem, normalise_newlines

MAX_LINES = 8
MAX_LINE = 300


def guides(db: Session) -> Sequence[CoachingGuide]:
    return db.scalars(
        select(CoachingGuide)
        .options(selectinload(CoachingGuide.versions))
        .order_by(CoachingGuide.name)
    ).all()


def guide_or_404(db: Session, guide_id: int) -> CoachingGuide:
    guide = db.get(CoachingGuide, guide_id)
    if guide is None:
        raise NotFound()
    return guide


def _load_version(db: Session, version_id: int) -> GuideVersion:
    return guide_version_or_404(db, version_id)


def draft_of(db: Session, guide: CoachingGuide) -> GuideVersion | None:
    version_id = db.scalar(
        select(GuideVersion.id).where(
            GuideVersion.guide_id == guide.id, GuideVersion.status == GuideStatus.DRAFT
        )
    )
    return _load_version(db, version_id) if version_id else None


def latest_published(db: Session, guide: CoachingGuide) -> GuideVersion | None:
    version_id = db.scalar(
        select(GuideVersion.id)
        .where(GuideVersion.guide_id == guide.id, GuideVersion.status == GuideStatus.PUBLISHED)
        .order_by(GuideVersion.number.desc())
        .limit(1)
    )
    return _load_version(db, version_id) if version_id else None


def start_draft(db: Session, admin: User, guide: CoachingGuide) -> GuideVersion:
    """The guide's draft, made as a copy of the newest published version when there is none."""
    existing = draft_of(db, guide)
    if existing is not None:
        return existing
    source = latest_published(db, guide)
    number = (
        db.scalar(select(func.max(GuideVersion.number)).where(GuideVersion.guide_id == guide.id))
        or 0
    ) + 1
    draft = GuideVersion(guide_id=guide.id, number=number, status=GuideStatus.DRAFT)
    if source is not None:
        draft.sections = [
            GuideSection(
                position=section.position,
                title=section.title,
                competencies=[
                    Competency(
                        position=c.position,
                        key=c.key,
                        name=c.name,
                        indicators=list(c.indicators),
                        questions=list(c.questions),
                    )
                    for c in section.competencies
                ],
            )
            for section in source.sections
        ]
    db.add(draft)
    db.flush()
    audit.record(db, admin, "guide.draft", "coaching_guide", guide.id, number=number)
    db.commit()
    return _load_version(db, draft.id)


def _draft_competency(db: Session, competency_id: int) -> Competency:
    competency = db.get(Competency, competency_id)
    if competency is None:
        raise NotFound()
    if competency.section.version.status != GuideStatus.DRAFT:
        raise Conflict("Published guide versions cannot change; edit the draft.")
    return competency


NAME_MAX = 160  # characters of a behaviour's or a section's name
NAME_PROBLEM = f"Name the behaviour: 1 to {NAME_MAX} characters."
LINES_PROBLEM = f"At most {MAX_LINES} lines of {MAX_LINE} characters each."
NO_INDICATORS = "Add at least one observable indicator before publishing."
NO_QUESTIONS = "Add at least one coaching question before publishing."


def _name_problem(name: str) -> str | None:
    if not name or len(name) > NAME_MAX:
        return NAME_PROBLEM
    return line_problem(name)


def _lines(text: str) -> tuple[list[str], str | None]:
    """The non-empty lines of a text box, and what is wrong with them if anything."""
    lines = [line.strip() for line in normalise_newlines(text).split("\n") if line.strip()]
    too_long = len(lines) > MAX_LINES or any(len(line) > MAX_LINE for line in lines)
    if too_long:
        return lines, LINES_PROBLEM
    return lines, next((line_problem(line) for line in lines if line_problem(line)), None)


def update_competency(
    db: Session, admin: User, competency_id: int, name: str, indicators: str, questions: str
) -> Competency:
    """Saves a behaviour of the draft; every field's problem is reported at once. A draft's
    behaviour may lack indicators or questions for now: publishing asks for them."""
    competency = _draft_competency(db, competency_id)
    name = name.strip()
    indicator_lines, indicators_problem = _lines(indicators)
    question_lines, questions_problem = _lines(questions)
    problems = {
        field: [problem]
        for field, problem in (
            ("name", _name_problem(name)),
            ("indicators", indicators_problem),
            ("questions", questions_problem),
        )
        if problem
    }
    if problems:
        raise InvalidInput("The behaviour was not saved.", problems)
    competency.name = name
    competency.indicators = indicator_lines
    competency.questions = question_lines
    audit.record(
        db, admin, "guide.competency", "coaching_guide", competency.section.version.guide_id
    )
    db.commit()
    return competency


def add_competency(db: Session, admin: User, section_id: int, name: str) -> Competency:
    section = db.get(GuideSection, section_id)
    if section is None:
        raise NotFound()
    if section.version.status != GuideStatus.DRAFT:
        raise Conflict("Published guide versions cannot change; edit the draft.")
    name = name.strip()
    if _name_problem(name):
        raise InvalidInput("The behaviour was not added.", {"name": [NAME_PROBLEM]})
    taken = {c.key for s in section.version.sections for c in s.competencies}
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:50] or "competency"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    competency = Competency(key=key, name=name, position=len(section.competencies))
    section.competencies.append(competency)
    db.flush()
    audit.record(db, admin, "guide.competency_add", "coaching_guide", section.version.guide_id)
    db.commit()
    return competency


def remove_competency(db: Session, admin: User, competency_id: int) -> None:
    competency = _draft_competency(db, competency_id)
    guide_id = competency.section.version.guide_id
    competency.section.competencies.remove(competency)
    audit.record(db, admin, "guide.competency_remove", "coaching_guide", guide_id)
    db.commit()


# Sections of a draft ---------------------------------------------------------------


def _draft_section(db: Session, section_id: int) -> GuideSection:
    section = db.get(GuideSection, section_id)
    if section is None:
        raise NotFound()
    if section.version.status != GuideStatus.DRAFT:
        raise Conflict("Published guide versions cannot change; edit the draft.")
    return section


def _section_title(version: GuideVersion, title: str, section: GuideSection | None = None) -> str:
    title = title.strip()
    if not title or len(title) > NAME_MAX:
        message = f"Name the section: 1 to {NAME_MAX} characters."
        raise InvalidInput(message, {"title": [message]})
    if problem := line_problem(title):
        raise InvalidInput(problem, {"title": [problem]})
    taken = {s.title.casefold() for s in version.sections if s is not section}
    if title.casefold() in taken:
        message = "The guide already has a section of that name; choose another name."
        raise InvalidInput(message, {"title": [message]})
    return title


def _renumber(version: GuideVersion) -> None:
    """Positions 0, 1, 2… in the order shown, so moving one swaps two neighbours."""
    for position, section in enumerate(version.sections):
        section.position = position


def add_section(db: Session, admin: User, guide: CoachingGuide, title: str) -> GuideSection:
    """A new, empty section at the end of the guide's draft."""
    draft = draft_of(db, guide)
    if draft is None:
        raise Conflict("Start a draft to change the guide.")
    section = GuideSection(title=_section_title(draft, title), position=len(draft.sections))
    draft.sections.append(section)
    _renumber(draft)
    db.flush()
    audit.record(db, admin, "guide.section_add", "coaching_guide", guide.id, title=section.title)
    db.commit()
    return section


def rename_section(db: Session, admin: User, section_id: int, title: str) -> GuideSection:
    section = _draft_section(db, section_id)
    before = section.title
    section.title = _section_title(section.version, title, section)
    audit.record(
        db, admin, "guide.section_rename", "coaching_guide", section.version.guide_id,
        before=before, after=section.title,
    )  # fmt: skip
    db.commit()
    return section


def move_section(db: Session, admin: User, section_id: int, step: int) -> GuideSection:
    """Moves a section one place up (step -1) or down (+1); at either end it stays put."""
    section = _draft_section(db, section_id)
    version = section.version
    order = list(version.sections)
    index = order.index(section)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        for position, item in enumerate(order):
            item.position = position
        audit.record(
            db, admin, "guide.section_move", "coaching_guide", version.guide_id,
            title=section.title, position=target,
        )  # fmt: skip
        db.commit()
    return section


def remove_section(db: Session, admin: User, section_id: int) -> None:
    """Removes a section with no behaviours left; one that has some keeps them safe."""
    section = _draft_section(db, section_id)
    if section.competencies:
        raise Conflict(
            filled_in(
                N_("“%(title)s” still has behaviours; remove them first, then the section."),
                title=section.title,
            )
        )
    version = section.version
    version.sections.remove(section)
    _renumber(version)
    audit.record(
        db, admin, "guide.section_remove", "coaching_guide", version.guide_id, title=section.title
    )
    db.commit()


def set_target_functions(
    db: Session, admin: User, guide: CoachingGuide, functions: list[str]
) -> None:
    chosen = sorted({f for f in functions if f in {k.value for k in FUNCTION_LABELS}})
    guide.target_functions = chosen
    audit.record(db, admin, "guide.targets", "coaching_guide", guide.id, functions=chosen)
    db.commit()


def publishing_problems(draft: GuideVersion) -> dict[str, list[str]]:
    """What keeps a draft from being published, by where it is: "_form" for the guide,
    "section.<id>" for an empty section, "competency.<id>.indicators" and
    "competency.<id>.questions" for a behaviour with nothing to observe or ask."""
    if not any(section.competencies for section in draft.sections):
        return {"_form": ["A guide needs at least one behaviour to rate."]}
    problems: dict[str, list[str]] = {}
    for section in draft.sections:
        if not section.competencies:
            # A published heading with nothing to rate under it would sit empty on every
            # debrief.
            problems[f"section.{section.id}"] = [
                f"Add a behaviour to “{section.title}” or remove the section before publishing."
            ]
        for competency in section.competencies:
            # A behaviour with no indicators gives the manager nothing to look for; with no
            # questions, nothing to ask the rep.
            if not competency.indicators:
                problems[f"competency.{competency.id}.indicators"] = [NO_INDICATORS]
            if not competency.questions:
                problems[f"competency.{competency.id}.questions"] = [NO_QUESTIONS]
    return problems


def publish(db: Session, admin: User, guide: CoachingGuide) -> GuideVersion:
    """The draft becomes the newest published version; earlier ones stay as they were, for
    the conversations that used them."""
    draft = draft_of(db, guide)
    if draft is None:
        raise Conflict("There is no draft to publish.")
    problems = publishing_problems(draft)
    if problems:
        count = sum(len(messages) for messages in problems.values())
        raise InvalidInput(
            filled_in(
                N_("Not published: %(count)s thing to fix first.")
                if count == 1
                else N_("Not published: %(count)s things to fix first."),
                count=count,
            ),
            problems,
        )
    draft.status = GuideStatus.PUBLISHED
    draft.published_at = utcnow()
    audit.record(db, admin, "guide.publish", "coaching_guide", guide.id, number=draft.number)
    db.commit()
    return draft
