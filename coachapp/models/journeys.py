"""Learning journeys: what enablement authors for a competency (pulses and application
exercises, in published versions like the coaching guides), and each rep's way through one
started by a development focus."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.languages import N_
from coachapp.models.coaching import DevelopmentFocus, GuideStatus
from coachapp.models.org import Account, User, str_enum


class StepKind(enum.StrEnum):
    TIP = "tip"
    QUESTION = "question"
    READ = "read"  # a 2-minute read
    LINK = "link"  # to the company's learning system
    EXERCISE = "exercise"  # done on one of the rep's accounts, with a short submission


STEP_KIND_LABELS = {
    StepKind.TIP: N_("Tip"),
    StepKind.QUESTION: N_("Question"),
    StepKind.READ: N_("2-minute read"),
    StepKind.LINK: N_("Learning system link"),
    StepKind.EXERCISE: N_("Application exercise"),
}


class Journey(Base):
    """A learning journey for one competency (by its key, stable across guide versions)."""

    __tablename__ = "journeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[JourneyVersion]] = relationship(
        back_populates="journey", order_by="JourneyVersion.number"
    )


class JourneyVersion(Base):
    """A draft changed freely, or a published version that never changes again."""

    __tablename__ = "journey_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[GuideStatus] = mapped_column(
        str_enum(GuideStatus, "journey_status"), default=GuideStatus.DRAFT
    )
    published_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    journey: Mapped[Journey] = relationship(back_populates="versions")
    steps: Mapped[list[JourneyStep]] = relationship(
        back_populates="version", order_by="JourneyStep.position", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("journey_id", "number", name="uq_journey_versions_number"),)


class JourneyStep(Base):
    """A pulse (tip, question, 2-minute read, link) or an application exercise."""

    __tablename__ = "journey_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("journey_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[StepKind] = mapped_column(str_enum(StepKind, "journey_step_kind"))
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")

    version: Mapped[JourneyVersion] = relationship(back_populates="steps")

    @property
    def is_exercise(self) -> bool:
        return self.kind == StepKind.EXERCISE

    @property
    def kind_label(self) -> str:
        return STEP_KIND_LABELS[self.kind]


class JourneyEnrolment(Base):
    """A rep's journey, started when their manager set the focus it is for; it follows the
    published version of that moment."""

    __tablename__ = "journey_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    focus_id: Mapped[int] = mapped_column(
        ForeignKey("development_focuses.id", ondelete="CASCADE"), unique=True
    )
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("journey_versions.id"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    focus: Mapped[DevelopmentFocus] = relationship()
    rep: Mapped[User] = relationship()
    version: Mapped[JourneyVersion] = relationship()
    progress: Mapped[list[JourneyProgress]] = relationship(
        back_populates="enrolment", order_by="JourneyProgress.released_at"
    )


class JourneyProgress(Base):
    """A step that has reached the rep (as a nudge), and when they opened it."""

    __tablename__ = "journey_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("journey_enrolments.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int] = mapped_column(ForeignKey("journey_steps.id"))
    released_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[dt.datetime | None]

    enrolment: Mapped[JourneyEnrolment] = relationship(back_populates="progress")
    step: Mapped[JourneyStep] = relationship()
    submission: Mapped[ExerciseSubmission | None] = relationship(
        back_populates="progress", uselist=False
    )

    __table_args__ = (UniqueConstraint("enrolment_id", "step_id", name="uq_journey_progress_step"),)


class ExerciseSubmission(Base):
    """A rep's answer to an application exercise, on one of their accounts; written once.
    Their manager marks it reviewed."""

    __tablename__ = "journey_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made by the rep's phone: the same value again is the same submission (a double tap, a
    # replay of the offline outbox).
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    progress_id: Mapped[int] = mapped_column(
        ForeignKey("journey_progress.id", ondelete="CASCADE"), unique=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    progress: Mapped[JourneyProgress] = relationship(back_populates="submission")
    account: Mapped[Account] = relationship()
    rep: Mapped[User] = relationship(foreign_keys=[rep_id])

    __table_args__ = (
        UniqueConstraint("rep_id", "client_uuid", name="uq_journey_submissions_client_uuid"),
    )
