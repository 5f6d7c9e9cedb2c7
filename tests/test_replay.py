"""Creation a phone may replay (coachapp.replay): a second request with a client_uuid already
used finds what the first made, including when both raced past the first look and the
unique index refused the loser's row; someone else's client_uuid is a conflict."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coachapp import replay
from coachapp.auth.service import issue_api_token
from coachapp.db import database
from coachapp.errors import Conflict
from coachapp.models import (
    AuditEvent,
    CoachTheCoachNote,
    Note,
    NoteStatus,
    RideAlongCall,
    Role,
    User,
)
from coachapp.ride_alongs import calendar
from coachapp.ride_alongs import service as ride_alongs
from tests.api.helpers import api_caller, assert_error_shape, bearer
from tests.builders import Org, make_coach_note, make_user
from tests.conftest import HttpsClient
from tests.ride_alongs.helpers import plan_day


def a_second_note(director: User, manager: User, client_uuid: uuid.UUID) -> CoachTheCoachNote:
    return CoachTheCoachNote(
        client_uuid=client_uuid,
        director_id=director.id,
        manager_id=manager.id,
        situation="Same note, sent again",
        action="-",
        result="-",
        status=NoteStatus.DRAFT,
    )


def stored(db: Session, client_uuid: uuid.UUID) -> int:
    return db.scalar(select(func.count()).where(CoachTheCoachNote.client_uuid == client_uuid)) or 0


def test_the_replay_that_lost_the_race_gets_the_winners_row(db: Session, org: Org) -> None:
    director, manager = org.people["director"], org.people["manager"]
    key = uuid.uuid4()
    won = make_coach_note(db, director, manager, NoteStatus.DRAFT, client_uuid=key)
    db.commit()
    found = replay.add_new(
        db, a_second_note(director, manager, key), lambda n: n.director_id == director.id, "No"
    )
    assert found is not None and found.id == won.id
    assert stored(db, key) == 1


def test_someone_elses_client_uuid_is_a_conflict(db: Session, org: Org) -> None:
    director, manager = org.people["director"], org.people["manager"]
    other = org.people["director2"]
    key = uuid.uuid4()
    make_coach_note(db, director, manager, NoteStatus.DRAFT, client_uuid=key)
    db.commit()
    with pytest.raises(Conflict, match="belongs to another note"):
        replay.made_before(
            db, CoachTheCoachNote, key, lambda n: n.director_id == other.id,
            "That client_uuid belongs to another note.",
        )  # fmt: skip
    with pytest.raises(Conflict, match="belongs to another note"):
        replay.add_new(
            db, a_second_note(other, org.people["manager3"], key),
            lambda n: n.director_id == other.id, "That client_uuid belongs to another note.",
        )  # fmt: skip
    assert stored(db, key) == 1


def test_a_new_client_uuid_is_added(db: Session, org: Org) -> None:
    director, manager = org.people["director"], org.people["manager"]
    key = uuid.uuid4()
    assert replay.made_before(db, CoachTheCoachNote, key, lambda n: True, "No") is None
    assert replay.add_new(db, a_second_note(director, manager, key), lambda n: True, "No") is None
    assert stored(db, key) == 1


@pytest.fixture
def committed_director(app: Flask) -> Iterator[tuple[str, int]]:
    """A director with a manager and an API token, committed for real (the threads use
    connections of their own); removed afterwards with their notes."""
    with app.app_context():
        db = database().sessionmaker()
        tag = uuid.uuid4().hex[:8]
        director = make_user(db, role=Role.DIRECTOR, email=f"d-{tag}@example.com")
        manager = make_user(
            db, role=Role.MANAGER, email=f"m-{tag}@example.com", manager_id=director.id
        )
        db.commit()
        token, _ = issue_api_token(db, director)
        ids = (director.id, manager.id)
        db.close()
    try:
        yield token, ids[1]
    finally:
        with app.app_context():
            db = database().sessionmaker()
            db.execute(delete(CoachTheCoachNote).where(CoachTheCoachNote.director_id == ids[0]))
            db.execute(delete(AuditEvent).where(AuditEvent.actor_id == ids[0]))
            db.execute(delete(User).where(User.id.in_(ids)))
            db.commit()
            db.close()


def test_the_same_note_sent_from_six_threads_at_once_is_made_once(
    app: Flask, committed_director: tuple[str, int]
) -> None:
    token, manager_id = committed_director
    body = {
        "client_uuid": str(uuid.uuid4()),
        "manager_id": manager_id,
        "situation": "Team meeting",
        "action": "Let each rep lead",
        "result": "Two asked for a ride-along",
    }
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def send() -> None:
        client = app.test_client()
        start.wait()
        response = client.post(
            "/api/v1/coach-the-coach-notes",
            json=body,
            headers=bearer(token),
            base_url="https://localhost",
        )
        with lock:
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 5 + [201], answers
    assert len({json["id"] for _, json in answers}) == 1
    with app.app_context():
        db = database().sessionmaker()
        assert stored(db, uuid.UUID(body["client_uuid"])) == 1
        db.close()


# Someone else's client_uuid over the API ---------------------------------------------------


@dataclass
class Replay:
    """An attacker's creation request carrying a client_uuid the victim's phone used, and how
    to read the victim's row back."""

    attacker: str
    url: str
    body: dict[str, Any]
    victims_row: Callable[[], dict[str, Any]]
    secret: str  # a text only the victim's row holds


