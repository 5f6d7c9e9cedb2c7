"""Planned ride-alongs and their calendar files (RFC 5545)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from coachapp import audit, policy
from coachapp.coaching import ride_alongs
from coachapp.db import utcnow
from coachapp.errors import InvalidInput, NotFound, PermissionDenied
from coachapp.models import PlannedRideAlong, Role, User

HORIZON_DAYS = 365


def plan_ride_along(
    db: Session,
    manager: User,
    rep_id: int,
    day: dt.date,
    today: dt.date,
    plan_id: int | None = None,
    note: str = "",
) -> PlannedRideAlong:
    if manager.role != Role.MANAGER:
        raise PermissionDenied("Ride-alongs are planned by a rep's manager.")
    rep = db.get(User, rep_id)
    if rep is None or rep.manager_id != manager.id or not rep.active:
        raise NotFound()
    if day < today or day > today + dt.timedelta(days=HORIZON_DAYS):
        raise InvalidInput(
            "Pick a day from today to a year ahead.", {"day": ["From today to a year ahead."]}
        )
    if plan_id is not None:
        plan = policy.plan_or_404(db, manager, plan_id)
        if plan.owner_id != rep.id and all(m.user_id != rep.id for m in plan.team):
            raise InvalidInput("Choose one of the rep's plans.", {"plan_id": ["Not the rep's."]})
    ride = PlannedRideAlong(
        manager_id=manager.id, rep_id=rep.id, plan_id=plan_id, day=day, note=note.strip()[:500]
    )
    db.add(ride)
    db.flush()
    audit.record(db, manager, "ride_along.plan", "user", rep.id, day=day.isoformat())
    db.commit()
    return ride


def upcoming(db: Session, viewer: User, rep: User, today: dt.date) -> Sequence[PlannedRideAlong]:
    """Planned ride-alongs with this rep that the viewer takes part in (manager or rep)."""
    return db.scalars(
        select(PlannedRideAlong)
        .where(
            PlannedRideAlong.rep_id == rep.id,
            PlannedRideAlong.day >= today,
            PlannedRideAlong.cancelled_at.is_(None),
            or_(PlannedRideAlong.manager_id == viewer.id, PlannedRideAlong.rep_id == viewer.id),
        )
        .options(joinedload(PlannedRideAlong.plan))
        .order_by(PlannedRideAlong.day)
        .limit(5)
    ).all()


def cancel(db: Session, viewer: User, ride_id: int) -> PlannedRideAlong:
    """The manager cancels a planned ride-along (anyone else: not found); the ride."""
    ride = ride_alongs.get_ride(db, viewer, ride_id)
    if ride.manager_id != viewer.id:
        raise NotFound()
    ride.cancelled_at = utcnow()
    audit.record(db, viewer, "ride_along.cancel", "user", ride.rep_id)
    db.commit()
    return ride


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[bytes] = []
    current = b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current)
            current = b""
        current += piece
    parts.append(current)
    return "\r\n ".join(part.decode() for part in parts)


def ics(ride: PlannedRideAlong, prepare_url: str) -> str:
    """An all-day event; the description carries only a link (the details need sign-in)."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    summary = f"Ride-along: {ride.rep.name}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Coachapp//Ride-alongs//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{ride.uid}@coachapp",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{ride.day.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(ride.day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape('Prepare from the account plan: ' + prepare_url)}",
        f"URL:{prepare_url}",
        "STATUS:CANCELLED" if ride.cancelled_at else "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
