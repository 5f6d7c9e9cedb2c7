"""A person's calendar feed: made under Me and shown once, read by a calendar app with the
address alone, listing the person's own ride-alongs, reviews and follow-ups due (as the pages'
scope rules allow, no coaching content), ended by a new address, by turning it off and by
deactivation; the secret never reaches the request log."""

from __future__ import annotations

import datetime as dt
import logging
import re

import icalendar
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.calendar_feed import service
from coachapp.db import utcnow
from coachapp.models import Account, PlannedRideAlong
from coachapp.reviews.schemas import review_create_schema
from coachapp.reviews.service import create_review
from tests.builders import Lines, Org, make_follow_up
from tests.conftest import HttpsClient, signed_in
from tests.reviews.conftest import review_body

ADDRESS = re.compile(r'id="calendar-address" type="url" value="(https://localhost/calendar/[^"]+)"')


def subscribe(client: HttpsClient) -> str:
    """Makes an address as the signed-in person; the address the answer shows."""
    response = client.post_form("/me/calendar-feed")
    assert response.status_code == 200, response.get_data(as_text=True)
    found = ADDRESS.search(response.get_data(as_text=True))
    assert found, "the address is shown on the answer"
    return found.group(1)


def read(app: Flask, address: str, status: int = 200) -> icalendar.Calendar | None:
    """The feed as a calendar app reads it: no cookie, no session."""
    response = app.test_client().get(address)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status != 200:
        return None
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Set-Cookie" not in response.headers
    return icalendar.Calendar.from_ical(response.data)


def events(calendar: icalendar.Calendar | None) -> dict[str, icalendar.Event]:
    assert calendar is not None
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def plan_ride(db: Session, org: Org, days: int = 3) -> PlannedRideAlong:
    ride = PlannedRideAlong(
        manager_id=org.people["manager"].id,
        rep_id=org.people["rep"].id,
        day=dt.date.today() + dt.timedelta(days=days),
    )
    db.add(ride)
    db.commit()
    return ride


def test_the_rep_subscribes_and_reads_their_own_diary_only(
    app: Flask, db: Session, org: Org, login_as
) -> None:
    ride = plan_ride(db, org)
    shared, draft = org.follow_ups["rep_shared"], org.follow_ups["rep_draft"]
    client = login_as("rep")
    address = subscribe(client)

    found = events(read(app, address))
    assert set(found) == {f"{ride.uid}@coachapp", f"follow-up-{shared.id}@coachapp"}
    ride_event = found[f"{ride.uid}@coachapp"]
    assert str(ride_event["SUMMARY"]) == "Ride-along: Morgan Manager"  # named by the other one
    assert ride_event.decoded("DTSTART") == ride.day
    assert str(ride_event["STATUS"]) == "CONFIRMED"
    assert str(ride_event["URL"]) == f"https://localhost/ride-alongs/{ride.id}"
    due = found[f"follow-up-{shared.id}@coachapp"]
    # What a push title says and no more: never the follow-up's words.
    assert str(due["SUMMARY"]) == "Follow-up due"
    assert due.decoded("DTSTART") == shared.due_date
    body = app.test_client().get(address).get_data(as_text=True)
    assert shared.title not in body and "PRIVATE-NOTE-MARKER" not in body

    # The draft's follow-up stays with the draft's author; the manager's own feed has the
    # ride-along (named by the rep) and no follow-up of the rep's.
    assert f"follow-up-{draft.id}@coachapp" not in found
    manager = signed_in(app, org, "manager")
    manager_feed = events(read(app, subscribe(manager)))
    assert set(manager_feed) == {f"{ride.uid}@coachapp"}
    assert str(manager_feed[f"{ride.uid}@coachapp"]["SUMMARY"]) == "Ride-along: Riley Rep"


@pytest.mark.first_backend
def test_shown_once_then_only_said_to_exist(app: Flask, org: Org, login_as) -> None:
    client = login_as("rep")
    address = subscribe(client)
    page = client.get("/me").get_data(as_text=True)
    assert address not in page and address.rsplit("/", 1)[1] not in page
    assert "Your calendar subscribes to an address made on" in page
    assert "Turn off calendar address" in page
    # Told under Me's security events, as something done signed in as them.
    assert "A calendar address was made for your diary in Coachapp, signed in as you" in page


@pytest.mark.first_backend
def test_a_new_address_ends_the_old_one_and_turning_off_ends_it(
    app: Flask, org: Org, login_as
) -> None:
    client = login_as("rep")
    first = subscribe(client)
    second = subscribe(client)
    assert first != second
    read(app, first, 404)
    read(app, second)
    response = client.post_form("/me/calendar-feed/stop")
    assert response.status_code == 302
    read(app, second, 404)
    page = client.get("/me").get_data(as_text=True)
    assert "Subscribe in my calendar" in page
    assert "Your calendar address was turned off, signed in as you" in page
    assert "A new calendar address was made" in page
    # Nothing to turn off: nothing said, nothing recorded.
    assert client.post_form("/me/calendar-feed/stop").status_code == 302
    read(app, "/calendar/" + "x" * 300 + ".ics", 404)


