"""Nudges of account-team reviews: a review to acknowledge reaches each participant and line
manager in the Inbox and by push (a title and a link, nothing of the review), muted or held by
quiet hours like every other kind; an agreement is a follow-up, so the follow-up rules remind
its owner, whatever their line, and the manager of an owner who is late."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.models import Account, FollowUp, Notification, NotificationStatus
from coachapp.nudges import rules
from coachapp.nudges.delivery import PushSettings
from coachapp.nudges.kinds import KINDS, MUTABLE_KINDS
from coachapp.reviews import schemas, service
from tests.builders import Lines
from tests.nudges import test_delivery as delivery
from tests.nudges.test_delivery import NEW_YORK, add_device, fresh, local, send, set_preferences
from tests.push_service import PushService
from tests.reviews.conftest import review_body

pytestmark = pytest.mark.usefixtures("app_context")

vapid_keys = delivery.vapid_keys
push_app = delivery.push_app
settings = delivery.settings
push_service = delivery.service

PLAN_PROGRESS = "The P&T chair wants outcomes data before March."


def run_review(db: Session, lines: Lines, account: Account, **extra: object) -> int:
    body = schemas.review_create_schema.load(
        review_body(account, lines, plan_progress=PLAN_PROGRESS, **extra)
    )
    review, _ = service.create_review(db, lines.people["sales_manager"], body)
    return review.id


def asked(db: Session, review_id: int, who_id: int) -> Notification:
    return db.scalars(
        select(Notification).where(
            Notification.dedupe_key == f"review_to_acknowledge:{review_id}:{who_id}"
        )
    ).one()


def test_a_participant_gets_a_push_without_the_reviews_content(
    db: Session,
    lines: Lines,
    account: Account,
    push_service: PushService,
    settings: PushSettings,
) -> None:
    msl = lines.people["msl"]
    add_device(db, msl, push_service, "msl-phone")
    db.commit()
    review_id = run_review(db, lines, account)
    notification = asked(db, review_id, msl.id)
    assert account.name in notification.title  # the inbox, after sign-in, names the account
    send(db, settings, utcnow())
    [received] = [r for r in push_service.to("msl-phone") if r.notification_id == notification.id]
    assert received.payload is not None
    assert received.payload["kind"] == "review_to_acknowledge"
    assert received.payload["title"] == KINDS["review_to_acknowledge"].push_title
    assert received.payload["url"] == f"/reviews/{review_id}"
    sent = json.dumps(received.payload)
    for text in (account.name, PLAN_PROGRESS, "outcomes deck"):
        assert text not in sent


def test_muted_it_stays_in_the_inbox(
    db: Session,
    lines: Lines,
    account: Account,
    push_service: PushService,
    settings: PushSettings,
) -> None:
    assert "review_to_acknowledge" in MUTABLE_KINDS
    nurse_manager = lines.people["nurse_manager"]
    add_device(db, nurse_manager, push_service, "phone")
    set_preferences(db, nurse_manager, muted_kinds=["review_to_acknowledge"])
    notification = asked(db, run_review(db, lines, account), nurse_manager.id)
    send(db, settings, utcnow())
    assert push_service.delivered[notification.id] == 0
    assert fresh(db, notification).status == NotificationStatus.SENT
    assert notification.push_count == 0


def test_quiet_hours_hold_the_push_until_morning(
    db: Session,
    lines: Lines,
    account: Account,
    push_service: PushService,
    settings: PushSettings,
) -> None:
    access_rep = lines.people["access_rep"]
    access_rep.timezone = "America/New_York"
    add_device(db, access_rep, push_service, "phone")
    set_preferences(db, access_rep, quiet_start=dt.time(22, 0), quiet_end=dt.time(7, 0))
    notification = asked(db, run_review(db, lines, account), access_rep.id)
    day = (utcnow().astimezone(NEW_YORK) + dt.timedelta(days=2)).date()
    report = send(db, settings, local(day, "23:30"))
    assert report.deferred == 1 and push_service.delivered[notification.id] == 0
    send(db, settings, local(day + dt.timedelta(days=1), "07:00"))
    assert push_service.delivered[notification.id] == 1


# An agreement is a follow-up: the follow-up rules cover it. -------------------------------

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 10)


def agreement_of(db: Session, lines: Lines, account: Account, owner: str, due: dt.date) -> FollowUp:
    review_id = run_review(
        db, lines, account, held_on="2026-03-01",
        agreements=[{"title": "Send the outcomes deck", "owner_id": lines.people[owner].id,
                     "due_date": due.isoformat()}],
    )  # fmt: skip
    return db.scalars(select(FollowUp).where(FollowUp.review_id == review_id)).one()


def nudges(db: Session) -> dict[str, Notification]:
    db.expire_all()
    return {n.dedupe_key: n for n in db.scalars(select(Notification))}


def test_an_agreement_due_tomorrow_reminds_its_owner_in_another_line(
    db: Session, lines: Lines, account: Account
) -> None:
    for person in lines.people.values():
        person.timezone = "UTC"
    item = agreement_of(db, lines, account, "msl", TODAY + dt.timedelta(days=1))
    rules.evaluate(db, NOW)
    nudge = nudges(db)[f"follow_up_due:{item.id}:{item.due_date.isoformat()}"]
    assert nudge.recipient_id == lines.people["msl"].id
    assert nudge.url == f"/follow-ups/{item.id}" and "Send the outcomes deck" in nudge.title


def test_an_overdue_agreement_goes_to_its_owner_then_their_own_line_manager(
    db: Session, lines: Lines, account: Account
) -> None:
    for person in lines.people.values():
        person.timezone = "UTC"
    item = agreement_of(db, lines, account, "access_rep", TODAY - dt.timedelta(days=3))
    rules.evaluate(db, NOW)
    found = nudges(db)
    key = f"{item.id}:{item.due_date.isoformat()}"
    assert found[f"follow_up_overdue:{key}"].recipient_id == lines.people["access_rep"].id
    manager_nudge = found[f"follow_up_overdue_manager:{key}"]
    assert manager_nudge.recipient_id == lines.people["access_manager"].id
    # Not the manager who ran the review, who has no one of theirs late.
    assert not any(
        n.recipient_id == lines.people["sales_manager"].id and n.kind == "follow_up_overdue"
        for n in found.values()
    )


def test_each_participant_is_asked_in_their_own_language(
    db: Session, lines: Lines, account: Account
) -> None:
    msl, author = lines.people["msl"], lines.people["sales_manager"]
    msl.language = "es"
    db.commit()
    review_id = run_review(db, lines, account)
    spanish = asked(db, review_id, msl.id)
    assert spanish.title.startswith(f"Revisión del equipo de cuenta de {account.name} del ")
    assert spanish.title.endswith(": confírmala, por favor")
    assert spanish.body == f"Dirigida por {author.name}."
    kind = Notification.kind == "review_to_acknowledge"
    others = [n for n in db.scalars(select(Notification).where(kind)) if n.recipient_id != msl.id]
    assert others and all(n.title.endswith(": please acknowledge") for n in others)
