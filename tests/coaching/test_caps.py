"""Caps that keep every coaching note readable, on every path that writes one: at most three
strengths, one or two development focus areas to share; notes from before the caps keep
working."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp.coaching.caps import FOCUS_TO_SHARE, TOO_MANY_FOCUS, TOO_MANY_STRENGTHS
from coachapp.models import Note, NoteStatus
from tests.api.helpers import Call, api_caller, assert_error_shape
from tests.builders import Org, make_note
from tests.conftest import HttpsClient, login

SESSIONS = "/api/v1/coaching-sessions"
FOUR = "Opened with the CFO's goals\nUsed the budget model\nBrought the MSL in\nAgreed a date"
THREE = "Ask about the P&T date\nPlan with the MSL\nSend the recap within 24 h"


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    return api_caller(app, client, db, org)


def new_note(call: Call, org: Org, **body: Any) -> TestResponse:
    return call(
        "manager",
        "POST",
        SESSIONS,
        json={
            "client_uuid": str(uuid.uuid4()),
            "rep_id": org.people["rep"].id,
            "type": "one_on_one",
            "ratings": [{"competency_id": org.notes["draft"].ratings[0].competency_id, "score": 3}],
            **body,
        },
    )


def test_at_most_three_strengths_and_two_focus_areas(call: Call, org: Org) -> None:
    error = assert_error_shape(new_note(call, org, strengths=FOUR), 422)
    assert error["fields"]["strengths"] == [TOO_MANY_STRENGTHS]
    error = assert_error_shape(new_note(call, org, development_focus=THREE), 422)
    assert error["fields"]["development_focus"] == [TOO_MANY_FOCUS]
    # Blank lines are not points.
    created = new_note(call, org, strengths="One\n\n  \nTwo\nThree", development_focus="A\nB")
    assert created.status_code == 201
    url = f"{SESSIONS}/{created.get_json()['id']}"
    assert_error_shape(call("manager", "PATCH", url, json={"strengths": FOUR}, if_match=1), 422)
    assert_error_shape(
        call("manager", "PATCH", url, json={"development_focus": THREE}, if_match=1), 422
    )
    assert call("manager", "GET", url).get_json()["version"] == 1  # nothing changed


def test_sharing_needs_a_development_focus(call: Call, org: Org) -> None:
    created = new_note(call, org, strengths="Opened with the CFO's goals").get_json()
    url = f"{SESSIONS}/{created['id']}"
    error = assert_error_shape(call("manager", "POST", f"{url}/share"), 422)
    assert error["message"] == FOCUS_TO_SHARE
    assert error["fields"] == {"development_focus": [FOCUS_TO_SHARE]}
    assert call("manager", "GET", url).get_json()["status"] == "draft"
    call("manager", "PATCH", url, json={"development_focus": "Plan with the MSL"}, if_match=1)
    shared = call("manager", "POST", f"{url}/share")
    assert shared.status_code == 200 and shared.get_json()["status"] == "shared"
    # Once shared, the focus can change but not go.
    version = shared.get_json()["version"]
    emptied = call("manager", "PATCH", url, json={"development_focus": " \n"}, if_match=version)
    assert assert_error_shape(emptied, 422)["fields"]["development_focus"]
    changed = call(
        "manager", "PATCH", url, json={"development_focus": "Ask first"}, if_match=version
    )
    assert changed.status_code == 200


def test_notes_from_before_the_caps_keep_working(
    call: Call, db: Session, org: Org, app: Flask
) -> None:
    old = make_note(
        db,
        org.people["manager"],
        org.people["rep"],
        NoteStatus.SHARED,
        guide_version=org.notes["shared"].guide_version,
        strengths=FOUR + "\nFifth point",
        development_focus=THREE,
    )
    db.commit()
    url = f"{SESSIONS}/{old.id}"
    body = call("manager", "GET", url).get_json()
    assert body["strengths"].count("\n") == 4
    # Editing another field, or sending the same text back, is not refused.
    edited = call(
        "manager",
        "PATCH",
        url,
        json={"private_notes": "still fine", "strengths": body["strengths"]},
        if_match=body["version"],
    )
    assert edited.status_code == 200, edited.get_json()
    assert call("rep", "POST", f"{url}/acknowledge", json={}).status_code == 200


def test_the_debrief_shows_the_refusal_to_share_and_keeps_what_was_typed(
    app: Flask, db: Session, org: Org, client: HttpsClient
) -> None:
    login(client, org.people["manager"].email)
    note = org.notes["draft"]
    form = {
        "version": str(note.version),
        "type": "ride_along",
        "occurred_on": note.occurred_on.isoformat(),
        f"score-{note.ratings[0].competency_id}": "3",
        "strengths": "Opened with the CFO's goals",
        "development_focus": "",
        "private_notes": "typed just now",
    }
    page = client.post_form(f"/notes/{note.id}/share", form)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Add a development focus before sharing" in text
    assert "typed just now" in text
    # What was on the form is saved (a new version); only the sharing was refused.
    db.expire_all()
    form["version"] = str(db.get(Note, note.id).version)  # type: ignore[union-attr]
    fragment = client.post_form(f"/notes/{note.id}/share", form, headers={"HX-Request": "true"})
    assert fragment.status_code == 422 and fragment.headers["HX-Retarget"] == "#debrief"
    db.expire_all()
    assert db.get(Note, note.id).status == NoteStatus.DRAFT  # type: ignore[union-attr]
    form["development_focus"] = "Plan the call with the MSL"
    form["version"] = str(db.get(Note, note.id).version)  # type: ignore[union-attr]
    shared = client.post_form(f"/notes/{note.id}/share", form)
    assert shared.status_code == 302
    assert re.search(rf"/notes/{note.id}$", shared.headers["Location"])
    db.expire_all()
    assert db.get(Note, note.id).status == NoteStatus.SHARED  # type: ignore[union-attr]
