"""The text enablement gives a published guide or journey version in another language: one
row per version and language, its texts keyed by the version's own parts (sections,
behaviours, steps). A part left out reads in the version's own language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.models.coaching import GuideVersion
from coachapp.models.journeys import JourneyVersion


class GuideTranslation(Base):
    """{"name": ..., "sections": {"<section position>": title}, "competencies":
    {"<competency key>": {"name": ..., "indicators": [...], "questions": [...]}}}: keyed by
    what is stable within the version and names nothing by its id."""

    __tablename__ = "guide_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("guide_versions.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    texts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    version: Mapped[GuideVersion] = relationship()

    __table_args__ = (
        UniqueConstraint("version_id", "language", name="uq_guide_translations_version_language"),
    )


class JourneyTranslation(Base):
    """{"name": ..., "steps": {"<step position>": {"title": ..., "body": ...}}}"""

    __tablename__ = "journey_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("journey_versions.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    texts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    version: Mapped[JourneyVersion] = relationship()

    __table_args__ = (
        UniqueConstraint("version_id", "language", name="uq_journey_translations_version_language"),
    )
