"""Account plans: one consistent template shared by the whole account team."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.models.org import Account, User, str_enum


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class GoalStatus(enum.StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    DONE = "done"


class GoalKind(enum.StrEnum):
    """A number to move (patients on therapy, share of chairs, days to access), or a
    qualitative milestone reached through ordered stages (dossier, P&T review, approval)."""

    NUMERIC = "numeric"
    STAGES = "stages"


class ActualSource(enum.StrEnum):
    """Where an actual came from: typed by the team, imported from a CSV export of the CRM or
    data warehouse, or set through the API."""

    TYPED = "typed"
    IMPORTED = "imported"
    API = "api"


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class DecisionRole(enum.StrEnum):
    DECISION_MAKER = "decision_maker"
    INFLUENCER = "influencer"
    GATEKEEPER = "gatekeeper"
    CHAMPION = "champion"
    USER = "user"
    OTHER = "other"


class Relationship(enum.StrEnum):
    NONE = "none"
    WEAK = "weak"
    NEUTRAL = "neutral"
    GOOD = "good"
    STRONG = "strong"


PROFILE_AREAS = ("business", "clinical", "operational", "reimbursement")


class InsightStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class AccountPlan(Base):
    __tablename__ = "account_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[PlanStatus] = mapped_column(
        str_enum(PlanStatus, "plan_status"), default=PlanStatus.DRAFT
    )
    strategic_priorities: Mapped[str] = mapped_column(Text, default="")
    profile_business: Mapped[str] = mapped_column(Text, default="")
    profile_clinical: Mapped[str] = mapped_column(Text, default="")
    profile_operational: Mapped[str] = mapped_column(Text, default="")
    profile_reimbursement: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Any change to the plan or one of its items; items are versioned on their own, so
    # this is written without touching the plan's version.
    last_activity_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # The owner approves each insight a teammate adds before others see it.
    insights_need_approval: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    account: Mapped[Account] = relationship()
    owner: Mapped[User] = relationship()
    goals: Mapped[list[PlanGoal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanGoal.position"
    )
    action_items: Mapped[list[PlanActionItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanActionItem.due_date"
    )
    stakeholders: Mapped[list[PlanStakeholder]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanStakeholder.id"
    )
    team: Mapped[list[PlanTeamMember]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanTeamMember.id"
    )
    comments: Mapped[list[PlanComment]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanComment.created_at"
    )
    insights: Mapped[list[PlanInsight]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanInsight.created_at"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("account_id", "period", name="uq_account_plans_period"),)


class PlanGoal(Base):
    __tablename__ = "plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("account_plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(200), default="")
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[GoalStatus] = mapped_column(
        str_enum(GoalStatus, "goal_status"), default=GoalStatus.ON_TRACK
    )
    # What reaching the goal is worth (e.g. "$1.8M annual net sales"): the value at stake.
    value: Mapped[str | None] = mapped_column(String(80))
    # Measurable: what is counted, in which unit, from where to where. `measure` above stays
    # the team's own words for how success is judged.
    kind: Mapped[GoalKind] = mapped_column(
        str_enum(GoalKind, "goal_kind"), default=GoalKind.NUMERIC, server_default="numeric"
    )
    metric: Mapped[str] = mapped_column(String(80), default="", server_default="")
    unit: Mapped[str] = mapped_column(String(40), default="", server_default="")
    baseline: Mapped[float | None] = mapped_column(Float)
    baseline_date: Mapped[dt.date | None] = mapped_column(Date)
    target: Mapped[float | None] = mapped_column(Float)
    # A stage goal's stages in order; an actual is the number of the stage reached (1 = first).
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[AccountPlan] = relationship(back_populates="goals")
    actuals: Mapped[list[GoalActual]] = relationship(
        back_populates="goal",
        cascade="all, delete-orphan",
        order_by="(GoalActual.measured_on, GoalActual.id)",
    )

    __mapper_args__ = {"version_id_col": version}


class GoalActual(Base):
    """Where a goal stood on a date: a number in the goal's unit, or for a stage goal the
    number of the stage reached."""

    __tablename__ = "goal_actuals"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made by the client: the same actual sent again is found, not recorded twice.
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("plan_goals.id", ondelete="CASCADE"), index=True
    )
    measured_on: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[ActualSource] = mapped_column(
        str_enum(ActualSource, "actual_source"), default=ActualSource.TYPED
    )
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    goal: Mapped[PlanGoal] = relationship(back_populates="actuals")
    recorded_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class PlanActionItem(Base):
    __tablename__ = "plan_action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("account_plans.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus, "action_status"), default=ActionStatus.OPEN
    )
    completed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[AccountPlan] = relationship(back_populates="action_items")
    owner: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}


class PlanStakeholder(Base):
    """A person on the customer side and their part in decisions."""

    __tablename__ = "plan_stakeholders"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("account_plans.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120), default="")
    decision_role: Mapped[DecisionRole] = mapped_column(
        str_enum(DecisionRole, "decision_role"), default=DecisionRole.INFLUENCER
    )
    relationship_strength: Mapped[Relationship] = mapped_column(
        "relationship", str_enum(Relationship, "relationship"), default=Relationship.NEUTRAL
    )

    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[AccountPlan] = relationship(back_populates="stakeholders")

    __mapper_args__ = {"version_id_col": version}


class PlanTeamMember(Base):
    """An internal member of the account team and what they are responsible for."""

    __tablename__ = "plan_team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("account_plans.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    responsibility: Mapped[str] = mapped_column(String(200), default="")

    plan: Mapped[AccountPlan] = relationship(back_populates="team")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("plan_id", "user_id", name="uq_plan_team_members_member"),)


class PlanComment(Base):
    """A comment on a plan by a member of its account team or the owner's manager."""

    __tablename__ = "plan_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made by the client: the same comment sent again is found, not made twice.
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("account_plans.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    plan: Mapped[AccountPlan] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class PlanInsight(Base):
    """What a member of the account team learnt about the customer in one profiling area.
    Others see it once approved: at once, unless the plan's owner approves insights first."""

    __tablename__ = "plan_insights"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("account_plans.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    area: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[InsightStatus] = mapped_column(
        str_enum(InsightStatus, "insight_status"), default=InsightStatus.PENDING
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When and by whom it was approved or declined (None: approved as it was added).
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    plan: Mapped[AccountPlan] = relationship(back_populates="insights")
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    __table_args__ = (
        CheckConstraint(
            "area IN ('business', 'clinical', 'operational', 'reimbursement')", name="area"
        ),
    )


class ProfilingGuide(Base):
    """Guide questions for one profiling area, maintained by enablement."""

    __tablename__ = "profiling_guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        CheckConstraint(
            "area IN ('business', 'clinical', 'operational', 'reimbursement')", name="area"
        ),
    )