@pytest.mark.first_backend
def test_a_deactivated_persons_address_stops_answering(
    app: Flask, db: Session, org: Org, login_as
) -> None:
    address = subscribe(login_as("rep"))
    org.people["rep"].active = False
    db.commit()
    read(app, address, 404)


@pytest.mark.first_backend
def test_a_cancelled_ride_along_stays_a_month_as_cancelled(
    app: Flask, db: Session, org: Org, login_as
) -> None:
    ride = plan_ride(db, org)
    address = subscribe(login_as("manager"))
    ride.cancelled_at = utcnow()
    db.commit()
    assert str(events(read(app, address))[f"{ride.uid}@coachapp"]["STATUS"]) == "CANCELLED"
    ride.cancelled_at = utcnow() - dt.timedelta(days=31)
    db.commit()
    assert f"{ride.uid}@coachapp" not in events(read(app, address))


@pytest.mark.first_backend
def test_the_day_stored_is_the_day_shown_in_any_time_zone(
    app: Flask, db: Session, org: Org
) -> None:
    """A follow-up due on a day is an all-day entry on that day (VALUE=DATE, no time, no
    zone to shift it), and "today" for the feed's window is the person's own: at 11:30 UTC
    on 1 March it is already 2 March in Auckland."""
    rep = org.people["rep"]
    rep.timezone = "Pacific/Auckland"
    now = dt.datetime(2027, 3, 1, 11, 30, tzinfo=dt.UTC)
    kept = make_follow_up(db, rep, org.people["manager"], due_date=dt.date(2027, 1, 31))
    gone = make_follow_up(db, rep, org.people["manager"], due_date=dt.date(2027, 1, 30))
    db.commit()
    with app.test_request_context(base_url="https://localhost"):
        calendar = icalendar.Calendar.from_ical(service.feed_ics(db, rep, now=now))
    assert str(calendar["X-WR-TIMEZONE"]) == "Pacific/Auckland"
    found = events(calendar)
    entry = found[f"follow-up-{kept.id}@coachapp"]
    assert entry.decoded("DTSTART") == dt.date(2027, 1, 31)
    assert entry.decoded("DTEND") == dt.date(2027, 2, 1)
    assert "VALUE=DATE" in entry.to_ical().decode()
    # 30 days back from the person's 2 March is 31 January: the 30th is out of the window.
    assert f"follow-up-{gone.id}@coachapp" not in found
    assert entry.decoded("DTSTAMP") == now


@pytest.mark.first_backend
def test_reviews_taken_part_in_and_their_agreements(app: Flask, db: Session, lines: Lines) -> None:
    people = lines.people
    account = db.scalars(select(Account).where(policy.accounts_scope(people["rep"]))).one()
    body = review_body(account, lines)
    # The MSL's agreement due in ten days; the other's in 2099, past the feed's year ahead.
    body["agreements"][0]["due_date"] = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    with app.test_request_context(base_url="https://localhost"):
        review, _created = create_review(
            db, people["sales_manager"], review_create_schema.load(body)
        )
    msl = people["msl"]
    with app.test_request_context(base_url="https://localhost"):
        found = events(icalendar.Calendar.from_ical(service.feed_ics(db, msl)))
        director = events(icalendar.Calendar.from_ical(service.feed_ics(db, people["director"])))
    entry = found[f"review-{review.id}@coachapp"]
    assert str(entry["SUMMARY"]) == f"Account review: {account.name}"
    assert entry.decoded("DTSTART") == review.held_on
    agreement = next(a for a in review.agreements if a.owner_id == msl.id)
    agreement_uid = f"follow-up-{agreement.id}@coachapp"
    assert str(found[agreement_uid]["SUMMARY"]) == "Follow-up due"
    assert director == {}  # not on the review, and nothing of their own
    assert not any(uid.startswith("follow-up-") for uid in set(found) - {agreement_uid})


@pytest.mark.first_backend
def test_the_request_log_never_writes_the_secret(
    app: Flask, org: Org, login_as, caplog: pytest.LogCaptureFixture
) -> None:
    address = subscribe(login_as("rep"))
    secret = address.rsplit("/", 1)[1].removesuffix(".ics")
    with caplog.at_level(logging.INFO, logger="coachapp.request"):
        read(app, address)
        read(app, "/calendar/not-a-feed.ics", 404)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert '"path":"/calendar/<token>.ics"' in logged
    assert secret not in logged and "not-a-feed" not in logged


@pytest.mark.first_backend
def test_calendar_apps_are_told_how_often_to_read_it_again(app: Flask, org: Org, login_as) -> None:
    calendar = read(app, subscribe(login_as("rep")))
    assert calendar is not None
    assert calendar.to_ical().decode().count("PT1H") == 2  # REFRESH-INTERVAL, X-PUBLISHED-TTL
    assert str(calendar["X-WR-CALNAME"]) == "Coachapp"
