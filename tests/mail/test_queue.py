"""The mail queue on both databases: the worker's mail step sends what is due to a real SMTP
server, once; a temporary failure is tried again later, a permanent one given up; a claim's
lease keeps a second worker off a message and fences a worker that outlived it."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.mail import queue
from coachapp.mail.queue import MailSettings, claim, enqueue
from coachapp.models import MailMessage, MailStatus
from coachapp.worker import run_once
from tests.builders import Org, make_user
from tests.mail.conftest import Inbox, free_port


def queued(app: Flask, db: Session, to: str = "sam@example.com", **kw: object) -> MailMessage:
    with app.app_context():
        values: dict[str, object] = {
            "kind": "test",
            "to_address": to,
            "subject": "Hello\r\nBcc: injected@example.com",
            "text": "Plain words.\nhttps://localhost/somewhere",
            "html": "<p>Plain words.</p>",
        }
        values.update(kw)
        message = enqueue(db, **values)  # type: ignore[arg-type]
        db.commit()
    return message


def row(db: Session, message: MailMessage) -> MailMessage:
    db.expire_all()
    found = db.get(MailMessage, message.id)
    assert found is not None
    return found


def test_the_mail_step_sends_what_is_due_once(app: Flask, db: Session, inbox: Inbox) -> None:
    user = make_user(db, email="sam@example.com")
    message = queued(app, db, recipient_id=user.id, secret=True)
    later = queued(app, db, to="kim@example.com", not_before=utcnow() + dt.timedelta(hours=1))

    report = run_once(app, {"mail"})
    assert report.counts["mail"] == 1
    assert len(inbox.messages) == 1
    sent = inbox.messages[0]
    assert sent["To"] == "sam@example.com"
    assert sent["From"] == "Coachapp <coachapp@example.com>"
    # A line break in a subject stays in the subject: no header is added through it.
    assert sent["Subject"] == "Hello Bcc: injected@example.com" and sent["Bcc"] is None
    assert sent["Message-ID"] == message.message_id
    assert sent["Auto-Submitted"] == "auto-generated"
    plain = sent.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert plain == "Plain words.\nhttps://localhost/somewhere\n"
    assert "<p>Plain words.</p>" in sent.get_body(("html",)).get_content()
    stored = row(db, message)
    assert stored.status == MailStatus.SENT and stored.sent_at is not None
    assert stored.attempts == 1 and stored.lease_token is None
    # A body that carried a sign-in link is not kept once sent.
    assert stored.body_text == "" and stored.body_html is None
    assert row(db, later).status == MailStatus.PENDING

    run_once(app, {"mail"})
    assert len(inbox.messages) == 1


def test_a_temporary_refusal_is_tried_again_later_and_sent_once(
    app: Flask, db: Session, inbox: Inbox
) -> None:
    message = queued(app, db)
    inbox.refuse_with = "451 4.3.0 Mailbox busy, try again later"
    run_once(app, {"mail"})
    stored = row(db, message)
    assert stored.status == MailStatus.FAILED and stored.attempts == 1
    assert stored.last_error is not None and stored.last_error.startswith("451")
    assert stored.next_attempt_at is not None and stored.next_attempt_at > utcnow()
    assert stored.body_text  # kept for the next try
    assert inbox.messages == []

    inbox.refuse_with = None
    run_once(app, {"mail"})  # before its time: left alone
    assert inbox.messages == [] and row(db, message).attempts == 1

    stored.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
    db.commit()
    run_once(app, {"mail"})
    run_once(app, {"mail"})
    assert len(inbox.messages) == 1
    stored = row(db, message)
    assert stored.status == MailStatus.SENT and stored.attempts == 2


def test_a_server_that_is_down_leaves_every_message_for_later(
    app: Flask, db: Session, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = queued(app, db), queued(app, db, to="kim@example.com")
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    report = run_once(app, {"mail"})
    assert report.ok and report.counts["mail"] == 0
    for message in (first, second):
        stored = row(db, message)
        assert stored.status == MailStatus.FAILED
        assert stored.last_error is not None and "cannot connect" in stored.last_error

    monkeypatch.setitem(app.config, "SMTP_URL", inbox.url)
    db.execute(
        MailMessage.__table__.update().values(next_attempt_at=utcnow() - dt.timedelta(seconds=1))
    )
    db.commit()
    run_once(app, {"mail"})
    assert sorted(m["To"] for m in inbox.messages) == ["kim@example.com", "sam@example.com"]


def test_a_permanent_refusal_is_recorded_and_given_up(
    app: Flask, db: Session, inbox: Inbox
) -> None:
    message = queued(app, db, secret=True)
    inbox.refuse_with = "550 5.1.1 No such mailbox"
    run_once(app, {"mail"})
    stored = row(db, message)
    assert stored.status == MailStatus.DEAD
    assert stored.last_error == "550 5.1.1 No such mailbox"
    assert stored.body_text == ""
    inbox.refuse_with = None
    stored.next_attempt_at = None
    db.commit()
    run_once(app, {"mail"})
    assert inbox.messages == []


def test_a_temporary_failure_is_given_up_after_the_last_attempt(
    app: Flask, db: Session, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    message = queued(app, db)
    inbox.refuse_with = "421 4.7.0 Try again later"
    for _ in range(2):
        run_once(app, {"mail"})
        stored = row(db, message)
        stored.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
        db.commit()
    assert row(db, message).status == MailStatus.DEAD
    assert row(db, message).attempts == 2


def test_backoff_doubles_up_to_its_cap() -> None:
    settings = MailSettings(url="smtp://x", mail_from="x", backoff_base=60, backoff_cap=600)
    waits = [queue.backoff(settings, attempt).total_seconds() for attempt in range(1, 6)]
    assert waits == [60, 120, 240, 480, 600]


def test_a_claimed_message_is_no_other_workers_until_its_lease_lapses(
    app: Flask, db: Session
) -> None:
    message = queued(app, db)
    settings = MailSettings(url="smtp://x", mail_from="x", lease_seconds=300)
    now = utcnow()
    (first,) = claim(db, settings, now)
    first_token = first.lease_token
    assert first.id == message.id and first.status == MailStatus.SENDING
    assert claim(db, settings, now + dt.timedelta(seconds=299)) == []
    # The first worker hung: after the lease another takes the message over.
    (second,) = claim(db, settings, now + dt.timedelta(seconds=301))
    assert second.id == message.id and second.attempts == 2
    assert second.lease_token != first_token
    # What the first worker then records is refused: the message is the second's.
    assert not queue._record(db, first, first_token or "", status=MailStatus.SENT)
    stored = row(db, message)
    assert stored.status == MailStatus.SENDING and stored.lease_token == second.lease_token


@pytest.mark.other_backends
def test_two_workers_claiming_at_once_never_take_the_same_message(app: Flask) -> None:
    """On PostgreSQL, with committed rows and a connection per worker (FOR UPDATE SKIP
    LOCKED): every message is claimed by exactly one of them. (SQLite runs one worker.)"""
    database = app.extensions["coachapp.db"]
    if database.engine.dialect.name != "postgresql":
        pytest.skip("concurrent workers are a PostgreSQL deployment")
    settings = MailSettings(url="smtp://x", mail_from="x", batch_size=7)
    with app.app_context(), database.sessionmaker() as setup:
        for n in range(40):
            enqueue(setup, kind="concurrency", to_address=f"p{n}@example.com",
                    subject="s", text="t")  # fmt: skip
        setup.commit()

    def worker(_: int) -> list[int]:
        taken: list[int] = []
        with database.sessionmaker() as own:
            while rows := claim(own, settings, utcnow()):
                taken += [r.id for r in rows]
        return taken

    try:
        with ThreadPoolExecutor(4) as pool:
            shares = list(pool.map(worker, range(4)))
        everything = [message_id for share in shares for message_id in share]
        assert len(everything) == 40 and len(set(everything)) == 40
        assert sum(1 for share in shares if share) >= 2
    finally:
        with database.sessionmaker() as cleanup:
            cleanup.execute(delete(MailMessage).where(MailMessage.kind == "concurrency"))
            cleanup.commit()
            assert not cleanup.scalars(select(MailMessage.id)).all()


@pytest.mark.first_backend
def test_the_admins_worker_page_shows_the_queue_and_what_was_given_up(
    app: Flask, db: Session, org: Org, login_as: Any, inbox: Inbox
) -> None:
    queued(app, db, kind="invitation")
    inbox.refuse_with = "550 5.1.1 No such mailbox"
    run_once(app, {"mail"})
    queued(app, db, kind="password_reset")
    page = login_as("admin").get("/admin/worker").get_data(as_text=True)
    section = page.split('id="mail-heading"')[1].split("</section>")[0]
    assert "<dt>Pending</dt><dd>1</dd>" in section and "<dt>Given up</dt><dd>1</dd>" in section
    assert "Invitation to sam@example.com" in section and "550 5.1.1 No such mailbox" in section


def test_an_address_no_email_can_carry_is_given_up_and_the_rest_is_sent(
    app: Flask, db: Session, inbox: Inbox
) -> None:
    broken = queued(app, db, to="not an address\r\n@example.com")
    fine = queued(app, db)
    run_once(app, {"mail"})
    assert row(db, broken).status == MailStatus.DEAD
    assert (row(db, broken).last_error or "").startswith("cannot be written as an email")
    assert row(db, fine).status == MailStatus.SENT
    assert [m["To"] for m in inbox.messages] == ["sam@example.com"]
