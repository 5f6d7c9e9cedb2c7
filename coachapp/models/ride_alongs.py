"""The ride-along day: the accounts the rep plans to visit and the calls the manager captures."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.models.coaching import GuideVersion, Note
from coachapp.models.org import Account, User
from coachapp.models.plans import AccountPlan


class PlannedRideAlong(Base):
    """A ride-along the manager has planned with a rep, with the plan to prepare from.

    On the day it is the ride-along day: the rep prepares it (what they want help with, the
    accounts and an objective for each call), the manager captures each call, and at the end
    of the day it becomes one coaching note (session_id, coaching_note).
    """

    __tablename__ = "planned_ride_alongs"

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("account_plans.id", ondelete="SET NULL"))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    uid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    cancelled_at: Mapped[dt.datetime | None]
    # The rep's answer to "What do you want help with?"; prepared_at: when they last saved it.
    help_request: Mapped[str] = mapped_column(Text, default="")
    prepared_at: Mapped[dt.datetime | None]
    # The guide the day's calls are rated on, fixed at the first call so the note matches.
    guide_version_id: Mapped[int | None] = mapped_column(ForeignKey("guide_versions.id"))
    # The end-of-day coaching note made from the calls.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="SET NULL"), unique=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    rep: Mapped[User] = relationship(foreign_keys=[rep_id])
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    plan: Mapped[AccountPlan | None] = relationship()
    guide_version: Mapped[GuideVersion | None] = relationship()
    coaching_note: Mapped[Note | None] = relationship()
    stops: Mapped[list[RideAlongStop]] = relationship(
        back_populates="ride", cascade="all, delete-orphan", order_by="RideAlongStop.position"
    )
    calls: Mapped[list[RideAlongCall]] = relationship(
        back_populates="ride",
        cascade="all, delete-orphan",
        order_by="[RideAlongCall.captured_at, RideAlongCall.id]",
    )

    __mapper_args__ = {"version_id_col": version}


class RideAlongStop(Base):
    """An account the rep plans to visit on the day, with the objective of that call."""

    __tablename__ = "ride_along_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    ride_id: Mapped[int] = mapped_column(
        ForeignKey("planned_ride_alongs.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # From one of the rep's account plans where possible; otherwise only a name.
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("account_plans.id", ondelete="SET NULL"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(160))
    objective: Mapped[str] = mapped_column(Text, default="")

    ride: Mapped[PlannedRideAlong] = relationship(back_populates="stops")
    plan: Mapped[AccountPlan | None] = relationship()
    account: Mapped[Account | None] = relationship()


class RideAlongCall(Base):
    """One call of the day as the manager captured it right after: the account, the
    competencies observed with a rating each, and a line of evidence."""

    __tablename__ = "ride_along_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made on the phone: a call captured offline and replayed is stored once.
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    ride_id: Mapped[int] = mapped_column(
        ForeignKey("planned_ride_alongs.id", ondelete="CASCADE"), index=True
    )
    stop_id: Mapped[int | None] = mapped_column(
        ForeignKey("ride_along_stops.id", ondelete="SET NULL")
    )
    # The account as it was named when captured (a stop may be renamed or removed later).
    account_name: Mapped[str] = mapped_column(String(160))
    # [{"competency_id", "score"}] on the ride's guide version, scores 1-4.
    ratings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    evidence: Mapped[str] = mapped_column(Text, default="")
    # When the call was captured on the phone (it may reach the server later).
    captured_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    ride: Mapped[PlannedRideAlong] = relationship(back_populates="calls")
    stop: Mapped[RideAlongStop | None] = relationship()
