"""Two people changing one note at the same moment: whoever writes second is refused with a
conflict (409 or 412) and nothing of theirs is half-saved, never a 500. The other writer's
commit is made to land between the request's read and its write, on the test's connection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, event, select, text
from sqlalchemy.orm import Session

from coachapp.models import CoachingSession, SessionStatus
from tests.builders import Org
from tests.conftest import HttpsClient

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
    note = org.sessions["shared"]
    login_as("rep")
    someone_else_writes_first["note"] = note.id
    answer = client.post_form(f"/notes/{note.id}/acknowledge", {"comment": "Agreed"})
    assert someone_else_writes_first["bumped"] == 1
    assert answer.status_code in {409, 412}, answer.status_code
    db.expire_all()
    assert db.scalar(select(CoachingSession.status).where(CoachingSession.id == note.id)) == (
        SessionStatus.SHARED
    )
    assert db.execute(text("SELECT 1")).scalar() == 1  # the connection is usable afterwards
