"""The day of a conversation is the manager's own day: a note written without a date gets
today on the manager's calendar (their time zone, not the server's), and a day after that is
refused at the field on every path: the debrief form, the API's create and change, and a
note kept on the phone and sent when the connection returns.

The clock is held at 20:00 UTC on 10 March 2026: 11 March already in Kiritimati (UTC+14),
still 10 March in Pago Pago (UTC-11) until 11:00 UTC."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import Note
from coachapp.ride_alongs import service as ride_alongs
from coachapp.timezones import local_today
from tests.api.helpers import Call, api_caller, assert_error_shape
from tests.builders import Org
from tests.conftest import CSRF_META, HttpsClient, login
from tests.ride_alongs.helpers import plan_day

SESSIONS = "/api/v1/coaching-sessions"
NOW = dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.UTC)
KIRITIMATI_TODAY = dt.date(2026, 3, 11)  # the server's (UTC) day is still 10 March
IN_THE_FUTURE = "The conversation cannot be in the future."


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr("coachapp.timezones.utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def far_east(db: Session, org: Org, clock: dt.datetime) -> Org:
    """The manager lives in Kiritimati, where it is already tomorrow."""
    org.people["manager"].timezone = "Pacific/Kiritimati"
    db.commit()
    return org


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    return api_caller(app, client, db, org)


def new_note(org: Org, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "rep_id": org.people["rep"].id,
        "type": "one_on_one",
        "strengths": "Opened with the customer's goals",
    }
    body.update(extra)
    return body


def test_a_note_without_a_date_is_dated_the_managers_own_day(call: Call, far_east: Org) -> None:
    created = call("manager", "POST", SESSIONS, json=new_note(far_east))
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.json["occurred_on"] == KIRITIMATI_TODAY.isoformat()
    # That day is not the future for the manager, though the server's calendar is behind.
    dated = call("manager", "POST", SESSIONS, json=new_note(far_east, occurred_on="2026-03-11"))
    assert dated.status_code == 201 and dated.json["occurred_on"] == "2026-03-11"


def test_behind_utc_the_servers_day_is_the_future(
    call: Call, db: Session, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "coachapp.timezones.utcnow", lambda: dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)
    )
    org.people["manager"].timezone = "Pacific/Pago_Pago"  # 9 March, 18:00 there
    db.commit()
    created = call("manager", "POST", SESSIONS, json=new_note(org))
    assert created.status_code == 201 and created.json["occurred_on"] == "2026-03-09"
    refused = call("manager", "POST", SESSIONS, json=new_note(org, occurred_on="2026-03-10"))
    assert assert_error_shape(refused, 422)["fields"] == {"occurred_on": [IN_THE_FUTURE]}


def test_a_future_day_is_refused_on_create_and_change(
    call: Call, db: Session, far_east: Org
) -> None:
    body = new_note(far_east, occurred_on="2026-03-12")
    error = assert_error_shape(call("manager", "POST", SESSIONS, json=body), 422)
    assert error["fields"] == {"occurred_on": [IN_THE_FUTURE]}
    made = db.scalars(select(Note).where(Note.client_uuid == uuid.UUID(body["client_uuid"]))).all()
    assert made == []

    url = f"{SESSIONS}/{far_east.notes['draft'].id}"
    patched = call("manager", "PATCH", url, json={"occurred_on": "2026-03-12"}, if_match=1)
    assert assert_error_shape(patched, 422)["fields"] == {"occurred_on": [IN_THE_FUTURE]}
    assert call("manager", "GET", url).json["version"] == 1
    moved = call("manager", "PATCH", url, json={"occurred_on": "2026-03-11"}, if_match=1)
    assert moved.status_code == 200 and moved.json["occurred_on"] == "2026-03-11"
    # A shared note is changed through the same rule.
    shared = f"{SESSIONS}/{far_east.notes['shared'].id}"
    later = call("manager", "PATCH", shared, json={"occurred_on": "2026-04-01"}, if_match=1)
    assert assert_error_shape(later, 422)["fields"] == {"occurred_on": [IN_THE_FUTURE]}


def test_a_note_kept_offline_is_refused_with_a_future_day_and_dated_when_left_empty(
    client: HttpsClient, far_east: Org
) -> None:
    """What the phone sends when the connection returns: the offline form's note, with the
    page's session cookie and CSRF token."""
    login(client, far_east.people["manager"].email)
    page = client.get("/notes/offline").get_data(as_text=True)
    token = CSRF_META.search(page)
    assert token is not None
    assert 'data-timezone="Pacific/Kiritimati"' in page
    assert 'max="2026-03-11"' in page
    headers = {"X-CSRFToken": token.group(1)}
    body = new_note(far_east, occurred_on="2026-03-12")
    refused = client.post(SESSIONS, json=body, headers=headers)
    assert assert_error_shape(refused, 422)["fields"] == {"occurred_on": [IN_THE_FUTURE]}
    undated = new_note(far_east, occurred_on=None)
    kept = client.post(SESSIONS, json=undated, headers=headers)
    assert kept.status_code == 201 and kept.json["occurred_on"] == "2026-03-11"
    # Sent again (a replay after a lost answer): the note as first made.
    again = client.post(SESSIONS, json=undated, headers=headers)
    assert again.status_code == 200 and again.json["id"] == kept.json["id"]


def test_log_coaching_and_the_debrief_form_use_the_managers_day(
    db: Session, client: HttpsClient, far_east: Org
) -> None:
    login(client, far_east.people["manager"].email)
    started = client.post_form(
        f"/people/{far_east.people['rep'].id}/coaching",
        {"client_uuid": str(uuid.uuid4()), "another": "1"},
    )
    note_id = int(re.findall(r"/notes/(\d+)/edit", started.headers["Location"])[0])
    note = db.get(Note, note_id)
    assert note is not None and note.occurred_on == KIRITIMATI_TODAY

    form = {
        "version": str(note.version),
        "type": "one_on_one",
        "occurred_on": "2026-03-12",
        "plan_id": str(note.plan_id or ""),
        "strengths": "Keep this strength text",
        "development_focus": "",
        "private_notes": "",
    }
    response = client.post_form(f"/notes/{note_id}/edit", form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    # Said at the date field, with what was typed still there.
    date_field = text[text.index('<label for="occurred_on">') :][:600]
    assert IN_THE_FUTURE in date_field and 'value="2026-03-12"' in date_field
    assert "Keep this strength text" in text
    db.expire_all()
    assert db.get(Note, note_id).occurred_on == KIRITIMATI_TODAY  # type: ignore[union-attr]


def test_a_ride_along_note_written_before_its_day_is_dated_today(db: Session, org: Org) -> None:
    day = plan_day(db, org, dt.date.today() + dt.timedelta(days=2))
    manager = org.people["manager"]
    note, created = ride_alongs.write_note(db, manager, day.ride.id)
    assert created and note.occurred_on == local_today(manager.timezone)
