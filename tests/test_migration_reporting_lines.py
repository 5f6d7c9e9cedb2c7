"""Migration 0018 on a database that already has people: everyone with a manager gets one open
reporting line, starting when the audit trail last saw their manager change (else when they
were added); nobody else gets one, and nothing else changes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, inspect, text

from coachapp import create_app, migrate
from tests.conftest import settings_for

ADDED = "2026-01-01 00:00:00+00:00"
MOVED = "2026-03-04 09:30:00+00:00"
RENAMED = "2026-05-06 10:00:00+00:00"


def _person(connection: Connection, user_id: int, role: str, manager_id: int | None) -> None:
    connection.execute(
        text(
            "INSERT INTO users (id, email, name, password_hash, role, function, manager_id,"
            " timezone, active, region, must_change_password, created_at, updated_at) VALUES"
            " (:id, :email, :name, 'x', :role, 'sales', :manager, 'UTC', true, '', false, :at,"
            " :at)"
        ),
        {
            "id": user_id,
            "email": f"p{user_id}@example.com",
            "name": f"Person {user_id}",
            "role": role,
            "manager": manager_id,
            "at": ADDED,
        },
    )


def _audited(
    connection: Connection,
    event_id: int,
    at: str,
    user_id: int,
    changes: dict[str, list[Any]],
    action: str = "user.update",
) -> None:
    connection.execute(
        text(
            "INSERT INTO audit_events (id, at, actor_id, action, object_type, object_id, details)"
            " VALUES (:id, :at, 1, :action, 'user', :user, :details)"
        ),
        {
            "id": event_id,
            "at": at,
            "action": action,
            "user": user_id,
            "details": json.dumps({"changes": changes}),
        },
    )


def test_0018_gives_everyone_with_a_manager_one_open_line(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0017")
    with engine.begin() as connection:
        _person(connection, 1, "director", None)
        _person(connection, 2, "manager", 1)
        _person(connection, 3, "manager", 1)
        _person(connection, 4, "rep", 3)  # moved from 2 to 3 on the people page
        _person(connection, 5, "rep", 3)  # moved by the org import, then renamed
        _person(connection, 6, "rep", 2)  # never moved
        _person(connection, 7, "rep", 2)  # moved by a change a second admin approved
        _audited(connection, 1, MOVED, 4, {"manager_id": ["2", "3"]})
        _audited(connection, 2, MOVED, 5, {"manager_email": ["p2@example.com", "p3@example.com"]})
        _audited(connection, 3, RENAMED, 5, {"name": ["Person 5", "Pat Five"]})
        _audited(connection, 4, RENAMED, 7, {"manager_id": [3, 2]}, "user.change_approved")
    migrate.upgrade(app)
    with engine.connect() as connection:
        lines = connection.execute(
            text(
                "SELECT user_id, manager_id, started_at, ended_at FROM reporting_lines"
                " ORDER BY user_id"
            )
        ).all()
        managers = connection.execute(text("SELECT id, manager_id FROM users ORDER BY id")).all()
    started = {row.user_id: _utc(row.started_at) for row in lines}
    assert [(row.user_id, row.manager_id, row.ended_at) for row in lines] == [
        (2, 1, None),
        (3, 1, None),
        (4, 3, None),
        (5, 3, None),
        (6, 2, None),
        (7, 2, None),
    ]
    assert started == {
        2: _utc(ADDED),
        3: _utc(ADDED),
        4: _utc(MOVED),
        5: _utc(MOVED),
        6: _utc(ADDED),
        7: _utc(RENAMED),
    }
    assert [tuple(row) for row in managers] == [
        (1, None),
        (2, 1),
        (3, 1),
        (4, 3),
        (5, 3),
        (6, 2),
        (7, 2),
    ]
    migrate.downgrade(app, "0017")
    assert "reporting_lines" not in inspect(engine).get_table_names()
    engine.dispose()


def _utc(value: str | dt.datetime) -> dt.datetime:
    """A timestamp as either database gives it back, as aware UTC."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
