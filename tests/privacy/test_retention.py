"""Retention (coachapp.privacy.retention): the setting and its field errors, the dry run that
is exactly the run, the worker's daily job and the command, and erasure of leavers that keeps
every figure directors read."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import worker
from coachapp.dashboard.summaries import compute
from coachapp.db import utcnow
from coachapp.models import (
    AuditEvent,
    CoachTheCoachNote,
    Note,
    NoteStatus,
    Notification,
    PushSubscription,
    RetentionSetting,
    User,
)
from coachapp.privacy import retention
from tests.builders import Org, make_coach_note, make_note
from tests.conftest import signed_in

NOW = utcnow()


def _set(db: Session, leaver_days: int | None, draft_days: int | None) -> None:
    db.merge(
        RetentionSetting(
            id=retention.SETTING_ID, leaver_content_days=leaver_days, draft_days=draft_days
        )
    )
    db.commit()


def _left(db: Session, person: User, days_ago: int) -> None:
    person.active = False
    db.flush()
    person.left_at = NOW - dt.timedelta(days=days_ago)
    db.commit()


def _gone(db: Session, model: Any, row_id: int) -> bool:
    return db.scalar(select(model.id).where(model.id == row_id)) is None


def _aged(db: Session, org: Org, days_ago: int) -> tuple[Note, CoachTheCoachNote]:
    """A coaching draft and a coach-the-coach draft last changed `days_ago`."""
    p = org.people
    note = make_note(db, p["manager"], p["rep2"], NoteStatus.DRAFT)
    coach_note = make_coach_note(db, p["director"], p["manager"], NoteStatus.DRAFT)
    db.commit()
    then = NOW - dt.timedelta(days=days_ago)
    for row in (note, coach_note):
        db.execute(
            type(row).__table__.update().where(type(row).id == row.id).values(updated_at=then)
        )
    db.commit()
    return note, coach_note


def test_nothing_is_removed_while_no_retention_is_set(db: Session, org: Org) -> None:
    _aged(db, org, 400)
    _left(db, org.people["far_rep"], 400)
    removal = retention.planned(db, NOW)
    assert removal.setting.off and removal.empty
    assert retention.apply(db, None, NOW).empty
    assert not db.scalars(select(AuditEvent).where(AuditEvent.action == "retention.apply")).all()


def test_the_dry_run_lists_exactly_what_the_run_removes(db: Session, org: Org, app: Flask) -> None:
    _set(db, leaver_days=90, draft_days=30)
    old_note, old_coach_note = _aged(db, org, 45)
    fresh_note, fresh_coach_note = _aged(db, org, 3)
    p = org.people
    _left(db, p["far_rep"], 120)  # past its time
    _left(db, p["other_rep"], 10)  # not yet
    created = AuditEvent(
        action="user.create",
        object_type="user",
        object_id=p["far_rep"].id,
        details={"email": p["far_rep"].email, "role": "rep"},
    )
    db.add(created)
    db.commit()
    with app.app_context():
        dry = retention.planned(db, NOW)
        assert dry.keys() == {
            "coaching_notes": [old_note.id],
            "coach_the_coach_notes": [old_coach_note.id],
            "leavers": [p["far_rep"].id],
        }
        # The organisation's own drafts (the org's "draft" note is fresh) are not listed.
        done = retention.apply(db, None, NOW)
    assert done.keys() == dry.keys()
    assert done.lines() == dry.lines()
    assert _gone(db, Note, old_note.id) and not _gone(db, Note, fresh_note.id)
    assert _gone(db, CoachTheCoachNote, old_coach_note.id)
    assert not _gone(db, CoachTheCoachNote, fresh_coach_note.id)
    db.expire_all()
    assert db.get(User, p["far_rep"].id).name == retention.erased_name(p["far_rep"].id)
    assert db.get(User, p["other_rep"].id).name == "Oli Other"
    # The audit trail about them keeps what was done, not their email.
    assert db.get(AuditEvent, created.id).details == {
        "email": retention.erased_email(p["far_rep"].id),
        "role": "rep",
    }
    (entry,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "retention.apply")).all()
    assert entry.details["leavers"] == [p["far_rep"].id]
    assert entry.details["coaching_notes"] == [old_note.id]
    # Done once: the next run finds nothing.
    assert retention.planned(db, NOW).empty


def test_the_command_prints_the_dry_run_then_applies_it(runner: Any, db: Session, org: Org) -> None:
    assert "No retention is set" in runner.invoke(args=["retention", "--dry-run"]).output
    _set(db, leaver_days=30, draft_days=30)
    old_note, _ = _aged(db, org, 60)
    _left(db, org.people["far_rep"], 60)
    dry = runner.invoke(args=["retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"draft coaching note {old_note.id}" in dry.output
    assert "erase Fran Far" in dry.output
    assert "Would remove: 2 draft(s) never shared, 1 leaver(s) erased." in dry.output
    assert not _gone(db, Note, old_note.id)  # a dry run removes nothing
    applied = runner.invoke(args=["retention"])
    assert applied.exit_code == 0, applied.output
    assert applied.output.splitlines()[:-1] == dry.output.splitlines()[:-1]
    assert "Removed: 2 draft(s) never shared, 1 leaver(s) erased." in applied.output
    assert _gone(db, Note, old_note.id)
    assert "Would remove: 0 draft(s)" in runner.invoke(args=["retention", "--dry-run"]).output


def test_the_worker_applies_it_as_a_daily_job(db: Session, org: Org, app: Flask) -> None:
    assert worker.JOBS["retention"] == (worker.apply_retention, "RETENTION_INTERVAL_SECONDS")
    assert app.config["RETENTION_INTERVAL_SECONDS"] == 86400
    _set(db, leaver_days=None, draft_days=30)
    old_note, _ = _aged(db, org, 31)
    with app.app_context():
        assert worker.apply_retention(db) == 2
    assert _gone(db, Note, old_note.id)


def _figures(db: Session) -> str:
    """Every stored dashboard figure (directors' and managers'), as the worker computes them."""
    rows = compute(db, NOW).rows
    return json.dumps({repr(key): rows[key] for key in sorted(rows, key=repr)}, sort_keys=True)


def _cadence_api(client: Any) -> Any:
    """The director's cadence and quality figures over the API, without names and emails (the
    erased manager's team is still there, under the anonymised name)."""

    def figures_only(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: figures_only(inner)
                for key, inner in value.items()
                if "name" not in key and "email" not in key
            }
        if isinstance(value, list):  # in any order: teams are listed by their manager's name
            return sorted((figures_only(inner) for inner in value), key=json.dumps)
        return value

    return [
        figures_only(client.get(path).json)
        for path in ("/api/v1/cadence", "/api/v1/cadence/teams", "/api/v1/cadence/quality")
    ]


