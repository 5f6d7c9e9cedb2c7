"""Migrations 0013 and 0014 on a database that already has devices and notifications: the
devices start with no refusals, and each notification learns its subject from its key."""

from __future__ import annotations

from sqlalchemy import text

from coachapp import create_app, migrate
from tests.conftest import settings_for

NOW = "2026-01-01 00:00:00+00:00"
KEYS = {
    "note_shared:12": "coaching_session:12",
    "note_unacknowledged:12:manager": "coaching_session:12",
    "draft_unfinished:13": "coaching_session:13",
    "follow_up_overdue:5:2026-03-02": "follow_up:5",
    "follow_up_overdue_manager:5:2026-03-02": "follow_up:5",
    "ride_along_tomorrow:7:1:2026-03-03": "ride_along:7",
    "cadence_overdue:1:never": "user:1",
    "coach_note_acknowledged:3": "coach_note:3",
    "weekly_digest:1:2026-W10": None,
    "test:1:20260101": None,
}


def test_existing_devices_and_notifications_are_kept_and_given_their_subject(
    empty_database_url: str,
) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0012")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, function, timezone,"
                " active, region, must_change_password, created_at, updated_at) VALUES (1,"
                " 'rep@example.com', 'A', 'x', 'rep', 'sales', 'UTC', true, '', false, :now, :now)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, user_agent,"
                " created_at, failures) VALUES (1, 1, 'https://push.example.com/1', 'k', 'a',"
                " '', :now, 2)"
            ),
            {"now": NOW},
        )
        for number, key in enumerate(KEYS, start=1):
            connection.execute(
                text(
                    "INSERT INTO notifications (id, recipient_id, kind, title, body, url,"
                    " dedupe_key, not_before, status, attempts, push_count, created_at)"
                    " VALUES (:id, 1, 'test', 'A title', '', '/inbox', :key, :now, 'sent', 1,"
                    " 0, :now)"
                ),
                {"id": number, "key": key, "now": NOW},
            )
    migrate.upgrade(app, "0015")  # 0016 forgets reminders about follow-ups that do not exist
    with engine.connect() as connection:
        device = connection.execute(
            text("SELECT failures, refusals, last_refusal FROM push_subscriptions")
        ).one()
        subjects = dict(
            connection.execute(text("SELECT dedupe_key, subject FROM notifications")).all()
        )
    assert tuple(device) == (2, 0, None)
    assert subjects == KEYS
    engine.dispose()
