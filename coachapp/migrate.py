"""Schema migrations with Alembic, run against the app's own engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask

from coachapp.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _run(app: Flask, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    database: Database = app.extensions["coachapp.db"]
    config = alembic_config(app.config["DATABASE_URL"])
    with database.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection
        if sqlite and raw is not None:
            # SQLite alters a table by copying it and dropping the old one; with foreign keys
            # on, that drop would cascade and delete the rows of every child table.
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                operation(config, *args, **kwargs)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def upgrade(app: Flask, revision: str = "head") -> None:
    _run(app, command.upgrade, revision)


def downgrade(app: Flask, revision: str) -> None:
    _run(app, command.downgrade, revision)


def new_revision(app: Flask, message: str) -> None:
    """Writes a migration from the difference between the models and the database."""
    _run(app, command.revision, message=message, autogenerate=True)


def current(app: Flask) -> None:
    _run(app, command.current)
