"""Migration 0029 on both databases: the mail queue, password links and reset asks are new
tables beside the people, who are kept; a link goes with its person, a message stays without
one; down and up again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, inspect, select, text
from sqlalchemy.exc import IntegrityError

from coachapp import create_app, migrate
from tests.conftest import settings_for
from tests.migration_rows import NOW, TABLES, insert_person, insert_row, rows_as_they_were

NEW = {"mail_messages", "password_links", "password_reset_requests"}


def test_0029_adds_the_mail_tables_and_keeps_everyone(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0028")
    assert not NEW & set(inspect(engine).get_table_names())
    users = TABLES["users"]
    with engine.begin() as connection:
        person = insert_person(connection)
        read_users = rows_as_they_were(connection, "users")
        before = connection.execute(read_users).all()

    migrate.upgrade(app, "0029")
    assert set(inspect(engine).get_table_names()) >= NEW
    with engine.begin() as connection:
        assert connection.execute(read_users).all() == before
        # The columns left to the database's defaults: not secret.
        connection.execute(
            text(
                "INSERT INTO mail_messages (kind, recipient_id, to_address, subject, body_text,"
                " message_id, dedupe_key, status, attempts, not_before, created_at) VALUES"
                " ('invitation', :person, 'sam@example.com', 's', 'b', '<1@x>', NULL,"
                " 'pending', 0, :now, :now)"
            ),
            {"person": person, "now": NOW},
        )
        assert connection.execute(text("SELECT secret FROM mail_messages")).scalar() in (0, False)
        insert_row(
            connection, "password_links", user_id=person, purpose="invitation",
            token_hash="a" * 64, password_fingerprint="b" * 64, created_at=NOW,
            expires_at=NOW + dt.timedelta(days=7),
        )  # fmt: skip
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_row(
            connection, "mail_messages", kind="x", to_address="a@example.com", subject="s",
            body_text="b", message_id="<1@x>", status="pending", attempts=0, not_before=NOW,
            created_at=NOW, secret=False,
        )  # fmt: skip
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO mail_messages (kind, to_address, subject, body_text, message_id,"
                " status, attempts, not_before, created_at) VALUES ('x', 'a@example.com', 's',"
                " 'b', '<2@x>', 'lost', 0, :now, :now)"
            ),
            {"now": NOW},
        )
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.execute(delete(users).where(users.c.id == person))
        assert connection.execute(select(TABLES["password_links"])).all() == []
        message = connection.execute(select(TABLES["mail_messages"])).one()
        assert message.recipient_id is None and message.to_address == "sam@example.com"

    migrate.downgrade(app, "0028")
    assert not NEW & set(inspect(engine).get_table_names())
    migrate.upgrade(app)
    engine.dispose()
