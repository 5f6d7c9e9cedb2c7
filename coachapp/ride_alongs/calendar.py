"""Planned ride-alongs and their calendar files (RFC 5545)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import icalendar
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from coachapp import audit, policy
from coachapp.db import utcnow
from coachapp.errors import InvalidInput, NotFound, PermissionDenied
from coachapp.forms import check_length
from coachapp.languages import N_
from coachapp.models import PlannedRideAlong, Role, User
from coachapp.plain_text import one_line
from coachapp.ride_alongs import service
from coachapp.ride_alongs.schemas import NOTE_MAX

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
        raise PermissionDenied(N_("Ride-alongs are planned by a rep's manager."))
    rep = db.get(User, rep_id)
    if rep is None or rep.manager_id != manager.id or not rep.active:
        raise NotFound()
    if day < today or day > today + dt.timedelta(days=HORIZON_DAYS):
        raise InvalidInput(
            N_("Pick a day from today to a year ahead."),
            {"day": [N_("From today to a year ahead.")]},
        )
    if plan_id is not None:
        plan = policy.plan_or_404(db, manager, plan_id)
        if plan.owner_id != rep.id and all(m.user_id != rep.id for m in plan.team):
            raise InvalidInput(
                N_("Choose one of the rep's plans."), {"plan_id": [N_("Not the rep's.")]}
            )
    note = check_length(note.strip(), NOTE_MAX, "note")  # refused, never cut
    ride = PlannedRideAlong(
        manager_id=manager.id, rep_id=rep.id, plan_id=plan_id, day=day, note=note
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
    ride = service.get_ride(db, viewer, ride_id)
    if ride.manager_id != viewer.id:
        raise NotFound()
    ride.cancelled_at = utcnow()
    audit.record(db, viewer, "ride_along.cancel", "user", ride.rep_id)
    db.commit()
    return ride


def ics(ride: PlannedRideAlong, prepare_url: str) -> bytes:
    """An all-day event; the description carries only a link (the details need sign-in).

    Built with icalendar, which escapes text and folds long lines as RFC 5545 says, so that
    nothing stored in a name can end its line and start a property of its own. The summary
    is made one line first: a name stored before names were checked may hold a line break.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Coachapp//Ride-alongs//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"{ride.uid}@coachapp")
    event.add("dtstamp", utcnow())
    event.add("dtstart", ride.day)
    event.add("dtend", ride.day + dt.timedelta(days=1))
    event.add("summary", f"Ride-along: {one_line(ride.rep.name)}")
    event.add("description", f"Prepare from the account plan: {prepare_url}")
    event.add("url", prepare_url)
    event.add("status", "CANCELLED" if ride.cancelled_at else "CONFIRMED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
