"""Blind self-rating at 390x844 in Chromium: a rep rates themself on a shared note before
the manager's ratings show, then sees them with the gap and the talking points, and
acknowledges; the director's coaching-quality figures change. Then coach the coach: the
director writes to the manager, who reads it on Today and acknowledges it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bench.blind_rating import acknowledge, coach_the_coach, quality_row, rate_yourself_blind
from coachapp.db import get_session
from coachapp.models import RATING_SCALE, Note, NoteStatus, User
from tests.browser.test_layout import looks_right

pytestmark = pytest.mark.browser

# manager3 and their reps: no other browser test changes their data.
MANAGER = "manager3@example.com"
DIRECTOR = "director@example.com"
LABELS = dict(RATING_SCALE)


def pending_note(app: Flask) -> tuple[int, str, str, dict[str, str]]:
    """A shared note of one of the manager's reps, not yet self-rated: its id, the rep's
    email, the manager's name, and self scores (competency name -> label) two points from
    the manager's on every behaviour the manager scored."""
    with app.app_context():
        db = get_session()
        manager = db.scalars(select(User).where(User.email == MANAGER)).one()
        note = db.scalars(
            select(Note)
            .where(
                Note.manager_id == manager.id,
                Note.status == NoteStatus.SHARED,
                Note.self_rated_at.is_(None),
                Note.self_rating_skipped_at.is_(None),
            )
            .order_by(Note.id)
        ).first()
        assert note is not None, "the demo leaves some of manager3's notes unacknowledged"
        scores = {
            r.competency.name: LABELS[4 if r.score <= 2 else 1]
            for r in note.ratings
            if r.score is not None
        }
        return note.id, note.rep.email, manager.name, scores


def test_blind_self_rating_then_the_gap_then_the_figures(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: Any
) -> None:
    note_id, rep_email, manager_name, scores = pending_note(live_app)
    director = signed_in_phone(DIRECTOR)
    before = quality_row(director, manager_name)
    rep = signed_in_phone(rep_email)

    rep.goto(f"/notes/{note_id}")
    looks_right(rep)
    # Nothing of the manager's ratings yet: the scale labels are only on the rep's own form.
    expect(rep.locator(".rating-row")).to_have_count(0)
    rate_yourself_blind(rep, note_id, scores)
    looks_right(rep)
    expect(rep.get_by_role("heading", name="Talking points")).to_be_visible()
    expect(rep.locator(".gap-big").first).to_contain_text("talking point")
    comment = rep.get_by_label("Your comment (optional)")
    expect(comment).to_have_value(re.compile(r"I rated myself .+, you rated me .+\."))
    acknowledge(rep, note_id)

    after = quality_row(director, manager_name)
    assert after != before, (before, after)
    looks_right(director)


def test_coach_the_coach_on_phones(live_app: Flask, signed_in_phone: Callable[..., Page]) -> None:
    with live_app.app_context():
        manager_id = get_session().scalars(select(User.id).where(User.email == MANAGER)).one()
    director = signed_in_phone(DIRECTOR)
    manager = signed_in_phone(MANAGER)
    coach_the_coach(
        director,
        manager,
        manager_id,
        {
            "Situation": "Your team meeting on Monday: the pipeline review.",
            "Action": "You let each rep present their own at-risk goal before you spoke.",
            "Result": "Two reps asked for a ride-along. Keep the format.",
        },
        "Thanks, I will keep it and add the MSL.",
    )
    looks_right(director)
    looks_right(manager)
