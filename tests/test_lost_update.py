"""Two people changing one note at the same moment: whoever writes second is refused with a
conflict (409 or 412) and nothing of theirs is half-saved, never a 500. The other writer's
commit is made to land between the request's read and its write, on the test's connection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, event, select, text
from sqlalchemy.orm import Session

from coachapp import create_app, migrate
from coachapp.models import Note, NoteStatus
from tests.builders import Org, build_org
from tests.conftest import BACKENDS, HttpsClient, login, new_database_url, settings_for

BUMP_SQLITE = "UPDATE coaching_sessions SET version = version + 1 WHERE id = ?"
BUMP_POSTGRESQL = "UPDATE coaching_sessions SET version = version + 1 WHERE id = %s"


@pytest.fixture
def someone_else_writes_first(connection: Connection) -> Iterator[dict[str, int]]:
    """Set ["note"] to a note's id: just before the request's own UPDATE of coaching notes,
    another writer bumps that note's version (as a commit from another tab or phone would);
    ["bumped"] counts how often that happened."""
    armed: dict[str, int] = {"bumped": 0}

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if armed["bumped"] or "note" not in armed:
            return
        if statement.lstrip().upper().startswith("UPDATE COACHING_SESSIONS"):
            armed["bumped"] += 1
            bump = BUMP_SQLITE if conn.dialect.name == "sqlite" else BUMP_POSTGRESQL
            cursor.execute(bump, (armed["note"],))

    event.listen(connection, "before_cursor_execute", before)
    yield armed
    event.remove(connection, "before_cursor_execute", before)


def test_an_acknowledgement_that_crosses_another_change_is_refused_not_a_500(
    client: HttpsClient,
    db: Session,
    org: Org,
    login_as: Any,
    someone_else_writes_first: dict[str, int],
) -> None:
    note = org.notes["shared"]
    login_as("rep")
    someone_else_writes_first["note"] = note.id
    answer = client.post_form(f"/notes/{note.id}/acknowledge", {"comment": "Agreed"})
    assert someone_else_writes_first["bumped"] == 1
    assert answer.status_code in {409, 412}, answer.status_code
    db.expire_all()
    assert db.scalar(select(Note.status).where(Note.id == note.id)) == (NoteStatus.SHARED)
    assert db.execute(text("SELECT 1")).scalar() == 1  # the connection is usable afterwards


# SQLite has one writer at a time: the other tab's write waits for this request's, so the two
# cannot cross there; on PostgreSQL they can.
@pytest.fixture(params=[backend for backend in BACKENDS if backend == "postgresql"])
def committed_org(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, dict[str, Any]]]:
    """An app on a database of its own with the org committed, so that a second connection
    can commit between a request's read and its write, as another tab's request would."""
    for url in new_database_url(request.param, tmp_path_factory):
        app = create_app(settings_for(url))
        app.test_client_class = HttpsClient
        migrate.upgrade(app)
        database = app.extensions["coachapp.db"]
        with app.app_context():
            db = database.sessionmaker()
            org = build_org(db)
            db.commit()
            named = {
                "manager": org.people["manager"].email,
                "rep": org.people["rep"].email,
                "draft": org.notes["draft"].id,
                "follow_up": org.follow_ups["rep_shared"].id,
            }
            db.close()
        yield app, named
        database.engine.dispose()


def test_two_tabs_sharing_one_draft_at_once_both_see_it_shared(
    committed_org: tuple[Flask, dict[str, Any]],
) -> None:
    """The other tab's share commits between this request's read and its write: sharing twice
    is harmless, so this one answers with the shared note (200), not a conflict."""
    app, named = committed_org
    manager, note_id = named["manager"], named["draft"]
    engine = app.extensions["coachapp.db"].engine
    other_tab = {"shared": 0}

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if other_tab["shared"] or not statement.lstrip().upper().startswith(
            "UPDATE COACHING_SESSIONS"
        ):
            return
        other_tab["shared"] = 1
        with engine.begin() as other:
            other.execute(
                text(
                    "UPDATE coaching_sessions SET version = version + 1, status = 'shared',"
                    " shared_at = CURRENT_TIMESTAMP WHERE id = :id"
                ),
                {"id": note_id},
            )

    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert login(client, manager).status_code == 302
    token = client.csrf_token("/me")
    event.listen(engine, "before_cursor_execute", before)
    try:
        answer = client.post(
            f"/api/v1/coaching-sessions/{note_id}/share", headers={"X-CSRFToken": token}
        )
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert other_tab["shared"] == 1
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "shared"


def test_done_twice_at_once_is_done_once(committed_org: tuple[Flask, dict[str, Any]]) -> None:
    """A rep's "Done" sent twice at the same moment (a double tap, a replay after lost signal
    beside its original): the other request marks the follow-up done between this request's
    read and its write. This one then finds it done, changes nothing and audits nothing."""
    app, named = committed_org
    follow_up_id = named["follow_up"]
    engine = app.extensions["coachapp.db"].engine
    other_request = {"done": 0}

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        said = statement.lstrip().upper()
        writes = said.startswith("UPDATE FOLLOW_UPS") or (
            said.startswith("SELECT") and "FOLLOW_UPS" in said and "FOR UPDATE" in said
        )
        if other_request["done"] or not writes:
            return
        other_request["done"] = 1
        with engine.begin() as other:
            other.execute(
                text(
                    "UPDATE follow_ups SET status = 'done', completed_at = CURRENT_TIMESTAMP"
                    " WHERE id = :id"
                ),
                {"id": follow_up_id},
            )

    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert login(client, named["rep"]).status_code == 302
    token = client.csrf_token("/me")
    event.listen(engine, "before_cursor_execute", before)
    try:
        answer = client.patch(
            f"/api/v1/follow-ups/{follow_up_id}",
            json={"status": "done"},
            headers={"X-CSRFToken": token},
        )
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert other_request["done"] == 1
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "done"
    with engine.connect() as conn:
        audited = conn.execute(
            text(
                "SELECT count(*) FROM audit_events"
                " WHERE action = 'follow_up.update' AND object_id = :id"
            ),
            {"id": follow_up_id},
        ).scalar()
    assert audited == 0, "the request that found it done changed and audited it again"
