"""Calendar feeds: made and turned off under Me, read by calendar apps without a session.

The address's secret is the only credential (a calendar app cannot sign in), so it is made
like an API token: 32 random bytes, shown once, only its SHA-256 kept. A person has at most
one live address; making a new one ends the one before, and so does turning it off. An
address stops answering (404, as for one never made) once its person is deactivated.

What the feed holds is the person's own diary, read with the same scope rules as the pages:
- planned ride-alongs they take part in (manager or rep), named by the other one, from a
  month back to a year ahead, a cancelled one kept as CANCELLED for a month so that
  calendars drop it;
- follow-ups they own that are still open, due from a month back to a year ahead, only
  those out of draft or on a draft they wrote (policy.follow_up_open_to);
- account-team reviews they ran or took part in, held in the last 90 days.

A calendar app keeps its copy on a server the company does not run, so an entry says no
more than a push title does: a follow-up is "Follow-up due" with its link, never its title;
a ride-along names the other person (as its calendar file names the rep); a review names
the account.
Every entry is a whole day in the person's own calendar: the day stored is the day shown,
in whatever zone the calendar app is set to.
"""

from __future__ import annotations

import datetime as dt
import secrets

import icalendar
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload

from coachapp import account_events, policy
from coachapp.auth.service import token_digest
from coachapp.db import utcnow
from coachapp.links import external_url
from coachapp.models import (
    AccountReview,
    CalendarFeed,
    FollowUp,
    FollowUpStatus,
    PlannedRideAlong,
    ReviewParticipant,
    User,
)
from coachapp.plain_text import one_line
from coachapp.timezones import local_today

PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=365)
REVIEWS_PAST = dt.timedelta(days=90)
# How often a calendar app is asked to read the feed again (most read it less often anyway).
REFRESH = dt.timedelta(hours=1)


def live_feed(db: Session, user: User) -> CalendarFeed | None:
    return db.scalars(
        select(CalendarFeed).where(
            CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)
        )
    ).first()


def _end_live_feeds(db: Session, user: User) -> int:
    ended = db.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]


def start_feed(db: Session, user: User) -> str:
    """A new address for the person's calendar (the one before stops answering); its
    secret, which is not kept and so cannot be shown again."""
    secret = secrets.token_urlsafe(32)
    replaced = _end_live_feeds(db, user)
    db.add(CalendarFeed(user_id=user.id, token_hash=token_digest(secret)))
    account_events.record(db, user, user, "user.calendar_feed_start", replaced=replaced)
    db.commit()
    return secret


def stop_feed(db: Session, user: User) -> bool:
    """Turns the person's address off; False when there was none."""
    if not _end_live_feeds(db, user):
        return False
    account_events.record(db, user, user, "user.calendar_feed_stop")
    db.commit()
    return True


def person_of_feed(db: Session, secret: str) -> User | None:
    """The active person whose live address this is, or None."""
    if not secret or len(secret) > 200:
        return None
    feed = db.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.token_hash == token_digest(secret), CalendarFeed.revoked_at.is_(None))
        .options(joinedload(CalendarFeed.user))
    ).first()
    if feed is None or not feed.user.active:
        return None
    return feed.user


def _ride_alongs(db: Session, person: User, today: dt.date) -> list[PlannedRideAlong]:
    return list(
        db.scalars(
            policy.visible_ride_alongs(person)
            .where(
                or_(
                    PlannedRideAlong.manager_id == person.id,
                    PlannedRideAlong.rep_id == person.id,
                ),
                PlannedRideAlong.day >= today - PAST,
                PlannedRideAlong.day <= today + AHEAD,
            )
            .options(joinedload(PlannedRideAlong.rep), joinedload(PlannedRideAlong.manager))
            .order_by(PlannedRideAlong.day, PlannedRideAlong.id)
        )
    )


def _follow_ups(db: Session, person: User, today: dt.date) -> list[FollowUp]:
    return list(
        db.scalars(
            select(FollowUp)
            .where(
                FollowUp.owner_id == person.id,
                FollowUp.status == FollowUpStatus.OPEN,
                FollowUp.due_date >= today - PAST,
                FollowUp.due_date <= today + AHEAD,
                policy.follow_up_open_to(person.id),
                policy.follow_ups_scope(person),
            )
            .order_by(FollowUp.due_date, FollowUp.id)
        )
    )


def _reviews(db: Session, person: User, today: dt.date) -> list[AccountReview]:
    took_part = select(ReviewParticipant.review_id).where(ReviewParticipant.user_id == person.id)
    return list(
        db.scalars(
            policy.visible_reviews(person)
            .where(
                or_(AccountReview.author_id == person.id, AccountReview.id.in_(took_part)),
                AccountReview.held_on >= today - REVIEWS_PAST,
            )
            .options(joinedload(AccountReview.account))
            .order_by(AccountReview.held_on, AccountReview.id)
        )
    )


def _day_event(
    uid: str, day: dt.date, summary: str, url: str, stamp: dt.datetime
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", f"Open in Coachapp: {url}")
    event.add("url", url)
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: the day stays free
    return event


def feed_ics(db: Session, person: User, now: dt.datetime | None = None) -> bytes:
    """The person's calendar as of now, as an iCalendar file."""
    now = now or utcnow()
    today = local_today(person.timezone, now)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Coachapp//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Coachapp")
    calendar.add("x-wr-timezone", person.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for ride in _ride_alongs(db, person, today):
        if ride.cancelled_at is not None and ride.cancelled_at < now - PAST:
            continue
        other = ride.manager if ride.rep_id == person.id else ride.rep
        event = _day_event(
            f"{ride.uid}@coachapp",
            ride.day,
            f"Ride-along: {one_line(other.name)}",
            external_url("ride_alongs.day", ride_id=ride.id),
            now,
        )
        event.add("status", "CANCELLED" if ride.cancelled_at else "CONFIRMED")
        calendar.add_component(event)
    for follow_up in _follow_ups(db, person, today):
        calendar.add_component(
            _day_event(
                f"follow-up-{follow_up.id}@coachapp",
                follow_up.due_date,
                "Follow-up due",
                external_url("coaching.follow_up", follow_up_id=follow_up.id),
                now,
            )
        )
    for review in _reviews(db, person, today):
        calendar.add_component(
            _day_event(
                f"review-{review.id}@coachapp",
                review.held_on,
                f"Account review: {one_line(review.account.name)}",
                external_url("reviews.show", review_id=review.id),
                now,
            )
        )
    return bytes(calendar.to_ical())
