"""Coach the coach: a short note from a director to one of their managers about their coaching."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.models.coaching import NoteStatus
from coachapp.models.org import User, str_enum


class CoachTheCoachNote(Base):
    """Situation, action, result: what the director saw, what the manager did, what came of
    it. Drafted by the director above the manager, shared, then acknowledged by the manager
    with a comment; immutable from then on."""

    __tablename__ = "coach_the_coach_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    director_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    situation: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text)
    status: Mapped[NoteStatus] = mapped_column(
        str_enum(NoteStatus, "coach_note_status"), default=NoteStatus.DRAFT
    )
    shared_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    ack_comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    director: Mapped[User] = relationship(foreign_keys=[director_id])
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])

    # Not a column: set by coachapp.policy.coach_notes_as_seen_by when the viewer is the
    # director who wrote it and the manager has since left their line.
    __allow_unmapped__ = True
    seen_as_of: dt.datetime | None = None

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("director_id <> manager_id", name="not_self"),
        CheckConstraint("status = 'draft' OR shared_at IS NOT NULL", name="shared_has_timestamp"),
        CheckConstraint(
            "status <> 'acknowledged' OR acknowledged_at IS NOT NULL", name="acknowledged_has_time"
        ),
    )
