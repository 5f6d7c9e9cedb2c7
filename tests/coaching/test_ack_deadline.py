"""The acknowledgement deadline: N days (3 by default) after the day a note was shared, on the
rep's own calendar; missed notes and late acknowledgements counted in the cadence figures."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.coaching.cadence import (
    DEFAULT_ACK_DEADLINE_DAYS,
    ack_deadline,
    ack_deadline_days,
    load_cadence,
)
from coachapp.config import ConfigError, load_config
from coachapp.models import CadenceTarget, NoteStatus, Role
from tests.builders import make_guide_version, make_note, make_user

UTC = dt.UTC


def moment(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


# Shared at 23:30 UTC on 10 March: still 10 March in New York (18:30), already 11 March in
# Berlin (00:30).
SHARED = moment(3, 10, 23, 30)


@pytest.mark.parametrize(
    ("timezone", "due_on"),
    [
        ("America/New_York", dt.date(2026, 3, 13)),
        ("Europe/Berlin", dt.date(2026, 3, 14)),
        ("UTC", dt.date(2026, 3, 13)),
        ("Pacific/Kiritimati", dt.date(2026, 3, 14)),  # UTC+14
        ("Not/A_Zone", dt.date(2026, 3, 13)),  # an unknown zone reads as UTC
    ],
)
def test_the_deadline_is_three_days_after_the_reps_own_day_of_sharing(
    timezone: str, due_on: dt.date
) -> None:
    deadline = ack_deadline(SHARED, None, timezone, 3, SHARED)
    assert deadline.due_on == due_on
    assert not deadline.missed and deadline.days_left == (due_on - deadline.today).days


def test_missed_at_the_end_of_the_reps_last_day_not_before() -> None:
    # New York: due 13 March; 13 March 23:59 there is 14 March 03:59 UTC.
    last_minute = ack_deadline(SHARED, None, "America/New_York", 3, moment(3, 14, 3, 59))
    assert last_minute.today == dt.date(2026, 3, 13) and not last_minute.missed
    assert last_minute.days_left == 0
    next_day = ack_deadline(SHARED, None, "America/New_York", 3, moment(3, 14, 4, 0))
    assert next_day.today == dt.date(2026, 3, 14) and next_day.missed
    assert next_day.days_over == 1 and next_day.days_left == -1
    # The same instant is still within Berlin's deadline (14 March, 05:00 there).
    assert not ack_deadline(SHARED, None, "Europe/Berlin", 3, moment(3, 14, 4, 0)).missed


def test_acknowledged_late_is_judged_on_the_reps_date_of_acknowledgement() -> None:
    later = moment(3, 20, 12)
    on_time = ack_deadline(SHARED, moment(3, 14, 3, 30), "America/New_York", 3, later)
    assert on_time.acknowledged_on == dt.date(2026, 3, 13)
    assert not on_time.acknowledged_late and not on_time.missed and on_time.days_over == 0
    late = ack_deadline(SHARED, moment(3, 14, 4, 30), "America/New_York", 3, later)
    assert late.acknowledged_late and not late.missed and late.days_over == 1


def test_configured_days_and_the_organisations_own(app: Flask, db: Session) -> None:
    assert ack_deadline_days(db) == DEFAULT_ACK_DEADLINE_DAYS == 3
    with app.app_context():
        app.config["ACK_DEADLINE_DAYS"] = 5
        try:
            assert ack_deadline_days(db) == 5
            db.add(CadenceTarget(team_manager_id=None, ack_deadline_days=2))
            db.flush()
            assert ack_deadline_days(db) == 2  # the organisation's setting wins
        finally:
            app.config["ACK_DEADLINE_DAYS"] = 3


@pytest.mark.parametrize("value", [0, -1, 366, "3", 2.5, True])
def test_a_configured_deadline_is_whole_days(value: object, tmp_path: object) -> None:
    with pytest.raises(ConfigError, match="ACK_DEADLINE_DAYS"):
        load_config(str(tmp_path), {"ACK_DEADLINE_DAYS": value})


def test_cadence_counts_late_acknowledgements_and_notes_past_the_deadline(db: Session) -> None:
    """Judged at 14 March 04:30 UTC: 13 March 23:30 in Chicago, 14 March in New York."""
    now = moment(3, 14, 4, 30)
    version = make_guide_version(db)
    manager = make_user(db, role=Role.MANAGER)
    east = make_user(db, manager_id=manager.id, timezone="America/New_York")
    central = make_user(db, manager_id=manager.id, timezone="America/Chicago")

    def note(rep: object, shared: dt.datetime, acknowledged: dt.datetime | None = None) -> None:
        make_note(
            db, manager, rep,
            NoteStatus.ACKNOWLEDGED if acknowledged else NoteStatus.SHARED,
            guide_version=version, occurred_on=shared.date(), shared_at=shared,
            acknowledged_at=acknowledged,
        )  # fmt: skip

    # Both shared on 10 March local: due 13 March.
    for rep in (east, central):
        note(rep, SHARED)  # still waiting: past the deadline in New York, not in Chicago
        note(rep, SHARED, moment(3, 14, 2))  # acknowledged 13 March local in both: on time
    # The same instant: 14 March 00:15 in New York (late), 13 March 23:15 in Chicago (in time).
    note(east, SHARED, moment(3, 14, 4, 15))
    note(central, SHARED, moment(3, 14, 4, 15))
    # A note from long before the window, still waiting: counted as past its deadline.
    note(east, moment(1, 2, 15))
    db.commit()

    book = load_cadence(db, [east, central], now, window_days=30)
    assert book.ack_deadline_days == 3
    east_figures, central_figures = book.reps[east.id], book.reps[central.id]
    assert (east_figures.notes_acknowledged_late, east_figures.notes_past_deadline) == (1, 2)
    assert (central_figures.notes_acknowledged_late, central_figures.notes_past_deadline) == (0, 0)
    team = book.summary()
    assert (team.notes_acknowledged_late, team.notes_past_deadline) == (1, 2)
    # The old note is not in the 30-day window's figures, only in "past the deadline".
    assert east_figures.notes_shared == central_figures.notes_shared == 3

    # A longer deadline set for the organisation: nothing is late any more.
    db.add(CadenceTarget(team_manager_id=None, ack_deadline_days=10))
    db.commit()
    book = load_cadence(db, [east, central], now, window_days=30)
    assert book.reps[east.id].notes_acknowledged_late == 0
    assert book.reps[east.id].notes_past_deadline == 1  # the January note