def test_erasure_keeps_every_figure_directors_read(db: Session, org: Org, app: Flask) -> None:
    p = org.people
    make_note(db, p["manager"], p["rep2"], NoteStatus.SHARED, ack_comment="My own words")
    db.add(
        PushSubscription(
            user_id=p["manager"].id, endpoint="https://push.example.net/x", p256dh="k", auth="a"
        )
    )
    db.commit()
    # A manager who left (their notes about reps still here count) and a rep who left.
    _left(db, p["manager"], 400)
    _left(db, p["other_rep"], 400)
    director = signed_in(app, org, "director")
    figures_before, api_before = _figures(db), _cadence_api(director)
    _set(db, leaver_days=365, draft_days=None)
    with app.app_context():
        done = retention.apply(db, None, NOW)
    assert {leaver.id for leaver in done.leavers} == {p["manager"].id, p["other_rep"].id}
    db.expire_all()
    assert _figures(db) == figures_before
    assert _cadence_api(director) == api_before
    manager = db.get(User, p["manager"].id)
    assert manager.name == retention.erased_name(manager.id)
    assert manager.email.endswith("@erased.invalid") and manager.erased_at is not None
    # Their private notes and what served them alone are gone; the notes' rows stay.
    notes = db.scalars(select(Note).where(Note.manager_id == manager.id)).all()
    assert notes and all(note.private_notes == "" for note in notes)
    assert all(note.strengths for note in notes if note.rep_id != p["other_rep"].id)
    assert not db.scalars(
        select(PushSubscription).where(PushSubscription.user_id == manager.id)
    ).all()
    assert not db.scalars(select(Notification).where(Notification.recipient_id == manager.id)).all()
    # The notes about the rep who left keep their dates and scores, not their words.
    about_leaver = db.scalars(select(Note).where(Note.rep_id == p["other_rep"].id)).all()
    assert about_leaver and all(n.strengths == "" and n.ratings for n in about_leaver)
    assert all(r.score is not None for n in about_leaver for r in n.ratings)


def test_the_admin_page_shows_the_next_run_and_refuses_bad_settings(
    app: Flask, org: Org, db: Session
) -> None:
    _set(db, leaver_days=None, draft_days=30)
    _aged(db, org, 45)
    admin = signed_in(app, org, "admin")
    page = admin.get("/admin/retention").get_data(as_text=True)
    assert "What the next run removes" in page
    assert "A coaching note by Morgan Manager about Robin Key" in page
    for value, message in (("abc", "A whole number of days"), ("5", "from 30 to 3650")):
        refused = admin.post_form("/admin/retention", {"leaver_content_days": value})
        assert refused.status_code == 422
        body = refused.get_data(as_text=True)
        assert 'id="leaver_content_days-error"' in body and message in body
    refused = admin.post_form("/admin/retention", {"draft_days": "99999"})
    assert refused.status_code == 422 and 'id="draft_days-error"' in refused.get_data(as_text=True)
    saved = admin.post_form("/admin/retention", {"leaver_content_days": "365", "draft_days": ""})
    assert saved.status_code == 302
    db.expire_all()
    assert retention.retention(db) == retention.Retention(365, None)
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "retention.setting")).all()
    for outsider in ("manager", "director", "rep"):
        assert signed_in(app, org, outsider).get("/admin/retention").status_code == 404


def test_leaving_is_dated_and_coming_back_clears_it(db: Session, org: Org) -> None:
    rep = org.people["rep"]
    assert rep.left_at is None
    rep.active = False
    db.commit()
    assert rep.left_at is not None
    rep.active = True
    db.commit()
    assert rep.left_at is None
