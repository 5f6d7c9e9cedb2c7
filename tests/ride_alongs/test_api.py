"""The ride-along day over the API, role by role: the manager plans it, the rep prepares it and
closes the last agreements, the manager captures calls (replays stored once) and writes the
note; everyone else gets 404. Statement counts do not grow with the calls."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.models import FollowUp, FollowUpStatus, RideAlongCall
from tests.api.helpers import Call, api_caller, assert_error_shape
from tests.builders import Org
from tests.conftest import HttpsClient
from tests.ride_alongs.helpers import plan_day

RIDES = "/api/v1/ride-alongs"
OUTSIDERS = ("rep2", "other_rep", "manager2", "director", "director2", "admin")


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    return api_caller(app, client, db, org)


def competencies(org: Org) -> list[int]:
    version = org.notes["shared"].guide_version
    return [c.id for s in version.sections for c in s.competencies]


def test_the_whole_day_over_the_api(call: Call, db: Session, org: Org) -> None:
    day = plan_day(db, org)  # the last note, with its agreements
    in_a_week = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    planned = call(
        "manager", "POST", RIDES, json={"rep_id": org.people["rep"].id, "day": in_a_week}
    )
    assert planned.status_code == 201, planned.get_json()
    assert planned.get_json()["day"] == in_a_week and planned.get_json()["stops"] == []
    assert_error_shape(
        call("rep", "POST", RIDES, json={"rep_id": org.people["rep"].id, "day": in_a_week}), 403
    )
    assert_error_shape(
        call("manager2", "POST", RIDES, json={"rep_id": org.people["rep"].id, "day": in_a_week}),
        404,
    )
    url = f"{RIDES}/{day.ride.id}"

    # Before the ride: the rep sees the pre-brief and prepares.
    ride = call("rep", "GET", url)
    assert ride.status_code == 200 and ride.headers["ETag"] == '"1"'
    brief = ride.get_json()["pre_brief"]
    assert brief["note_id"] == day.last_note.id
    assert {a["id"] for a in brief["agreements"]} == {
        day.rep_agreement.id,
        day.manager_agreement.id,
    }
    preparation = {
        "help_request": "Getting past the budget objection with finance",
        "stops": [
            {"plan_id": org.plans["rep"].id, "objective": "Agree the P&T submission date"},
            {"name": "Lakeside Infusion Center", "objective": "Meet the new nurse manager"},
        ],
    }
    assert_error_shape(call("rep", "PATCH", url, json=preparation), 428)
    assert_error_shape(call("rep", "PATCH", url, json=preparation, if_match=7), 412)
    assert_error_shape(call("manager", "PATCH", url, json=preparation, if_match=1), 403)
    prepared = call("rep", "PATCH", url, json=preparation, if_match=1)
    assert prepared.status_code == 200, prepared.get_json()
    stops = prepared.get_json()["stops"]
    assert [s["name"] for s in stops] == [org.plans["rep"].account.name, "Lakeside Infusion Center"]
    # Only the help request changes: the stops stay.
    again = call("rep", "PATCH", url, json={"help_request": "Budget objection"}, if_match=2)
    assert again.get_json()["stops"] == stops
    bad = call(
        "rep", "PATCH", url, json={"stops": [{"name": "Mercy", "objective": ""}]}, if_match=3
    )
    assert assert_error_shape(bad, 422)["fields"]["stops"]["0"]["objective"]

    done_url = f"{url}/agreements/{day.rep_agreement.id}/done"
    assert_error_shape(call("rep", "POST", done_url, json={"evidence": ""}), 422)
    assert_error_shape(call("manager", "POST", done_url, json={"evidence": "x"}), 403)
    done = call("rep", "POST", done_url, json={"evidence": "Sent Monday; pharmacy confirmed"})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    agreements = call("manager", "GET", url).get_json()["pre_brief"]["agreements"]
    seen = {a["id"]: a for a in agreements}
    assert seen[day.rep_agreement.id]["evidence"] == "Sent Monday; pharmacy confirmed"
    assert seen[day.manager_agreement.id]["status"] == "open"
    # The same closing, through the follow-ups API, keeps its evidence too.
    patched = call(
        "manager",
        "PATCH",
        f"/api/v1/follow-ups/{day.manager_agreement.id}",
        json={"status": "done", "evidence": "Intro email sent"},
    )
    assert patched.get_json()["evidence"] == "Intro email sent"

    # During the ride: three calls, one replayed.
    first, second = competencies(org)
    calls_url = f"{url}/calls"
    bodies = [
        {
            "client_uuid": str(uuid.uuid4()),
            "stop_id": stops[0]["id"],
            "ratings": [
                {"competency_id": first, "score": 4},
                {"competency_id": second, "score": 2},
            ],
            "evidence": "Walked the CFO through the budget-impact model",
        },
        {
            "client_uuid": str(uuid.uuid4()),
            "stop_id": stops[1]["id"],
            "ratings": [{"competency_id": second, "score": 1}],
            "evidence": "Talked over the nurse manager twice",
        },
        {
            "client_uuid": str(uuid.uuid4()),
            "account_name": "Corner pharmacy",
            "ratings": [{"competency_id": first, "score": 3}],
            "evidence": "Left the dossier with a dated follow-up",
            "captured_at": dt.datetime.now(dt.UTC).isoformat(),
        },
    ]
    for body in bodies:
        assert call("manager", "POST", calls_url, json=body).status_code == 201
    replay = call("manager", "POST", calls_url, json=bodies[0])
    assert replay.status_code == 200
    assert db.scalar(select(func.count()).select_from(RideAlongCall)) == 3
    assert_error_shape(call("rep", "POST", calls_url, json=bodies[2]), 403)
    assert_error_shape(call("rep", "GET", calls_url), 404)  # the rep rates themself blind
    listed = call("manager", "GET", calls_url).get_json()
    # In the order captured on the phone, whenever they reached the server.
    assert [c["account_name"] for c in listed] == [
        "Corner pharmacy",
        org.plans["rep"].account.name,
        "Lakeside Infusion Center",
    ]
    bad_call = {"account_name": "Mercy", "ratings": [{"competency_id": first, "score": None}]}
    assert_error_shape(call("manager", "POST", calls_url, json=bad_call), 422)

    # Everyone else: not found.
    for who in OUTSIDERS:
        for method, path in (("GET", url), ("GET", calls_url), ("POST", f"{url}/note")):
            assert_error_shape(call(who, method, path), 404)
        assert [r["id"] for r in call(who, "GET", RIDES).get_json()] == []
    assert day.ride.id in {r["id"] for r in call("rep", "GET", RIDES).get_json()}

    # End of the day: one note, pre-filled; the same note when asked again.
    assert_error_shape(call("rep", "POST", f"{url}/note"), 403)
    note = call("manager", "POST", f"{url}/note")
    assert note.status_code == 201, note.get_json()
    body = note.get_json()
    assert body["type"] == "ride_along" and body["status"] == "draft"
    # 3 at the pharmacy, then 4: halfway, so the latest call decides; 2 then 1 likewise.
    assert {r["competency_id"]: r["score"] for r in body["ratings"]} == {first: 4, second: 1}
    assert body["strengths"].startswith("Shares the plan: Walked the CFO")
    assert body["development_focus"].startswith("Listens: Talked over the nurse manager")
    assert body["vague_praise"] == []
    assert call("manager", "POST", f"{url}/note").status_code == 200
    assert call("manager", "GET", url).get_json()["session_id"] == body["id"]
    assert_error_shape(
        call("manager", "POST", calls_url, json={**bodies[2], "client_uuid": None}), 409
    )
    # A replay of a call kept before the note was written is still "that call", not a conflict.
    assert call("manager", "POST", calls_url, json=bodies[1]).status_code == 200

    # The note is an ordinary note: vague praise is flagged, a focus is needed to share.
    session_url = f"/api/v1/coaching-sessions/{body['id']}"
    edited = call(
        "manager",
        "PATCH",
        session_url,
        json={"strengths": "Great job\n" + body["strengths"], "development_focus": ""},
        if_match=body["version"],
    )
    assert edited.status_code == 200
    assert edited.get_json()["vague_praise"] == [
        {
            "field": "strengths",
            "text": "Great job",
            "prompt": edited.get_json()["vague_praise"][0]["prompt"],
        }
    ]
    refused = call("manager", "POST", f"{session_url}/share")
    assert assert_error_shape(refused, 422)["fields"]["development_focus"]


def test_follow_up_evidence_is_cleared_with_an_empty_line(
    call: Call, db: Session, org: Org
) -> None:
    follow_up = org.follow_ups["rep_shared"]
    url = f"/api/v1/follow-ups/{follow_up.id}"
    call("rep", "PATCH", url, json={"status": "done", "evidence": "Sent"})
    cleared = call("rep", "PATCH", url, json={"status": "open", "evidence": ""})
    assert cleared.get_json()["evidence"] is None
    db.expire_all()
    assert db.get(FollowUp, follow_up.id).status == FollowUpStatus.OPEN  # type: ignore[union-attr]


def test_reading_the_day_and_writing_its_note_do_not_query_per_call(
    app: Flask, call: Call, db: Session, org: Org
) -> None:
    day = plan_day(db, org)
    first, second = competencies(org)
    url = f"{RIDES}/{day.ride.id}"
    engine = app.extensions["coachapp.db"].engine

    def capture(n: int) -> None:
        for i in range(n):
            body = {
                "account_name": f"Account {i}",
                "ratings": [
                    {"competency_id": first, "score": 1 + i % 4},
                    {"competency_id": second, "score": 4 - i % 4},
                ],
                "evidence": f"Call {i}: asked about the formulary timeline",
            }
            assert call("manager", "POST", f"{url}/calls", json=body).status_code == 201

    def statements(method: str, path: str) -> int:
        with counting_statements(engine) as seen:
            assert call("manager", method, path).status_code < 300
        return len(seen)

    capture(2)
    few = {path: statements("GET", path) for path in (url, f"{url}/calls")}
    capture(8)
    many = {path: statements("GET", path) for path in (url, f"{url}/calls")}
    assert many == few
    # Writing the note: the same statements for 10 calls as for 2 (on another day).
    other = plan_day(db, org, dt.date.today() + dt.timedelta(days=1))
    url_10 = url
    url = f"{RIDES}/{other.ride.id}"
    capture(2)
    with_two = statements("POST", f"{url}/note")
    assert statements("POST", f"{url_10}/note") == with_two
