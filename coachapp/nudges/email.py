"""Nudges by email, for the people whose phones never show a push (web push on an iPhone
needs the app on the home screen): the worker's `email_nudges` job, from the notifications
the inbox already holds.

Each person chooses under Notifications (NotificationPreference.email_mode):
- "digest" (the default): one email a day, at DIGEST_AT or later in their own time zone,
  listing what is still unread; a coaching note shared with them goes right away;
- "each": every nudge as it comes;
- "off": no email.
The push preferences hold for email too: a muted kind is not emailed (those nobody mutes,
account security, always are), nothing goes in quiet hours (it waits until they end), and
the daily cap counts emails as it counts pushes. Each notification is emailed at most once
(Notification.emailed_at, and the mail queue's dedupe key per notification and per digest
day), and one already read in the app is not emailed at all.

A mail sits on servers the company may not run, so it says no more than a push does: the
kind's generic title (coachapp.nudges.kinds) and a link to the exact page, which asks for
sign-in first when needed. Never a name, an account or a note's words. It is written in the
person's language (languages.writing_for).

Nothing is queued without SMTP_URL. Notifications older than LOOKBACK are never emailed:
turning email on does not send a week of old news.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.languages import gettext, ngettext, writing_for
from coachapp.links import path_for, site_url
from coachapp.mail.messages import render_mail
from coachapp.mail.queue import enqueue, mail_configured
from coachapp.models import MailMessage, Notification, NotificationPreference, User
from coachapp.nudges.kinds import ALWAYS_SENT_KINDS, kind_of
from coachapp.nudges.preferences import preferences_for, quiet_until, start_of_local_day
from coachapp.timezones import local_time

# Kinds a digest does not wait for.
RIGHT_AWAY = frozenset({"note_shared"})
NOT_EMAILED = frozenset({"test"})
DIGEST_AT = dt.time(7, 0)
LOOKBACK = dt.timedelta(days=3)
MAIL_KINDS = ("nudge", "nudge_digest")


@dataclass(frozen=True)
class Item:
    title: str
    link: str


def _link(base: str, path: str) -> str:
    return base.rstrip("/") + path if path.startswith("/") else path


def _emailed_today(db: Session, people: Sequence[User], now: dt.datetime) -> dict[int, int]:
    """Nudge emails queued for each person since the start of their own day."""
    since = min(start_of_local_day(p.timezone, now) for p in people)
    rows = db.execute(
        select(MailMessage.recipient_id, MailMessage.created_at).where(
            MailMessage.recipient_id.in_([p.id for p in people]),
            MailMessage.kind.in_(MAIL_KINDS),
            MailMessage.created_at >= since,
        )
    ).all()
    starts = {p.id: start_of_local_day(p.timezone, now) for p in people}
    counts: dict[int, int] = defaultdict(int)
    for recipient_id, created_at in rows:
        if recipient_id is not None and created_at >= starts[recipient_id]:
            counts[recipient_id] += 1
    return counts


def _wanted(prefs: NotificationPreference, notification: Notification) -> bool:
    if notification.kind in NOT_EMAILED:
        return False
    return notification.kind in ALWAYS_SENT_KINDS or notification.kind not in prefs.muted_kinds


def email_nudges(db: Session, now: dt.datetime | None = None) -> int:
    """Queues the nudge emails due now; how many emails were queued."""
    if not mail_configured():
        return 0
    now = now or utcnow()
    base = site_url()
    waiting = db.scalars(
        select(Notification)
        .join(User, User.id == Notification.recipient_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at >= now - LOOKBACK,
            Notification.not_before <= now,
            User.active.is_(True),
        )
        .order_by(Notification.recipient_id, Notification.created_at, Notification.id)
    ).all()
    if not waiting or not base:
        return 0
    by_person: dict[int, list[Notification]] = defaultdict(list)
    for notification in waiting:
        by_person[notification.recipient_id].append(notification)
    people = list(db.scalars(select(User).where(User.id.in_(by_person))))
    prefs = preferences_for(db, by_person)
    emailed = _emailed_today(db, people, now)
    queued = 0
    for person in people:
        mine = prefs[person.id]
        mode = mine.email_mode
        if mode == "off" or quiet_until(mine, person.timezone, now) is not None:
            continue
        wanted = [n for n in by_person[person.id] if _wanted(mine, n)]
        room = mine.daily_cap - emailed[person.id]
        alone = wanted if mode == "each" else [n for n in wanted if n.kind in RIGHT_AWAY]
        for notification in alone[: max(room, 0)]:
            _email_one(db, person, notification, base)
            notification.emailed_at = now
            queued += 1
            room -= 1
        rest = [n for n in wanted if n.emailed_at is None]
        local = local_time(now, person.timezone)
        digest_due = mode == "digest" and rest and room > 0 and local.time() >= DIGEST_AT
        if digest_due and _email_digest(db, person, rest, base, local.date()):
            queued += 1
            for notification in rest:
                notification.emailed_at = now
    db.commit()
    return queued


def _email_one(db: Session, person: User, notification: Notification, base: str) -> None:
    with writing_for(person):
        title = gettext(kind_of(notification.kind).push_title)
        item = Item(title, _link(base, notification.url))
        text, html = render_mail("nudge", person=person, items=[item], settings=_settings(base))
    enqueue(
        db,
        kind="nudge",
        to_address=person.email,
        subject=title,
        text=text,
        html=html,
        recipient_id=person.id,
        dedupe_key=f"nudge:{notification.id}",
    )


def _email_digest(
    db: Session, person: User, notifications: Sequence[Notification], base: str, day: dt.date
) -> bool:
    """One digest per person and local day; False when today's went already."""
    key = f"nudge-digest:{person.id}:{day.isoformat()}"
    if db.scalar(select(func.count()).where(MailMessage.dedupe_key == key)):
        return False
    with writing_for(person):
        items = [
            Item(gettext(kind_of(n.kind).push_title), _link(base, n.url)) for n in notifications
        ]
        subject = ngettext(
            "Coachapp: %(num)d thing waiting for you",
            "Coachapp: %(num)d things waiting for you",
            len(items),
        )
        text, html = render_mail("nudge", person=person, items=items, settings=_settings(base))
    enqueue(
        db,
        kind="nudge_digest",
        to_address=person.email,
        subject=subject,
        text=text,
        html=html,
        recipient_id=person.id,
        dedupe_key=key,
    )
    return True


def _settings(base: str) -> str:
    return _link(base, path_for("nudges.settings"))
