"""The demo organisation, row by row: seeding it again gives exactly the recorded demo.

tests/fixtures/demo_seed.jsonl holds every row the demo creates, with ids replaced by what
they point at (an email, an account's name, a note's client_uuid, a competency's key),
dates and times written relative to the day seeded ("day-3 15:42:07") and the columns the
database fills with the real time of seeding written as "seeding time", plus the number of
rows in every table; of the regions `--scale 3` adds, only a digest. A change to the demo
data or to how it is generated shows up here as a diff to review; when the change is meant,
rewrite the file and commit it with the change:

    COACHAPP_UPDATE_DEMO_SNAPSHOT=1 COACHAPP_TEST_BACKENDS=sqlite \
        .venv/bin/pytest -q tests/test_demo_snapshot.py
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import hashlib
import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from coachapp.auth.passwords import verify_password
from coachapp.db import Base, utcnow
from coachapp.demo import DEMO_PASSWORD, seed_demo

TODAY = dt.date(2026, 11, 20)
SCALE = 3
SNAPSHOT = Path(__file__).parent / "fixtures" / "demo_seed.jsonl"
UPDATE = os.environ.get("COACHAPP_UPDATE_DEMO_SNAPSHOT") == "1"

# The default coaching guide is seeded by coachapp.coaching.default_guide, not by the demo:
# only its row counts are recorded here.
COUNTED_ONLY = frozenset({"coaching_guides", "guide_versions", "guide_sections", "competencies"})
# Sign-in throttling records failed attempts in a transaction of their own (they must outlast
# the refused request), so other tests on the same database leave rows there; the demo signs
# nobody in and writes none.
NOT_THE_DEMOS = frozenset({"login_attempts"})

# What a reference to a row of these tables is written as, instead of its id.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "users": ("email",),
    "accounts": ("name",),
    "account_plans": ("account_id", "period"),
    "plan_goals": ("plan_id", "position"),
    "coaching_sessions": ("client_uuid",),
    "coaching_guides": ("name",),
    "guide_versions": ("guide_id", "number"),
    "guide_sections": ("version_id", "position"),
    "competencies": ("key",),
    "account_reviews": ("client_uuid",),
    "follow_ups": ("session_id", "review_id", "title"),
    "development_focuses": ("rep_id", "competency_key", "period"),
    "journeys": ("competency_key",),
    "journey_versions": ("journey_id", "number"),
    "journey_steps": ("version_id", "position"),
    "journey_enrolments": ("focus_id",),
    "journey_progress": ("enrolment_id", "step_id"),
}


class Normaliser:
    """Rows as JSON-ready dicts that do not depend on ids, the backend or the seeding day."""

    def __init__(
        self, db: Session, today: dt.date, seeding: tuple[dt.datetime, dt.datetime]
    ) -> None:
        self.db = db
        self.today = today
        self.seeding = seeding
        self.midnight = dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)
        self.labels: dict[str, dict[int, str]] = {}
        for name in NATURAL_KEYS:
            self._label_table(Base.metadata.tables[name])

    def _label_table(self, table: Table) -> None:
        columns = [table.c.id, *(table.c[key] for key in NATURAL_KEYS[table.name])]
        labels: dict[int, str] = {}
        for row in self.db.execute(select(*columns)).all():
            parts = []
            for column, value in zip(columns[1:], row[1:], strict=True):
                parts.append(str(self._reference(column, value)) if column.foreign_keys else value)
            labels[row[0]] = "/".join(str(part) for part in parts)
        self.labels[table.name] = labels

    def _reference(self, column: Any, value: Any) -> Any:
        if value is None:
            return None
        (foreign_key,) = column.foreign_keys
        target = foreign_key.column.table.name
        if target not in NATURAL_KEYS:
            raise AssertionError(
                f"{column.table.name}.{column.name} points at {target}: add a natural key "
                "for it to NATURAL_KEYS"
            )
        if target not in self.labels:
            self._label_table(Base.metadata.tables[target])
        return self.labels[target][value]

    def moment(self, value: dt.datetime) -> str:
        if self.seeding[0] <= value <= self.seeding[1]:
            return "seeding time"
        delta = value - self.midnight
        clock = (dt.datetime.min + dt.timedelta(seconds=delta.seconds)).time()
        return f"day{delta.days:+d} {clock.isoformat()}.{delta.microseconds:06d}"

    def day(self, value: dt.date) -> str:
        return f"day{(value - self.today).days:+d}"

    def value(self, column: Any, value: Any) -> Any:
        if column.foreign_keys:
            return self._reference(column, value)
        if column.name == "password_hash":
            return "demo-password" if verify_password(value, DEMO_PASSWORD) else "other"
        return self.plain(value)

    def plain(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return self.moment(value)
        if isinstance(value, dt.date):
            return self.day(value)
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, dt.time):
            return value.isoformat()
        if isinstance(value, Mapping):
            return {key: self.json_field(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.plain(item) for item in value]
        return value

    def json_field(self, key: str, value: Any) -> Any:
        """Inside JSON columns (a self-assessment): competency ids and ISO times."""
        if key == "competency_id" and isinstance(value, int):
            return self.labels["competencies"][value]
        if key == "at" and isinstance(value, str):
            return self.moment(dt.datetime.fromisoformat(value))
        return self.plain(value)

    def rows(self, table: Table) -> list[str]:
        lines = []
        for row in self.db.execute(select(table)).mappings():
            record = {
                column.name: self.value(column, row[column.name])
                for column in table.columns
                if not (column.primary_key and column.name == "id")
            }
            lines.append(json.dumps({"table": table.name, **record}, ensure_ascii=False))
        return sorted(lines)


def snapshot(db: Session, today: dt.date, seeding: tuple[dt.datetime, dt.datetime]) -> list[str]:
    """Row counts of every table, then every row the demo created, in a stable order."""
    normaliser = Normaliser(db, today, seeding)
    tables = [t for t in Base.metadata.sorted_tables if t.name not in NOT_THE_DEMOS]
    lines = [
        json.dumps(
            {"table": table.name, "count": db.scalar(select(func.count()).select_from(table))}
        )
        for table in sorted(tables, key=lambda t: t.name)
    ]
    for table in sorted(tables, key=lambda t: t.name):
        if table.name not in COUNTED_ONLY:
            lines += normaliser.rows(table)
    return lines


def digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def read_recorded() -> tuple[list[str], dict[str, str]]:
    lines = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    return lines[1:], header


def differences(expected: list[str], actual: list[str], limit: int = 60) -> str:
    diff = list(difflib.unified_diff(expected, actual, "recorded", "seeded", lineterm="", n=0))
    shown = "\n".join(diff[:limit])
    more = f"\n... {len(diff) - limit} more diff lines" if len(diff) > limit else ""
    return f"{shown}{more}\n(rewrite with COACHAPP_UPDATE_DEMO_SNAPSHOT=1 if the change is meant)"


def test_seeding_gives_exactly_the_recorded_demo(db: Session) -> None:
    started = utcnow()
    seed_demo(db, today=TODAY)
    region_one = snapshot(db, TODAY, (started, utcnow()))
    seed_demo(db, scale=SCALE, today=TODAY)
    scaled = digest(snapshot(db, TODAY, (started, utcnow())))

    if UPDATE:
        SNAPSHOT.parent.mkdir(exist_ok=True)
        header = json.dumps({"today": TODAY.isoformat(), f"scale_{SCALE}_sha256": scaled})
        SNAPSHOT.write_text("\n".join([header, *region_one]) + "\n", encoding="utf-8")
        pytest.skip(f"{SNAPSHOT} rewritten: review its diff")

    expected, header = read_recorded()
    if region_one != expected:
        pytest.fail(differences(expected, region_one), pytrace=False)
    assert scaled == header[f"scale_{SCALE}_sha256"], (
        f"regions 2 to {SCALE} of the demo differ from the recorded ones (only a digest of "
        "them is kept); region 1 is the same"
    )
