"""Migration 0035 on both databases: each person gets a language, empty (their browser's) for
everyone so far, with everything else kept; down and up again."""

from __future__ import annotations

from sqlalchemy import inspect, select

from coachapp import create_app, migrate
from tests.conftest import settings_for
from tests.migration_rows import NOW, TABLES, insert_person, rows_as_they_were


def test_0035_gives_everyone_their_browsers_language_and_keeps_them(
    empty_database_url: str,
) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0034")
    users = TABLES["users"]
    with engine.begin() as connection:
        insert_person(connection, "sam@example.com")
        insert_person(connection, "ana@example.com", name="Ana", timezone="Europe/Madrid")
        read_users = rows_as_they_were(connection, "users")
        before = connection.execute(read_users).all()

    migrate.upgrade(app, "0035")
    with engine.begin() as connection:
        assert connection.execute(read_users).all() == before
        assert connection.execute(select(users.c.language)).scalars().all() == ["", ""]
        connection.execute(
            users.update().where(users.c.name == "Ana").values(language="es", updated_at=NOW)
        )

    migrate.downgrade(app, "0034")
    assert "language" not in {c["name"] for c in inspect(engine).get_columns("users")}
    with engine.begin() as connection:
        assert connection.execute(read_users).all() == before
    migrate.upgrade(app, "head")
    engine.dispose()
