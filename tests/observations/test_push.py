"""An observation reaches the subject's line manager: always in the Inbox, on their phone unless
they switched that kind off (quiet hours and the daily cap apply as to every kind:
tests/nudges); the push carries a title and a link,
nothing of what was observed, and the link opens the observation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.models import Account, GuideVersion, Notification, NotificationStatus, Observation
from coachapp.nudges.delivery import PushSettings
from coachapp.nudges.kinds import KINDS, MUTABLE_KINDS
from coachapp.observations import service as observations
from tests.builders import Lines
from tests.nudges import test_delivery as delivery
from tests.nudges.test_delivery import add_device, fresh, send, set_preferences
from tests.observations.conftest import A_3C, SEEN, body, competency
from tests.push_service import PushService

# Services called directly write notifications, whose links need the app.
pytestmark = pytest.mark.usefixtures("app_context", "guide")

vapid_keys = delivery.vapid_keys
push_app = delivery.push_app
settings = delivery.settings
service = delivery.service


def observe(db: Session, lines: Lines, account: Account, guide: GuideVersion) -> Observation:
    data = body(lines.people["msl"], account, competency(guide, A_3C).id)
    data.pop("client_uuid")
    observation, created = observations.create_observation(db, lines.people["sales_manager"], data)
    assert created
    return observation


def sent_about(db: Session, observation: Observation) -> Notification:
    return db.scalars(
        select(Notification).where(
            Notification.dedupe_key == f"observation_received:{observation.id}"
        )
    ).one()


def test_the_line_manager_gets_a_push_without_what_was_observed(
    db: Session,
    lines: Lines,
    account: Account,
    guide: GuideVersion,
    service: PushService,
    settings: PushSettings,
) -> None:
    manager = lines.people["msl_manager"]
    add_device(db, manager, service, "phone")
    db.commit()
    observation = observe(db, lines, account, guide)
    notification = sent_about(db, observation)
    assert notification.recipient_id == manager.id
    send(db, settings, utcnow())
    assert service.delivered[notification.id] == 1
    [received] = [r for r in service.to("phone") if r.notification_id == notification.id]
    assert received.payload is not None
    assert received.payload["kind"] == "observation_received"
    assert received.payload["title"] == KINDS["observation_received"].push_title
    assert received.payload["url"] == f"/observations/{observation.id}"
    sent = json.dumps(received.payload)
    for secret in (SEEN, "formulary", lines.people["msl"].name, account.name):
        assert secret not in sent
    # Nobody else is told: not the author, not the subject, not the directors.
    told = db.scalars(
        select(Notification.recipient_id).where(Notification.kind == "observation_received")
    )
    assert list(told) == [manager.id]


def test_a_manager_who_switched_it_off_finds_it_in_the_inbox_only(
    db: Session,
    lines: Lines,
    account: Account,
    guide: GuideVersion,
    service: PushService,
    settings: PushSettings,
) -> None:
    assert "observation_received" in MUTABLE_KINDS
    manager = lines.people["msl_manager"]
    add_device(db, manager, service, "phone")
    set_preferences(db, manager, muted_kinds=["observation_received"])
    notification = sent_about(db, observe(db, lines, account, guide))
    send(db, settings, utcnow())
    assert service.delivered[notification.id] == 0
    fresh(db, notification)
    assert notification.status == NotificationStatus.SENT and notification.push_count == 0
