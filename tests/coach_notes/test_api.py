"""Coach-the-coach notes over JSON: create (idempotent), read with an ETag, change with
If-Match, share, acknowledge; the JSON error shape for everything refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp.coach_notes.service import TEXT_LIMIT
from tests.api.helpers import api_caller, assert_error_shape
from tests.builders import Org
from tests.conftest import HttpsClient

NOTES = "/api/v1/coach-the-coach-notes"
TEXT = {
    "situation": "Team meeting on 2 March: pipeline review.",
    "action": "You let each rep present their own at-risk goal first.",
    "result": "Two reps asked for a ride-along; keep the format.",
}
Call = Callable[..., TestResponse]


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    return api_caller(app, client, db, org)


def test_director_writes_shares_and_the_manager_acknowledges(call: Call, org: Org) -> None:
    manager_id = org.people["manager"].id
    client_uuid = str(uuid.uuid4())
    created = call(
        "director",
        "POST",
        NOTES,
        json={"client_uuid": client_uuid, "manager_id": manager_id, **TEXT},
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    note = created.get_json()
    assert note["status"] == "draft" and note["manager"] == {
        "id": manager_id,
        "name": org.people["manager"].name,
    }
    assert created.headers["ETag"] == f'"{note["version"]}"'
    url = f"{NOTES}/{note['id']}"
    # A replay of the same creation is the same note.
    again = call(
        "director",
        "POST",
        NOTES,
        json={"client_uuid": client_uuid, "manager_id": manager_id, **TEXT},
    )
    assert again.status_code == 200 and again.get_json()["id"] == note["id"]
    assert_error_shape(call("manager", "GET", url), 404)  # a draft is the director's

    patched = call(
        "director", "PATCH", url, json={"result": "Two reps asked for a ride-along."},
        if_match=note["version"],
    )  # fmt: skip
    assert patched.status_code == 200 and patched.get_json()["result"].startswith("Two reps")
    assert_error_shape(call("director", "PATCH", url, json={"result": "x"}, if_match=1), 412)
    assert_error_shape(call("director", "PATCH", url, json={"result": "x"}), 428)

    shared = call("director", "POST", f"{url}/share")
    assert shared.status_code == 200 and shared.get_json()["status"] == "shared"
    inbox = call("manager", "GET", "/api/v1/notifications").get_json()["items"]
    assert any(
        n["kind"] == "coach_note_shared" and n["url"] == f"/coach-the-coach/{note['id']}"
        for n in inbox
    )
    listed = {n["id"] for n in call("manager", "GET", f"{NOTES}?status=shared").get_json()}
    assert note["id"] in listed and org.coach_notes["draft"].id not in listed
    assert_error_shape(call("director", "POST", f"{url}/acknowledge", json={}), 403)
    assert_error_shape(
        call(
            "manager",
            "PATCH",
            url,
            json={"result": "x"},
            if_match=shared.get_json()["version"],
        ),
        403,
    )

    acked = call("manager", "POST", f"{url}/acknowledge", json={"comment": "Will keep it."})
    assert acked.status_code == 200
    assert acked.get_json()["acknowledgement"]["comment"] == "Will keep it."
    assert_error_shape(
        call(
            "director",
            "PATCH",
            url,
            json={"result": "x"},
            if_match=acked.get_json()["version"],
        ),
        409,
    )
    replies = call("director", "GET", "/api/v1/notifications").get_json()["items"]
    assert any(n["kind"] == "coach_note_acknowledged" for n in replies)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**TEXT, "situation": ""}, "situation"),
        ({"action": TEXT["action"], "result": TEXT["result"]}, "situation"),
        ({**TEXT, "result": "x" * (TEXT_LIMIT + 1)}, "result"),
        ({**TEXT, "action": 5}, "action"),
        (TEXT, "manager_id"),
        ({**TEXT, "manager_id": "me"}, "manager_id"),
        ({**TEXT, "manager_id": 2**31}, "manager_id"),
        ({**TEXT, "mood": "great"}, "mood"),
    ],
)
def test_refused_bodies(call: Call, org: Org, body: dict[str, Any], field: str) -> None:
    body = {"manager_id": org.people["manager"].id, **body} if field != "manager_id" else body
    error = assert_error_shape(call("director", "POST", NOTES, json=body), 422)
    assert field in str(error.get("fields", {})), error


def test_outsiders_get_not_found(call: Call, org: Org) -> None:
    shared = org.coach_notes["shared"]
    for who in ("manager2", "director2", "rep", "admin"):
        assert_error_shape(call(who, "GET", f"{NOTES}/{shared.id}"), 404)
        assert_error_shape(call(who, "POST", f"{NOTES}/{shared.id}/acknowledge", json={}), 404)
        assert call(who, "GET", NOTES).get_json() == []
    # Not the director's manager, or not a manager at all.
    for to in ("manager3", "rep", "director2"):
        body = {"manager_id": org.people[to].id, **TEXT}
        assert_error_shape(call("director", "POST", NOTES, json=body), 404)
