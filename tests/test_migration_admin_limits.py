"""Migration 0017 on a database that already has people: someone who still has a password an
admin chose gets 72 hours from the upgrade to replace it, nobody else gets an expiry; one
change per person waits for a second admin at a time."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from coachapp import create_app, migrate
from tests.conftest import settings_for

NOW = "2026-01-01 00:00:00+00:00"


def _request(connection: Connection, request_id: int, user_id: int, status: str) -> None:
    connection.execute(
        text(
            "INSERT INTO account_change_requests (id, user_id, requested_by_id, changes, status,"
            " created_at, decided_by_id, decided_at) VALUES (:id, :user_id, 1, :changes,"
            " :status, :now, :decided_by, :decided_at)"
        ),
        {
            "id": request_id,
            "user_id": user_id,
            "changes": '{"role": ["admin", "director"]}',
            "status": status,
            "now": NOW,
            "decided_by": None if status == "pending" else 3,
            "decided_at": None if status == "pending" else NOW,
        },
    )


def test_0017_gives_pending_temporary_passwords_72_hours_and_one_request_per_person(
    empty_database_url: str,
) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0016")
    with engine.begin() as connection:
        for user_id, role, must_change in (
            (1, "admin", False),
            (2, "rep", True),
            (3, "admin", False),
        ):
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, role, function, timezone,"
                    " active, region, must_change_password, created_at, updated_at) VALUES (:id,"
                    " :email, 'A', 'x', :role, 'other', 'UTC', true, '', :must, :now, :now)"
                ),
                {
                    "id": user_id,
                    "email": f"person{user_id}@example.com",
                    "role": role,
                    "must": must_change,
                    "now": NOW,
                },
            )

    before = dt.datetime.now(dt.UTC)
    migrate.upgrade(app)
    with engine.connect() as connection:
        expiries = dict(
            connection.execute(text("SELECT id, temporary_password_expires_at FROM users")).all()
        )
    assert expiries[1] is None and expiries[3] is None
    expiry = expiries[2]
    if isinstance(expiry, str):  # SQLite hands back text
        expiry = dt.datetime.fromisoformat(expiry)
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=dt.UTC)
    assert dt.timedelta(hours=71.9) < expiry - before <= dt.timedelta(hours=72, minutes=1)

    with engine.begin() as connection:
        _request(connection, 1, 1, "pending")
        _request(connection, 2, 1, "approved")
        _request(connection, 3, 1, "declined")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _request(connection, 4, 1, "pending")  # a second one waiting for the same person
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text("UPDATE account_change_requests SET decided_at = NULL WHERE id = 2")
        )  # decided without a time

    migrate.downgrade(app, "0016")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 3
    engine.dispose()
