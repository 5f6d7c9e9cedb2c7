"""Migration 0020 on both databases: the observations table, one client_uuid per author, and a
discarded note (deleted) letting its observations go (ON DELETE SET NULL); down again."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Connection, inspect, select
from sqlalchemy.exc import IntegrityError

from coachapp import create_app, migrate
from tests.conftest import settings_for
from tests.migration_rows import NOW, TABLES, insert_row


def _person(connection: Connection, n: int, role: str, manager_id: int | None = None) -> int:
    return insert_row(
        connection, "users", email=f"person{n}@example.com", name=f"Person {n}",
        password_hash="x", role=role, function="sales", timezone="UTC", active=True,
        manager_id=manager_id, region="", must_change_password=False,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def test_0020_keeps_observations_and_lets_them_go_with_their_note(
    empty_database_url: str,
) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0019")
    assert "observations" not in inspect(engine).get_table_names()
    migrate.upgrade(app, "0020")
    foreign = {fk["referred_table"]: fk for fk in inspect(engine).get_foreign_keys("observations")}
    assert foreign["coaching_sessions"]["options"].get("ondelete") == "SET NULL"

    key = uuid.uuid4()
    with engine.begin() as connection:
        manager = _person(connection, 1, "manager")
        author = _person(connection, 2, "manager")
        subject = _person(connection, 3, "rep", manager)
        account = insert_row(
            connection, "accounts", name="Acme Health", type="idn", region="West", created_at=NOW
        )
        guide = insert_row(connection, "coaching_guides", name="Guide", description="",
                        target_functions=[], created_at=NOW)  # fmt: skip
        version = insert_row(connection, "guide_versions", guide_id=guide, number=1,
                          status="published", created_at=NOW)  # fmt: skip
        section = insert_row(connection, "guide_sections", version_id=version, position=0,
                          title="Collaboration")  # fmt: skip
        competency = insert_row(connection, "competencies", section_id=section, position=0,
                             key="cross_functional_collaboration", name="Collaboration",
                             indicators=[], questions=[])  # fmt: skip
        note = insert_row(
            connection, "coaching_sessions", client_uuid=uuid.uuid4(), manager_id=manager,
            rep_id=subject, guide_version_id=version, occurred_on=NOW.date(), status="draft",
            strengths="", development_focus="", private_notes="", version=1,
            created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        observation = insert_row(
            connection, "observations", client_uuid=key, author_id=author, subject_id=subject,
            account_id=account, competency_id=competency, text="Seen at the IDN.",
            routed_to_id=manager, note_id=note, created_at=NOW,
        )  # fmt: skip
        # Another author may use the same client_uuid.
        insert_row(
            connection, "observations", client_uuid=key, author_id=manager, subject_id=subject,
            account_id=account, competency_id=competency, text="Also seen.",
            routed_to_id=manager, created_at=NOW,
        )  # fmt: skip

    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_row(
            connection, "observations", client_uuid=key, author_id=author, subject_id=subject,
            account_id=account, competency_id=competency, text="Twice.",
            routed_to_id=manager, created_at=NOW,
        )  # fmt: skip

    observations = TABLES["observations"]
    with engine.begin() as connection:
        connection.execute(TABLES["coaching_sessions"].delete())
        left = connection.execute(
            select(observations.c.note_id).where(observations.c.id == observation)
        ).scalar_one()
    assert left is None

    migrate.downgrade(app, "0019")
    assert "observations" not in inspect(engine).get_table_names()
    migrate.upgrade(app)
    engine.dispose()
