"""What is written for someone while they are not there, in their language: the inbox title
and body of a notification and its push's title; English for whoever left the language to
the browser, whatever language the person who acted reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching.service import share_note
from coachapp.models import Notification
from coachapp.nudges import rules
from coachapp.nudges.outbox import topic_for
from coachapp.timezones import local_today
from tests.builders import Org, make_follow_up
from tests.nudges import test_delivery as delivery
from tests.nudges.test_delivery import add_device
from tests.push_service import PushService

vapid_keys = delivery.vapid_keys
push_app = delivery.push_app
service = delivery.service
NOW = dt.datetime.now(dt.UTC)


def shared(db: Session, org: Org, app: Flask) -> tuple[Notification, int]:
    manager, draft = org.people["manager"], org.notes["draft"]
    with app.app_context():
        share_note(db, manager, draft.id)
    notification = db.scalars(
        select(Notification).where(Notification.dedupe_key == f"note_shared:{draft.id}")
    ).one()
    return notification, draft.id


def test_a_spanish_reader_gets_the_inbox_row_and_the_push_in_spanish(
    db: Session, org: Org, service: PushService, push_app: Flask
) -> None:
    rep = org.people["rep"]
    rep.language = "es"
    db.commit()
    add_device(db, rep, service, "rep-phone")
    notification, note_id = shared(db, org, push_app)
    assert notification.title.startswith("Nota de Morgan sobre ")
    assert notification.body == "Léela, califícate si quieres y confirma que la leíste."

    result = push_app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    [received] = [r for r in service.to("rep-phone") if r.notification_id == notification.id]
    assert received.payload == {
        "id": notification.id,
        "kind": "note_shared",
        "title": "Nueva nota de coaching de tu gerente",
        "url": f"/notes/{note_id}",
        "tag": topic_for(notification),
    }


def test_an_english_reader_is_written_to_in_english_whoever_acted(
    db: Session, org: Org, service: PushService, push_app: Flask
) -> None:
    org.people["manager"].language = "es"  # the one who shares reads Spanish
    db.commit()
    rep = org.people["rep"]
    add_device(db, rep, service, "rep-phone")
    with push_app.test_request_context(headers={"Accept-Language": "es"}):
        notification, _note_id = shared(db, org, push_app)
    assert notification.title.startswith("Note from Morgan about ")
    assert notification.body == "Read it, rate yourself if you like, and acknowledge it."
    push_app.test_cli_runner().invoke(args=["worker", "--once"])
    [received] = [r for r in service.to("rep-phone") if r.notification_id == notification.id]
    assert received.payload["title"] == "New coaching note from your manager"


@pytest.mark.usefixtures("app_context")
def test_the_nudge_rules_write_to_each_person_in_their_language(db: Session, org: Org) -> None:
    manager, rep = org.people["manager"], org.people["rep"]
    manager.language = "es"
    make_follow_up(db, rep, rep, due_date=local_today(rep.timezone, NOW) + dt.timedelta(days=1))
    db.commit()
    rules.evaluate(db, NOW)
    never = db.scalars(
        select(Notification).where(
            Notification.dedupe_key == f"cadence_overdue:{org.people['rep2'].id}:never"
        )
    ).one()
    assert never.title == f"A {org.people['rep2'].name} le toca coaching"
    assert never.body.startswith("Todavía sin coaching (objetivo: cada ")
    # The rep left the language to the browser: English, as before.
    (due,) = db.scalars(
        select(Notification).where(
            Notification.kind == "follow_up_due", Notification.recipient_id == rep.id
        )
    ).all()
    assert due.title.startswith("Follow-up due tomorrow: ") and due.body.startswith("Due ")


def test_a_test_notification_is_written_in_the_persons_language(
    db: Session, org: Org, reading_spanish: Any
) -> None:
    assert reading_spanish("rep").post_form("/me/notifications/test").status_code in (302, 303)
    row = db.scalars(
        select(Notification).where(
            Notification.kind == "test", Notification.recipient_id == org.people["rep"].id
        )
    ).one()
    assert row.title == "Notificación de prueba de Coachapp"
    assert row.body == "Las notificaciones llegan a esta cuenta."
