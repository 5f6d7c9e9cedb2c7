"""How long the organisation keeps coaching content (coachapp.privacy.retention)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Integer
from sqlalchemy.orm import Mapped, mapped_column

from coachapp.db import Base, utcnow


class RetentionSetting(Base):
    """The organisation's retention, one row (id 1; none saved: nothing is removed).

    `leaver_content_days`: days after someone leaves (is deactivated) before they are erased:
    their name, email and free text anonymised, their devices, sessions and notifications
    removed, every figure kept. `draft_days`: days a draft never shared (a coaching note or a
    coach-the-coach note) is kept after it was last changed. None: kept for good."""

    __tablename__ = "retention_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    leaver_content_days: Mapped[int | None] = mapped_column(Integer)
    draft_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint(
            "leaver_content_days IS NULL OR leaver_content_days > 0", name="leaver_days_positive"
        ),
        CheckConstraint("draft_days IS NULL OR draft_days > 0", name="draft_days_positive"),
    )
