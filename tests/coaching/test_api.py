"""The coaching API: guides, idempotent create, ETag/If-Match, share and acknowledge, scope,
private notes, validation, notifications and follow-ups."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp.auth.service import issue_api_token
from coachapp.models import (
    RATING_SCALE,
    ActionStatus,
    GuideStatus,
    GuideVersion,
    Note,
    Notification,
    PlanActionItem,
)
from coachapp.nudges.outbox import payload_for
from coachapp.timezones import local_today
from tests.api.helpers import assert_error_shape
from tests.builders import Org, make_guide_version
from tests.conftest import HttpsClient

SESSIONS = "/api/v1/coaching-sessions"
MARKER = "PRIVATE-NOTE-MARKER"
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
SESSION_KEYS = {
    "id",
    "client_uuid",
    "rep_id",
    "manager_id",
    "guide_version_id",
    "type",
    "occurred_on",
    "account_id",
    "plan_id",
    "ratings",
    "strengths",
    "development_focus",
    "follow_ups",
    "status",
    "version",
    "shared_at",
    "acknowledgement",
    "addendum",
    "self_assessment",
}

Call = Callable[..., TestResponse]


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    """call("manager", "GET", url, json=..., if_match=3): the API as one person of the org."""
    tokens: dict[str, str] = {}

    def request(
        who: str, method: str, url: str, json: Any = None, if_match: int | str | None = None
    ) -> TestResponse:
        if who not in tokens:
            with app.app_context():
                tokens[who], _ = issue_api_token(db, org.people[who])
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"' if isinstance(if_match, int) else if_match
        return client.open(url, method=method, headers=headers, json=json)

    return request


def competency_ids(org: Org) -> list[int]:
    return [r.competency_id for r in org.notes["draft"].ratings]


def new_note_body(org: Org, **extra: Any) -> dict[str, Any]:
    first, second = competency_ids(org)
    body: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "rep_id": org.people["rep"].id,
        "guide_version_id": org.notes["draft"].guide_version_id,
        "type": "ride_along",
        "occurred_on": local_today(org.people["manager"].timezone).isoformat(),
        "ratings": [
            {"competency_id": first, "score": 3, "evidence": "Asked about the P&T timeline"},
            {"competency_id": second, "score": None, "evidence": ""},
        ],
        "strengths": "Clear opening",
        "development_focus": "Involve the MSL earlier",
        "private_notes": "SECRET-CREATE-NOTE",
        "follow_ups": [{"title": "Send the dossier", "due_date": TOMORROW}],
    }
    body.update(extra)
    return body


def ids(response: TestResponse) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["id"] for item in response.get_json() or ()}


def url_of(org: Org, name: str) -> str:
    return f"{SESSIONS}/{org.notes[name].id}"


# Guides ------------------------------------------------------------------------------------


def test_guides_are_the_published_versions_with_the_scale(call: Call, org: Org) -> None:
    response = call("rep", "GET", "/api/v1/guides")
    assert response.status_code == 200
    guides = response.get_json()
    assert isinstance(guides, list) and guides
    version_id = org.notes["draft"].guide_version_id
    [guide] = [g for g in guides if g["id"] == version_id]
    assert {"id", "name", "version", "scale", "sections"} <= set(guide)
    assert guide["scale"] == [{"value": v, "label": label} for v, label in RATING_SCALE]
    assert [s["value"] for s in guide["scale"]] == [1, 2, 3, 4]
    assert guide["scale"][0]["label"] == "Developing" and guide["scale"][3]["label"] == "Role model"
    assert guide["not_observed"] == {"value": None, "label": "Not observed"}
    [section] = guide["sections"]
    assert section["title"] == "Collaboration"
    assert [c["id"] for c in section["competencies"]] == competency_ids(org)
    for competency in section["competencies"]:
        assert {"id", "name", "indicators", "questions"} <= set(competency)
        assert competency["indicators"] and competency["questions"]


def test_one_guide_version_and_drafts_are_not_found(call: Call, db: Session, org: Org) -> None:
    version_id = org.notes["draft"].guide_version_id
    ok = call("director", "GET", f"/api/v1/guides/{version_id}")
    assert ok.status_code == 200 and ok.get_json()["id"] == version_id
    draft = make_guide_version(db)
    draft.status = GuideStatus.DRAFT
    db.commit()
    assert_error_shape(call("manager", "GET", f"/api/v1/guides/{draft.id}"), 404)
    assert_error_shape(call("manager", "GET", "/api/v1/guides/999999999"), 404)


# Creating ---------------------------------------------------------------------------------


def test_create_is_idempotent_by_client_uuid(call: Call, db: Session, org: Org) -> None:
    body = new_note_body(org)
    first = call("manager", "POST", SESSIONS, json=body)
    assert first.status_code == 201, first.get_data(as_text=True)
    created = first.get_json()
    assert first.headers["ETag"] == f'"{created["version"]}"'
    assert SESSION_KEYS | {"private_notes"} <= set(created)
    assert created["client_uuid"] == body["client_uuid"]
    assert created["status"] == "draft" and created["acknowledgement"] is None
    assert created["manager_id"] == org.people["manager"].id
    assert created["private_notes"] == "SECRET-CREATE-NOTE"
    assert [(r["competency_id"], r["score"]) for r in created["ratings"]] == [
        (competency_ids(org)[0], 3),
        (competency_ids(org)[1], None),
    ]
    [follow_up] = created["follow_ups"]
    assert follow_up["owner_id"] == org.people["rep"].id and follow_up["due_date"] == TOMORROW
    assert follow_up["status"] == "open"

    # The phone replays its queue: the same note, 200, nothing new.
    again = call("manager", "POST", SESSIONS, json={**body, "strengths": "Replayed"})
    assert again.status_code == 200
    assert again.get_json()["id"] == created["id"]
    assert again.get_json()["strengths"] == "Clear opening"
    assert again.headers["ETag"] == first.headers["ETag"]
    count = db.scalar(
        select(func.count())
        .select_from(Note)
        .where(Note.client_uuid == uuid.UUID(body["client_uuid"]))
    )
    assert count == 1


def test_client_uuid_of_another_managers_note_conflicts(call: Call, org: Org) -> None:
    body = new_note_body(org, client_uuid=str(org.notes["other_team"].client_uuid))
    assert_error_shape(call("manager", "POST", SESSIONS, json=body), 409)


def test_create_defaults_and_plan(call: Call, db: Session, org: Org) -> None:
    plan = org.plans["rep"]
    response = call(
        "manager",
        "POST",
        SESSIONS,
        json={"rep_id": org.people["rep"].id, "plan_id": plan.id, "type": "plan_review"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["plan_id"] == plan.id and body["account_id"] == plan.account_id
    assert body["type"] == "plan_review" and body["ratings"] == [] and body["follow_ups"] == []
    version = db.get(GuideVersion, body["guide_version_id"])
    assert version is not None and version.status == GuideStatus.PUBLISHED
    uuid.UUID(body["client_uuid"])


def test_only_the_reps_manager_creates(call: Call, org: Org) -> None:
    for who in ("rep", "director", "admin"):
        assert_error_shape(call(who, "POST", SESSIONS, json=new_note_body(org)), 403)
    # manager2 does not manage rep: the rep is not found.
    assert_error_shape(call("manager2", "POST", SESSIONS, json=new_note_body(org)), 404)
    far = new_note_body(org, rep_id=org.people["far_rep"].id)
    assert_error_shape(call("manager", "POST", SESSIONS, json=far), 404)
    # A plan the manager cannot see, and a plan that is not the rep's.
    hidden = new_note_body(org, plan_id=org.plans["far"].id)
    assert_error_shape(call("manager", "POST", SESSIONS, json=hidden), 404)
    not_reps = new_note_body(org, rep_id=org.people["rep2"].id)
    not_reps["plan_id"] = org.plans["other_rep_with_rep"].id
    error = assert_error_shape(call("manager", "POST", SESSIONS, json=not_reps), 422)
    assert "plan_id" in error["fields"]


# Validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ratings": [{"competency_id": "FIRST", "score": 5}]}, "ratings"),
        ({"ratings": [{"competency_id": "FIRST", "score": 0}]}, "ratings"),
        ({"ratings": [{"competency_id": "FIRST", "score": "3"}]}, "ratings"),
        ({"ratings": [{"competency_id": "FIRST", "score": 2.5}]}, "ratings"),
        ({"ratings": [{"competency_id": "FIRST", "score": 3}] * 2}, "ratings"),
        ({"ratings": [{"score": 3}]}, "ratings"),
        ({"follow_ups": [{"title": "Send the dossier"}]}, "follow_ups"),
        ({"follow_ups": [{"title": "Send it", "due_date": None}]}, "follow_ups"),
        ({"follow_ups": [{"title": "", "due_date": TOMORROW}]}, "follow_ups"),
        ({"follow_ups": [{"title": "x", "due_date": "2026-02-30"}]}, "follow_ups"),
        ({"occurred_on": "yesterday"}, "occurred_on"),
        ({"occurred_on": "2026-13-01"}, "occurred_on"),
        ({"type": "lunch"}, "type"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
        ({"mood": "great"}, "mood"),
        ({"strengths": "nul \x00 byte"}, "strengths"),
        ({"account_id": 999_999_999}, "account_id"),
    ],
)
def test_create_refuses_invalid_input(
    call: Call, org: Org, change: dict[str, Any], field: str
) -> None:
    body = new_note_body(org, **change)
    for rating in body["ratings"]:
        if rating.get("competency_id") == "FIRST":
            rating["competency_id"] = competency_ids(org)[0]
    error = assert_error_shape(call("manager", "POST", SESSIONS, json=body), 422)
    assert field in error["fields"], error


def test_unknown_competency_is_refused(call: Call, db: Session, org: Org) -> None:
    other_guide = make_guide_version(db)
    db.commit()
    foreign = other_guide.sections[0].competencies[0].id
    body = new_note_body(org, ratings=[{"competency_id": foreign, "score": 2}])
    error = assert_error_shape(call("manager", "POST", SESSIONS, json=body), 422)
    assert error["fields"] == {"ratings": {"0": {"competency_id": ["Not in the guide used."]}}}
    missing = new_note_body(org, ratings=[{"competency_id": 999_999_999, "score": 2}])
    assert_error_shape(call("manager", "POST", SESSIONS, json=missing), 422)
    # PATCH checks against the session's own guide version too.
    url = url_of(org, "draft")
    patched = call(
        "manager", "PATCH", url, json={"ratings": [{"competency_id": foreign}]}, if_match=1
    )
    assert_error_shape(patched, 422)


def test_patch_refuses_invalid_input(call: Call, org: Org) -> None:
    url = url_of(org, "draft")
    for body in (
        {"ratings": [{"competency_id": competency_ids(org)[0], "score": 7}]},
        {"follow_ups": [{"title": "No date"}]},
        {"occurred_on": "31/12/2026"},
        {"occurred_on": None},
        {"rep_id": org.people["rep2"].id},
        {"status": "acknowledged"},
        {"version": 9},
    ):
        assert_error_shape(call("manager", "PATCH", url, json=body, if_match=1), 422)
    assert call("manager", "GET", url).get_json()["version"] == 1


# Reading and scope ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("rep", {"shared", "acknowledged"}),
        ("rep2", set()),
        ("other_rep", {"other_team"}),
        ("manager", {"draft", "shared", "acknowledged"}),
        ("manager2", {"other_team"}),
        ("director", {"shared", "acknowledged", "other_team"}),
        ("director2", {"far"}),
        ("admin", set()),
    ],
)
def test_each_role_sees_its_sessions(call: Call, org: Org, who: str, expected: set[str]) -> None:
    listed = call(who, "GET", SESSIONS)
    assert listed.status_code == 200
    assert {s["id"] for s in listed.get_json()} == {org.notes[n].id for n in expected}
    for name, note in org.notes.items():
        got = call(who, "GET", f"{SESSIONS}/{note.id}")
        if name in expected:
            assert got.status_code == 200
            assert got.headers["ETag"] == f'"{got.get_json()["version"]}"'
        else:
            assert_error_shape(got, 404)


def test_list_filters(call: Call, org: Org) -> None:
    rep = org.people["rep"]
    mine = call("manager", "GET", f"{SESSIONS}?rep_id={rep.id}").get_json()
    assert {s["status"] for s in mine} == {"draft", "shared", "acknowledged"}
    shared = call("manager", "GET", f"{SESSIONS}?rep_id={rep.id}&status=shared").get_json()
    assert [s["id"] for s in shared] == [org.notes["shared"].id]
    far = call("manager", "GET", f"{SESSIONS}?rep_id={org.people['far_rep'].id}")
    assert far.status_code == 200 and far.get_json() == []
    assert len(call("manager", "GET", f"{SESSIONS}?limit=1").get_json()) == 1
    for query in ("rep_id=abc", "status=lost", "limit=0", "limit=500", "colour=red"):
        assert_error_shape(call("manager", "GET", f"{SESSIONS}?{query}"), 422)


def test_another_teams_sessions_are_not_found(call: Call, org: Org) -> None:
    url = url_of(org, "shared")
    for who in ("manager2", "director2", "other_rep", "rep2", "admin"):
        assert_error_shape(call(who, "GET", url), 404)
        assert_error_shape(call(who, "PATCH", url, json={"strengths": "x"}, if_match=1), 404)
        assert_error_shape(call(who, "POST", f"{url}/share"), 404)
        assert_error_shape(call(who, "POST", f"{url}/acknowledge", json={}), 404)
    # Not found looks exactly like missing.
    missing = call("manager2", "GET", f"{SESSIONS}/999999999")
    assert call("manager2", "GET", url).get_json() == missing.get_json()


def test_rep_and_director_never_see_drafts(call: Call, org: Org) -> None:
    url = url_of(org, "draft")
    for who in ("rep", "director"):
        assert_error_shape(call(who, "GET", url), 404)
        assert org.notes["draft"].id not in ids(call(who, "GET", SESSIONS))
        assert_error_shape(call(who, "PATCH", url, json={"strengths": "x"}, if_match=1), 404)
    assert_error_shape(call("rep", "POST", f"{url}/acknowledge", json={}), 404)


def test_private_notes_only_for_their_author(call: Call, org: Org) -> None:
    url = url_of(org, "shared")
    author = call("manager", "GET", url).get_json()
    assert author["private_notes"] == MARKER
    for who in ("rep", "director"):
        response = call(who, "GET", url)
        assert response.status_code == 200
        assert "private_notes" not in response.get_json()
        assert set(response.get_json()) >= SESSION_KEYS
        assert MARKER not in response.get_data(as_text=True)
        listed = call(who, "GET", SESSIONS)
        assert MARKER not in listed.get_data(as_text=True)
        assert all("private_notes" not in s for s in listed.get_json())
        assert MARKER not in call(who, "GET", "/api/v1/follow-ups?status=all").get_data(
            as_text=True
        )
    # Nor in what the rep gets back from acknowledging or self-assessing.
    for response in (
        call("rep", "PUT", f"{url}/self-assessment", json={"ratings": []}),
        call("rep", "POST", f"{url}/acknowledge", json={"comment": "Agreed"}),
    ):
        assert response.status_code == 200
        assert "private_notes" not in response.get_json()
        assert MARKER not in response.get_data(as_text=True)
    # The director sees the note once shared, never the author's notes.
    acked = call("director", "GET", url)
    assert acked.get_json()["status"] == "acknowledged"
    assert "private_notes" not in acked.get_json()


# Changing -------------------------------------------------------------------------------------


def test_patch_needs_if_match_and_refuses_a_stale_one(call: Call, org: Org) -> None:
    url = url_of(org, "draft")
    current = call("manager", "GET", url)
    version = current.get_json()["version"]
    assert current.headers["ETag"] == f'"{version}"'
    body = {"strengths": "Great use of the plan", "private_notes": "Keep an eye on pacing"}
    assert_error_shape(call("manager", "PATCH", url, json=body), 428)
    assert_error_shape(call("manager", "PATCH", url, json=body, if_match="*"), 428)
    ok = call("manager", "PATCH", url, json=body, if_match=version)
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert ok.get_json()["strengths"] == "Great use of the plan"
    assert ok.headers["ETag"] == f'"{version + 1}"'
    stale = call("manager", "PATCH", url, json={"strengths": "Lost"}, if_match=version)
    error = assert_error_shape(stale, 412)
    assert error["code"] == "precondition_failed"
    assert stale.headers["ETag"] == f'"{version + 1}"'
    weak = call("manager", "PATCH", url, json={"strengths": "Won"}, if_match=f'W/"{version + 1}"')
    assert weak.status_code == 200 and weak.get_json()["strengths"] == "Won"


def test_patch_replaces_ratings_and_follow_ups(call: Call, org: Org) -> None:
    url = url_of(org, "draft")
    first, second = competency_ids(org)
    kept = org.follow_ups["rep_draft"]
    body = {
        "ratings": [{"competency_id": second, "score": 4, "evidence": "Led the huddle"}],
        "follow_ups": [
            {"id": kept.id, "title": "Renamed", "due_date": TOMORROW, "status": "done"},
            {"title": "Book the next ride-along", "due_date": TOMORROW, "owner_id": None},
        ],
        "type": "one_on_one",
        "occurred_on": "2026-01-15",
        "plan_id": org.plans["rep"].id,
    }
    response = call("manager", "PATCH", url, json=body, if_match=1)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert data["ratings"] == [{"competency_id": second, "score": 4, "evidence": "Led the huddle"}]
    assert {(f["title"], f["status"]) for f in data["follow_ups"]} == {
        ("Renamed", "done"),
        ("Book the next ride-along", "open"),
    }
    assert kept.id in {f["id"] for f in data["follow_ups"]}
    assert data["type"] == "one_on_one" and data["occurred_on"] == "2026-01-15"
    assert data["account_id"] == org.plans["rep"].account_id
    cleared = call("manager", "PATCH", url, json={"follow_ups": [], "plan_id": None}, if_match=2)
    assert cleared.status_code == 200
    assert cleared.get_json()["follow_ups"] == [] and cleared.get_json()["plan_id"] is None
    assert first not in {r["competency_id"] for r in cleared.get_json()["ratings"]}


def test_only_the_author_edits(call: Call, org: Org) -> None:
    url = url_of(org, "shared")
    for who in ("rep", "director"):
        error = assert_error_shape(
            call(who, "PATCH", url, json={"strengths": "I was great"}, if_match=1), 403
        )
        assert error["code"] == "forbidden"
        assert_error_shape(call(who, "POST", f"{url}/share"), 403)
    edited = call("manager", "PATCH", url, json={"development_focus": "Ask more"}, if_match=1)
    assert edited.status_code == 200 and edited.get_json()["status"] == "shared"


def test_acknowledged_notes_are_immutable_but_take_an_addendum(call: Call, org: Org) -> None:
    url = url_of(org, "acknowledged")
    before = call("manager", "GET", url).get_json()
    error = assert_error_shape(
        call("manager", "PATCH", url, json={"strengths": "Rewritten"}, if_match=before["version"]),
        409,
    )
    assert "addendum" in error["message"]
    assert_error_shape(call("manager", "PATCH", url, json={"strengths": "x"}), 409)
    added = call("manager", "POST", f"{url}/addendum", json={"text": "Also: great follow-up."})
    assert added.status_code == 200
    after = added.get_json()
    assert after["addendum"].endswith("Also: great follow-up.")
    assert added.headers["ETag"] == f'"{after["version"]}"'
    for key in ("strengths", "development_focus", "ratings", "private_notes", "status"):
        assert after[key] == before[key], key
    assert_error_shape(call("rep", "POST", f"{url}/addendum", json={"text": "Mine"}), 403)
    assert_error_shape(call("director", "POST", f"{url}/addendum", json={"text": "x"}), 403)
    assert_error_shape(call("manager", "POST", f"{url}/addendum", json={"text": ""}), 422)
    assert_error_shape(call("manager", "POST", f"{url}/addendum", json={}), 422)
    shared = url_of(org, "shared")
    assert_error_shape(call("manager", "POST", f"{shared}/addendum", json={"text": "x"}), 409)
    # Acknowledging or sharing again changes nothing.
    assert call("rep", "POST", f"{url}/acknowledge", json={"comment": "Again"}).status_code == 200
    assert call("manager", "POST", f"{url}/share").get_json()["status"] == "acknowledged"
    final = call("rep", "GET", url).get_json()
    assert final["acknowledgement"]["comment"] == "Thanks, agreed."


# Sharing and acknowledging ---------------------------------------------------------------------


def notifications(db: Session, recipient_id: int, kind: str) -> list[Notification]:
    db.expire_all()
    return list(
        db.scalars(
            select(Notification).where(
                Notification.recipient_id == recipient_id, Notification.kind == kind
            )
        )
    )


def test_share_notifies_the_rep_and_acknowledge_the_manager(
    call: Call, db: Session, org: Org
) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    created = call("manager", "POST", SESSIONS, json=new_note_body(org)).get_json()
    url = f"{SESSIONS}/{created['id']}"
    assert_error_shape(call("rep", "GET", url), 404)
    assert_error_shape(call("rep", "POST", f"{url}/acknowledge", json={}), 404)

    shared = call("manager", "POST", f"{url}/share")
    assert shared.status_code == 200
    body = shared.get_json()
    assert body["status"] == "shared" and body["shared_at"]
    assert shared.headers["ETag"] == f'"{body["version"]}"'
    note_url = f"/notes/{created['id']}"
    [to_rep] = [n for n in notifications(db, rep.id, "note_shared") if n.url == note_url]
    assert call("manager", "POST", f"{url}/share").status_code == 200  # a double tap
    again = [n for n in notifications(db, rep.id, "note_shared") if n.url == note_url]
    assert len(again) == 1  # once per note

    seen = call("rep", "GET", url)
    assert seen.status_code == 200 and "private_notes" not in seen.get_json()
    assert_error_shape(call("manager", "POST", f"{url}/acknowledge", json={}), 403)
    assert_error_shape(call("rep", "POST", f"{url}/acknowledge", json={"comment": 5}), 422)
    assert_error_shape(call("rep", "POST", f"{url}/acknowledge", json={"extra": 1}), 422)
    acked = call("rep", "POST", f"{url}/acknowledge", json={"comment": "Will do, thanks"})
    assert acked.status_code == 200
    ack = acked.get_json()["acknowledgement"]
    assert acked.get_json()["status"] == "acknowledged"
    assert ack["comment"] == "Will do, thanks" and ack["at"]
    [to_manager] = notifications(db, manager.id, "note_acknowledged")
    assert to_manager.url == f"/notes/{created['id']}"
    for note in (to_rep, to_manager):
        text = f"{note.title} {note.body}"
        for secret in ("SECRET-CREATE-NOTE", "Clear opening", "Involve the MSL"):
            assert secret not in text
        # The push (a lock screen) carries neither the note nor the rep's reply.
        assert "Will do" not in payload_for(note).decode()
    assert to_manager.body == "Will do, thanks"  # in the manager's inbox, after sign-in
    assert call("manager", "GET", url).get_json()["acknowledgement"]["comment"] == (
        "Will do, thanks"
    )


def test_acknowledge_without_comment_does_not_notify(call: Call, db: Session, org: Org) -> None:
    url = url_of(org, "shared")
    acked = call("rep", "POST", f"{url}/acknowledge")
    assert acked.status_code == 200
    assert acked.get_json()["acknowledgement"]["comment"] is None
    assert notifications(db, org.people["manager"].id, "note_acknowledged") == []


def test_a_rep_cannot_acknowledge_someone_elses_note(call: Call, org: Org) -> None:
    for who, name in (("rep2", "shared"), ("other_rep", "shared"), ("rep", "other_team")):
        response = call(who, "POST", f"{url_of(org, name)}/acknowledge", json={"comment": "Mine"})
        assert_error_shape(response, {403, 404})
    assert call("manager", "GET", url_of(org, "shared")).get_json()["status"] == "shared"


def test_self_assessment_by_the_rep(call: Call, org: Org) -> None:
    url = url_of(org, "shared")
    first, second = competency_ids(org)
    ratings = [{"competency_id": first, "score": 2}, {"competency_id": second, "score": None}]
    response = call("rep", "PUT", f"{url}/self-assessment", json={"ratings": ratings})
    assert response.status_code == 200
    assert response.get_json()["self_assessment"]["ratings"] == ratings
    assert call("manager", "GET", url).get_json()["self_assessment"]["ratings"] == ratings
    assert_error_shape(call("manager", "PUT", f"{url}/self-assessment", json={"ratings": []}), 403)
    assert_error_shape(call("rep2", "PUT", f"{url}/self-assessment", json={"ratings": []}), 404)
    for bad in (
        [{"competency_id": first, "score": 5}],
        [{"competency_id": 999_999_999, "score": 1}],
        [{"competency_id": first}],
    ):
        assert_error_shape(call("rep", "PUT", f"{url}/self-assessment", json={"ratings": bad}), 422)
    assert_error_shape(call("rep", "PUT", f"{url}/self-assessment", json={"mood": 3}), 422)
    # The manager's ratings are open to the rep now: the self-rating is final (blind).
    assert_error_shape(call("rep", "PUT", f"{url}/self-assessment", json={}), 409)


# Follow-ups -------------------------------------------------------------------------------------


def test_follow_ups_list_by_status(call: Call, org: Org) -> None:
    f = org.follow_ups
    mine = call("rep", "GET", "/api/v1/follow-ups")
    assert mine.status_code == 200
    rows = mine.get_json()
    # The follow-up on a draft stays with its author until the note is shared.
    assert [r["id"] for r in rows] == [f["rep_shared"].id]
    assert set(rows[0]) >= {"id", "title", "owner_id", "due_date", "status", "session_id"}
    assert rows[0]["session_id"] == org.notes["shared"].id and "action_item_id" in rows[0]
    manager = ids(call("manager", "GET", "/api/v1/follow-ups?status=open"))
    assert manager == {f["rep_shared"].id, f["rep_draft"].id}
    assert call("rep", "GET", "/api/v1/follow-ups?status=done").get_json() == []
    assert ids(call("director2", "GET", "/api/v1/follow-ups?status=all")) == {f["far"].id}
    for query in ("status=late", "status=", "owner=me"):
        assert_error_shape(call("rep", "GET", f"/api/v1/follow-ups?{query}"), 422)


def test_follow_up_owner_or_author_changes_it(call: Call, org: Org) -> None:
    shared = f"/api/v1/follow-ups/{org.follow_ups['rep_shared'].id}"
    later = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    moved = call("rep", "PATCH", shared, json={"due_date": later})
    assert moved.status_code == 200 and moved.get_json()["due_date"] == later
    done = call("manager", "PATCH", shared, json={"status": "done"})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert call("rep", "GET", "/api/v1/follow-ups").get_json() == []
    done_list = call("rep", "GET", "/api/v1/follow-ups?status=done").get_json()
    assert [r["status"] for r in done_list] == ["done"]
    assert_error_shape(call("director", "PATCH", shared, json={"status": "open"}), 403)
    for who in ("rep2", "manager2", "director2", "admin"):
        assert_error_shape(call(who, "PATCH", shared, json={"status": "open"}), 404)
    draft = f"/api/v1/follow-ups/{org.follow_ups['rep_draft'].id}"
    assert_error_shape(call("rep", "PATCH", draft, json={"status": "done"}), 404)
    for body in ({"status": "late"}, {"due_date": "soon"}, {"due_date": None}, {"owner_id": 1}):
        assert_error_shape(call("rep", "PATCH", shared, json=body), 422)
    assert_error_shape(call("rep", "PATCH", "/api/v1/follow-ups/999999999", json={}), 404)


def test_follow_up_linked_to_a_plan_action_completes_it(call: Call, db: Session, org: Org) -> None:
    plan = org.plans["rep"]
    action = PlanActionItem(
        plan_id=plan.id, title="Send the RWE deck", owner_id=org.people["rep"].id
    )
    far_action = PlanActionItem(
        plan_id=org.plans["far"].id, title="Not yours", owner_id=org.people["far_rep"].id
    )
    db.add_all([action, far_action])
    db.commit()
    follow_up = {"title": "Send the RWE deck", "due_date": TOMORROW, "action_item_id": action.id}
    body = new_note_body(org, plan_id=plan.id, follow_ups=[follow_up])
    created = call("manager", "POST", SESSIONS, json=body)
    assert created.status_code == 201, created.get_data(as_text=True)
    [linked] = created.get_json()["follow_ups"]
    assert linked["action_item_id"] == action.id
    call("manager", "POST", f"{SESSIONS}/{created.get_json()['id']}/share")

    done = call("rep", "PATCH", f"/api/v1/follow-ups/{linked['id']}", json={"status": "done"})
    assert done.status_code == 200 and done.get_json()["action_item_id"] == action.id
    db.expire_all()
    refreshed = db.get(PlanActionItem, action.id)
    assert refreshed is not None and refreshed.status == ActionStatus.DONE
    assert refreshed.completed_at is not None
    reopened = call("rep", "PATCH", f"/api/v1/follow-ups/{linked['id']}", json={"status": "open"})
    assert reopened.status_code == 200
    db.expire_all()
    assert db.get(PlanActionItem, action.id).status == ActionStatus.OPEN  # type: ignore[union-attr]

    # An action of a plan the manager cannot see cannot be linked.
    hidden = {"title": "x", "due_date": TOMORROW, "action_item_id": far_action.id}
    error = assert_error_shape(
        call("manager", "POST", SESSIONS, json=new_note_body(org, follow_ups=[hidden])), 422
    )
    assert "follow_ups" in error["fields"]


def test_anonymous_calls_are_refused(client: HttpsClient, org: Org) -> None:
    for method, url in (
        ("GET", "/api/v1/guides"),
        ("GET", SESSIONS),
        ("POST", SESSIONS),
        ("GET", url_of(org, "shared")),
        ("PATCH", url_of(org, "shared")),
        ("POST", f"{url_of(org, 'shared')}/acknowledge"),
        ("GET", "/api/v1/follow-ups"),
    ):
        response = client.open(url, method=method, json={"comment": "x"})
        assert_error_shape(response, 401)
