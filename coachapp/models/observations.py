"""Observations across reporting lines: what a manager or director saw a colleague of another
line do on a shared account, for that person's own line manager to coach with."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.models.coaching import Competency
from coachapp.models.org import Account, User


class Observation(Base):
    """One observation of one account-team member (the subject) on one competency of their
    guide, written by a manager or director who shares the account with them. It goes to the
    subject's line manager of the moment (routed_to), who may attach it to a draft coaching
    note to the subject (note_id); the subject reads it on that note once it is shared.

    Written once and never changed: who wrote what, about whom, stays as it was sent."""

    __tablename__ = "observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made by the author's client: the same value again from the same author is the same
    # observation (a double tap, a replay after lost signal).
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # A competency of the subject's guide when it was written.
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"))
    text: Mapped[str] = mapped_column(Text)
    # The subject's line manager when it was written: the one person it is for.
    routed_to_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The coaching note it was attached to; a discarded draft lets it go again.
    note_id: Mapped[int | None] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="SET NULL"), index=True
    )
    # When the line manager first opened it: "New" until then.
    read_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    subject: Mapped[User] = relationship(foreign_keys=[subject_id])
    routed_to: Mapped[User] = relationship(foreign_keys=[routed_to_id])
    account: Mapped[Account] = relationship()
    competency: Mapped[Competency] = relationship()

    __table_args__ = (
        UniqueConstraint("author_id", "client_uuid", name="uq_observations_author_client_uuid"),
        CheckConstraint("author_id <> subject_id", name="not_self"),
        CheckConstraint("routed_to_id <> subject_id", name="not_to_self"),
    )
