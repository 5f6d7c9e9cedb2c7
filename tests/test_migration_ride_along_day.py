"""Migration 0010 on a database that already has planned ride-alongs and follow-ups."""

from __future__ import annotations

from sqlalchemy import inspect, text

from coachapp import create_app, migrate
from tests.conftest import settings_for

NOW = "2026-01-01 00:00:00+00:00"


def test_0010_keeps_planned_ride_alongs_and_follow_ups(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0009")
    with engine.begin() as connection:
        for user_id, role in ((1, "manager"), (2, "rep")):
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, role, function, timezone,"
                    " active, region, created_at, updated_at) VALUES (:id, :email, 'A', 'x',"
                    " :role, 'sales', 'UTC', true, '', :now, :now)"
                ),
                {"id": user_id, "email": f"{role}@example.com", "role": role, "now": NOW},
            )
        connection.execute(
            text(
                "INSERT INTO planned_ride_alongs (id, manager_id, rep_id, day, note, uid,"
                " created_at) VALUES (1, 1, 2, '2026-02-03', 'Bring samples',"
                " '6f1c8c9e-2f7b-4a55-9a43-3c2f0e7b1a11', :now)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO follow_ups (id, owner_id, created_by_id, title, due_date, status,"
                " created_at, updated_at) VALUES (1, 2, 1, 'Send the dossier', '2026-02-01',"
                " 'open', :now, :now)"
            ),
            {"now": NOW},
        )
    migrate.upgrade(app)
    with engine.connect() as connection:
        ride = connection.execute(
            text(
                "SELECT help_request, prepared_at, guide_version_id, session_id, version,"
                " updated_at, note FROM planned_ride_alongs"
            )
        ).one()
        assert ride.help_request == "" and ride.prepared_at is None
        assert ride.guide_version_id is None and ride.session_id is None
        assert ride.version == 1 and ride.updated_at is not None
        assert ride.note == "Bring samples"
        assert connection.execute(text("SELECT evidence FROM follow_ups")).scalar_one() is None
    migrate.downgrade(app, "0009")
    columns = {c["name"] for c in inspect(engine).get_columns("planned_ride_alongs")}
    assert "help_request" not in columns and "note" in columns
    assert "ride_along_calls" not in inspect(engine).get_table_names()
    engine.dispose()
