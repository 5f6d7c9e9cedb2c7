"""A shared coach-the-coach note reaches the manager's Inbox always, and their phone unless
they switched that kind off: the push carries a title and a link, nothing of the note."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coach_notes import service as coach_notes
from coachapp.db import utcnow
from coachapp.models import Notification, NotificationStatus
from coachapp.nudges.delivery import PushSettings
from coachapp.nudges.kinds import MUTABLE_KINDS
from tests.builders import Org
from tests.nudges import test_delivery as delivery
from tests.nudges.test_delivery import add_device, fresh, send, set_preferences
from tests.push_service import PushService

# Services called directly write notifications, whose links need the app.
pytestmark = pytest.mark.usefixtures("app_context")

# The delivery tests' fixtures: a VAPID key pair, the app allowed to push to the local
# push service, and that service.
vapid_keys = delivery.vapid_keys
push_app = delivery.push_app
settings = delivery.settings
service = delivery.service


def shared_to_manager(db: Session, org: Org) -> Notification:
    note = org.coach_notes["draft"]
    coach_notes.share_note(db, org.people["director"], note.id)
    return db.scalars(
        select(Notification).where(Notification.dedupe_key == f"coach_note_shared:{note.id}")
    ).one()


def test_the_manager_gets_a_push_without_the_notes_text(
    db: Session, org: Org, service: PushService, settings: PushSettings
) -> None:
    manager = org.people["manager"]
    add_device(db, manager, service, "phone")
    db.commit()
    notification = shared_to_manager(db, org)
    send(db, settings, utcnow())
    assert service.delivered[notification.id] == 1
    # (The test organisation has another notification pending for the manager.)
    [received] = [r for r in service.to("phone") if r.notification_id == notification.id]
    assert received.payload is not None
    assert received.payload["kind"] == "coach_note_shared"
    assert received.payload["url"] == f"/coach-the-coach/{org.coach_notes['draft'].id}"
    sent = json.dumps(received.payload)
    for text in (org.coach_notes["draft"].situation, "car park", "rate the call"):
        assert text not in sent


def test_a_manager_who_switched_it_off_finds_it_in_the_inbox_only(
    db: Session, org: Org, service: PushService, settings: PushSettings
) -> None:
    assert {"coach_note_shared", "coach_note_acknowledged"} <= set(MUTABLE_KINDS)
    manager = org.people["manager"]
    add_device(db, manager, service, "phone")
    set_preferences(db, manager, muted_kinds=["coach_note_shared"])
    notification = shared_to_manager(db, org)
    send(db, settings, utcnow())
    assert service.delivered[notification.id] == 0
    fresh(db, notification)
    assert notification.status == NotificationStatus.SENT and notification.push_count == 0
