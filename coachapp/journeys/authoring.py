"""Authoring journeys (enablement, in the admin): a draft version changed freely, published
as a new version that never changes again, as the coaching guides are (coachapp.coaching.
guides). A rep's journey keeps the version it started with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from coachapp import audit
from coachapp.coaching.focus import competencies_to_choose
from coachapp.db import utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.models import GuideStatus, Journey, JourneyStep, JourneyVersion, StepKind, User

NOT_A_DRAFT = "Published journey versions cannot change; edit the draft."


def journeys(db: Session) -> Sequence[Journey]:
    return db.scalars(
        select(Journey).options(selectinload(Journey.versions)).order_by(Journey.name)
    ).all()


def journey_or_404(db: Session, journey_id: int) -> Journey:
    journey = db.get(Journey, journey_id)
    if journey is None:
        raise NotFound()
    return journey


def _version(db: Session, journey: Journey, status: GuideStatus) -> JourneyVersion | None:
    return db.scalars(
        select(JourneyVersion)
        .where(JourneyVersion.journey_id == journey.id, JourneyVersion.status == status)
        .options(selectinload(JourneyVersion.steps))
        .order_by(JourneyVersion.number.desc())
        .limit(1)
    ).first()


def draft_of(db: Session, journey: Journey) -> JourneyVersion | None:
    return _version(db, journey, GuideStatus.DRAFT)


def latest_published(db: Session, journey: Journey) -> JourneyVersion | None:
    return _version(db, journey, GuideStatus.PUBLISHED)


def create_journey(db: Session, admin: User, data: dict[str, Any]) -> Journey:
    """A new journey for a competency of the published guides, with an empty draft."""
    names = dict(competencies_to_choose(db))
    key = data["competency_key"]
    if key not in names:
        message = "Choose a competency of the published guides."
        raise InvalidInput(message, {"competency_key": [message]})
    if db.scalar(select(Journey.id).where(Journey.competency_key == key)) is not None:
        message = f"“{names[key]}” has a journey already; edit that one."
        raise InvalidInput(message, {"competency_key": [message]})
    journey = Journey(competency_key=key, name=data["name"])
    journey.versions = [JourneyVersion(number=1, status=GuideStatus.DRAFT)]
    db.add(journey)
    db.flush()
    audit.record(db, admin, "journey.create", "journey", journey.id, competency=key)
    db.commit()
    return journey


def start_draft(db: Session, admin: User, journey: Journey) -> JourneyVersion:
    """The journey's draft, made as a copy of the newest published version when there is
    none."""
    existing = draft_of(db, journey)
    if existing is not None:
        return existing
    source = latest_published(db, journey)
    number = (
        db.scalar(
            select(func.max(JourneyVersion.number)).where(JourneyVersion.journey_id == journey.id)
        )
        or 0
    ) + 1
    draft = JourneyVersion(journey_id=journey.id, number=number, status=GuideStatus.DRAFT)
    draft.steps = [
        JourneyStep(position=s.position, kind=s.kind, title=s.title, body=s.body, url=s.url)
        for s in (source.steps if source else [])
    ]
    db.add(draft)
    db.flush()
    audit.record(db, admin, "journey.draft", "journey", journey.id, number=number)
    db.commit()
    return draft


def _draft_step(db: Session, step_id: int) -> JourneyStep:
    step = db.get(JourneyStep, step_id)
    if step is None:
        raise NotFound()
    if step.version.status != GuideStatus.DRAFT:
        raise Conflict(NOT_A_DRAFT)
    return step


def _fill(step: JourneyStep, data: dict[str, Any]) -> None:
    step.kind = StepKind(data["kind"])
    step.title = data["title"]
    step.body = data["body"].strip()
    step.url = data["url"] if step.kind == StepKind.LINK else ""


def add_step(db: Session, admin: User, journey: Journey, data: dict[str, Any]) -> JourneyStep:
    draft = draft_of(db, journey)
    if draft is None:
        raise Conflict("Start a draft to change the journey.")
    step = JourneyStep(position=len(draft.steps))
    _fill(step, data)
    draft.steps.append(step)
    db.flush()
    audit.record(db, admin, "journey.step_add", "journey", journey.id, kind=step.kind.value)
    db.commit()
    return step


def update_step(db: Session, admin: User, step_id: int, data: dict[str, Any]) -> JourneyStep:
    step = _draft_step(db, step_id)
    _fill(step, data)
    audit.record(db, admin, "journey.step", "journey", step.version.journey_id)
    db.commit()
    return step


def remove_step(db: Session, admin: User, step_id: int) -> int:
    step = _draft_step(db, step_id)
    version = step.version
    version.steps.remove(step)
    for position, item in enumerate(version.steps):
        item.position = position
    audit.record(db, admin, "journey.step_remove", "journey", version.journey_id)
    db.commit()
    return version.journey_id


def move_step(db: Session, admin: User, step_id: int, step: int) -> JourneyStep:
    """One place earlier (step -1) or later (+1); at either end it stays put."""
    found = _draft_step(db, step_id)
    order = list(found.version.steps)
    index = order.index(found)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        for position, item in enumerate(order):
            item.position = position
        audit.record(db, admin, "journey.step_move", "journey", found.version.journey_id)
        db.commit()
    return found


def publishing_problems(draft: JourneyVersion) -> dict[str, list[str]]:
    if not draft.steps:
        return {"_form": ["A journey needs at least one pulse or exercise."]}
    return {}


def publish(db: Session, admin: User, journey: Journey) -> JourneyVersion:
    """The draft becomes the newest published version: journeys started from now on follow
    it; those started before keep theirs."""
    draft = draft_of(db, journey)
    if draft is None:
        raise Conflict("There is no draft to publish.")
    problems = publishing_problems(draft)
    if problems:
        raise InvalidInput("Not published: add a step first.", problems)
    draft.status = GuideStatus.PUBLISHED
    draft.published_at = utcnow()
    audit.record(db, admin, "journey.publish", "journey", journey.id, number=draft.number)
    db.commit()
    return draft
