"""A published guide or journey version in another language: enablement writes the text of
its parts (the guide's name, sections, behaviours with their indicators and questions; the
journey's name and its steps), and a reader of that language reads it, part by part, where
it was given, else the version's own text. A translation belongs to one version: a new
version starts without one, and a note keeps the version it was written on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import audit
from coachapp.coaching.guides import MAX_LINE, MAX_LINES, NAME_MAX
from coachapp.errors import InvalidInput, NotFound
from coachapp.journeys.schemas import BODY_MAX, TITLE_MAX
from coachapp.languages import DEFAULT_LANGUAGE, LANGUAGES, current_language, gettext
from coachapp.models import (
    Competency,
    GuideStatus,
    GuideTranslation,
    GuideVersion,
    JourneyStep,
    JourneyTranslation,
    JourneyVersion,
    User,
)
from coachapp.plain_text import line_problem, normalise_newlines, text_problem

# The languages a version may be given a text in: every one but the one it is written in.
TRANSLATABLE = {code: name for code, name in LANGUAGES.items() if code != DEFAULT_LANGUAGE}


def language_or_404(language: str) -> str:
    if language not in TRANSLATABLE:
        raise NotFound()
    return language


def published_or_404(version: GuideVersion | JourneyVersion | None) -> Any:
    """A version that is published (or retired): a draft still changes, and is not translated."""
    if version is None or version.status == GuideStatus.DRAFT:
        raise NotFound()
    return version


# Reading ----------------------------------------------------------------------------------


class Translated:
    """An object as a reader of another language reads it: the given attributes replaced,
    every other one the object's own (its id, its key, its relationships)."""

    def __init__(self, original: Any, **texts: Any) -> None:
        self._original = original
        self.__dict__.update(texts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


def _stored(db: Session, model: Any, version_id: int, language: str) -> Any:
    return db.scalar(
        select(model).where(model.version_id == version_id, model.language == language)
    )


def guide_texts(db: Session, version: GuideVersion, language: str) -> dict[str, Any]:
    found = _stored(db, GuideTranslation, version.id, language)
    return dict(found.texts) if found is not None else {}


def journey_texts(db: Session, version: JourneyVersion, language: str) -> dict[str, Any]:
    found = _stored(db, JourneyTranslation, version.id, language)
    return dict(found.texts) if found is not None else {}


def _reading_language() -> str | None:
    """The reader's language when it is one a version may be translated into."""
    language = current_language()
    return language if language in TRANSLATABLE else None


def _competency_as_read(competency: Competency, texts: Mapping[str, Any]) -> Any:
    """The behaviour with its name, indicators and questions as its version's text in the
    reader's language gives them (`texts`: that text's behaviours by key), else its own."""
    given = texts.get(competency.key) or {}
    return Translated(
        competency,
        name=given.get("name") or competency.name,
        indicators=given.get("indicators") or competency.indicators,
        questions=given.get("questions") or competency.questions,
    )


def competency_name_as_read(db: Session, key: str, name: str) -> str:
    """A behaviour named by its key alone, as figures kept across guide versions name it (a
    development focus, a dashboard's ratings): its name in the newest version given a text
    in the reader's language that names it, else `name`. The key is stable across versions,
    so an earlier version's text still names the same behaviour."""
    language = _reading_language()
    if not language:
        return name
    return _names_by_key(db, language).get(key) or name


def _names_by_key(db: Session, language: str) -> dict[str, str]:
    """Every behaviour's name in the language, by key, newest version first; read once a
    request, as a page names many behaviours."""
    kept: dict[str, dict[str, str]] = g.setdefault("competency_names_as_read", {})
    if language not in kept:
        names: dict[str, str] = {}
        for texts in db.scalars(
            select(GuideTranslation.texts)
            .where(GuideTranslation.language == language)
            .order_by(GuideTranslation.version_id.desc())
        ):
            for key, given in (texts.get("competencies") or {}).items():
                if given.get("name"):
                    names.setdefault(key, given["name"])
        kept[language] = names
    return kept[language]


def sections_as_read(db: Session, version: GuideVersion) -> list[Any]:
    """The version's sections with their behaviours, in the reader's language where the
    version was given a text in it."""
    language = _reading_language()
    texts = guide_texts(db, version, language) if language else {}
    if not texts:
        return list(version.sections)
    titles = texts.get("sections") or {}
    competencies = texts.get("competencies") or {}
    return [
        Translated(
            section,
            title=titles.get(str(section.position)) or section.title,
            competencies=[_competency_as_read(c, competencies) for c in section.competencies],
        )
        for section in version.sections
    ]


def guide_version_as_read(db: Session, version: GuideVersion) -> Any:
    """The version with its sections and its guide's name in the reader's language."""
    language = _reading_language()
    texts = guide_texts(db, version, language) if language else {}
    if not texts:
        return version
    return Translated(
        version,
        sections=sections_as_read(db, version),
        guide=Translated(version.guide, name=texts.get("name") or version.guide.name),
    )


def guide_name_as_read(db: Session, version: GuideVersion) -> str:
    language = _reading_language()
    texts = guide_texts(db, version, language) if language else {}
    return str(texts.get("name") or version.guide.name)


def journey_name_as_read(db: Session, version: JourneyVersion) -> str:
    language = _reading_language()
    texts = journey_texts(db, version, language) if language else {}
    return str(texts.get("name") or version.journey.name)


def journeys_as_read(
    db: Session, versions: list[JourneyVersion]
) -> tuple[dict[int, str], dict[int, str]]:
    """The journeys' names by version id and their steps' titles by step id, where their
    version was given a text in the reader's language."""
    names: dict[int, str] = {}
    titles: dict[int, str] = {}
    language = _reading_language()
    if not language or not versions:
        return names, titles
    by_id = {v.id: v for v in versions}
    rows = db.scalars(
        select(JourneyTranslation).where(
            JourneyTranslation.version_id.in_(by_id), JourneyTranslation.language == language
        )
    )
    for row in rows:
        if row.texts.get("name"):
            names[row.version_id] = row.texts["name"]
        steps = row.texts.get("steps") or {}
        for step in by_id[row.version_id].steps:
            title = (steps.get(str(step.position)) or {}).get("title")
            if title:
                titles[step.id] = title
    return names, titles


def step_as_read(db: Session, step: JourneyStep) -> Any:
    """The step in the reader's language where its version was given a text in it."""
    language = _reading_language()
    texts = journey_texts(db, step.version, language) if language else {}
    given = (texts.get("steps") or {}).get(str(step.position)) or {}
    if not given:
        return step
    return Translated(
        step, title=given.get("title") or step.title, body=given.get("body") or step.body
    )


# Authoring --------------------------------------------------------------------------------


def _one_line(text: str, most: int) -> tuple[str, str | None]:
    text = text.strip()
    if len(text) > most:
        return text, gettext("At most %(count)s characters.", count=most)
    return text, line_problem(text)


def _lines_like(text: str, original: list[str]) -> tuple[list[str], str | None]:
    """A translation of a list, one line per line of the original (or none at all)."""
    lines = [line.strip() for line in normalise_newlines(text).split("\n") if line.strip()]
    if not lines:
        return [], None
    if len(lines) != len(original):
        return lines, gettext(
            "One line for each of the %(count)s lines of the original, in the same order.",
            count=len(original),
        )
    if len(lines) > MAX_LINES or any(len(line) > MAX_LINE for line in lines):
        return lines, gettext(
            "At most %(lines)s lines of %(count)s characters each.", lines=MAX_LINES, count=MAX_LINE
        )
    return lines, next((line_problem(line) for line in lines if line_problem(line)), None)


def guide_form(version: GuideVersion, texts: Mapping[str, Any]) -> dict[str, str]:
    """The translation form's fields as stored, by the field's name."""
    form = {"name": str(texts.get("name") or "")}
    titles = texts.get("sections") or {}
    competencies = texts.get("competencies") or {}
    for section in version.sections:
        form[f"section-{section.id}"] = titles.get(str(section.position), "")
        for c in section.competencies:
            given = competencies.get(c.key) or {}
            form[f"name-{c.id}"] = given.get("name", "")
            form[f"indicators-{c.id}"] = "\n".join(given.get("indicators") or [])
            form[f"questions-{c.id}"] = "\n".join(given.get("questions") or [])
    return form


def save_guide_translation(
    db: Session, actor: User, version: GuideVersion, language: str, form: Mapping[str, str]
) -> GuideTranslation:
    """Stores the version's text in the language; a field left empty reads as the original.
    Refused with every field's problem, nothing stored."""
    errors: dict[str, list[str]] = {}

    def check(field: str, problem: str | None) -> None:
        if problem:
            errors[field] = [problem]

    name, problem = _one_line(form.get("name", ""), NAME_MAX)
    check("name", problem)
    texts: dict[str, Any] = {"name": name, "sections": {}, "competencies": {}}
    for section in version.sections:
        title, problem = _one_line(form.get(f"section-{section.id}", ""), NAME_MAX)
        check(f"section-{section.id}", problem)
        if title:
            texts["sections"][str(section.position)] = title
        for c in section.competencies:
            given: dict[str, Any] = {}
            c_name, problem = _one_line(form.get(f"name-{c.id}", ""), NAME_MAX)
            check(f"name-{c.id}", problem)
            if c_name:
                given["name"] = c_name
            for part in ("indicators", "questions"):
                lines, problem = _lines_like(form.get(f"{part}-{c.id}", ""), getattr(c, part))
                check(f"{part}-{c.id}", problem)
                if lines:
                    given[part] = lines
            if given:
                texts["competencies"][c.key] = given
    if errors:
        raise InvalidInput(gettext("Some fields are not valid."), errors)
    return _store(db, actor, GuideTranslation, version, language, texts, "guide_translation")


def journey_form(version: JourneyVersion, texts: Mapping[str, Any]) -> dict[str, str]:
    form = {"name": str(texts.get("name") or "")}
    steps = texts.get("steps") or {}
    for step in version.steps:
        given = steps.get(str(step.position)) or {}
        form[f"title-{step.id}"] = given.get("title", "")
        form[f"body-{step.id}"] = given.get("body", "")
    return form


def save_journey_translation(
    db: Session, actor: User, version: JourneyVersion, language: str, form: Mapping[str, str]
) -> JourneyTranslation:
    errors: dict[str, list[str]] = {}
    name, problem = _one_line(form.get("name", ""), TITLE_MAX)
    if problem:
        errors["name"] = [problem]
    texts: dict[str, Any] = {"name": name, "steps": {}}
    for step in version.steps:
        given: dict[str, str] = {}
        title, problem = _one_line(form.get(f"title-{step.id}", ""), TITLE_MAX)
        if problem:
            errors[f"title-{step.id}"] = [problem]
        body = normalise_newlines(form.get(f"body-{step.id}", "")).strip()
        if len(body) > BODY_MAX:
            errors[f"body-{step.id}"] = [gettext("At most %(count)s characters.", count=BODY_MAX)]
        elif problem := text_problem(body):
            errors[f"body-{step.id}"] = [problem]
        if title:
            given["title"] = title
        if body:
            given["body"] = body
        if given:
            texts["steps"][str(step.position)] = given
    if errors:
        raise InvalidInput(gettext("Some fields are not valid."), errors)
    return _store(db, actor, JourneyTranslation, version, language, texts, "journey_translation")


def _store(
    db: Session,
    actor: User,
    model: Any,
    version: GuideVersion | JourneyVersion,
    language: str,
    texts: dict[str, Any],
    kind: str,
) -> Any:
    row = _stored(db, model, version.id, language)
    if row is None:
        row = model(version_id=version.id, language=language, texts=texts)
        db.add(row)
    else:
        row.texts = texts
    db.flush()
    audit.record(db, actor, f"{kind}.save", kind, row.id, version_id=version.id, language=language)
    db.commit()
    return row
