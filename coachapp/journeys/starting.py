"""Starting a rep's journey when their manager sets a development focus: kept apart from the
rest of the feature so that the focus service can call it without importing the journeys'
pages and rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.models import (
    DevelopmentFocus,
    GuideStatus,
    Journey,
    JourneyEnrolment,
    JourneyVersion,
)


def published_for(db: Session, competency_key: str) -> JourneyVersion | None:
    """The newest published version of the journey for a competency, if there is one."""
    return db.scalars(
        select(JourneyVersion)
        .join(Journey, Journey.id == JourneyVersion.journey_id)
        .where(
            Journey.competency_key == competency_key,
            JourneyVersion.status == GuideStatus.PUBLISHED,
        )
        .order_by(JourneyVersion.number.desc())
        .limit(1)
    ).first()


def start_for_focus(db: Session, focus: DevelopmentFocus) -> JourneyEnrolment | None:
    """The rep's journey for the focus (in the caller's transaction): started with the newest
    published version of the competency's journey, if there is one; an earlier start holds."""
    existing = db.scalars(
        select(JourneyEnrolment).where(JourneyEnrolment.focus_id == focus.id)
    ).first()
    if existing is not None:
        return existing
    version = published_for(db, focus.competency_key)
    if version is None:
        return None
    enrolment = JourneyEnrolment(
        focus_id=focus.id, rep_id=focus.rep_id, version_id=version.id, started_at=utcnow()
    )
    db.add(enrolment)
    db.flush()
    return enrolment