def someone_elses_coaching_note(db: Session, org: Org) -> Replay:
    theirs = org.notes["other_team"]  # manager2's note about their own rep
    version = theirs.guide_version
    first = next(c.id for s in version.sections for c in s.competencies)
    return Replay(
        attacker="manager",
        url="/api/v1/coaching-sessions",
        body={
            "client_uuid": str(theirs.client_uuid),
            "rep_id": org.people["rep"].id,
            "guide_version_id": version.id,
            "type": "ride_along",
            "ratings": [{"competency_id": first, "score": 3, "evidence": "Mine"}],
            "strengths": "Overwritten?",
        },
        victims_row=lambda: row_of(db, Note, theirs.id),
        secret=theirs.private_notes,
    )


def someone_elses_coach_note(db: Session, org: Org) -> Replay:
    theirs = make_coach_note(
        db, org.people["director"], org.people["manager"], NoteStatus.DRAFT,
        situation="VICTIM-SITUATION",
    )  # fmt: skip
    db.commit()
    return Replay(
        attacker="director2",
        url="/api/v1/coach-the-coach-notes",
        body={
            "client_uuid": str(theirs.client_uuid),
            "manager_id": org.people["manager3"].id,
            "situation": "Overwritten?",
            "action": "-",
            "result": "-",
        },
        victims_row=lambda: row_of(db, CoachTheCoachNote, theirs.id),
        secret="VICTIM-SITUATION",
    )


def someone_elses_ride_along_call(db: Session, org: Org) -> Replay:
    day = plan_day(db, org)  # manager's ride-along with rep, today
    theirs, _ = ride_alongs.capture_call(
        db, org.people["manager"], day.ride.id,
        {"client_uuid": uuid.uuid4(), "account_name": "Mercy", "evidence": "VICTIM-EVIDENCE"},
    )  # fmt: skip
    today = dt.date.today()
    own_ride = calendar.plan_ride_along(
        db, org.people["manager2"], org.people["other_rep"].id, today, today
    )
    return Replay(
        attacker="manager2",
        url=f"/api/v1/ride-alongs/{own_ride.id}/calls",
        body={
            "client_uuid": str(theirs.client_uuid),
            "account_name": "Corner pharmacy",
            "evidence": "Overwritten?",
        },
        victims_row=lambda: row_of(db, RideAlongCall, theirs.id),
        secret="VICTIM-EVIDENCE",
    )


def row_of(db: Session, model: type[Any], row_id: int) -> dict[str, Any]:
    db.expire_all()
    row = db.get(model, row_id)
    assert row is not None
    return {column.key: getattr(row, column.key) for column in model.__table__.columns}


@pytest.mark.parametrize(
    "setup",
    [someone_elses_coaching_note, someone_elses_coach_note, someone_elses_ride_along_call],
)
def test_replaying_someone_elses_client_uuid_neither_returns_nor_changes_their_record(
    app: Flask, client: HttpsClient, db: Session, org: Org, setup: Callable[..., Replay]
) -> None:
    """A client_uuid is not a secret (it travels in forms and replays): another person
    sending one that was used gets 409, not the record it names, and the record stays as
    it was."""
    replay_attempt = setup(db, org)
    before = replay_attempt.victims_row()
    call = api_caller(app, client, db, org)

    response = call(replay_attempt.attacker, "POST", replay_attempt.url, json=replay_attempt.body)

    error = assert_error_shape(response, 409)
    assert "belongs to another" in error["message"]
    text = response.get_data(as_text=True)
    assert replay_attempt.secret not in text and str(before["id"]) not in text
    assert replay_attempt.victims_row() == before
