"""A planned ride-along's calendar file says what was planned and nothing else, whatever a
name holds."""

from __future__ import annotations

import datetime as dt

import icalendar
from sqlalchemy import update
from sqlalchemy.orm import Session

from coachapp.models import PlannedRideAlong, User
from tests.builders import Org
from tests.conftest import HttpsClient

INJECTED_NAME = "Mei\rATTENDEE:mailto:evil@example.com"
EVENT_PROPERTIES = {
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "DESCRIPTION",
    "URL",
    "STATUS",
}


def plan_ride(db: Session, org: Org) -> PlannedRideAlong:
    ride = PlannedRideAlong(
        manager_id=org.people["manager"].id,
        rep_id=org.people["rep"].id,
        day=dt.date.today() + dt.timedelta(days=3),
    )
    db.add(ride)
    db.commit()
    return ride


def events_of(body: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


def test_a_line_break_stored_in_a_name_adds_nothing_to_the_managers_calendar(
    db: Session, org: Org, login_as: object
) -> None:
    # A name stored before names were checked (inserted directly, past every form).
    rep = org.people["rep"]
    db.execute(update(User).where(User.id == rep.id).values(name=INJECTED_NAME))
    ride = plan_ride(db, org)
    client: HttpsClient = login_as("manager")  # type: ignore[operator]

    response = client.get(f"/ride-alongs/{ride.id}.ics")

    assert response.status_code == 200
    body = response.get_data()
    assert b"\rATTENDEE" not in body and b"\nATTENDEE" not in body
    (event,) = events_of(body)
    assert set(event.keys()) == EVENT_PROPERTIES
    assert "ATTENDEE" not in event
    assert str(event["SUMMARY"]) == "Ride-along: Mei ATTENDEE:mailto:evil@example.com"
    assert event.decoded("DTSTART") == ride.day


def test_long_names_are_folded_and_read_back_whole(db: Session, org: Org, login_as: object) -> None:
    rep = org.people["rep"]
    name = "Maria-Consuelo de la Fuente y Álvarez de Toledo, Ph.D.; Key Accounts \\ West" * 2
    db.execute(update(User).where(User.id == rep.id).values(name=name[:120]))
    ride = plan_ride(db, org)
    client: HttpsClient = login_as("rep")  # type: ignore[operator]

    body = client.get(f"/ride-alongs/{ride.id}.ics").get_data()

    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    (event,) = events_of(body)
    assert str(event["SUMMARY"]) == f"Ride-along: {name[:120]}"
