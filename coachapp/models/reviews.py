"""Account-team reviews: a manager reviews one account with its whole team, whatever line each
member reports up (coachapp.reviews)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.models.org import Account, Function, User, str_enum

if TYPE_CHECKING:
    from coachapp.models.coaching import FollowUp


class AccountReview(Base):
    """One meeting of an account's team: how the plan progresses, the 3C's rated for the team
    as a whole, and the cross-functional agreements made (follow-ups with review_id).

    Recorded once, complete: saving it shares it with its participants and their line
    managers, who acknowledge it. It holds no individual ratings and no coaching note's
    content, so it crosses the medical/commercial wall (coachapp.policy.reviews_scope).
    """

    __tablename__ = "account_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    plan_progress: Mapped[str] = mapped_column(Text, default="")
    # The account's live plans as they stood at the review: goals and open actions, read-only
    # (coachapp.reviews.service.plan_summary).
    plan_summary: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship()
    author: Mapped[User] = relationship()
    participants: Mapped[list[ReviewParticipant]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewParticipant.id"
    )
    ratings: Mapped[list[ReviewRating]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewRating.id"
    )
    acknowledgements: Mapped[list[ReviewAcknowledgement]] = relationship(
        back_populates="review",
        cascade="all, delete-orphan",
        order_by="ReviewAcknowledgement.acknowledged_at",
    )
    agreements: Mapped[list[FollowUp]] = relationship(
        back_populates="review", order_by="[FollowUp.due_date, FollowUp.id]"
    )
    earlier_agreements: Mapped[list[ReviewEarlierAgreement]] = relationship(
        back_populates="review",
        cascade="all, delete-orphan",
        order_by="ReviewEarlierAgreement.id",
    )


class ReviewParticipant(Base):
    """A member of the account team at the review, with the function they held then: the
    review's lines (cross-functional or not) are read from it."""

    __tablename__ = "review_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("account_reviews.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    function: Mapped[Function] = mapped_column(str_enum(Function, "participant_function"))

    review: Mapped[AccountReview] = relationship(back_populates="participants")
    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("review_id", "user_id", name="uq_review_participants_person"),
    )


class ReviewRating(Base):
    """One of the 3C's rated for the team as a whole (competency_key: a key of
    coachapp.policy.THREE_C_COMPETENCIES), with a line of evidence."""

    __tablename__ = "review_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("account_reviews.id", ondelete="CASCADE"), index=True
    )
    competency_key: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[AccountReview] = relationship(back_populates="ratings")

    __table_args__ = (
        UniqueConstraint("review_id", "competency_key", name="uq_review_ratings_competency"),
        CheckConstraint("score >= 1 AND score <= 4", name="score_range"),
    )


class ReviewAcknowledgement(Base):
    """A participant or a participant's line manager has read the review: once per person."""

    __tablename__ = "review_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("account_reviews.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    acknowledged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)

    review: Mapped[AccountReview] = relationship(back_populates="acknowledgements")
    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("review_id", "user_id", name="uq_review_acknowledgements_person"),
    )


class ReviewEarlierAgreement(Base):
    """An agreement of an earlier review of the account, open when this one was held: carried
    forward (still open) or marked done there."""

    __tablename__ = "review_earlier_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("account_reviews.id", ondelete="CASCADE"), index=True
    )
    follow_up_id: Mapped[int] = mapped_column(
        ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True
    )
    # "open" (carried forward) or "done" (marked done at the review).
    outcome: Mapped[str] = mapped_column(String(16))

    review: Mapped[AccountReview] = relationship(back_populates="earlier_agreements")
    follow_up: Mapped[FollowUp] = relationship()

    __table_args__ = (
        UniqueConstraint("review_id", "follow_up_id", name="uq_review_earlier_agreements_item"),
        CheckConstraint("outcome IN ('open', 'done')", name="outcome_known"),
    )
