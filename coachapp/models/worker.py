"""The background worker's heartbeat: when each worker last finished a round, and its jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from coachapp.db import Base, utcnow


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    # "host:pid": a restarted worker is a new row; rows not seen for a week are deleted.
    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_round_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    # Job name -> {"at": ISO time it last ran, "count": what it did then, "total": since
    # started, "failures": since started, "error": the last run's error or None}.
    jobs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
