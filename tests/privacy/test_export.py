"""Each person's export of what Coachapp holds about them (coachapp.privacy.export): complete
(every table referring to a person is exported or excluded with a reason), read through the
same visibility rules as the pages, and free of secrets."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.db import Base
from coachapp.models import AuditEvent, PushSubscription
from coachapp.privacy.export import EXCLUDED, EXPORTED, export_coaching_history, export_person
from coachapp.privacy.sections import SECTION_TITLES
from tests.access_matrix import PRIVATE_NOTE_MARKER
from tests.builders import Org
from tests.conftest import HttpsClient, signed_in


def _tables_referring_to_users() -> set[str]:
    return {
        table.name
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name == "users"
    }


def test_every_table_referring_to_a_person_is_exported_or_excluded_with_a_reason() -> None:
    referring = _tables_referring_to_users()
    assert "coaching_sessions" in referring  # the walk finds them
    uncovered = referring - set(EXPORTED) - set(EXCLUDED)
    assert not uncovered, (
        f"{sorted(uncovered)} refer to users.id: add each to EXPORTED in "
        "coachapp/privacy/export.py (and the section that carries it), or to EXCLUDED with why"
    )
    assert not set(EXPORTED) & set(EXCLUDED)
    assert all(reason.strip() for reason in EXCLUDED.values())
    # Nothing listed that is not a table referring to a person any more.
    assert set(EXPORTED) | set(EXCLUDED) <= referring


def test_every_exported_section_is_in_the_document_with_a_title(
    db: Session, org: Org, app: Flask
) -> None:
    with app.app_context():
        document = export_person(db, org.people["rep"])
    assert set(EXPORTED.values()) <= set(document)
    assert all(key in SECTION_TITLES for key in document if key not in _HEAD)


_HEAD = {"format", "exported_at", "person_id"}


def _ids(items: list[dict[str, Any]]) -> set[int]:
    return {item["id"] for item in items}


def test_a_rep_gets_their_shared_notes_without_drafts_private_notes_or_hidden_ratings(
    db: Session, org: Org, app: Flask
) -> None:
    with app.app_context():
        document = export_person(db, org.people["rep"])
    notes = {n["id"]: n for n in document["notes"]}
    assert set(notes) == {org.notes["shared"].id, org.notes["acknowledged"].id}
    text = json.dumps(document)
    assert PRIVATE_NOTE_MARKER not in text
    # Not rated themself on the shared note yet: the manager's ratings stay blind.
    shared = notes[org.notes["shared"].id]
    assert shared["ratings"] == [] and shared["ratings_hidden"] is True
    assert notes[org.notes["acknowledged"].id]["ratings"]
    # Every competency a rating names can be read by name.
    named = {c["id"]: c["name"] for c in document["competencies"]}
    rated = {r["competency_id"] for n in notes.values() for r in n["ratings"]}
    assert rated and rated <= set(named) and all(named.values())
    # Their follow-up on the shared note, not the one on the draft.
    follow_ups = _ids(document["follow_ups"])
    assert org.follow_ups["rep_shared"].id in follow_ups
    assert org.follow_ups["rep_draft"].id not in follow_ups
    # Their plans: the one they own and the one they are on.
    plans = {p["id"]: p["role"] for p in document["plans"]}
    assert plans == {
        org.plans["rep"].id: "owner",
        org.plans["other_rep_with_rep"].id: "team member",
    }
    assert _ids(document["notifications"]) == {org.notifications["rep"].id}
    assert "password_hash" not in document["profile"]
    assert document["profile"]["email"] == org.people["rep"].email


def test_the_author_gets_their_drafts_and_private_notes_and_nobody_elses(
    db: Session, org: Org, app: Flask
) -> None:
    with app.app_context():
        document = export_person(db, org.people["manager"])
    notes = {n["id"]: n for n in document["notes"]}
    assert set(notes) == {org.notes[k].id for k in ("draft", "shared", "acknowledged")}
    assert notes[org.notes["draft"].id]["private_notes"] == PRIVATE_NOTE_MARKER
    # The coach-the-coach note their director shared, not the director's draft.
    assert _ids(document["coach_the_coach_notes"]) == {org.coach_notes["shared"].id}
    with app.app_context():
        director = export_person(db, org.people["director"])
    assert _ids(director["coach_the_coach_notes"]) == {
        org.coach_notes["draft"].id,
        org.coach_notes["shared"].id,
    }
    assert director["notes"] == []  # a director writes no coaching notes about reps


def test_observations_about_a_person_only_once_the_note_is_shared(
    db: Session, org: Org, app: Flask
) -> None:
    from tests.builders import make_observation

    author, rep = org.people["msl_manager"], org.people["rep"]
    account = org.plans["rep"].account
    competency = org.notes["shared"].ratings[0].competency
    waiting = make_observation(db, author, rep, account, competency)
    on_shared = make_observation(
        db, author, rep, account, competency, note_id=org.notes["shared"].id
    )
    db.commit()
    with app.app_context():
        about = export_person(db, rep)
        written = export_person(db, author)
    assert _ids(about["observations"]) == {on_shared.id}
    assert {waiting.id, on_shared.id} <= _ids(written["observations"])


def test_devices_are_exported_without_their_keys(db: Session, org: Org, app: Flask) -> None:
    db.add(
        PushSubscription(
            user_id=org.people["rep"].id,
            endpoint="https://push.example.net/send/SECRET-PATH",
            p256dh="KEY-P256DH",
            auth="KEY-AUTH",
            user_agent="Phone",
        )
    )
    db.commit()
    with app.app_context():
        document = export_person(db, org.people["rep"])
    (device,) = document["push_devices"]
    assert device["push_service"] == "push.example.net"
    text = json.dumps(document)
    assert "KEY-P256DH" not in text and "KEY-AUTH" not in text and "SECRET-PATH" not in text


def test_the_api_gives_the_callers_export_and_documents_it(
    app: Flask, org: Org, login_as: Any
) -> None:
    client = login_as("rep")
    answer = client.get("/api/v1/me/export")
    assert answer.status_code == 200
    assert answer.json["person_id"] == org.people["rep"].id
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/me/export" in spec["paths"] or "/me/export" in spec["paths"]


def test_the_me_pages_download_json_and_print(app: Flask, org: Org, login_as: Any) -> None:
    client = login_as("rep")
    assert client.get("/me/export").status_code == 200
    download = client.get("/me/export.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.data)["person_id"] == org.people["rep"].id
    printed = client.get("/me/export/print")
    page = printed.get_data(as_text=True)
    assert printed.status_code == 200 and "Coaching notes" in page
    assert "<style" not in page and " style=" not in page and "<script>" not in page
    assert PRIVATE_NOTE_MARKER not in page


def test_an_admin_exports_anyone_on_request_and_it_is_audited(
    app: Flask, org: Org, db: Session
) -> None:
    admin = signed_in(app, org, "admin")
    rep = org.people["rep"]
    assert admin.get(f"/admin/users/{rep.id}/export").status_code == 200
    answer = admin.post_form(f"/admin/users/{rep.id}/export", {"format": "json"})
    assert answer.status_code == 200
    assert json.loads(answer.data)["person_id"] == rep.id
    printed = admin.post_form(f"/admin/users/{rep.id}/export", {"format": "print"})
    assert printed.status_code == 200 and rep.name in printed.get_data(as_text=True)
    events = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "privacy.export", AuditEvent.object_id == rep.id
        )
    ).all()
    assert [e.details["format"] for e in events] == ["json", "print"]
    assert all(e.actor_id == org.people["admin"].id for e in events)
    # Nobody else exports another person's whole record.
    manager: HttpsClient = signed_in(app, org, "manager")
    assert manager.get(f"/admin/users/{rep.id}/export").status_code == 404


def test_a_manager_exports_a_reps_coaching_history_within_scope_only(
    app: Flask, org: Org, db: Session
) -> None:
    rep = org.people["rep"]
    manager = signed_in(app, org, "manager")
    answer = manager.post_form(f"/people/{rep.id}/coaching-history", {"format": "json"})
    assert answer.status_code == 200
    document = json.loads(answer.data)
    assert _ids(document["notes"]) == {org.notes["shared"].id, org.notes["acknowledged"].id}
    assert PRIVATE_NOTE_MARKER not in answer.get_data(as_text=True)
    assert db.scalars(
        select(AuditEvent).where(AuditEvent.action == "privacy.coaching_history_export")
    ).all()
    for outsider in ("manager2", "rep2", "msl_manager", "admin", "director2"):
        client = signed_in(app, org, outsider)
        assert client.get(f"/people/{rep.id}/coaching-history").status_code == 404, outsider
        assert (
            client.post_form(f"/people/{rep.id}/coaching-history", {"format": "json"}).status_code
            == 404
        ), outsider
    # The director above sees the same shared history.
    director = signed_in(app, org, "director")
    assert director.get(f"/people/{rep.id}/coaching-history").status_code == 200


def test_the_transfer_export_leaves_out_private_notes(db: Session, org: Org, app: Flask) -> None:
    with app.app_context():
        document = export_coaching_history(db, org.people["manager"], org.people["rep"])
    assert all("private_notes" not in note for note in document["notes"])
