"""Nudges by email (coachapp.nudges.email), sent by the worker to a real SMTP server: a daily
digest by default, a shared note right away, each as it comes for who asks, none for who
turns it off; muted kinds, quiet hours and the daily cap as for push; each notification once,
none already read, no names or note words in a mail; its link opens the page after sign-in."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.models import MailMessage, Notification, NotificationPreference, User
from coachapp.nudges.email import email_nudges
from coachapp.timezones import zone
from coachapp.worker import run_once
from tests.builders import Org, make_notification
from tests.conftest import HttpsClient, login
from tests.mail.conftest import LINK, Inbox

NEW_YORK = zone("America/New_York")
TODAY = dt.date.today()


def at(hour: int, minute: int = 0, day: dt.date = TODAY) -> dt.datetime:
    """A moment of the people's day (New York), in UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NEW_YORK).astimezone(dt.UTC)


@pytest.fixture
def base_url(app: Flask, db: Session, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> Inbox:
    """Mail to the SMTP server, links under https://localhost, and the org's own
    notifications (made as the test starts) read: each test emails those it makes."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://localhost")
    db.execute(update(Notification).values(read_at=utcnow()))
    db.commit()
    return inbox


def nudge(db: Session, person: User, kind: str, when: dt.datetime, **kw: Any) -> Notification:
    return make_notification(
        db,
        person,
        kind=kind,
        title=f"Riley Rep: {kind} about Mercy Health",
        body="PRIVATE-NOTE-MARKER",
        url="/follow-ups/7",
        created_at=when,
        not_before=when,
        **kw,
    )


def prefer(db: Session, person: User, **values: Any) -> None:
    stored = NotificationPreference(
        user_id=person.id, muted_kinds=[], daily_cap=10, email_mode="digest"
    )
    for name, value in values.items():
        setattr(stored, name, value)
    db.merge(stored)
    db.commit()


def emails(app: Flask, db: Session, now: dt.datetime) -> int:
    with app.app_context():
        return email_nudges(db, now)


def sent(app: Flask, inbox: Inbox, to: str) -> list[EmailMessage]:
    run_once(app, {"mail"})
    return inbox.to(to)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_daily_digest_of_what_is_unread_and_a_shared_note_right_away(
    app: Flask, db: Session, org: Org, base_url: Inbox
) -> None:
    rep = org.people["rep"]
    overdue = nudge(db, rep, "follow_up_overdue", at(5))
    due = nudge(db, rep, "follow_up_due", at(5, 30))
    shared = nudge(db, rep, "note_shared", at(6))
    db.commit()

    # 06:30 in New York: before the digest's hour, only the shared note goes, alone.
    assert emails(app, db, at(6, 30)) == 1
    [alone] = sent(app, base_url, rep.email)
    assert alone["Subject"] == "New coaching note from your manager"
    assert LINK.findall(text_of(alone)) == [
        "https://localhost/follow-ups/7",
        "https://localhost/me/notifications",
    ]
    # 07:00: the day's digest of the rest, once.
    assert emails(app, db, at(7, 5)) == 1
    assert emails(app, db, at(9)) == 0
    messages = sent(app, base_url, rep.email)
    assert len(messages) == 2
    digest = messages[1]
    assert digest["Subject"] == "Coachapp: 2 things waiting for you"
    body = text_of(digest)
    assert "A follow-up is overdue" in body and "A follow-up is due tomorrow" in body
    assert "https://localhost/follow-ups/7" in body
    assert "https://localhost/me/notifications" in body
    # What a push says and no more: no name, account or note words, in either part.
    for message in messages:
        whole = message.as_string()
        assert "Riley Rep:" not in whole and "Mercy" not in whole
        assert "PRIVATE-NOTE-MARKER" not in whole
    db.expire_all()
    assert all(db.get(Notification, n.id).emailed_at for n in (overdue, due, shared))  # type: ignore[union-attr]

    # The next day's digest has only what came since.
    tomorrow = TODAY + dt.timedelta(days=1)
    nudge(db, rep, "cadence_overdue", at(3, day=tomorrow))
    db.commit()
    assert emails(app, db, at(7, 0, day=tomorrow)) == 1
    newest = sent(app, base_url, rep.email)[-1]
    assert newest["Subject"] == "Coachapp: 1 thing waiting for you"


@pytest.mark.first_backend
def test_each_as_it_comes_within_the_daily_cap(
    app: Flask, db: Session, org: Org, base_url: Inbox
) -> None:
    rep = org.people["rep"]
    prefer(db, rep, email_mode="each", daily_cap=2)
    for hour in (1, 2, 3):
        nudge(db, rep, "follow_up_overdue", at(hour))
    db.commit()
    assert emails(app, db, at(4)) == 2
    assert emails(app, db, at(5)) == 0  # the cap holds for the rest of the day
    assert [m["Subject"] for m in sent(app, base_url, rep.email)] == [
        "A follow-up is overdue",
        "A follow-up is overdue",
    ]


@pytest.mark.first_backend
def test_off_muted_read_and_quiet_hours_send_nothing(
    app: Flask, db: Session, org: Org, base_url: Inbox
) -> None:
    rep, manager, rep2 = org.people["rep"], org.people["manager"], org.people["rep2"]
    prefer(db, rep, email_mode="off")
    prefer(db, manager, muted_kinds=["cadence_overdue"])
    prefer(db, rep2, quiet_start=dt.time(20, 0), quiet_end=dt.time(8, 0))
    nudge(db, rep, "note_shared", at(6))
    nudge(db, manager, "cadence_overdue", at(6))
    read = nudge(db, manager, "note_acknowledged", at(6))
    read.read_at = at(6, 30)
    security = nudge(db, manager, "account_security", at(6))
    quiet = nudge(db, rep2, "note_shared", at(6))
    db.commit()
    assert emails(app, db, at(7, 30)) == 1  # the manager's digest: account security only
    [digest] = sent(app, base_url, manager.email)
    assert "A change to your Coachapp account" in text_of(digest)
    assert "A rep replied" not in text_of(digest) and "due for coaching" not in text_of(digest)
    assert sent(app, base_url, rep.email) == [] and sent(app, base_url, rep2.email) == []
    # Quiet hours end at 08:00: then it goes.
    assert emails(app, db, at(8, 1)) == 1
    assert [m["Subject"] for m in sent(app, base_url, rep2.email)] == [
        "New coaching note from your manager"
    ]
    db.expire_all()
    assert db.get(Notification, security.id).emailed_at is not None  # type: ignore[union-attr]
    assert db.get(Notification, quiet.id).emailed_at is not None  # type: ignore[union-attr]


@pytest.mark.first_backend
def test_nothing_is_queued_without_smtp_or_for_old_news(
    app: Flask, db: Session, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = org.people["rep"]
    nudge(db, rep, "note_shared", at(6))
    db.commit()
    monkeypatch.setitem(app.config, "BASE_URL", "https://localhost")
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    assert emails(app, db, at(7)) == 0
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://127.0.0.1:1")
    # Four days later the news is too old to email.
    assert emails(app, db, at(7, day=TODAY + dt.timedelta(days=4))) == 0
    assert db.scalar(select(func.count()).select_from(MailMessage)) == 0


@pytest.mark.first_backend
def test_the_link_opens_the_page_after_sign_in(
    app: Flask, client: HttpsClient, db: Session, org: Org, base_url: Inbox
) -> None:
    rep = org.people["rep"]
    follow_up = org.follow_ups["rep_shared"]
    nudge(db, rep, "note_shared", at(6)).url = f"/follow-ups/{follow_up.id}"
    db.commit()
    emails(app, db, at(6, 30))
    [message] = sent(app, base_url, rep.email)
    link, settings = LINK.findall(text_of(message))
    assert link == f"https://localhost/follow-ups/{follow_up.id}"
    assert settings == "https://localhost/me/notifications"
    path = link.removeprefix("https://localhost")
    answer = client.get(path)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")
    login(client, rep.email)
    assert client.get(path).status_code == 200


@pytest.mark.first_backend
def test_the_email_choice_is_saved_and_checked_at_its_field(
    client: HttpsClient, db: Session, org: Org, login_as
) -> None:
    login_as("rep")
    page = client.get("/me/notifications").get_data(as_text=True)
    assert 'id="email-digest" name="email_mode" type="radio" value="digest" checked' in page
    form = {"email_mode": "each", "daily_cap": "10", "push": ["note_shared"]}
    assert client.post_form("/me/notifications", form).status_code == 302
    stored = db.get(NotificationPreference, org.people["rep"].id)
    assert stored is not None and stored.email_mode == "each"
    refused = client.post_form("/me/notifications", {**form, "email_mode": "pigeon"})
    assert refused.status_code == 422
    assert "Choose how you want email." in refused.get_data(as_text=True)
