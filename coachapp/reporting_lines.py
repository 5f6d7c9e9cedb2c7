"""Reporting lines: who someone reports to, and since when.

A person's manager changes here and nowhere else: the people pages, the org import, the
create-user command and the demo seed all call change_manager, which keeps the history a
former manager's access is judged by (coachapp.policy, "A team move"). A flush that changes
users.manager_id without it is refused (coachapp.models.org).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from coachapp import audit
from coachapp.db import utcnow
from coachapp.models import PlannedRideAlong, ReportingLine, User
from coachapp.policy import chain_above


def change_manager(
    db: Session,
    person: User,
    manager_id: int | None,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
) -> bool:
    """Makes `person` report to `manager_id` (None: to nobody) from `at` (now by default), in
    the caller's transaction; True when their manager changed.

    The current line ends and the new one starts at the same moment. A line never recorded
    (someone added before the history was kept) is recorded as it ends, from the day the
    person was added. The former manager's ride-alongs with the person that have not happened
    yet are cancelled: they no longer plan or run ride-alongs with them.
    """
    now = at or utcnow()
    if person.id is None:
        db.flush()
    current = db.scalars(
        select(ReportingLine).where(
            ReportingLine.user_id == person.id, ReportingLine.ended_at.is_(None)
        )
    ).first()
    former = person.manager_id
    if former == manager_id:
        if manager_id is not None and current is None:
            # The line holds but was never written down: record it, unchanged.
            db.add(ReportingLine(user_id=person.id, manager_id=manager_id, started_at=now))
        return False
    if current is not None:
        current.ended_at = max(now, current.started_at)
        if manager_id is not None:
            db.flush()  # the line that ends is written before the one that starts
    if former is not None and (current is None or current.manager_id != former):
        db.add(
            ReportingLine(
                user_id=person.id,
                manager_id=former,
                started_at=min(person.created_at or now, now),
                ended_at=now,
            )
        )
    if manager_id is not None:
        db.add(ReportingLine(user_id=person.id, manager_id=manager_id, started_at=now))
    person.manager_id = manager_id
    db.flush()
    db.expire(person, ["manager"])
    if former is not None:
        _cancel_rides_to_come(db, actor, person, former, now)
    return True


def _cancel_rides_to_come(
    db: Session, actor: User | None, person: User, former_manager_id: int, now: dt.datetime
) -> None:
    rides = db.scalars(
        select(PlannedRideAlong).where(
            PlannedRideAlong.manager_id == former_manager_id,
            PlannedRideAlong.rep_id == person.id,
            PlannedRideAlong.cancelled_at.is_(None),
            PlannedRideAlong.session_id.is_(None),
            PlannedRideAlong.day >= now.date(),
        )
    ).all()
    for ride in rides:
        ride.cancelled_at = now
        audit.record(
            db, actor, "ride_along.cancel", "user", person.id,
            day=ride.day.isoformat(), reason="team_move",
        )  # fmt: skip


def start_lines(db: Session, people: Iterable[User]) -> None:
    """The lines of people just added with their manager, each as it started the day they
    joined (created_at), in one INSERT: what change_manager records for a new person, for the
    demo seed's thousands of people, written without the session's unit of work."""
    rows = [
        {"user_id": person.id, "manager_id": person.manager_id, "started_at": person.created_at}
        for person in people
        if person.manager_id is not None
    ]
    if rows:
        db.execute(insert(ReportingLine), rows)


def lines_of(db: Session, person_id: int) -> list[ReportingLine]:
    """The person's reporting lines, oldest first."""
    return list(
        db.scalars(
            select(ReportingLine)
            .where(ReportingLine.user_id == person_id)
            .order_by(ReportingLine.started_at, ReportingLine.id)
        ).all()
    )


def managers_above(db: Session, person: User) -> list[User]:
    """The person's manager, that manager's manager and so on to the top, nearest first, in
    one query however deep the line."""
    chain = chain_above(person.id)
    return list(db.scalars(select(User).join(chain, User.id == chain.c.id).order_by(chain.c.depth)))
