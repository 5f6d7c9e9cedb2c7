"""Database engine, the declarative base and the per-request ORM session."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, MetaData, String, cast, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored and returned as timezone-aware UTC on every database.

    SQLite keeps no offset, so naive values read back are declared UTC; naive
    values written are refused, which catches local-time mistakes early.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class iso_day(FunctionElement[str]):
    """A date as ISO text in a query (YYYY-MM-DD, as date.isoformat() writes it), whatever the
    server's DateStyle: for keys built in SQL that Python reads back and compares."""

    type = String()
    name = "iso_day"
    inherit_cache = True


@compiles(iso_day)
def _iso_day(element: iso_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps a date as that very text.
    (day,) = element.clauses
    return compiler.process(cast(day, String), **kw)


@compiles(iso_day, "postgresql")
def _iso_day_postgresql(element: iso_day, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = element.clauses
    return f"to_char({compiler.process(day, **kw)}, 'YYYY-MM-DD')"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


def insert_for(db: Session) -> Any:
    """The INSERT construct of the session's database, for ON CONFLICT DO NOTHING."""
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 15)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, begin transactions, so SAVEPOINTs work.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # IMMEDIATE: a transaction that reads and then writes cannot fail at its first
            # write because another request wrote meanwhile (SQLite answers that at once,
            # without waiting); writers queue for the lock within the busy timeout instead.
            # A connection that only reads may ask for a plain BEGIN (see ping).
            mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _postgresql_settings(dbapi_connection: Any, _record: Any) -> None:
        # No JIT compilation: the app's statements are short, and a plan PostgreSQL costs
        # above jit_above_cost (a recursive subtree's row estimate is enough) spent 350 ms
        # compiling a query that ran in 25 ms (a director's account teams, 2,521 reps).
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()

    return engine


class Database:
    """What the app keeps about its database: the engine and a session factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker: sessionmaker[Session] = sessionmaker(bind=engine, expire_on_commit=False)


def init_app(app: Flask) -> None:
    app.extensions["coachapp.db"] = Database(build_engine(app.config["DATABASE_URL"]))
    app.teardown_appcontext(_close_session)


def database() -> Database:
    db: Database = current_app.extensions["coachapp.db"]
    return db


def get_session() -> Session:
    """The ORM session of the current app context, created on first use."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except SQLAlchemyError as exc:
            # The answer is made; the connection under its transaction went away since (the
            # server restarted). Drop the connection rather than spoil the answer.
            if not database_unavailable(exc):
                raise
            session.invalidate()


# SQLite raises OperationalError for a missing table too; only these result codes (busy,
# locked, I/O error, cannot open) say the database is unavailable rather than wrong.
SQLITE_UNAVAILABLE = {5, 6, 10, 14}


def database_unavailable(error: BaseException) -> bool:
    """The database went away (a restart, a failover) or could not be had in time (a lock,
    every pooled connection busy): trying again later may work; nothing else is wrong."""
    if isinstance(error, PoolTimeout | InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    if isinstance(error.orig, sqlite3.Error):
        return getattr(error.orig, "sqlite_errorcode", 0) & 0xFF in SQLITE_UNAVAILABLE
    return True  # PostgreSQL's operational errors: connection lost, shutting down, ...


def discard_session() -> None:
    """Drops the request's session after its database went away: closing it may fail too,
    and anything later in the request gets a new session (and a pre-pinged connection)."""
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except SQLAlchemyError:
            session.invalidate()


def ping() -> None:
    """The database answers (a read: it does not queue behind writers)."""
    with database().engine.connect() as connection:
        connection.execution_options(sqlite_begin="DEFERRED").execute(text("SELECT 1"))
