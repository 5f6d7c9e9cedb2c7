"""Migration 0031 on both databases: preferences saved before it keep every value and get the
daily digest; notifications are kept, none marked as emailed; down and up again."""

from __future__ import annotations

from sqlalchemy import inspect, select, text

from coachapp import create_app, migrate
from tests.conftest import settings_for
from tests.migration_rows import NOW, TABLES, insert_person


def test_0031_gives_saved_preferences_the_digest_and_keeps_notifications(
    empty_database_url: str,
) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0030")
    with engine.begin() as connection:
        person = insert_person(connection)
        # The tables as they were before 0031 (the models hold the new columns).
        connection.execute(
            text(
                "INSERT INTO notification_preferences (user_id, muted_kinds, daily_cap,"
                " updated_at) VALUES (:person, :muted, 3, :now)"
            ),
            {"person": person, "muted": '["cadence_overdue"]', "now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO notifications (recipient_id, kind, title, body, url, dedupe_key,"
                " not_before, status, attempts, push_count, created_at) VALUES (:person,"
                " 'note_shared', 'A note', '', '/inbox', 'k1', :now, 'pending', 0, 0, :now)"
            ),
            {"person": person, "now": NOW},
        )

    migrate.upgrade(app, "0031")
    preferences, notifications = TABLES["notification_preferences"], TABLES["notifications"]
    with engine.begin() as connection:
        kept = connection.execute(select(preferences)).one()
        assert (kept.muted_kinds, kept.daily_cap, kept.email_mode) == (
            ["cadence_overdue"],
            3,
            "digest",
        )
        note = connection.execute(select(notifications)).one()
        assert (note.title, note.emailed_at) == ("A note", None)
    indexes = {i["name"] for i in inspect(engine).get_indexes("notifications")}
    assert "ix_notifications_to_email" in indexes

    migrate.downgrade(app, "0030")
    columns = {c["name"] for c in inspect(engine).get_columns("notifications")}
    assert "emailed_at" not in columns
    migrate.upgrade(app)
    engine.dispose()
