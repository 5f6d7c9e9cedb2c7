"""Migration 0038 on both databases: a reset link's ask keeps the language of the page it came
from; asks made before have none (English, as they were written), with everything else kept;
down and up again."""

from __future__ import annotations

from sqlalchemy import inspect, select

from coachapp import create_app, migrate
from tests.conftest import settings_for
from tests.migration_rows import NOW, TABLES, insert_row, rows_as_they_were


def test_0038_gives_earlier_reset_asks_no_language_and_keeps_them(
    empty_database_url: str,
) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0037")
    asks = TABLES["password_reset_requests"]
    ask = {"ip": "10.0.0.1", "at": NOW, "site_url": "https://coaching.example.com"}
    with engine.begin() as connection:
        insert_row(connection, "password_reset_requests", email="sam@example.com", **ask)
        insert_row(connection, "password_reset_requests", email="ana@example.com", **ask)
        read_asks = rows_as_they_were(connection, "password_reset_requests")
        before = connection.execute(read_asks).all()

    migrate.upgrade(app, "0038")
    with engine.begin() as connection:
        assert connection.execute(read_asks).all() == before
        assert connection.execute(select(asks.c.language)).scalars().all() == ["", ""]
        connection.execute(
            asks.update().where(asks.c.email == "ana@example.com").values(language="es")
        )

    migrate.downgrade(app, "0037")
    columns = inspect(engine).get_columns("password_reset_requests")
    assert "language" not in {column["name"] for column in columns}
    with engine.begin() as connection:
        assert connection.execute(read_asks).all() == before
    migrate.upgrade(app, "head")
    engine.dispose()
