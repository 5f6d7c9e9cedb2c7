"""Coaching guides, coaching sessions, follow-ups, development focus and cadence targets."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.languages import N_
from coachapp.models.org import Account, User, str_enum
from coachapp.models.plans import AccountPlan, PlanActionItem

if TYPE_CHECKING:
    from coachapp.models.reviews import AccountReview


class GuideStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


RATING_SCALE = (
    (1, N_("Developing")),
    (2, N_("Building")),
    (3, N_("Proficient")),
    (4, N_("Role model")),
)
NOT_OBSERVED_LABEL = N_("Not observed")


class CoachingGuide(Base):
    """A guide maintained by enablement; its content lives in immutable versions."""

    __tablename__ = "coaching_guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Functions the guide is meant for; empty means every function.
    target_functions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[GuideVersion]] = relationship(
        back_populates="guide", order_by="GuideVersion.number"
    )


class GuideVersion(Base):
    __tablename__ = "guide_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("coaching_guides.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[GuideStatus] = mapped_column(
        str_enum(GuideStatus, "guide_status"), default=GuideStatus.DRAFT
    )
    published_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    guide: Mapped[CoachingGuide] = relationship(back_populates="versions")
    sections: Mapped[list[GuideSection]] = relationship(
        back_populates="version", order_by="GuideSection.position", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("guide_id", "number", name="uq_guide_versions_number"),)


class GuideSection(Base):
    __tablename__ = "guide_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("guide_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(160))

    version: Mapped[GuideVersion] = relationship(back_populates="sections")
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="section", order_by="Competency.position", cascade="all, delete-orphan"
    )


class Competency(Base):
    """An observable behaviour with its indicators and coaching questions."""

    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("guide_sections.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Stable across versions, so progress on one behaviour can be followed over time.
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(160))
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)

    section: Mapped[GuideSection] = relationship(back_populates="competencies")


class NoteType(enum.StrEnum):
    RIDE_ALONG = "ride_along"
    VIRTUAL_CALL = "virtual_call"
    ONE_ON_ONE = "one_on_one"
    PLAN_REVIEW = "plan_review"


NOTE_TYPE_LABELS = {
    NoteType.RIDE_ALONG: N_("Ride-along"),
    NoteType.VIRTUAL_CALL: N_("Virtual call"),
    NoteType.ONE_ON_ONE: N_("1:1"),
    NoteType.PLAN_REVIEW: N_("Plan review"),
}


class NoteStatus(enum.StrEnum):
    DRAFT = "draft"
    SHARED = "shared"
    ACKNOWLEDGED = "acknowledged"


# A note's status as people read it (translated where shown).
NOTE_STATUS_LABELS = {
    NoteStatus.DRAFT: N_("Draft"),
    NoteStatus.SHARED: N_("Shared"),
    NoteStatus.ACKNOWLEDGED: N_("Acknowledged"),
}


class Note(Base):
    """One coaching conversation between a manager and a rep."""

    __tablename__ = "coaching_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("account_plans.id"), index=True)
    guide_version_id: Mapped[int] = mapped_column(ForeignKey("guide_versions.id"))
    # Chosen by the manager, never defaulted: a draft may not have one yet; a shared note
    # has one (coachapp.coaching.counts).
    type: Mapped[NoteType | None] = mapped_column(str_enum(NoteType, "session_type"))
    occurred_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[NoteStatus] = mapped_column(
        str_enum(NoteStatus, "session_status"), default=NoteStatus.DRAFT
    )
    strengths: Mapped[str] = mapped_column(Text, default="")
    development_focus: Mapped[str] = mapped_column(Text, default="")
    private_notes: Mapped[str] = mapped_column(Text, default="")
    self_assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    shared_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    # When the rep first opened the shared note: unread until then.
    rep_seen_at: Mapped[dt.datetime | None]
    ack_comment: Mapped[str | None] = mapped_column(Text)
    addendum: Mapped[str | None] = mapped_column(Text)
    # Blind self-rating (coachapp.coaching.blind): the rep sees the manager's ratings only
    # once they have rated themself on this note, or declined to, or acknowledged it.
    self_rated_at: Mapped[dt.datetime | None]
    self_rating_skipped_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    rep: Mapped[User] = relationship(foreign_keys=[rep_id])
    account: Mapped[Account | None] = relationship()
    plan: Mapped[AccountPlan | None] = relationship()
    guide_version: Mapped[GuideVersion] = relationship()

    # Not a column: set by coachapp.policy.as_seen_by when the viewer is the author and the
    # rep has since left their line; the note is then shown as it stood at that moment.
    __allow_unmapped__ = True
    seen_as_of: dt.datetime | None = None

    ratings: Mapped[list[NoteRating]] = relationship(
        back_populates="note", cascade="all, delete-orphan", order_by="NoteRating.id"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="note", order_by="FollowUp.due_date"
    )

    @property
    def status_label(self) -> str:
        """The status in words, in English: translated where shown (`_()`)."""
        return NOTE_STATUS_LABELS[self.status]

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("manager_id <> rep_id", name="not_self"),
        CheckConstraint("status = 'draft' OR shared_at IS NOT NULL", name="shared_has_timestamp"),
        CheckConstraint("status = 'draft' OR type IS NOT NULL", name="shared_has_type"),
        # What the nudge rules look for each round (coachapp.nudges.rules): notes waiting for
        # their acknowledgement, and drafts left, by when they were shared or last touched.
        Index(
            "ix_coaching_sessions_waiting",
            "shared_at",
            sqlite_where=text("status = 'shared'"),
            postgresql_where=text("status = 'shared'"),
        ),
        Index(
            "ix_coaching_sessions_drafts",
            "updated_at",
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
    )


class PendingSelfAssessment(Base):
    """A rep's self-assessment made before their next coaching note, waiting to join it.

    One per rep. The note the manager logs next takes it over (and a newer one made before
    that note is shared replaces it there); then this row goes.
    """

    __tablename__ = "pending_self_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    guide_version_id: Mapped[int] = mapped_column(ForeignKey("guide_versions.id"))
    # [{"competency_id", "score"}] on the competencies of guide_version; None: not observed.
    ratings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    rep: Mapped[User] = relationship()
    guide_version: Mapped[GuideVersion] = relationship()


class NoteRating(Base):
    __tablename__ = "session_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True
    )
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"))
    # None means "not observed".
    score: Mapped[int | None] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text, default="")

    note: Mapped[Note] = relationship(back_populates="ratings")
    competency: Mapped[Competency] = relationship()

    __table_args__ = (
        UniqueConstraint("session_id", "competency_id", name="uq_session_ratings_competency"),
        CheckConstraint("score IS NULL OR (score >= 1 AND score <= 4)", name="score_range"),
    )


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


# A follow-up's status as people read it (translated where shown).
FOLLOW_UP_STATUS_LABELS = {
    FollowUpStatus.OPEN: N_("Open"),
    FollowUpStatus.DONE: N_("Done"),
    FollowUpStatus.CANCELLED: N_("Cancelled"),
}


class FollowUp(Base):
    """A commitment from a coaching session, a plan action or an account-team review (a
    cross-functional agreement), with an owner and a date."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True
    )
    action_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_action_items.id", ondelete="SET NULL"), index=True
    )
    # An agreement of an account-team review (coachapp.reviews): never on a note as well.
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_reviews.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[FollowUpStatus] = mapped_column(
        str_enum(FollowUpStatus, "follow_up_status"), default=FollowUpStatus.OPEN
    )
    completed_at: Mapped[dt.datetime | None]
    # What shows it was done, in the owner's words (e.g. marked done before a ride-along).
    evidence: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    note: Mapped[Note | None] = relationship(back_populates="follow_ups")
    action_item: Mapped[PlanActionItem | None] = relationship()
    review: Mapped[AccountReview | None] = relationship(back_populates="agreements")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])

    @property
    def status_label(self) -> str:
        """The status in words, in English: translated where shown (`_()`)."""
        return FOLLOW_UP_STATUS_LABELS[self.status]

    __table_args__ = (
        CheckConstraint("session_id IS NULL OR review_id IS NULL", name="one_source"),
    )


class DevelopmentFocus(Base):
    """A rep's learning journey: one or two focus competencies for a period."""

    __tablename__ = "development_focuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    competency_key: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    checkin_days: Mapped[int] = mapped_column(Integer, default=14)
    goal: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("rep_id", "competency_key", "period", name="uq_development_focus"),
        CheckConstraint("checkin_days > 0", name="checkin_positive"),
    )


class CadenceTarget(Base):
    """Expected coaching frequency: organisation-wide, or for one manager's team."""

    __tablename__ = "cadence_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the organisation default; otherwise the manager whose team it overrides.
    team_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    any_coaching_days: Mapped[int] = mapped_column(Integer, default=14)
    ride_along_days: Mapped[int] = mapped_column(Integer, default=30)
    # Days a rep has to acknowledge a shared note; on the organisation's row only (None:
    # ACK_DEADLINE_DAYS from the configuration).
    ack_deadline_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("any_coaching_days > 0 AND ride_along_days > 0", name="positive"),
        CheckConstraint(
            "ack_deadline_days IS NULL OR ack_deadline_days > 0", name="ack_deadline_positive"
        ),
    )
