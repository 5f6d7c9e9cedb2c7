"""The ride-along day: the accounts the rep plans to visit and the calls the manager captures."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.models.coaching import PlannedRideAlong
from coachapp.models.org import Account
from coachapp.models.plans import AccountPlan


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
