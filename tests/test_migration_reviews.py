"""Migration 0019 (account-team reviews) on a database that already has follow-ups: they keep
their rows with no review; an agreement is on a review or a note, never both; a person
acknowledges a review once; downgrading drops the reviews and keeps the follow-ups."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from coachapp import create_app, migrate
from tests.conftest import settings_for

NOW = "2026-01-01 00:00:00+00:00"
REVISION, BEFORE = "0019", "0018"


def _people_and_a_note(connection: Connection) -> None:
    for user_id, role in ((1, "manager"), (2, "rep")):
        connection.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, function, timezone,"
                " active, region, created_at, updated_at) VALUES (:id, :email, 'A', 'x', :role,"
                " 'sales', 'UTC', true, '', :now, :now)"
            ),
            {"id": user_id, "email": f"person{user_id}@example.com", "role": role, "now": NOW},
        )
    connection.execute(
        text(
            "INSERT INTO accounts (id, name, type, region, created_at)"
            " VALUES (1, 'Acme Health', 'idn', 'West', :now)"
        ),
        {"now": NOW},
    )
    connection.execute(
        text(
            "INSERT INTO coaching_guides (id, name, description, target_functions, created_at)"
            " VALUES (1, 'Guide', '', '[]', :now)"
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
    connection.execute(
        text(
            "INSERT INTO coaching_sessions (id, client_uuid, manager_id, rep_id, guide_version_id,"
            " type, occurred_on, status, strengths, development_focus, private_notes, version,"
            " created_at, updated_at, shared_at) VALUES (1, :uuid, 1, 2, 1, 'ride_along',"
            " '2026-01-01', 'shared', '', '', '', 1, :now, :now, :now)"
        ),
        {"uuid": "0" * 32, "now": NOW},
    )
    connection.execute(
        text(
            "INSERT INTO follow_ups (id, session_id, owner_id, created_by_id, title, due_date,"
            " status, created_at, updated_at) VALUES (1, 1, 2, 1, 'Send the deck', '2026-01-10',"
            " 'open', :now, :now)"
        ),
        {"now": NOW},
    )


def test_0019_adds_reviews_beside_existing_follow_ups(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, BEFORE)
    with engine.begin() as connection:
        _people_and_a_note(connection)
    migrate.upgrade(app, REVISION)

    with engine.connect() as connection:
        assert connection.execute(text("SELECT review_id FROM follow_ups")).scalar() is None
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO account_reviews (id, client_uuid, account_id, author_id, held_on,"
                " plan_progress, plan_summary, created_at) VALUES (1, :uuid, 1, 1, '2026-01-05',"
                " 'On track', '[]', :now)"
            ),
            {"uuid": "1" * 32, "now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO follow_ups (id, review_id, owner_id, created_by_id, title, due_date,"
                " status, created_at, updated_at) VALUES (2, 1, 2, 1, 'Call the chair',"
                " '2026-01-12', 'open', :now, :now)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO review_acknowledgements (id, review_id, user_id, acknowledged_at)"
                " VALUES (1, 1, 2, :now)"
            ),
            {"now": NOW},
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE follow_ups SET review_id = 1 WHERE id = 1"))  # note too
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO review_acknowledgements (id, review_id, user_id, acknowledged_at)"
                " VALUES (2, 1, 2, :now)"
            ),
            {"now": NOW},
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO review_ratings (id, review_id, competency_key, score, evidence)"
                " VALUES (1, 1, 'team_communication', 5, '')"
            )
        )

    migrate.downgrade(app, BEFORE)
    with engine.connect() as connection:
        # The review's agreement goes with it; the note's follow-up stays.
        assert connection.execute(text("SELECT id FROM follow_ups")).scalars().all() == [1]
    engine.dispose()
