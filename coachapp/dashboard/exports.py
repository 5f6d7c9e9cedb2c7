"""CSV exports for the viewer's scope: the cadence table and the coaching notes.

The cadence table comes from the same figures as the pages and the API. Notes are those the
viewer may read (coachapp.policy): never a private note, never someone else's draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session, joinedload, selectinload

from coachapp import policy
from coachapp.coaching.cadence import CADENCE_LABELS, RIDE_ALONG_LABELS, window_start
from coachapp.csvfiles import csv_text, in_the_readers_language, in_the_readers_words
from coachapp.dashboard.service import CadenceFilters, TeamFigures, teams_of
from coachapp.languages import N_, gettext
from coachapp.models import (
    FUNCTION_LABELS,
    NOTE_TYPE_LABELS,
    FollowUpStatus,
    Function,
    Note,
    NoteRating,
    User,
)
from coachapp.models.coaching import NOTE_STATUS_LABELS

# The exports' headers in the reader's language (files people read, never imported back).
CADENCE_COLUMNS = (
    N_("manager_email"),
    N_("manager_name"),
    N_("rep_id"),
    N_("rep_email"),
    N_("rep_name"),
    N_("function"),
    N_("region"),
    N_("status"),
    N_("last_coached_on"),
    N_("days_since_last"),
    N_("target_days"),
    N_("next_due_on"),
    N_("window_start"),
    N_("window_end"),
    N_("sessions_in_window"),
    N_("ride_alongs_in_window"),
    N_("last_ride_along_on"),
    N_("days_since_ride_along"),
    N_("ride_along_target_days"),
    N_("ride_along_status"),
    N_("open_follow_ups"),
    N_("overdue_follow_ups"),
    N_("follow_ups_due_in_window"),
    N_("follow_ups_done_in_window"),
    N_("notes_shared_in_window"),
    N_("notes_acknowledged_in_window"),
    N_("acknowledged_share"),
    N_("median_hours_to_acknowledge"),
    N_("notes_acknowledged_late_in_window"),
    N_("notes_past_deadline"),
    N_("focus_competencies"),
)

NOTE_COLUMNS = (
    N_("session_id"),
    N_("occurred_on"),
    N_("type"),
    N_("status"),
    N_("rep_email"),
    N_("rep_name"),
    N_("rep_function"),
    N_("rep_region"),
    N_("manager_email"),
    N_("manager_name"),
    N_("account"),
    N_("shared_at"),
    N_("acknowledged_at"),
    N_("hours_to_acknowledge"),
    N_("ratings_given"),
    N_("average_rating"),
    N_("ratings"),
    N_("strengths"),
    N_("development_focus"),
    N_("acknowledgement_comment"),
    N_("follow_ups"),
    N_("open_follow_ups"),
)


def cadence_csv(
    db: Session, viewer: User, filters: CadenceFilters, now: dt.datetime, today: dt.date
) -> str:
    teams, _ = teams_of(db, viewer, filters, now, today)
    return csv_text(in_the_readers_language(CADENCE_COLUMNS), _cadence_lines(teams))


def _cadence_lines(teams: Sequence[TeamFigures]) -> Iterator[list[Any]]:
    for team in teams:
        manager = team.manager
        for row in team.rows:
            rep, c = row.rep, row.cadence
            yield [
                manager.email if manager else "",
                manager.name if manager else "",
                rep.id,
                rep.email,
                rep.name,
                in_the_readers_words(rep.function.value, FUNCTION_LABELS),
                rep.region,
                in_the_readers_words(c.status.value, CADENCE_LABELS),
                _date(c.last_coached_on),
                _number(c.days_since_last),
                c.target_days,
                _date(c.next_due_on),
                c.window_start.isoformat(),
                c.today.isoformat(),
                c.sessions_in_window,
                c.ride_alongs_in_window,
                _date(c.last_ride_along_on),
                _number(c.days_since_ride_along),
                c.ride_along_target_days,
                in_the_readers_words(c.ride_along_status.value, RIDE_ALONG_LABELS),
                c.open_follow_ups,
                c.overdue_follow_ups,
                c.follow_ups_due,
                c.follow_ups_done,
                c.notes_shared,
                c.notes_acknowledged,
                _number(c.acknowledged_share, 3),
                _number(c.median_hours_to_acknowledge, 1),
                c.notes_acknowledged_late,
                c.notes_past_deadline,
                "; ".join(f.name for f in c.focus),
            ]


def notes_csv(db: Session, viewer: User, filters: CadenceFilters, today: dt.date) -> str:
    """Notes the viewer may read, dated in the window ending today, newest first."""
    rep = User
    query = (
        policy.visible_notes(viewer)
        .join(rep, rep.id == Note.rep_id)
        .where(
            Note.occurred_on >= window_start(today, filters.window_days),
            Note.occurred_on <= today,
        )
        .options(
            joinedload(Note.rep),
            joinedload(Note.manager),
            joinedload(Note.account),
            selectinload(Note.ratings).joinedload(NoteRating.competency),
            selectinload(Note.follow_ups),
        )
        .order_by(Note.occurred_on.desc(), Note.id.desc())
    )
    if filters.region:
        query = query.where(rep.region == filters.region)
    if filters.function:
        query = query.where(rep.function == Function(filters.function))
    if filters.manager_id is not None:
        query = query.where(rep.manager_id == filters.manager_id)
    if filters.under is not None:
        query = query.where(rep.id.in_(policy.subtree_ids_of(filters.under)))
    notes = policy.as_seen_by(db, viewer, db.scalars(query).unique().all())
    return csv_text(in_the_readers_language(NOTE_COLUMNS), (_note_line(s) for s in notes))


def _note_line(note: Note) -> list[Any]:
    # Private notes are deliberately absent: no column reads them.
    scored = [r.score for r in note.ratings if r.score is not None]
    hours = None
    if note.shared_at and note.acknowledged_at:
        hours = (note.acknowledged_at - note.shared_at).total_seconds() / 3600
    unobserved = gettext("not observed")
    ratings = "; ".join(
        f"{r.competency.name}: {r.score if r.score is not None else unobserved}"
        for r in note.ratings
    )
    return [
        note.id,
        note.occurred_on.isoformat(),
        in_the_readers_words(note.type.value, NOTE_TYPE_LABELS) if note.type else "",
        in_the_readers_words(note.status.value, NOTE_STATUS_LABELS),
        note.rep.email,
        note.rep.name,
        in_the_readers_words(note.rep.function.value, FUNCTION_LABELS),
        note.rep.region,
        note.manager.email,
        note.manager.name,
        note.account.name if note.account else "",
        _moment(note.shared_at),
        _moment(note.acknowledged_at),
        _number(hours, 1),
        len(scored),
        _number(sum(scored) / len(scored) if scored else None, 2),
        ratings,
        note.strengths,
        note.development_focus,
        note.ack_comment or "",
        len(note.follow_ups),
        sum(1 for f in note.follow_ups if f.status == FollowUpStatus.OPEN),
    ]


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _moment(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else ""


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    return str(round(value)) if digits == 0 else f"{value:.{digits}f}"
