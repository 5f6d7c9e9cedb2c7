"""Migration 0015 on a database that already has coaching notes: every note keeps its type,
a draft may then have none, and a shared note still needs one."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from coachapp import create_app, migrate
from tests.conftest import settings_for

NOW = "2026-01-01 00:00:00+00:00"


def _note(connection: Connection, note_id: int, kind: str | None, status: str) -> None:
    connection.execute(
        text(
            "INSERT INTO coaching_sessions (id, client_uuid, manager_id, rep_id, guide_version_id,"
            " type, occurred_on, status, strengths, development_focus, private_notes, shared_at,"
            " version, created_at, updated_at) VALUES (:id, :uuid, 1, 2, 1, :type, '2026-01-02',"
            " :status, 'Asked the CFO about the vote', 'Summarise first', '', :shared, 1, :now,"
            " :now)"
        ),
        {
            "id": note_id,
            "uuid": f"00000000-0000-4000-8000-00000000000{note_id}",
            "type": kind,
            "status": status,
            "shared": None if status == "draft" else NOW,
            "now": NOW,
        },
    )


def test_0015_keeps_every_type_and_lets_a_draft_have_none(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0014")
    with engine.begin() as connection:
        for user_id, role in ((1, "manager"), (2, "rep")):
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, role, function, timezone,"
                    " active, region, must_change_password, created_at, updated_at) VALUES (:id,"
                    " :email, 'A', 'x', :role, 'sales', 'UTC', true, '', false, :now, :now)"
                ),
                {"id": user_id, "email": f"{role}@example.com", "role": role, "now": NOW},
            )
        connection.execute(
            text(
                "INSERT INTO coaching_guides (id, name, description, target_functions,"
                " created_at) VALUES (1, 'Guide', '', '[]', :now)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO guide_versions (id, guide_id, number, status, created_at)"
                " VALUES (1, 1, 1, 'published', :now)"
            ),
            {"now": NOW},
        )
        _note(connection, 1, "one_on_one", "shared")
        _note(connection, 2, "ride_along", "draft")

    migrate.upgrade(app)
    with engine.begin() as connection:
        kinds = dict(connection.execute(text("SELECT id, type FROM coaching_sessions")).all())
        assert kinds == {1: "one_on_one", 2: "ride_along"}
        _note(connection, 3, None, "draft")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _note(connection, 4, None, "shared")

    # Back down, a draft without a type takes the one every note had before types were chosen.
    migrate.downgrade(app, "0014")
    with engine.connect() as connection:
        kinds = dict(connection.execute(text("SELECT id, type FROM coaching_sessions")).all())
    assert kinds == {1: "one_on_one", 2: "ride_along", 3: "ride_along"}
    engine.dispose()
